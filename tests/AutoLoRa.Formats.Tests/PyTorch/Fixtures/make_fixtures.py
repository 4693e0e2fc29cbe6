#!/usr/bin/python3
"""Writes the PyTorch checkpoint fixtures for AutoLoRa.Formats.Tests.

Run with Debian's python3-torch (1.13):  /usr/bin/python3 make_fixtures.py
Each NAME.pt gets a NAME.expected.json next to it: for every tensor reachable through dicts
and lists, its dotted path -> dtype (safetensors name), shape and the hex of its contiguous
little-endian bytes, so the C# reader can be compared byte for byte.
"""
import collections
import json
import pickletools
import zipfile

import torch
import torch.nn as nn

torch.manual_seed(1234)
HERE = __import__("os").path.dirname(__file__) or "."

DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16",
          torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8",
          torch.uint8: "U8", torch.bool: "BOOL"}


def tensor_hex(t):
    t = t.detach().contiguous()
    if t.dtype == torch.bfloat16:  # numpy has no bfloat16; the bits are what we compare
        t = t.view(torch.int16)
    return t.numpy().tobytes().hex()


def flatten(node, path, out):
    if isinstance(node, torch.Tensor):
        out[path] = {"dtype": DTYPES[node.dtype], "shape": list(node.shape), "hex": tensor_hex(node)}
    elif isinstance(node, dict):
        for k, v in node.items():
            flatten(v, f"{path}.{k}" if path else str(k), out)
    elif isinstance(node, (list, tuple)):
        for i, v in enumerate(node):
            flatten(v, f"{path}.{i}" if path else str(i), out)


def save(obj, name, weights_only_check=True, **kwargs):
    path = f"{HERE}/{name}.pt"
    torch.save(obj, path, **kwargs)
    expected = {}
    flatten(obj, "", expected)
    with open(f"{HERE}/{name}.expected.json", "w") as f:
        json.dump(expected, f, separators=(",", ":"))
        f.write("\n")
    # The fixture must load in PyTorch's own weights-only loader too (1.13's accepts protocol 2 only).
    if weights_only_check:
        torch.load(path, weights_only=True)
    return path


def pickle_opcodes(path):
    with zipfile.ZipFile(path) as z:
        data = z.read(next(n for n in z.namelist() if n.endswith("/data.pkl")))
    return {op.name for op, _, _ in pickletools.genops(data)}


# 1. Layout corner cases: shared storages, views with offsets and strides, 0-dim, many dtypes.
base = torch.arange(12, dtype=torch.float32).reshape(3, 4) * 0.25 - 1.0
views = collections.OrderedDict()
views["base"] = base
views["transposed"] = base.t()                   # same storage, strides (1, 4)
views["row_slice"] = base[1:]                    # same storage, offset 4
views["col_slice"] = base[:, 1::2]               # offset 1, strides (4, 2)
views["expanded"] = torch.tensor([1.5, -2.0]).unsqueeze(1).expand(2, 3)  # stride 0
views["scalar"] = torch.tensor(3.25)
views["num_batches_tracked"] = torch.tensor(7, dtype=torch.int64)
views["long_vec"] = torch.tensor([-(2 ** 40), 0, 2 ** 62 + 5], dtype=torch.int64)
views["f64"] = torch.tensor([1.0 / 3.0, -2.5e300], dtype=torch.float64)
views["f16"] = torch.tensor([0.1, -65504.0, 6e-8], dtype=torch.float16)
views["bf16"] = torch.tensor([0.1, -3.0e38, 1.0], dtype=torch.bfloat16)
views["i32"] = torch.tensor([[1, -2], [3, 2 ** 31 - 1]], dtype=torch.int32)
views["u8"] = torch.tensor([0, 255, 17], dtype=torch.uint8)
views["flags"] = torch.tensor([True, False, True])
views["empty"] = torch.zeros(0, 3)
save(views, "views_zip")
save(views, "views_legacy", _use_new_zipfile_serialization=False)
save(views, "views_proto4", weights_only_check=False, pickle_protocol=4)


# 2. A tiny ResNet-like model with torchvision names (layer2.0 has a downsample).
class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))


# The layout of our "resnet-mini" (one BasicBlock per stage) with base width 1 and 3 classes.
class TinyResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 1, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(1)
        self.layer1 = nn.Sequential(Block(1, 1, 1))
        self.layer2 = nn.Sequential(Block(1, 2, 2))
        self.layer3 = nn.Sequential(Block(2, 4, 2))
        self.layer4 = nn.Sequential(Block(4, 8, 2))
        self.fc = nn.Linear(8, 3)


def trained_like(model):
    # Non-trivial running statistics and batch counters, as a real checkpoint has.
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-1, 1)
            m.running_var.uniform_(0.5, 2)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.5, 0.5)
            m.num_batches_tracked.fill_(391)
    return model


tiny = trained_like(TinyResNet())
save(tiny.state_dict(), "resnet_tiny_zip")
save(tiny.state_dict(), "resnet_tiny_legacy", _use_new_zipfile_serialization=False)


# 3. robust-models-transfer layout: DataParallel(AttackerModel) -> module.normalizer/model/attacker.
class InputNormalize(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("new_mean", torch.tensor([0.485, 0.456, 0.406]).reshape(3, 1, 1))
        self.register_buffer("new_std", torch.tensor([0.229, 0.224, 0.225]).reshape(3, 1, 1))


class Attacker(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model
        self.normalize = InputNormalize()


class AttackerModel(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.normalizer = InputNormalize()
        self.model = model
        self.attacker = Attacker(model)  # the same classifier object: shared storages


class DataParallelLike(nn.Module):
    def __init__(self, module):
        super().__init__()
        self.module = module


wrapped = DataParallelLike(AttackerModel(trained_like(TinyResNet())))
opt = torch.optim.SGD(wrapped.parameters(), lr=0.1, momentum=0.9)
wrapped.module.model.fc(torch.ones(2, 8)).sum().backward()
opt.step()
rmt = {"model": wrapped.state_dict(), "optimizer": opt.state_dict(), "schedule": None, "epoch": 90,
       "nat_prec1": 52.49, "amp": None}
# 1.13's weights-only loader predates BINFLOAT support (lr, nat_prec1); newer ones accept it.
save(rmt, "rmt_style_zip", weights_only_check=False)
save(rmt, "rmt_style_legacy", weights_only_check=False, _use_new_zipfile_serialization=False)


# 4. RobustSSL_Benchmark ACL/DynACL layout: dual BN (bn_list.0 natural, bn_list.1 adversarial),
#    shortcut as downsample.conv / downsample.bn, a projection head named fc.*.
class DualBN(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.bn_list = nn.ModuleList([nn.BatchNorm2d(c), nn.BatchNorm2d(c)])


class DualDown(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 1, stride, bias=False)
        self.bn = DualBN(cout)


class DualBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = DualBN(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = DualBN(cout)
        if stride != 1 or cin != cout:
            self.downsample = DualDown(cin, cout, stride)


class DualTiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 1, 3, 1, 1, bias=False)
        self.bn1 = DualBN(1)
        self.layer1 = nn.Sequential(DualBlock(1, 1, 1))
        self.layer2 = nn.Sequential(DualBlock(1, 2, 2))
        self.layer3 = nn.Sequential(DualBlock(2, 4, 2))
        self.layer4 = nn.Sequential(DualBlock(4, 8, 2))
        self.fc = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 5))


save({"epoch": 1000, "state_dict": trained_like(DualTiny()).state_dict()}, "robustssl_style_zip")


# 5. More than 256 memoised objects: the pickler must switch to LONG_BINPUT / LONG_BINGET.
# Rows of one storage, so the file stays small: one record, 300 views with growing offsets.
rows = torch.arange(600, dtype=torch.float32).reshape(300, 2) - 300.0
many = collections.OrderedDict((f"t{i:03d}", rows[i]) for i in range(300))
many["alias"] = many["t299"]  # the same object again: a memo lookup beyond index 255
path = save(many, "many_memo_zip")
ops = pickle_opcodes(path)
assert "LONG_BINPUT" in ops and "LONG_BINGET" in ops, ops


# 6. torchvision's own ResNet-18/50 state-dict names, shapes and dtypes (not the weights).
try:
    import torchvision
    keys = {}
    for arch in ("resnet18", "resnet50"):
        sd = getattr(torchvision.models, arch)().state_dict()
        keys[arch] = [[k, list(v.shape), DTYPES[v.dtype]] for k, v in sd.items()]
    with open(f"{HERE}/torchvision_resnet_keys.json", "w") as f:
        json.dump(keys, f, separators=(",", ":"))
        f.write("\n")
except ImportError:
    print("python3-torchvision not installed: torchvision_resnet_keys.json left as it was")
print("fixtures written")

#!/usr/bin/python3
"""Writes the vision-transformer import fixtures for AutoLoRa.Training.Tests (VitImportTests).

Run with Debian's python3-torch 1.13 and python3-torchvision 0.14:  /usr/bin/python3 make_vit_fixtures.py

vit_mini_timm.pt      a timm-layout state dict (timm's names, float16 to keep the file small) of
                      our vit-mini size (4x4 patches, width 64, 4 blocks, 4 heads) laid out for
                      16x16 images, 5 classes.
vit_mini_timm.json    inputs and the logits PyTorch computes for them, with the weights as stored
                      (float16 values, computed in float32) and ImageNet normalisation inside the
                      model: at 16x16, and at 24x24 and 12x12 with the position embedding resampled
                      as timm's resample_abs_pos_embed does (bicubic, antialias, class token kept).
torchvision_vit_b_16_keys.json
                      every key and shape of torchvision.models.vit_b_16().state_dict().

The model below is timm's VisionTransformer forward written out (timm is not packaged for Debian).
It is checked here against torchvision's own VisionTransformer, loaded with the same weights under
torchvision's names (the renaming the torchvision-vit key profile does): the two must agree.
"""
import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

HERE = os.path.dirname(__file__) or "."
PATCH, DIM, DEPTH, HEADS, IMAGE, CLASSES = 4, 64, 4, 4, 16, 5
MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm1 = nn.LayerNorm(DIM, eps=1e-6)
        self.attn = nn.Module()
        self.attn.qkv = nn.Linear(DIM, 3 * DIM)
        self.attn.proj = nn.Linear(DIM, DIM)
        self.norm2 = nn.LayerNorm(DIM, eps=1e-6)
        self.mlp = nn.Module()
        self.mlp.fc1 = nn.Linear(DIM, 4 * DIM)
        self.mlp.fc2 = nn.Linear(4 * DIM, DIM)

    def forward(self, x):
        n, t, c = x.shape
        q, k, v = self.attn.qkv(self.norm1(x)).reshape(n, t, 3, HEADS, c // HEADS).permute(2, 0, 3, 1, 4)
        a = torch.softmax(q @ k.transpose(-2, -1) * (c // HEADS) ** -0.5, -1) @ v
        x = x + self.attn.proj(a.transpose(1, 2).reshape(n, t, c))
        return x + self.mlp.fc2(F.gelu(self.mlp.fc1(self.norm2(x))))


class TimmStyleVit(nn.Module):
    def __init__(self, grid):
        super().__init__()
        self.cls_token = nn.Parameter(torch.randn(1, 1, DIM) * 0.02)
        self.pos_embed = nn.Parameter(torch.randn(1, 1 + grid * grid, DIM) * 0.02)
        self.patch_embed = nn.Module()
        self.patch_embed.proj = nn.Conv2d(3, DIM, PATCH, PATCH)
        self.blocks = nn.Sequential(*[Block() for _ in range(DEPTH)])
        self.norm = nn.LayerNorm(DIM, eps=1e-6)
        self.head = nn.Linear(DIM, CLASSES)

    def forward(self, x):
        x = self.patch_embed.proj((x - MEAN) / STD).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], 1) + self.pos_embed
        return self.head(self.norm(self.blocks(x))[:, 0])


def resample_pos_embed(pos, grid):
    """timm's resample_abs_pos_embed with one prefix token and its defaults (bicubic, antialias)."""
    old = int(math.sqrt(pos.shape[1] - 1))
    g = pos[:, 1:].reshape(1, old, old, -1).permute(0, 3, 1, 2)
    g = F.interpolate(g, size=(grid, grid), mode="bicubic", antialias=True, align_corners=False)
    return torch.cat([pos[:, :1], g.permute(0, 2, 3, 1).reshape(1, grid * grid, -1)], 1)


def torchvision_names(state):
    out = {}
    for k, v in state.items():
        if k.startswith("blocks."):
            i, rest = k.split(".", 2)[1:]
            rest = {"norm1.weight": "ln_1.weight", "norm1.bias": "ln_1.bias",
                    "attn.qkv.weight": "self_attention.in_proj_weight", "attn.qkv.bias": "self_attention.in_proj_bias",
                    "attn.proj.weight": "self_attention.out_proj.weight", "attn.proj.bias": "self_attention.out_proj.bias",
                    "norm2.weight": "ln_2.weight", "norm2.bias": "ln_2.bias",
                    "mlp.fc1.weight": "mlp.0.weight", "mlp.fc1.bias": "mlp.0.bias",
                    "mlp.fc2.weight": "mlp.3.weight", "mlp.fc2.bias": "mlp.3.bias"}[rest]
            out[f"encoder.layers.encoder_layer_{i}.{rest}"] = v
        else:
            out[{"cls_token": "class_token", "pos_embed": "encoder.pos_embedding", "patch_embed.proj.weight": "conv_proj.weight",
                 "patch_embed.proj.bias": "conv_proj.bias", "norm.weight": "encoder.ln.weight", "norm.bias": "encoder.ln.bias",
                 "head.weight": "heads.head.weight", "head.bias": "heads.head.bias"}[k]] = v
    return out


def logits_at(state, image, x):
    grid = image // PATCH
    model = TimmStyleVit(grid).eval()
    s = dict(state)
    s["pos_embed"] = resample_pos_embed(state["pos_embed"], grid)
    model.load_state_dict(s)
    with torch.no_grad():
        return model(x)


def main():
    torch.manual_seed(2026)
    model = TimmStyleVit(IMAGE // PATCH)
    with torch.no_grad():  # LayerNorm affines away from 1/0, so that loading them matters
        for m in model.modules():
            if isinstance(m, nn.LayerNorm):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
    half = {k: v.detach().half() for k, v in model.state_dict().items()}
    torch.save(half, f"{HERE}/vit_mini_timm.pt")
    state = {k: v.float() for k, v in half.items()}

    cases = []
    for image in (16, 24, 12):
        x = torch.randint(0, 256, (2, 3, image, image)) / 256  # pixels exact in binary: short in JSON
        cases.append({"image": image, "input": x.flatten().tolist(), "logits": logits_at(state, image, x).flatten().tolist()})

    # torchvision's own ViT with the same weights under its names computes the same logits.
    tv = torchvision.models.VisionTransformer(image_size=IMAGE, patch_size=PATCH, num_layers=DEPTH, num_heads=HEADS,
                                              hidden_dim=DIM, mlp_dim=4 * DIM, num_classes=CLASSES).eval()
    tv.load_state_dict(torchvision_names(state))
    x = torch.tensor(cases[0]["input"]).view(2, 3, IMAGE, IMAGE)
    with torch.no_grad():
        torch.testing.assert_close(tv((x - MEAN) / STD), torch.tensor(cases[0]["logits"]).view(2, CLASSES), atol=1e-5, rtol=1e-5)

    with open(f"{HERE}/vit_mini_timm.json", "w") as f:
        json.dump({"classes": CLASSES, "cases": cases}, f, separators=(",", ":"))
        f.write("\n")
    keys = {k: list(v.shape) for k, v in torchvision.models.vit_b_16().state_dict().items()}
    with open(f"{HERE}/torchvision_vit_b_16_keys.json", "w") as f:
        json.dump(keys, f, indent=0)
        f.write("\n")


if __name__ == "__main__":
    main()

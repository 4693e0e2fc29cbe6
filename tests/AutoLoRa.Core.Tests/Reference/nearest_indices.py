# Prints, for each (input, output) size, the input index F.interpolate(..., mode='nearest') reads
# for every output index along one axis: the rows of NearestResizeMatchesPyTorchTests.PyTorch.
# Run with the PyTorch 1.13 of Debian's python3-torch: /usr/bin/python3 nearest_indices.py
import torch
import torch.nn.functional as F

print(f"// torch {torch.__version__}")
for size_in, size_out in [(32, 224), (28, 224), (96, 224), (32, 100), (7, 3), (224, 32), (5, 7)]:
    x = torch.arange(size_in, dtype=torch.float32).view(1, 1, 1, size_in)
    y = F.interpolate(x, size=(1, size_out))  # mode defaults to 'nearest'
    print(f'[{size_in}, {size_out}, "{" ".join(str(int(v)) for v in y.flatten())}"],')

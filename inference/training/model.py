"""EarNet: a small encoder-decoder that outputs one heatmap per keypoint plus two presence logits.

Keypoints come from a soft-argmax over each heatmap (integral regression), which gives sub-pixel
coordinates from a stride-4 map; the spread of each heatmap is exported as a per-point confidence.
The soft-argmax lives inside the graph so the ONNX model returns coordinates directly.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from inference.keypoints import ALL_KEYPOINTS

INPUT_SIZE = 96
HEATMAP_SIZE = 24
NUM_KEYPOINTS = len(ALL_KEYPOINTS)


def _block(c_in: int, c_out: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
    )


class EarNet(nn.Module):
    grid: torch.Tensor

    def __init__(self, channels: tuple[int, int, int, int] = (12, 24, 48, 80)) -> None:
        super().__init__()
        c1, c2, c3, c4 = channels
        self.stem = nn.Sequential(_block(3, c1, 2))  # 64
        self.down2 = nn.Sequential(_block(c1, c2, 2), _block(c2, c2))  # 32
        self.down3 = nn.Sequential(_block(c2, c3, 2), _block(c3, c3))  # 16
        self.down4 = nn.Sequential(_block(c3, c4, 2), _block(c4, c4), _block(c4, c4))  # 8
        self.fuse3 = nn.Conv2d(c4 + c3, c3, 1)
        self.up3 = _block(c3, c3)
        self.fuse2 = nn.Conv2d(c3 + c2, 32, 1)
        self.up2 = nn.Sequential(_block(32, 32), _block(32, 32))
        self.heat = nn.Conv2d(32, NUM_KEYPOINTS, 1)
        self.presence = nn.Linear(c4, 2)
        grid = (torch.arange(HEATMAP_SIZE, dtype=torch.float32) + 0.5) / HEATMAP_SIZE
        self.register_buffer("grid", grid, persistent=False)

    def heatmap_logits(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        f1 = self.stem(x)
        f2 = self.down2(f1)
        f3 = self.down3(f2)
        f4 = self.down4(f3)
        u3 = F.interpolate(f4, scale_factor=2.0, mode="nearest")
        u3 = self.up3(F.relu(self.fuse3(torch.cat([u3, f3], dim=1))))
        u2 = F.interpolate(u3, scale_factor=2.0, mode="nearest")
        u2 = self.up2(F.relu(self.fuse2(torch.cat([u2, f2], dim=1))))
        logits = self.heat(u2)
        presence = self.presence(f4.mean(dim=(2, 3)))
        return logits, presence

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Returns keypoints (N, K, 2) in [0, 1] input units, spread (N, K), presence logits (N, 2)."""
        logits, presence = self.heatmap_logits(x)
        n, k, h, w = logits.shape
        prob = torch.softmax(logits.reshape(n, k, h * w), dim=-1).reshape(n, k, h, w)
        px = prob.sum(dim=2)  # (n, k, w) marginal over x
        py = prob.sum(dim=3)  # (n, k, h)
        grid = self.grid
        x_mean = (px * grid).sum(-1)
        y_mean = (py * grid).sum(-1)
        x_var = (px * (grid - x_mean.unsqueeze(-1)) ** 2).sum(-1)
        y_var = (py * (grid - y_mean.unsqueeze(-1)) ** 2).sum(-1)
        coords = torch.stack([x_mean, y_mean], dim=-1)
        spread = torch.sqrt(x_var + y_var + 1e-8)
        return coords, spread, presence

"""The conv + residual VAE of Berger & Sebag 2020 (Appendix B), one module for both datasets.

MNIST (B.1): "3 convolution layers followed by 4 residual blocks for the encoder, and 4 residual
blocks followed by 3 transposed convolutions for the decoder; latent dimension 256". CelebA
(B.2): "similar ... but with 4 convolutions layers, 5 residual blocks, and a latent space
dimension of 2048".

Kernel sizes, strides and channel widths are not given; ours (recorded in
benchmarks/berger2020.yaml): one conv per entry of `channels`, the first conv3x3 s1, every
further one conv4x4 s2 (MNIST 3 convs: 28 → 7; CelebA 4 convs: 64 → 8), residual blocks
relu-conv3x3-relu-conv3x3 at the smallest side, dense heads; the decoder mirrors it with
transposed convs. The layer order (and so every parameter name) of the 3-conv network is the
one this module built before CelebA was added, so MNIST checkpoints still load.
"""

from itertools import pairwise

import torch
from torch import nn


class ConvResidualBlock(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.layers = nn.Sequential(nn.ReLU(), nn.Conv2d(channels, channels, 3, padding=1),
                                    nn.ReLU(), nn.Conv2d(channels, channels, 3, padding=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.layers(x)


def _down_convs(in_channels: int, channels: list[int]) -> list[nn.Module]:
    """conv3x3 s1 into channels[0], then conv4x4 s2 per further width; ReLU between them only
    (the residual blocks that follow start with their own ReLU)."""
    layers = [nn.Conv2d(in_channels, channels[0], 3, padding=1)]
    for narrower, wider in pairwise(channels):
        layers += [nn.ReLU(), nn.Conv2d(narrower, wider, 4, stride=2, padding=1)]
    return layers


def _up_convs(channels: list[int], out_channels: int) -> list[nn.Module]:
    """The mirror of _down_convs: a ReLU'd transposed conv4x4 s2 per width step, then a
    transposed conv3x3 s1 to the likelihood's parameters (no activation: means and log σ)."""
    layers = []
    for wider, narrower in pairwise(channels[::-1]):
        layers += [nn.ConvTranspose2d(wider, narrower, 4, stride=2, padding=1), nn.ReLU()]
    return layers + [nn.ConvTranspose2d(channels[0], out_channels, 3, padding=1)]


class ConvBergerVAE(nn.Module):
    def __init__(self, data_shape: tuple[int, int, int], latent_dim: int = 256,
                 channels: tuple[int, ...] = (32, 64, 128), blocks: int = 4,
                 params_per_dim: int = 1):
        super().__init__()
        channels = list(channels)
        if not channels:
            raise KeyError("conv_berger needs at least one channel width (one conv per width)")
        in_channels, height, width = data_shape
        shrink = 2 ** (len(channels) - 1)  # every conv after the first halves each side
        if height % shrink or width % shrink:
            raise KeyError(f"conv_berger with {len(channels)} convs needs image sides divisible "
                           f"by {shrink}, got {height}x{width}")
        inner_width = channels[-1]
        self.data_shape = tuple(data_shape)
        self.latent_dim = latent_dim
        self.inner = (inner_width, height // shrink, width // shrink)
        flat = inner_width * (height // shrink) * (width // shrink)
        self.encoder = nn.Sequential(
            *_down_convs(in_channels, channels),
            *[ConvResidualBlock(inner_width) for _ in range(blocks)], nn.ReLU(), nn.Flatten(),
            nn.Linear(flat, 2 * latent_dim))
        self.from_latent = nn.Linear(latent_dim, flat)
        self.decoder = nn.Sequential(
            *[ConvResidualBlock(inner_width) for _ in range(blocks)], nn.ReLU(),
            *_up_convs(channels, in_channels * params_per_dim))

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, logvar = self.encoder(x).chunk(2, dim=1)
        return mu, logvar

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.from_latent(z).view(-1, *self.inner))

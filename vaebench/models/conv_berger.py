"""The MNIST conv + residual VAE of Berger & Sebag 2020 (Appendix B.1): "3 convolution layers
followed by 4 residual blocks for the encoder, and 4 residual blocks followed by 3 transposed
convolutions for the decoder; latent dimension 256".

Kernel sizes, strides and channel widths are not given; ours (recorded in
benchmarks/berger2020.yaml): conv3x3 s1, conv4x4 s2, conv4x4 s2 (28 → 7), residual blocks
relu-conv3x3-relu-conv3x3 at 7x7, dense heads; the decoder mirrors it.
"""

import torch
from torch import nn


class ConvResidualBlock(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.layers = nn.Sequential(nn.ReLU(), nn.Conv2d(channels, channels, 3, padding=1),
                                    nn.ReLU(), nn.Conv2d(channels, channels, 3, padding=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.layers(x)


class ConvBergerVAE(nn.Module):
    def __init__(self, data_shape: tuple[int, int, int], latent_dim: int = 256,
                 channels: tuple[int, int, int] = (32, 64, 128), blocks: int = 4,
                 params_per_dim: int = 1):
        super().__init__()
        in_channels, height, width = data_shape
        if height % 4 or width % 4:
            raise KeyError(f"conv_berger needs image sides divisible by 4, got {height}x{width}")
        c1, c2, c3 = channels
        self.data_shape = tuple(data_shape)
        self.latent_dim = latent_dim
        self.inner = (c3, height // 4, width // 4)
        flat = c3 * (height // 4) * (width // 4)
        self.encoder = nn.Sequential(
            nn.Conv2d(in_channels, c1, 3, padding=1), nn.ReLU(),
            nn.Conv2d(c1, c2, 4, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(c2, c3, 4, stride=2, padding=1),
            *[ConvResidualBlock(c3) for _ in range(blocks)], nn.ReLU(), nn.Flatten(),
            nn.Linear(flat, 2 * latent_dim))
        self.from_latent = nn.Linear(latent_dim, flat)
        self.decoder = nn.Sequential(
            *[ConvResidualBlock(c3) for _ in range(blocks)], nn.ReLU(),
            nn.ConvTranspose2d(c3, c2, 4, stride=2, padding=1), nn.ReLU(),
            nn.ConvTranspose2d(c2, c1, 4, stride=2, padding=1), nn.ReLU(),
            nn.ConvTranspose2d(c1, in_channels * params_per_dim, 3, padding=1))

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, logvar = self.encoder(x).chunk(2, dim=1)
        return mu, logvar

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.from_latent(z).view(-1, *self.inner))


MODELS = {"conv_berger": ConvBergerVAE}

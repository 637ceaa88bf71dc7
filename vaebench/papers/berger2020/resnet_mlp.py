"""The fully connected ResNet of Berger & Sebag 2020 (Sec. 4.1) for the 2-D artificial data:
encoder and decoder each a ResNet of `blocks` residual blocks of `width` units.

The paper says only "a ResNet [7] with 4 residual blocks of 200 neurons". A block here is
x + W₂·relu(W₁·relu(x)) (pre-activation, He et al. 2016), with a linear layer into the width
and linear heads out of it; recorded in benchmarks/berger2020.yaml.
"""

import math

import torch
from torch import nn


class ResidualBlock(nn.Module):
    def __init__(self, width: int):
        super().__init__()
        self.layers = nn.Sequential(nn.ReLU(), nn.Linear(width, width), nn.ReLU(),
                                    nn.Linear(width, width))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.layers(x)


def resnet(fan_in: int, fan_out: int, width: int, blocks: int) -> nn.Sequential:
    """Linear in, `blocks` residual blocks, relu, linear out."""
    return nn.Sequential(nn.Linear(fan_in, width), *[ResidualBlock(width) for _ in range(blocks)],
                         nn.ReLU(), nn.Linear(width, fan_out))


class ResNetMLPVAE(nn.Module):
    """Encoder x → (μ, log σ²); decoder z → params_per_dim values per data dimension."""

    def __init__(self, data_shape: tuple[int, ...], latent_dim: int, width: int = 200,
                 blocks: int = 4, params_per_dim: int = 1):
        super().__init__()
        self.data_shape = tuple(data_shape)
        self.latent_dim = latent_dim
        self.params_per_dim = params_per_dim
        data_dim = math.prod(data_shape)
        self.encoder = resnet(data_dim, 2 * latent_dim, width, blocks)
        self.decoder = resnet(latent_dim, data_dim * params_per_dim, width, blocks)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, logvar = self.encoder(x.flatten(1)).chunk(2, dim=1)
        return mu, logvar

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        first, *rest = self.data_shape
        return self.decoder(z).view(-1, first * self.params_per_dim, *rest)

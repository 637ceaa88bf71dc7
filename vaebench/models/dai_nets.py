"""Dai, Wang & Wipf 2020, Sec. 6: encoder/decoder families whose depth is the experiment's variable.

One parameterised class per family, never one class per depth: `dai_fc` is Fig. 1 (top), a
fully-connected encoder and a mirrored decoder with `depth` hidden layers of `width` units each
followed by ReLU ("1, 2, 4, 6, 8 and 10 hidden layers ... 512-dimensional"). The AE of the paper
is this network trained with objective `ae` (z = μ_z, no KL); the VAE adds the log σ² head.
"""

import math

import torch
from torch import nn

from vaebench.models.dense import ACTIVATIONS, mlp


class DaiFC(nn.Module):
    """x → `depth` × (Linear(width) + act) → (μ_z, log σ_z²); z → `depth` × (Linear(width) + act)
    → Linear to the data (and the likelihood's extra per-pixel parameters, if any)."""

    def __init__(self, data_shape: tuple[int, ...], depth: int, width: int = 512,
                 latent_dim: int = 64, activation: str = "relu", params_per_dim: int = 1):
        super().__init__()
        if not isinstance(depth, int) or depth < 1 or not isinstance(width, int) or width < 1:
            raise KeyError(f"depth and width must be positive integers, got depth={depth!r}, "
                           f"width={width!r}")
        if activation not in ACTIVATIONS:
            raise KeyError(f"unknown activation '{activation}'; known: {', '.join(ACTIVATIONS)}")
        act = ACTIVATIONS[activation]
        self.data_shape = tuple(data_shape)
        self.latent_dim = latent_dim
        self.params_per_dim = params_per_dim
        data_dim = math.prod(data_shape)
        hidden = [width] * depth
        self.encoder = mlp([data_dim, *hidden], act)
        self.to_mu = nn.Linear(width, latent_dim)
        self.to_logvar = nn.Linear(width, latent_dim)
        self.decoder = nn.Sequential(mlp([latent_dim, *hidden], act),
                                     nn.Linear(width, data_dim * params_per_dim))

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.encoder(x.flatten(1))
        return self.to_mu(h), self.to_logvar(h)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        first, *rest = self.data_shape
        return self.decoder(z).view(-1, first * self.params_per_dim, *rest)


MODELS = {"dai_fc": DaiFC}

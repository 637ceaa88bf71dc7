"""The dense VAE of Asperti 2019 (Sec. 3): 784-256-64-32-16, and 784-256-64-16-2 of Fig. 1.

The paper names only the layer sizes; the activation (ReLU) and the linear heads for μ and log σ²
follow the Keras VAE example the paper's code style derives from, and are recorded in
benchmarks/asperti2019.yaml.
"""

import math

import torch
from torch import nn


def mlp(sizes: list[int], activation: type[nn.Module]) -> nn.Sequential:
    """Linear layers with `activation` after each one."""
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
        layers += [nn.Linear(fan_in, fan_out), activation()]
    return nn.Sequential(*layers)


ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "elu": nn.ELU}


class DenseVAE(nn.Module):
    """Encoder x → hidden... → (μ, log σ²); decoder z → reversed hidden... → data-shaped output.

    `params_per_dim` is set by the likelihood (2 when the decoder also outputs a log σ per pixel).
    """

    def __init__(self, data_shape: tuple[int, int, int], hidden: list[int], latent_dim: int,
                 activation: str = "relu", params_per_dim: int = 1):
        super().__init__()
        self.data_shape = tuple(data_shape)
        self.latent_dim = latent_dim
        self.params_per_dim = params_per_dim
        if activation not in ACTIVATIONS:
            raise KeyError(f"unknown activation '{activation}'; known: {', '.join(ACTIVATIONS)}")
        act = ACTIVATIONS[activation]
        data_dim = math.prod(data_shape)
        self.encoder = mlp([data_dim, *hidden], act)
        self.to_mu = nn.Linear(hidden[-1], latent_dim)
        self.to_logvar = nn.Linear(hidden[-1], latent_dim)
        self.decoder = nn.Sequential(mlp([latent_dim, *reversed(hidden)], act),
                                     nn.Linear(hidden[0], data_dim * params_per_dim))

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.encoder(x.flatten(1))
        return self.to_mu(h), self.to_logvar(h)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Data-shaped output; the likelihood's extra parameters are stacked along dim 1."""
        first, *rest = self.data_shape
        return self.decoder(z).view(-1, first * self.params_per_dim, *rest)


"""Decoder likelihoods p(x|z), explicit about reductions: sum over data dimensions, per sample.

Each likelihood turns the raw decoder output into a per-sample negative log-likelihood (nats,
summed over every dimension of x) and into the image it stands for (the mean). The training loop
averages over the batch. `params_per_dim` tells the model how many decoder outputs each data
dimension needs (2 for the learned per-pixel σ: a mean and a log σ).

Conventions follow the authors' code (../shared/notes/reference_code_facts.md §1.3, §2.3): γ and σ
are standard deviations, and the Gaussian NLL keeps its log σ and ½ log 2π terms so ELBOs of fixed,
learned and computed σ are comparable (Berger & Sebag's footnote 5).
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

from vaebench import registry
from vaebench.errors import UserError

HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def _sum_dims(per_element: torch.Tensor) -> torch.Tensor:
    return per_element.flatten(1).sum(dim=1)


def gaussian_nll(x: torch.Tensor, mean: torch.Tensor, log_sigma: torch.Tensor) -> torch.Tensor:
    """Per-sample −log N(x; mean, σ²), summed over dimensions; log_sigma broadcasts."""
    log_sigma = log_sigma.expand_as(x)
    return _sum_dims(0.5 * ((x - mean) * torch.exp(-log_sigma)) ** 2 + log_sigma + HALF_LOG_2PI)


class Likelihood(nn.Module):
    params_per_dim = 1

    def nll(self, x: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def mean(self, out: torch.Tensor) -> torch.Tensor:
        return out

    def after_step(self, x: torch.Tensor, out: torch.Tensor) -> None:
        """Hook after each optimiser step, given the decoder's raw output (the computed-γ rule
        uses it). Raw, not the mean: most likelihoods ignore the hook, and a Bernoulli mean
        would cost a sigmoid over the batch every step for nothing."""

    def on_epoch(self, epoch: int) -> None:
        """Hook before each epoch (0-based; a σ schedule uses it)."""

    def sigma(self) -> torch.Tensor | None:
        """The scalar σ (γ) when there is one, for logging."""
        return None


class Bernoulli(Likelihood):
    """Decoder outputs logits; x in [0, 1] (grey levels are soft targets, as in Keras BCE)."""

    def nll(self, x, out):
        return _sum_dims(F.binary_cross_entropy_with_logits(out, x, reduction="none"))

    def mean(self, out):
        return torch.sigmoid(out)


class GaussianFixed(Likelihood):
    """N(mean, σ²I) with σ fixed (F-VAE; σ² = ½ is plain MSE)."""

    def __init__(self, sigma: float):
        super().__init__()
        if not sigma > 0:
            raise UserError(f"likelihood sigma must be > 0, got {sigma}; set e.g. sigma: 0.1")
        self.register_buffer("log_sigma", torch.tensor(math.log(sigma)))

    def nll(self, x, out):
        return gaussian_nll(x, out, self.log_sigma)

    def sigma(self):
        return self.log_sigma.exp()


class GaussianLearnedScalar(Likelihood):
    """N(mean, γ²I) with log γ a trained parameter (Dai & Wipf; Berger & Sebag's LS-VAE)."""

    def __init__(self, init_sigma: float = 1.0):
        super().__init__()
        if not init_sigma > 0:
            raise UserError(f"likelihood init_sigma must be > 0, got {init_sigma}")
        self.log_sigma = nn.Parameter(torch.tensor(math.log(init_sigma)))

    def nll(self, x, out):
        return gaussian_nll(x, out, self.log_sigma)

    def sigma(self):
        return self.log_sigma.detach().exp()


def likelihood_class(name: str) -> type[Likelihood]:
    return registry.get("likelihood", name)


def build_likelihood(name: str, **kwargs) -> Likelihood:
    cls = likelihood_class(name)
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise UserError(f"likelihood '{name}': bad arguments {kwargs} ({exc})") from None

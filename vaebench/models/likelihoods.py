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


class GaussianScheduledSigma(GaussianFixed):
    """N(mean, σ_e²I) with σ fixed within epoch e and set from a schedule (one value per epoch;
    the last value holds after the schedule ends). Berger & Sebag's appendix drives an F-VAE
    with the σ an LS-VAE learned, epoch by epoch."""

    def __init__(self, schedule: list[float]):
        if not schedule or min(schedule) <= 0:
            raise UserError(f"sigma schedule must be a non-empty list of values > 0, got "
                            f"{schedule!r}")
        super().__init__(schedule[0])
        self.schedule = [float(value) for value in schedule]

    def on_epoch(self, epoch):
        value = self.schedule[min(epoch, len(self.schedule) - 1)]
        self.log_sigma.fill_(math.log(value))


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


class GaussianComputedGamma(Likelihood):
    """N(mean, γ²I) with γ² a non-increasing running estimate of the MSE, no gradient.

    Asperti & Trentin 2020, as their code does it after every step:
    mse ← min(mse, (1 − α)·mse + α·mse_batch), γ = √mse, mse starts at 1. The update stays on
    the device (torch.minimum), so it costs no host synchronisation.
    """

    def __init__(self, momentum: float = 0.01, init_mse: float = 1.0):
        super().__init__()
        if not 0 < momentum <= 1 or not init_mse > 0:
            raise UserError(f"computed gamma needs 0 < momentum <= 1 and init_mse > 0, got "
                            f"momentum={momentum}, init_mse={init_mse}")
        self.momentum = momentum
        self.register_buffer("mse", torch.tensor(float(init_mse)))

    def nll(self, x, out):
        return gaussian_nll(x, out, 0.5 * torch.log(self.mse))

    @torch.no_grad()
    def after_step(self, x, out):
        mse_batch = F.mse_loss(self.mean(out).float(), x.float())
        blended = (1 - self.momentum) * self.mse + self.momentum * mse_batch
        self.mse.copy_(torch.minimum(self.mse, blended))

    def sigma(self):
        return self.mse.sqrt()


class GaussianLearnedPerDim(Likelihood):
    """N(mean(z), diag σ(z)²): the decoder outputs a mean and a log σ per dimension (LV-VAE)."""

    params_per_dim = 2

    def __init__(self, min_log_sigma: float = -10.0):
        super().__init__()
        self.min_log_sigma = min_log_sigma  # keeps exp(-log σ) finite when a pixel is constant

    def split(self, out):
        mean, log_sigma = out.chunk(2, dim=1)
        return mean, log_sigma.clamp(min=self.min_log_sigma)

    def nll(self, x, out):
        mean, log_sigma = self.split(out)
        return gaussian_nll(x, mean, log_sigma)

    def mean(self, out):
        return self.split(out)[0]


LIKELIHOODS = {
    "bernoulli": Bernoulli,
    "gaussian_fixed": GaussianFixed,
    "gaussian_scheduled": GaussianScheduledSigma,
    "gaussian_learned": GaussianLearnedScalar,
    "gaussian_computed": GaussianComputedGamma,
    "gaussian_learned_per_dim": GaussianLearnedPerDim,
}


def build_likelihood(name: str, **kwargs) -> Likelihood:
    if name not in LIKELIHOODS:
        raise UserError(f"unknown likelihood '{name}'; known: {', '.join(sorted(LIKELIHOODS))}")
    try:
        return LIKELIHOODS[name](**kwargs)
    except TypeError as exc:
        raise UserError(f"likelihood '{name}': bad arguments {kwargs} ({exc})") from None

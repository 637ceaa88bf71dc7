"""Berger & Sebag's decoder likelihoods: σ set epoch by epoch from a schedule (their appendix's
F-VAE driven by an LS-VAE's σ), and σ(z) learned per dimension (LV-VAE)."""

import math

from vaebench.errors import UserError
from vaebench.models.likelihoods import GaussianFixed, Likelihood, gaussian_nll


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

"""Asperti & Trentin's decoder likelihood: γ computed from the running MSE, no gradient."""


import torch
import torch.nn.functional as F

from vaebench.errors import UserError
from vaebench.models.likelihoods import Likelihood, gaussian_nll


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

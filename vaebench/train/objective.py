"""The VAE objective for one batch: reparameterised sample, decoder NLL and KL to N(0, I).

Reductions are explicit: NLL and KL are sums over dimensions per sample, then means over the
batch (the authors' code divides sums by the batch size: reference_code_facts.md §1.3).
"""

from dataclasses import dataclass

import torch


def gaussian_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, exp(logvar)) || N(0, 1)) per element (Asperti 2019, Eq. 3)."""
    return 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1)


@dataclass
class BatchTerms:
    loss: torch.Tensor  # scalar to minimise: nll + kl_weight * kl
    nll: torch.Tensor  # batch mean of the per-sample NLL
    kl: torch.Tensor  # batch mean of the per-sample KL
    mu: torch.Tensor
    logvar: torch.Tensor
    out: torch.Tensor  # raw decoder output


def reparameterise(mu: torch.Tensor, logvar: torch.Tensor,
                   noise: torch.Tensor | None = None) -> torch.Tensor:
    """z = μ + ε·σ; ε from the global RNG unless given (the stacked trainer draws each seed's
    ε from that seed's own generator: vaebench.train.stacked)."""
    if noise is None:
        noise = torch.randn_like(mu)
    return mu + noise * torch.exp(0.5 * logvar)


def batch_terms(model, likelihood, x: torch.Tensor, kl_weight: float = 1.0,
                latent_hook=None, autoencoder: bool = False,
                noise: torch.Tensor | None = None) -> BatchTerms:
    """`latent_hook(mu, logvar) -> (mu, logvar, z)` lets an experiment intervene on the latents
    (e.g. Asperti 2019 Sec. 5: noise on one variable, others held at the prior).
    `autoencoder`: the deterministic AE of Dai et al. (z = μ, no KL term). `noise`: the ε of the
    reparameterisation (shape of μ), drawn here when not given."""
    mu, logvar = model.encode(x)
    if autoencoder:
        out = model.decode(mu)
        nll = likelihood.nll(x, out).mean()
        return BatchTerms(nll, nll, torch.zeros_like(nll), mu, logvar, out)
    if latent_hook is None:
        z = reparameterise(mu, logvar, noise)
    else:
        mu, logvar, z = latent_hook(mu, logvar)
    out = model.decode(z)
    nll = likelihood.nll(x, out).mean()
    kl = gaussian_kl(mu, logvar).sum(dim=1).mean()
    return BatchTerms(nll + kl_weight * kl, nll, kl, mu, logvar, out)

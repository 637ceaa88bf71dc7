"""Asperti & Trentin's post-hoc adjustments at evaluation time (reference_code_facts.md §2.5).

The paper's "latent space normalisation" (Sec. IV-B): second-stage latents are rescaled to the
variance the variance law expects. Their code (BalancingVAE @ d9f3997, `adjust=True`):

- adjust = sqrt(mean_j(Var(μ_j) + E[σ_j])) over the test encodings, applied only when the second
  stage shows "an evident variance loss": (mean Var(μ) − mean Var(ẑ(μ))) / mean((μ − ẑ(μ))²) > .25.
  The code's `zlogvar` is log σ, so its "variance law" sums E[σ], not E[σ²]: `moment: sigma`
  follows the code, `moment: sigma2` the paper's formula.
- GEN-1 codes: z = ε·adjust. GEN-2 codes, per generated batch: z = ẑ·adjust / mean_j std_j(ẑ).
- Reconstructions: (x̂ − mean x̂)·mean_p std_p(x) / mean_p std_p(x̂) + mean x̂, clipped to [0, 1].
Standard deviations are NumPy's (population, ddof 0), as in the code.
"""

import torch

from vaebench.errors import UserError

MODES = ("none", "asperti_adjust", "always")
MOMENTS = ("sigma", "sigma2")
VARIANCE_LOSS_RATIO = 0.25


def variance_law(mu: torch.Tensor, logvar: torch.Tensor, moment: str = "sigma") -> torch.Tensor:
    """mean_j(Var(μ_j) + E[m_j]) with m = σ (the code) or σ² (the paper's Eq. 7)."""
    if moment not in MOMENTS:
        raise UserError(f"adjust moment must be one of {', '.join(MOMENTS)}, got '{moment}'")
    spread = (0.5 * logvar).exp() if moment == "sigma" else logvar.exp()
    return (mu.var(dim=0, unbiased=False) + spread.mean(dim=0)).mean()


def latent_adjustment(mu: torch.Tensor, logvar: torch.Tensor, z_hat: torch.Tensor,
                      moment: str = "sigma") -> float | None:
    """The code's adjust2, or None when the second stage shows no evident variance loss.

    `mu`, `logvar`: first-stage posterior moments of the test images; `z_hat`: the second stage's
    reconstruction of `mu`."""
    mse = (mu - z_hat).pow(2).mean()
    variance_loss = mu.var(dim=0, unbiased=False).mean() - z_hat.var(dim=0, unbiased=False).mean()
    if not variance_loss / mse > VARIANCE_LOSS_RATIO:
        return None
    return float(variance_law(mu, logvar, moment).sqrt())


def normalise_codes(z: torch.Tensor, target_std: float, batch: int = 100) -> torch.Tensor:
    """Each batch of `batch` codes scaled so that its mean per-variable std is `target_std`."""
    parts = [part * (target_std / part.std(dim=0, unbiased=False).mean())
             for part in z.split(batch)]
    return torch.cat(parts)


def rescale_reconstructions(recons: torch.Tensor, images: torch.Tensor) -> torch.Tensor:
    """Restore the reconstructions' pixel variance to that of the images (the code's adjust1)."""
    target = images.std(dim=0, unbiased=False).mean()
    scale = target / recons.std(dim=0, unbiased=False).mean()
    centre = recons.mean(dim=0)
    return ((recons - centre) * scale + centre).clamp(0, 1)

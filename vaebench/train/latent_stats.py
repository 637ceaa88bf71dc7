"""Per-latent-variable statistics over a dataset, one function for every paper.

For each variable j, over the data X: Var(μ_j(X)), E[σ_j²(X)], E[σ_j(X)], and Asperti's variance
law Var(μ_j) + E[σ_j²] (≈ 1 when the KL term works, Asperti 2019 Sec. 4). A variable is inactive
when its posterior stays at the prior: E[σ²] ≥ 0.8 (the paper's quantity) or E[σ] ≥ 0.8 (what
Asperti & Trentin's code computed; reference_code_facts.md §2.5). Both are reported.
"""

from pathlib import Path

import pandas as pd
import torch

from vaebench.data.images import to_float
from vaebench.errors import UserError

INACTIVE_THRESHOLD = 0.8  # E[σ²] (or E[σ]) at or above which a variable is inactive


@torch.no_grad()
def posterior_moments(model, examples: torch.Tensor, batch_size: int = 4096):
    """μ and log σ² of q(z|x) for every image, computed in large no-grad batches on its device."""
    was_training = model.training
    model.eval()
    mus, logvars = [], []
    for start in range(0, len(examples), batch_size):
        mu, logvar = model.encode(to_float(examples[start:start + batch_size]))
        mus.append(mu.float())
        logvars.append(logvar.float())
    model.train(was_training)
    return torch.cat(mus), torch.cat(logvars)


def statistics_from_moments(mu: torch.Tensor, logvar: torch.Tensor,
                            threshold: float = INACTIVE_THRESHOLD) -> pd.DataFrame:
    """One row per latent variable (see the module docstring for the columns' meaning)."""
    var_mu = mu.double().var(dim=0, unbiased=False)
    mean_sigma2 = logvar.double().exp().mean(dim=0)
    mean_sigma = (0.5 * logvar.double()).exp().mean(dim=0)
    frame = pd.DataFrame({
        "variable": range(mu.shape[1]),
        "mean_mu": mu.double().mean(dim=0).cpu().numpy(),
        "var_mu": var_mu.cpu().numpy(),
        "mean_sigma2": mean_sigma2.cpu().numpy(),
        "mean_sigma": mean_sigma.cpu().numpy(),
    })
    frame["variance_law"] = frame["var_mu"] + frame["mean_sigma2"]
    frame["inactive_sigma2"] = frame["mean_sigma2"] >= threshold
    frame["inactive_sigma"] = frame["mean_sigma"] >= threshold
    return frame


def latent_statistics(model, examples: torch.Tensor, batch_size: int = 4096) -> pd.DataFrame:
    return statistics_from_moments(*posterior_moments(model, examples, batch_size))


def batch_variance_summary(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """Per-minibatch trajectory row: Var over the batch of μ_j, then mean σ_j², for each j.

    Stays on the device (no .item()), so logging it every step costs no host synchronisation.
    """
    return torch.cat([mu.detach().var(dim=0, unbiased=False), logvar.detach().exp().mean(dim=0)])


def read_trajectory(run: Path) -> pd.DataFrame:
    """A run's trajectory.csv: per logged minibatch, batch_variance_summary's Var(μ_j) and E[σ_j²]
    (columns var_mu_<j>, mean_sigma2_<j>)."""
    path = run / "trajectory.csv"
    if not path.exists():
        raise UserError(f"{path} is missing: the run was trained without trajectory: true; "
                        f"delete {run} and re-run the train job")
    return pd.read_csv(path)


def sigma2_matrix(trajectory: pd.DataFrame) -> pd.DataFrame:
    """The trajectory's E[σ_j²] columns, renamed 0..k-1."""
    columns = [c for c in trajectory.columns if c.startswith("mean_sigma2_")]
    frame = trajectory[columns]
    frame.columns = range(len(columns))
    return frame


def inactive_per_epoch(trajectory: pd.DataFrame, epochs: int,
                       threshold: float = INACTIVE_THRESHOLD) -> list[int]:
    """Inactive variables after each epoch, from a trajectory that logged every minibatch of
    `epochs` epochs: E[σ_j²] averaged over the epoch's minibatches, at or above `threshold`."""
    sigma2 = sigma2_matrix(trajectory)
    per_epoch = len(sigma2) // epochs
    if per_epoch == 0:
        raise UserError(f"a trajectory of {len(sigma2)} minibatches cannot cover {epochs} epochs")
    means = [sigma2.iloc[e * per_epoch:(e + 1) * per_epoch].mean() for e in range(epochs)]
    return [int((m >= threshold).sum()) for m in means]

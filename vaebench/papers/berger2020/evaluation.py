"""Evaluating Berger & Sebag runs from their checkpoints: ELBO on fresh data, reconstructions,
generations (means and samples of p(x|z)), and simple distances between point clouds.

ELBO convention. Our Gaussian NLL is the full −log N(x; μ, σ²) summed over the D data dimensions:
Σ (x−μ)²/(2σ²) + log σ + ½ log 2π. The paper's Eq. (10)-(11) drop the ½ log 2π per dimension
("up to an additive constant") and keep log σ; footnote 5 adds log σ back to the F-VAE numbers,
which our NLL already contains. So paper ELBO = our ELBO + D·½ log 2π (benchmarks/berger2020.yaml,
choices). A check: Fig. 8-9's final reconstruction loss "circa −5" at σ = 0.043, D = 2, is
2 log 0.043 + ~1 = −5.3 without the constant, −3.4 with it. Absolute values still depend on the
data's scale: at σ = 1 the collapsed decoder (posterior = prior, output the data mean) already
scores −V/2, V the data's total variance, so Table 1's absolute ELBOs are not-comparable and its
orderings carry the claims.
"""

import math
from pathlib import Path

import torch

from vaebench.data import datasets as data
from vaebench.models.likelihoods import HALF_LOG_2PI
from vaebench.train.objective import gaussian_kl
from vaebench.train.runs import load_model

FRESH_SEED_OFFSET = 20_000  # training batches use seed, the run's eval set 10_000 + seed


def paper_constant(data_dim: int) -> float:
    """What the paper's ELBO adds to ours: the D·½ log 2π its NLL omits."""
    return data_dim * HALF_LOG_2PI


@torch.no_grad()
def elbo_terms(model, likelihood, x: torch.Tensor, generator: torch.Generator):
    """Per-point (nll, kl) of a one-sample ELBO estimate (z ~ q(z|x) drawn from `generator`)."""
    mu, logvar = model.encode(x)
    z = mu + torch.randn(mu.shape, generator=generator) * torch.exp(0.5 * logvar)
    nll = likelihood.nll(x, model.decode(z))
    return nll, gaussian_kl(mu, logvar).sum(dim=1)


@torch.no_grad()
def evaluate_elbo(model, likelihood, x: torch.Tensor, seed: int, batch: int = 4096) -> dict:
    """Mean nll, kl and ELBO (ours and the paper's convention) over the points x."""
    gen = torch.Generator().manual_seed(seed)
    terms = [elbo_terms(model, likelihood, chunk, gen) for chunk in x.split(batch)]
    nll = torch.cat([t[0] for t in terms]).double().mean().item()
    kl = torch.cat([t[1] for t in terms]).double().mean().item()
    dim = math.prod(x.shape[1:])
    elbo = -(nll + kl)
    return {"nll": nll, "kl": kl, "elbo": elbo, "elbo_paper": elbo + paper_constant(dim),
            "data_dim": dim}


def fresh_points(cfg, n: int) -> torch.Tensor:
    """n new points of a run's sampled dataset, from a generator no training batch used."""
    gen = torch.Generator().manual_seed(FRESH_SEED_OFFSET + cfg.seed)
    return data.sample(cfg.dataset, n, gen, cfg.dataset_args)


def run_elbo(run: Path, n: int) -> dict:
    """ELBO of a finished run on n fresh samples of its data distribution."""
    model, likelihood, cfg = load_model(run)
    return evaluate_elbo(model, likelihood, fresh_points(cfg, n), seed=cfg.seed)


def log_sigma_of(likelihood, out: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(mean, log σ) of p(x|z) for the Gaussian likelihoods: scalar σ or σ(z) per dimension."""
    if hasattr(likelihood, "split"):
        return likelihood.split(out)
    if hasattr(likelihood, "log_sigma"):
        return out, likelihood.log_sigma.detach().expand_as(out)
    if hasattr(likelihood, "mse"):
        return out, (0.5 * likelihood.mse.log()).expand_as(out)
    raise ValueError(f"{type(likelihood).__name__} is not a Gaussian likelihood")


@torch.no_grad()
def reconstruct(model, likelihood, x: torch.Tensor, seed: int) -> torch.Tensor:
    """Means of p(x|z) with z ~ q(z|x): what the paper draws as reconstructions."""
    gen = torch.Generator().manual_seed(seed)
    mu, logvar = model.encode(x)
    z = mu + torch.randn(mu.shape, generator=gen) * torch.exp(0.5 * logvar)
    return likelihood.mean(model.decode(z))


@torch.no_grad()
def generate(model, likelihood, n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(means, samples) of p(x|z) for z ~ N(0, I)."""
    gen = torch.Generator().manual_seed(seed)
    z = torch.randn(n, model.latent_dim, generator=gen)
    mean, log_sigma = log_sigma_of(likelihood, model.decode(z))
    return mean, mean + torch.exp(log_sigma) * torch.randn(mean.shape, generator=gen)


def energy_distance(a: torch.Tensor, b: torch.Tensor) -> float:
    """Energy distance 2E|A−B| − E|A−A'| − E|B−B'| between two point clouds (0 iff same law)."""
    a, b = a.double().flatten(1), b.double().flatten(1)
    return (2 * torch.cdist(a, b).mean() - torch.cdist(a, a).mean()
            - torch.cdist(b, b).mean()).item()


def bits_per_dim(elbo_paper: float, data_dim: int) -> float:
    """An ELBO in nats per example as bits per data dimension (Table 2's unit)."""
    return elbo_paper / (data_dim * math.log(2))


def final_mean(values, fraction: float) -> float:
    """Mean of the last `fraction` of a per-epoch series (at least one value): a final level
    that the epoch-to-epoch sampling noise does not dominate."""
    values = list(values)
    k = max(1, math.ceil(fraction * len(values)))
    return float(sum(values[-k:]) / k)


@torch.no_grad()
def scatter_run(run: Path, n_recon: int, n_gen: int, n_data: int) -> dict:
    """Everything Fig. 4/6/7 draw for one run, plus its two numbers: the RMS reconstruction
    error and the energy distance between generated samples and fresh data."""
    model, likelihood, cfg = load_model(run)
    x = fresh_points(cfg, max(n_recon, n_data))
    recon = reconstruct(model, likelihood, x[:n_recon], seed=cfg.seed)
    means, samples = generate(model, likelihood, n_gen, seed=cfg.seed)
    return {"data": x[:n_recon], "recon": recon, "gen_mean": means, "gen_sample": samples,
            "recon_rms": (recon - x[:n_recon]).pow(2).sum(1).mean().sqrt().item(),
            "gen_energy": energy_distance(samples, x[:n_data])}


def curve_distance(points: torch.Tensor, amplitude: float, frequency: float) -> torch.Tensor:
    """Distance of each 2-D point to the curve y = a sin(f π x), x in [-1, 1] (dense grid)."""
    grid = torch.linspace(-1, 1, 4001)
    curve = torch.stack([grid, amplitude * torch.sin(frequency * torch.pi * grid)], dim=1)
    return torch.cdist(points.double(), curve.double()).min(dim=1).values

"""Evaluating a two-stage VAE (a first-stage run and the second-stage run on its codes) as
Asperti & Trentin's code does (reference_code_facts.md §2.5): FID of reconstructions (REC),
first-stage samples (GEN-1) and second-stage samples (GEN-2) against the reference statistics of
N test images, the reconstruction mse, the variance law and the inactive variables.

Every choice the code made is an `EvalOptions` field, recorded with each artifact row.
"""

import hashlib
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import torch

from vaebench.data import datasets as data
from vaebench.errors import UserError
from vaebench.eval import fid_reference
from vaebench.papers.asperti2020 import latent_normalisation as norm
from vaebench.train import runs as run_files
from vaebench.train.latent_stats import posterior_moments, statistics_from_moments
from vaebench.train.objective import reparameterise


@dataclass(frozen=True)
class EvalOptions:
    n: int  # images per FID (reconstructed test images, samples of each stage)
    split: str = "test"  # the reference split: the code's shuffled test images
    latent_normalisation: str = "asperti_adjust"  # none | asperti_adjust | always (7965c70)
    adjust_moment: str = "sigma"  # sigma: the code's E[σ]; sigma2: the paper's variance law
    stage2_noise: bool = False  # Dai & Wipf add γ_z·ε to ẑ; Asperti & Trentin do not
    rescale_reconstructions: bool = True  # the code's adjust1 (REC FID and mse on rescaled x̂)
    reconstruct_from: str = "sample"  # the code's x̂ decodes z = μ + σε, not μ
    batch: int = 100  # generation batch; GEN-2 codes are normalised per batch
    seed: int = 0

    @classmethod
    def from_dict(cls, values: dict, n: int) -> "EvalOptions":
        try:
            options = cls(n=n, **values)
        except TypeError as exc:
            raise UserError(f"evaluation options: {exc}") from None
        if options.latent_normalisation not in norm.MODES:
            raise UserError(f"latent_normalisation must be one of {', '.join(norm.MODES)}")
        if options.reconstruct_from not in ("sample", "mean"):
            raise UserError("reconstruct_from must be sample or mean")
        return options

    def to_dict(self) -> dict:
        return asdict(self)


@torch.no_grad()
def decode_images(model, likelihood, z: torch.Tensor, batch: int) -> torch.Tensor:
    return torch.cat([likelihood.mean(model.decode(part)).float().clamp(0, 1)
                      for part in z.split(batch)])


@torch.no_grad()
def second_stage_reconstruction(stage2, mu: torch.Tensor) -> torch.Tensor:
    """ẑ(μ_z): the second stage's encoder sampled, then its decoder (the code's reconstruct2)."""
    mu_u, logvar_u = stage2.encode(mu)
    return stage2.decode(reparameterise(mu_u, logvar_u))


@torch.no_grad()
def generated_codes(stage1, stage2, likelihood2, adjust, options: EvalOptions, device):
    """GEN-1 and GEN-2 latent codes (N each), adjusted as `options` say."""
    k = stage1.latent_dim
    eps = torch.randn(options.n, k, device=device)
    gen1 = eps * adjust if adjust is not None else eps
    z_hat = stage2.decode(torch.randn(options.n, stage2.latent_dim, device=device))
    if options.stage2_noise:
        z_hat = z_hat + likelihood2.sigma() * torch.randn_like(z_hat)
    if options.latent_normalisation == "always":
        z_hat = norm.normalise_codes(z_hat, 1.0, options.batch)
    elif adjust is not None:
        z_hat = norm.normalise_codes(z_hat, adjust, options.batch)
    return gen1, z_hat


def reconstruct(stage1, likelihood1, images: torch.Tensor, options: EvalOptions):
    """(reconstructions as the options say, μ, log σ²) of `images` by a first stage."""
    mu, logvar = posterior_moments(stage1, images, options.batch)
    z = mu if options.reconstruct_from == "mean" else reparameterise(mu, logvar)
    recons = decode_images(stage1, likelihood1, z, options.batch)
    if options.rescale_reconstructions:
        recons = norm.rescale_reconstructions(recons, images)
    return recons, mu, logvar


def test_images(dataset: str, split: str, n: int, root, download: bool) -> torch.Tensor:
    """The N reference images (CPU, uint8); cached per (dataset, split, N, data root), since
    every evaluation of an artifact reads the same ones (a stand-in is generated on each load)."""
    return _test_images(dataset, split, n, str(data.resolve_data_root(root)), download)


@lru_cache(maxsize=4)
def _test_images(dataset: str, split: str, n: int, root: str, download: bool) -> torch.Tensor:
    return fid_reference.reference_images(dataset, split, n, root, download)


def two_stage_samples(stage1_run: Path, stage2_run: Path, options: EvalOptions,
                      device: str = "cpu", stage1_checkpoint: str = "checkpoint.pt") -> dict:
    """The images an evaluation compares: the N test images, their reconstructions (REC), the
    first stage's (GEN-1) and the second stage's (GEN-2) samples, with μ, log σ² and the
    latent adjustment (None when not applied)."""
    stage1, likelihood1, cfg = run_files.load_model(stage1_run, device, stage1_checkpoint)
    stage2, likelihood2, _ = run_files.load_model(stage2_run, device)
    torch.manual_seed(options.seed)  # after building the models, whose init draws numbers too
    images = data.to_float(test_images(cfg.dataset, options.split, options.n, cfg.data_root,
                                       cfg.download).to(device))
    recons, mu, logvar = reconstruct(stage1, likelihood1, images, options)
    adjust = None
    if options.latent_normalisation == "asperti_adjust":
        adjust = norm.latent_adjustment(mu, logvar, second_stage_reconstruction(stage2, mu),
                                        options.adjust_moment)
    gen1_codes, gen2_codes = generated_codes(stage1, stage2, likelihood2, adjust, options, device)
    return {"images": images, "REC": recons,
            "GEN-1": decode_images(stage1, likelihood1, gen1_codes, options.batch),
            "GEN-2": decode_images(stage1, likelihood1, gen2_codes, options.batch),
            "mu": mu, "logvar": logvar, "adjust": adjust}


def evaluate(stage1_run: Path, stage2_run: Path, reference: Path, options: EvalOptions,
             inception, device: str = "cpu", stage1_checkpoint: str = "checkpoint.pt",
             fid_cache: dict | None = None) -> dict:
    """REC / GEN-1 / GEN-2 FIDs at N (each with its FID∞ and slope in 1/N), mse (mean, and its
    max and min over the images), variance laws and inactive counts of one two-stage VAE (the
    first stage's final weights, or a snapshot of them along training). `fid_cache`: FIDs
    already computed, by (reference, images' digest), for evaluations of the same runs under
    other options (identical images, one FID)."""
    out = two_stage_samples(stage1_run, stage2_run, options, device, stage1_checkpoint)
    result = {}
    for name in ("REC", "GEN-1", "GEN-2"):
        key = (str(reference), digest(out[name]))
        cache = fid_cache if fid_cache is not None else {}
        if key not in cache:
            cache[key] = fid_reference.fid_and_extrapolation(out[name], reference, inception,
                                                             device)
        scored = cache[key]
        result.update({name: scored["fid"], f"{name}_inf": scored["fid_inf"],
                       f"{name}_inf_slope": scored["fid_inf_slope"]})
    per_image = (out["images"] - out["REC"]).pow(2).mean(dim=(1, 2, 3))
    adjust = out["adjust"]
    return {**result, **latent_summary(out["mu"], out["logvar"]),
            "mse": float((out["images"] - out["REC"]).pow(2).mean()),
            "mse_max": float(per_image.max()), "mse_min": float(per_image.min()),
            "latent_adjustment": adjust if adjust is not None else float("nan")}


@torch.no_grad()
def reconstruction_errors(stage1_run: Path, options: EvalOptions, device: str = "cpu",
                          stage1_checkpoint: str = "checkpoint.pt") -> torch.Tensor:
    """Per test image: the mse of its reconstruction (as `options` reconstruct), for a first
    stage's final weights or a snapshot."""
    stage1, likelihood1, cfg = run_files.load_model(stage1_run, device, stage1_checkpoint)
    torch.manual_seed(options.seed)  # the draws of two_stage_samples' reconstructions
    images = data.to_float(test_images(cfg.dataset, options.split, options.n, cfg.data_root,
                                       cfg.download).to(device))
    recons, _, _ = reconstruct(stage1, likelihood1, images, options)
    return (images - recons).pow(2).mean(dim=(1, 2, 3)).cpu()


@torch.no_grad()
def generated_code_variance(stage2_run: Path, n: int, device: str = "cpu",
                            seed: int = 0) -> float:
    """mean_j Var(ẑ_j) of n codes the second stage generates from u ~ N(0, I), before any
    normalisation (Asperti & Trentin: "around .85" where 1 is expected)."""
    stage2, _, _ = run_files.load_model(stage2_run, device)
    u = torch.randn(n, stage2.latent_dim, generator=torch.Generator().manual_seed(seed))
    return float(stage2.decode(u.to(device)).var(dim=0, unbiased=False).mean())


def digest(images: torch.Tensor) -> str:
    return hashlib.sha256(images.detach().cpu().contiguous().numpy().tobytes()).hexdigest()


def latent_summary(mu: torch.Tensor, logvar: torch.Tensor) -> dict:
    """Variance law (paper: E[σ²]; code: E[σ]) and inactive variables under both definitions."""
    stats = statistics_from_moments(mu, logvar)
    return {"variance_law": float(stats.variance_law.mean()),
            "variance_law_code": float(norm.variance_law(mu.double(), logvar.double(), "sigma")),
            "inactive": int(stats.inactive_sigma2.sum()),
            "inactive_code": int(stats.inactive_sigma.sum())}

"""FID reference statistics: computed once per (dataset, split, N) and reused by every artifact.

The reference set is the first N images of the split after a permutation seeded with 0 (the
authors' code shuffles the test split and keeps 10k: reference_code_facts.md §1.6, §2.5). The
`.npz` records what a published FID must match to be comparable: dataset, split, N, the resize
(pytorch-fid's bilinear 299×299 inside the network), the weights file and whether its SHA-256
prefix is the official one.
"""

from pathlib import Path

import numpy as np
import torch

from vaebench.data import datasets as data
from vaebench.errors import UserError
from vaebench.eval import fid, fid_lowrank

# FID∞'s fit: FID at this many sample sizes from N/5 to N.
EXTRAPOLATION_POINTS = 5

RESIZE = "pytorch-fid InceptionV3: bilinear to 299x299, no antialias"


def reference_images(dataset: str, split: str, n: int, root=None, download=False):
    images, _ = data.load(dataset, split, root, download)
    if not 2 <= n <= len(images):
        raise UserError(f"FID reference N must be in [2, {len(images)}] for {dataset}/{split}, "
                        f"got {n}")
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(0))
    return images[order[:n]]


def describe_weights() -> dict:
    path = fid.inception_weights_path()
    return {"weights_file": fid.WEIGHTS_FILE,
            "weights_sha256_official": bool(fid.weights_sha256_prefix_ok(path))}


def compute_reference(dataset: str, split: str, n: int, out: str | Path, device: str = "cpu",
                      root=None, download: bool = False, batch_size: int = 200,
                      model=None) -> dict:
    """Write the reference statistics to `out`; `model` is injectable for tests."""
    images = reference_images(dataset, split, n, root, download)
    meta = {"dataset": dataset, "split": split, "n": n, "resize": RESIZE, "permutation_seed": 0}
    if model is None:  # the real network: record which weights made these numbers
        model = fid.load_inception(device)
        meta.update(describe_weights())
    mu, sigma = fid.activation_statistics(
        fid.inception_features(images, model, batch_size, device))
    fid.save_statistics(out, mu, sigma, meta)
    return meta


def fid_against_reference(images: torch.Tensor, reference: str | Path, model,
                          device: str = "cpu", batch_size: int = 200) -> tuple[float, dict]:
    """FID of generated/reconstructed images against stored reference statistics."""
    mu_ref, sigma_ref, meta = fid.load_statistics(reference)
    features = fid.inception_features(images, model, batch_size, device)
    return fid_of_features(features, mu_ref, sigma_ref), meta


def fid_of_features(features: np.ndarray, mu_ref: np.ndarray, sigma_ref: np.ndarray) -> float:
    """FID of (N, D) features against reference statistics."""
    if features.shape[0] <= features.shape[1]:
        # a small sample: its covariance is rank-deficient, where sqrtm is slow and inexact
        return fid_lowrank.frechet_distance_lowrank(features, mu_ref, sigma_ref)
    mu, sigma = fid.activation_statistics(features)
    return fid.frechet_distance(mu, sigma, mu_ref, sigma_ref)


def extrapolated_fid(features: np.ndarray, mu_ref: np.ndarray, sigma_ref: np.ndarray,
                     points: int = EXTRAPOLATION_POINTS, seed: int = 0) -> dict:
    """FID at N and FID extrapolated to infinitely many samples (Chong & Forsyth 2020, "Effectively
    Unbiased FID"): FID is close to linear in 1/N, so FID at `points` sample sizes from N/points
    to N (nested subsets of one seeded permutation of the same features) is fitted as
    FID(N) = fid_inf + slope / N. `fid_inf` is what a small-N FID would approach; the slope is
    the bias per 1/N the small sample carries."""
    n = features.shape[0]
    sizes = np.unique(np.linspace(n / points, n, points).round().astype(int).clip(2, n))
    order = np.random.default_rng(seed).permutation(n)
    full = fid_of_features(features, mu_ref, sigma_ref)
    # the largest subset is every feature: its FID is `full` (a matrix square root fewer)
    fids = np.array([full if size == n else fid_of_features(features[order[:size]], mu_ref,
                                                            sigma_ref) for size in sizes])
    slope, intercept = np.polyfit(1.0 / sizes, fids, 1) if len(sizes) > 1 else (np.nan, np.nan)
    return {"fid": full, "fid_inf": float(intercept),
            "fid_inf_slope": float(slope), "fid_inf_sizes": [int(size) for size in sizes]}


def fid_and_extrapolation(images: torch.Tensor, reference: str | Path, model,
                          device: str = "cpu", batch_size: int = 200) -> dict:
    """`extrapolated_fid` of images against stored reference statistics (one Inception pass)."""
    mu_ref, sigma_ref, _ = fid.load_statistics(reference)
    features = fid.inception_features(images, model, batch_size, device)
    return extrapolated_fid(features, mu_ref, sigma_ref)

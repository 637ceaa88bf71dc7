"""The Fréchet distance of a small sample (N ≤ D features) against stored reference statistics,
exactly and in O(D²N) instead of the O(D³) matrix square root.

With N samples the covariance Σ1 = AAᵀ/(N−1) (A: centred features, D×N) has rank < N, and the
non-zero eigenvalues of Σ1Σ2 are those of the small symmetric matrix M = AᵀΣ2A/(N−1), so
Tr √(Σ1Σ2) = Σ √λ(M). On a 2048-d Inception space scipy's sqrtm takes ~45 s on one loaded CPU
core; this takes milliseconds, which is what keeps FID at smoke scale affordable in CI. For
N > D the usual vaebench.eval.fid.frechet_distance is used.
"""

import numpy as np


def frechet_distance_lowrank(features: np.ndarray, mu_ref: np.ndarray,
                             sigma_ref: np.ndarray) -> float:
    """d² between N(mean, cov) of `features` (N, D), N ≥ 2, and N(mu_ref, sigma_ref)."""
    features = np.asarray(features, dtype=np.float64)
    n = features.shape[0]
    mu = features.mean(axis=0)
    centred = (features - mu).T  # D × N
    small = centred.T @ sigma_ref @ centred / (n - 1)
    eigenvalues = np.clip(np.linalg.eigvalsh((small + small.T) / 2), 0, None)
    trace_sigma = float(np.einsum("dn,dn->", centred, centred)) / (n - 1)
    diff = mu - mu_ref
    return float(diff @ diff + trace_sigma + np.trace(sigma_ref)
                 - 2 * np.sqrt(eigenvalues).sum())

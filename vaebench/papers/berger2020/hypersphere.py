"""The hypersphere non-identifiability case of Berger & Sebag (2020), Sec. 3.1, Eq. (8).

Data lie uniformly on the sphere S_{D-1}(R) in R^D, the decoder outputs lie uniformly on a
concentric sphere of radius r and the observation model is N(·, σ² I). Up to a constant, the
log-likelihood of a data point is, in units of σ (ρ = r/σ, P = R/σ),

    f(ρ, P, D) = −ρ²/2 + log ∫_0^π sin^{D−2}φ · exp(ρ P cos φ) dφ.

The VAE "fails" (collapses onto the centre) when ρ = 0 maximises f. Theorem 1 of the paper says
this happens whenever P ≤ √(D−1); the small-ρ expansion f(ρ) − f(0) ≈ ρ²(P²/D − 1)/2 puts the
actual transition at P = √D, so the theorem's bound is sufficient but not tight.
`transition_radius` measures that transition numerically.

Everything is float64 numpy/scipy and vectorised over the grids; the angular integral is done in
log space so that ρP up to ~1e4 does not overflow.
"""

import functools
import math
import operator
from collections.abc import Callable

import numpy as np
from scipy.special import i0e

from vaebench.errors import UserError

N_PHI = 4001
# Upper bound on the size of the (points × quadrature nodes) block evaluated at once, so a large
# heat map needs tens of MB rather than GB; each block is still fully vectorised.
_BLOCK_ELEMENTS = 1 << 22
_INV_GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0
# Differences of f below this many nats (relative to |f|) are rounding noise, not structure.
_NOISE = 64 * np.finfo(np.float64).eps
# Nodes used inside the transition search: there ρP ≤ 2P² ≤ 2(2√D + 2)², and 1001 nodes already
# reach ~1e-13 nats for ρP up to 1e4 with the substitution in `_nodes`, at a quarter of the cost.
_N_PHI_SEARCH = 1001


def _check_dim(dim: int) -> int:
    """Return dim as an int, or raise UserError unless it is an integer ≥ 2."""
    try:
        dim = operator.index(dim)
    except TypeError:
        raise UserError(f"dim must be an integer >= 2, got {dim!r}") from None
    if dim < 2:
        raise UserError(f"dim must be an integer >= 2, got {dim}")
    return dim


def _check_nonnegative(name: str, value) -> np.ndarray:
    """Return value as a float64 array, or raise UserError if any entry is negative/non-finite."""
    arr = np.asarray(value, dtype=np.float64)
    # `>= 0` is False for NaN, so NaN is rejected too; inf would give inf − inf = NaN below.
    if not np.all(np.isfinite(arr) & (arr >= 0)):
        raise UserError(f"{name} must be finite and >= 0")
    return arr


def _check_n_phi(n_phi: int) -> int:
    """Composite Simpson needs an odd number (≥ 3) of nodes."""
    if isinstance(n_phi, bool) or not isinstance(n_phi, int | np.integer):
        raise UserError(f"n_phi must be an odd integer >= 3, got {n_phi!r}")
    if n_phi < 3 or n_phi % 2 == 0:
        raise UserError(f"n_phi must be an odd integer >= 3, got {n_phi}")
    return int(n_phi)


@functools.lru_cache(maxsize=32)
def _nodes(dim: int, n_phi: int) -> tuple[np.ndarray, np.ndarray]:
    """cos φ at the quadrature nodes and the log weights, including log sin^{D−2}φ.

    Simpson is applied in t ∈ [0, π] with φ = t − sin(2t)/2 (dφ/dt = 2 sin²t) rather than in φ:
    for odd D the integrand's even extension |sin φ|^{D−2} has a kink at φ = 0, which limits plain
    Simpson to ~1e-6 relative error at ρP = 1e4; the substitution makes the integrand vanish to
    high order at both ends and spreads nodes over the narrow peak at φ ≈ 0 that large ρP
    creates, giving ~1e-15 for every D tested. The end nodes get weight 0 (log weight −inf).
    """
    t = np.linspace(0.0, np.pi, n_phi)
    phi = t - 0.5 * np.sin(2.0 * t)
    simpson = np.ones(n_phi)
    simpson[1:-1:2] = 4.0
    simpson[2:-1:2] = 2.0
    simpson *= (t[1] - t[0]) / 3.0
    inner = slice(1, -1)  # sin φ = 0 and dφ/dt = 0 only at the two end nodes
    log_w = np.full(n_phi, -np.inf)
    log_w[inner] = (
        np.log(simpson[inner])
        + np.log(2.0 * np.sin(t[inner]) ** 2)
        + (dim - 2) * np.log(np.sin(phi[inner]))
    )
    cos_phi = np.cos(phi)
    cos_phi.flags.writeable = False  # cached and shared between calls
    log_w.flags.writeable = False
    return cos_phi, log_w


def _logsumexp_rows(x: np.ndarray) -> np.ndarray:
    """log Σ exp(x) along the last axis; the row maximum is finite (interior weights are)."""
    peak = x.max(axis=-1, keepdims=True)
    return peak[..., 0] + np.log(np.exp(x - peak).sum(axis=-1))


def _log_integral(a: np.ndarray, dim: int, n_phi: int) -> np.ndarray:
    """log ∫_0^π sin^{D−2}φ · exp(a cos φ) dφ, elementwise for an array a ≥ 0."""
    cos_phi, log_w = _nodes(dim, n_phi)
    flat = np.ascontiguousarray(a, dtype=np.float64).ravel()
    out = np.empty_like(flat)
    step = max(1, _BLOCK_ELEMENTS // n_phi)
    for start in range(0, flat.size, step):  # loop over memory-bounded blocks, not over points
        block = flat[start : start + step, None]
        out[start : start + step] = _logsumexp_rows(log_w + block * cos_phi)
    return out.reshape(np.shape(a))


def log_density(r_over_sigma, R_over_sigma, dim: int, n_phi: int = N_PHI) -> np.ndarray:
    """f(ρ, P, D) of Eq. (8) in units of σ, broadcasting ρ = r/σ against P = R/σ.

    Composite Simpson quadrature over the angle, evaluated with log-sum-exp; accurate to ~1e-13
    (absolute, in nats) for ρP up to 1e4 with the default n_phi.
    """
    dim = _check_dim(dim)
    n_phi = _check_n_phi(n_phi)
    rho = _check_nonnegative("r_over_sigma", r_over_sigma)
    big_p = _check_nonnegative("R_over_sigma", R_over_sigma)
    rho, big_p = np.broadcast_arrays(rho, big_p)
    return -0.5 * rho**2 + _log_integral(rho * big_p, dim, n_phi)


def log_density_closed_form_d2(r_over_sigma, R_over_sigma) -> np.ndarray:
    """f for D = 2, where the integral is π·I₀(ρP); i0e keeps large ρP from overflowing."""
    rho = _check_nonnegative("r_over_sigma", r_over_sigma)
    big_p = _check_nonnegative("R_over_sigma", R_over_sigma)
    a = rho * big_p
    return -0.5 * rho**2 + math.log(math.pi) + np.log(i0e(a)) + a


def _golden_max(
    fun: Callable[[np.ndarray], np.ndarray], lo: np.ndarray, hi: np.ndarray, n_iter: int = 50
) -> tuple[np.ndarray, np.ndarray]:
    """Elementwise golden-section search for the maximum of fun on [lo, hi].

    All brackets shrink together (one vectorised evaluation per iteration), so there is no
    Python loop over points; 50 iterations shrink each bracket by 0.618^50 ≈ 4e-11.
    """
    lo, hi = np.array(lo, dtype=np.float64), np.array(hi, dtype=np.float64)
    c = hi - _INV_GOLDEN * (hi - lo)
    d = lo + _INV_GOLDEN * (hi - lo)
    fc, fd = fun(c), fun(d)
    for _ in range(n_iter):
        left = fc > fd  # the maximum lies in [lo, d]: keep c as the new d
        hi = np.where(left, d, hi)
        lo = np.where(left, lo, c)
        x_new = np.where(left, hi - _INV_GOLDEN * (hi - lo), lo + _INV_GOLDEN * (hi - lo))
        f_new = fun(x_new)
        c, fc, d, fd = (
            np.where(left, x_new, d),
            np.where(left, f_new, fd),
            np.where(left, c, x_new),
            np.where(left, fc, f_new),
        )
    better_c = fc > fd
    return np.where(better_c, c, d), np.where(better_c, fc, fd)


def _refine_on_grid(
    fun: Callable[[np.ndarray], np.ndarray], grid: np.ndarray, values: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Best grid point per column of values [len(grid), m], refined between its neighbours.

    The refined point replaces the grid point only if it is better by more than rounding noise,
    so an exact ρ = 0 optimum stays exactly 0 (next to 0, f(ρ) − f(0) = O(ρ²) drowns in noise).
    """
    cols = np.arange(values.shape[1])
    k = np.argmax(values, axis=0)
    x_best, f_best = grid[k], values[k, cols]
    lo = grid[np.maximum(k - 1, 0)]
    hi = grid[np.minimum(k + 1, grid.size - 1)]
    x_ref, f_ref = _golden_max(fun, lo, hi)
    better = f_ref > f_best + _NOISE * (1.0 + np.abs(f_best))
    return np.where(better, x_ref, x_best), np.where(better, f_ref, f_best)


def argmax_radius(R_over_sigma: np.ndarray, dim: int, r_max: float, n_r: int) -> np.ndarray:
    """For each P = R/σ, the ρ = r/σ in [0, r_max] maximising f (grid of n_r, then refined).

    Returns an array shaped like R_over_sigma. The maximiser is exactly 0 below the transition.
    """
    dim = _check_dim(dim)
    big_p = _check_nonnegative("R_over_sigma", R_over_sigma)
    if not (math.isfinite(r_max) and r_max > 0):
        raise UserError(f"r_max must be finite and > 0, got {r_max!r}")
    if isinstance(n_r, bool) or not isinstance(n_r, int | np.integer) or n_r < 2:
        raise UserError(f"n_r must be an integer >= 2, got {n_r!r}")
    flat_p = big_p.ravel()
    grid = np.linspace(0.0, float(r_max), int(n_r))
    values = log_density(grid[:, None], flat_p[None, :], dim)
    best, _ = _refine_on_grid(lambda rho: log_density(rho, flat_p, dim), grid, values)
    return best.reshape(big_p.shape)


def _max_gain(big_p: float, dim: int) -> float:
    """max_{ρ>0} f(ρ, P) − f(0, P), from a log-spaced ρ grid plus golden-section refinement.

    Since ∫ w e^{ρP cos φ} ≤ e^{ρP} ∫ w, the gain is ≤ ρP − ρ²/2 < 0 for ρ > 2P, so (0, 2P]
    holds the maximiser. The grid is log-spaced down to 1e-5 because just above the transition
    the optimal ρ is ~ √(2δ(D+2)/√D) for P = √D + δ, i.e. ~1e-3 at δ = 1e-6.
    """
    if big_p == 0.0:
        return 0.0  # f does not depend on ρ beyond −ρ²/2: no gain anywhere
    grid = np.geomspace(1e-5, 2.0 * big_p, 200)
    log_i0 = _log_integral(np.zeros(1), dim, _N_PHI_SEARCH)[0]

    def gain(rho: np.ndarray) -> np.ndarray:
        # The difference against f(0) uses the same quadrature, so its systematic error cancels.
        return -0.5 * rho**2 + _log_integral(rho * big_p, dim, _N_PHI_SEARCH) - log_i0

    _, best = _refine_on_grid(gain, grid, gain(grid)[:, None])
    return float(best[0])


def transition_radius(dim: int, tol: float = 1e-6) -> float:
    """Smallest P = R/σ at which ρ = 0 stops being the global maximiser of f over ρ ≥ 0.

    Bisection on P ∈ [0, 2√D + 2] of "max_ρ f(ρ, P) − f(0, P) > τ". The gain g(P) is
    non-decreasing in P (f(ρ, P) − f(0, P) grows with P for every ρ), so bisection is valid.
    Just above the transition Pc the gain is only second order, g ≈ δ²(D+2)/D for P = Pc + δ
    (from f − f(0) ≈ ρ²ε/2 − ρ⁴P⁴/(4D²(D+2)), ε = P²/D − 1), so the threshold must be tiny:
    τ = tol² places the crossing within δ = tol·√(D/(D+2)) < tol of Pc, matching the bisection
    tolerance. τ is floored at 64 ulps of log ∫ sin^{D−2} so rounding noise (~1e-15 nats) in the
    gain cannot pass for a real gain.
    """
    dim = _check_dim(dim)
    if not (math.isfinite(tol) and tol > 0):
        raise UserError(f"tol must be finite and > 0, got {tol!r}")
    log_i0 = _log_integral(np.zeros(1), dim, _N_PHI_SEARCH)[0]
    threshold = max(tol**2, _NOISE * (1.0 + abs(log_i0)))
    lo, hi = 0.0, 2.0 * math.sqrt(dim) + 2.0
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        if _max_gain(mid, dim) > threshold:
            hi = mid
        else:
            lo = mid
    return 0.5 * (lo + hi)


def heatmap(R_over_sigma: np.ndarray, r_over_sigma: np.ndarray, dim: int) -> np.ndarray:
    """f on the grid, shape [len(r), len(R)], minus each column's maximum (Fig. 2 of the paper).

    Subtracting the per-column maximum puts every column's best r at 0, so the ridge is visible
    even though the absolute level of f varies by hundreds of nats across R.
    """
    big_p = _check_nonnegative("R_over_sigma", R_over_sigma)
    rho = _check_nonnegative("r_over_sigma", r_over_sigma)
    if big_p.ndim != 1 or rho.ndim != 1 or big_p.size == 0 or rho.size == 0:
        raise UserError("R_over_sigma and r_over_sigma must be non-empty 1-D arrays")
    values = log_density(rho[:, None], big_p[None, :], dim)
    return values - values.max(axis=0, keepdims=True)

"""The statistics behind a verdict, in one place: Welch's test of an ordering, a paired test of
the same runs measured two ways, an equivalence within a band (TOST), a rank correlation, a
trend's slope, the confidence interval of a mean, the runs a test needs for 80 % power, Holm's
adjustment.

Pure functions of per-run values; `verdict` turns their results into words.
"""

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

ALPHA = 0.05  # unless an artifact's YAML states another, with its reason
MIN_RUNS = 3  # runs a side below which no ordering is decided, whatever its p-value
POWER = 0.8  # what seeds_needed plans for
MAX_SEEDS = 1000  # beyond this an effect counts as "flat within noise": no run will decide it
FLAT_EFFECT = 0.2  # |standardised effect| below Cohen's "small" reads as flat within noise


@dataclass(frozen=True)
class Test:
    """One ordering's or trend's test. `p_value` is one-sided for the paper's direction,
    `p_reverse` for the opposite one; `effect` > 0 is the paper's direction."""
    p_value: float
    p_reverse: float
    effect: float  # difference of means (ordering) or slope per level (trend)
    effect_std: float  # standardised: Cohen's d, or the slope over its standard error per run
    n_per_side: str  # e.g. "3/3", or "3x4" for a trend (runs x levels)
    seeds_needed: int | None  # runs per side (per level) for 80 % power at this effect
    kind: str = "welch"

    @property
    def direction(self) -> str:
        if self.seeds_needed is None and not self.decided_either:
            return "flat within noise"
        return "as in the paper" if self.effect > 0 else "opposite"

    @property
    def decided_either(self) -> bool:
        return min(self.p_value, self.p_reverse) < ALPHA


def welch(lower: list[float], higher: list[float]) -> Test:
    """One-sided Welch t-test of mean(lower) < mean(higher) (the paper's direction), with
    Welch–Satterthwaite degrees of freedom. Needs two runs a side for a p-value (nan below).
    Zero spread on both sides: the difference is what every run gave, p 0 (or 1, or .5)."""
    low, high = np.asarray(lower, float), np.asarray(higher, float)
    effect = float(high.mean() - low.mean()) if len(low) and len(high) else math.nan
    sides = f"{len(low)}/{len(high)}"
    if len(low) < 2 or len(high) < 2:
        return Test(math.nan, math.nan, effect, math.nan, sides, None)
    var_low, var_high = low.var(ddof=1), high.var(ddof=1)
    se2 = var_low / len(low) + var_high / len(high)
    pooled_sd = math.sqrt((var_low + var_high) / 2)
    if se2 == 0:
        p = 0.0 if effect > 0 else (1.0 if effect < 0 else 0.5)
        return Test(p, 1 - p if effect else 0.5, effect, math.copysign(math.inf, effect)
                    if effect else 0.0, sides, MIN_RUNS if effect else None)
    df = se2 ** 2 / ((var_low / len(low)) ** 2 / (len(low) - 1)
                     + (var_high / len(high)) ** 2 / (len(high) - 1))
    t = effect / math.sqrt(se2)
    d = effect / pooled_sd if pooled_sd > 0 else math.copysign(math.inf, effect)
    return Test(float(stats.t.sf(t, df)), float(stats.t.cdf(t, df)), effect, float(d), sides,
                seeds_for_power(d))


def paired(lower: list[float], higher: list[float]) -> Test:
    """One-sided paired t-test of mean(higher - lower) > 0 (the paper's direction) over
    matched pairs: the same runs measured two ways (e.g. with and without a normalisation,
    on the same random draws), so the runs' own noise cancels. n - 1 degrees of freedom;
    `seeds_needed` is the pairs for 80 % power at the observed standardised difference."""
    low, high = np.asarray(lower, float), np.asarray(higher, float)
    if len(low) != len(high):
        raise ValueError(f"paired test of {len(low)} against {len(high)} values")
    diff = high - low
    sides = f"{len(diff)}/{len(diff)}"
    effect = float(diff.mean()) if len(diff) else math.nan
    if len(diff) < 2:
        return Test(math.nan, math.nan, effect, math.nan, sides, None, "paired")
    sd = float(diff.std(ddof=1))
    if sd == 0:
        p = 0.0 if effect > 0 else (1.0 if effect < 0 else 0.5)
        return Test(p, 1 - p if effect else 0.5, effect, math.copysign(math.inf, effect)
                    if effect else 0.0, sides, MIN_RUNS if effect else None, "paired")
    t = effect / (sd / math.sqrt(len(diff)))
    dz = effect / sd
    df = len(diff) - 1
    return Test(float(stats.t.sf(t, df)), float(stats.t.cdf(t, df)), effect, dz, sides,
                pairs_for_power(dz), "paired")


def pairs_for_power(dz: float, alpha: float = ALPHA, power: float = POWER) -> int | None:
    """Pairs at which a one-sided paired t-test at `alpha` detects a standardised mean
    difference |dz| with `power`; None past MAX_SEEDS or below FLAT_EFFECT."""
    return _runs_for_power(dz, lambda n: n - 1, lambda n: math.sqrt(n), alpha, power)


def within(first: list[float], second: list[float], band: float) -> Test:
    """Two groups "make little difference": |mean(first) - mean(second)| < band, by two
    one-sided Welch tests (TOST: `p_value` is the larger of their p's); `p_reverse` tests the
    difference beyond the band on the side it lies (doubled for the two sides). `effect` is the
    margin left, band - |difference| (> 0: the paper's direction); `seeds_needed` reads that
    margin as an ordering's effect (the nearer bound decides TOST)."""
    a, b = np.asarray(first, float), np.asarray(second, float)
    sides = f"{len(a)}/{len(b)}"
    diff = float(a.mean() - b.mean()) if len(a) and len(b) else math.nan
    margin = band - abs(diff)
    if len(a) < 2 or len(b) < 2:
        return Test(math.nan, math.nan, margin, math.nan, sides, None, "equivalence")
    var_a, var_b = a.var(ddof=1), b.var(ddof=1)
    se2 = var_a / len(a) + var_b / len(b)
    if se2 == 0:
        p = 0.0 if margin > 0 else 1.0
        return Test(p, 1 - p, margin, math.copysign(math.inf, margin), sides, MIN_RUNS,
                    "equivalence")
    df = se2 ** 2 / ((var_a / len(a)) ** 2 / (len(a) - 1) + (var_b / len(b)) ** 2 / (len(b) - 1))
    se = math.sqrt(se2)
    p_above = stats.t.sf((diff + band) / se, df)  # H0: diff <= -band
    p_below = stats.t.cdf((diff - band) / se, df)  # H0: diff >= band
    p_beyond = min(1.0, 2 * stats.t.sf((abs(diff) - band) / se, df))  # H0: |diff| <= band
    pooled_sd = math.sqrt((var_a + var_b) / 2)
    d = margin / pooled_sd if pooled_sd > 0 else math.copysign(math.inf, margin)
    return Test(float(max(p_above, p_below)), float(p_beyond), margin, float(d), sides,
                seeds_for_power(d), "equivalence")


def rank_correlation(x: list[float], y: list[float]) -> Test:
    """One-sided test that y rises with x across runs (Spearman's rho > 0, the paper's
    direction; pass -y for a falling relation); `effect` is rho, `n_per_side` the runs as
    "nxn", `seeds_needed` the runs at which rho would reach 80 % power (Fisher's z)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    sides = f"{len(x)}/{len(x)}"
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return Test(math.nan, math.nan, math.nan, math.nan, sides, None, "spearman")
    rho = float(stats.spearmanr(x, y).statistic)
    greater = float(stats.spearmanr(x, y, alternative="greater").pvalue)
    less = float(stats.spearmanr(x, y, alternative="less").pvalue)
    return Test(greater, less, rho, rho, sides, runs_for_correlation(rho), "spearman")


def runs_for_correlation(rho: float, alpha: float = ALPHA, power: float = POWER) -> int | None:
    """Runs at which a one-sided test of a correlation |rho| reaches `power` (Fisher's z
    approximation); None below FLAT_EFFECT or past MAX_SEEDS."""
    if not math.isfinite(rho) or abs(rho) < FLAT_EFFECT:
        return None
    if abs(rho) >= 1:
        return MIN_RUNS
    z = stats.norm.ppf(1 - alpha) + stats.norm.ppf(power)
    needed = math.ceil((z / math.atanh(abs(rho))) ** 2 + 3)
    return max(MIN_RUNS, needed) if needed <= MAX_SEEDS else None


def seeds_for_power(d: float, alpha: float = ALPHA, power: float = POWER) -> int | None:
    """Runs a side at which a one-sided two-sample t-test at `alpha` detects a standardised
    effect |d| with `power` (noncentral t, equal sides); None past MAX_SEEDS or for |d| below
    FLAT_EFFECT: flat within noise."""
    return _runs_for_power(d, lambda n: 2 * n - 2, lambda n: math.sqrt(n / 2), alpha, power)


def _runs_for_power(effect: float, degrees, scale, alpha: float, power: float) -> int | None:
    """The smallest n (from MIN_RUNS) at which a one-sided t-test with `degrees(n)` degrees of
    freedom and noncentrality |effect| * `scale(n)` reaches `power` at `alpha`."""
    effect = abs(effect)
    if not math.isfinite(effect):
        return MIN_RUNS if effect > 0 else None
    if effect < FLAT_EFFECT:
        return None
    for n in range(MIN_RUNS, MAX_SEEDS + 1):
        critical = stats.t.ppf(1 - alpha, degrees(n))
        if stats.nct.sf(critical, degrees(n), effect * scale(n)) >= power:
            return n
    return None


def trend(levels: list[float], values: list[list[float]]) -> Test:
    """A trend over more than two groups: the least-squares slope of every run's value on its
    group's level (e.g. depth), tested one-sided for a positive slope (the paper's direction;
    pass negated values for a falling trend), with n - 2 degrees of freedom. `seeds_needed`
    is the runs per level at which the slope's test would reach 80 % power."""
    x = np.concatenate([[level] * len(v) for level, v in zip(levels, values, strict=True)])
    y = np.concatenate([np.asarray(v, float) for v in values])
    per_level = min(len(v) for v in values)
    sides = f"{per_level}x{len(levels)}"
    if len(y) < 3 or np.ptp(x) == 0:
        return Test(math.nan, math.nan, math.nan, math.nan, sides, None, "slope")
    slope, intercept = np.polyfit(x, y, 1)
    residual = y - (intercept + slope * x)
    sxx = float(((x - x.mean()) ** 2).sum())
    s2 = float(residual @ residual) / (len(y) - 2)
    if s2 == 0:
        p = 0.0 if slope > 0 else (1.0 if slope < 0 else 0.5)
        return Test(p, 1 - p if slope else 0.5, float(slope), math.copysign(math.inf, slope),
                    sides, MIN_RUNS if slope else None, "slope")
    t = slope / math.sqrt(s2 / sxx)
    # the slope's t grows with the square root of the runs: at k runs per level instead of
    # per_level, t scales by sqrt(k / per_level); the smallest k giving 80 % power
    df = len(y) - 2
    return Test(float(stats.t.sf(t, df)), float(stats.t.cdf(t, df)), float(slope),
                float(t / math.sqrt(len(y))), sides,
                _runs_for_slope(float(t), per_level, len(levels)), "slope")


def _runs_for_slope(t: float, per_level: int, n_levels: int) -> int | None:
    if abs(t) / math.sqrt(per_level * n_levels) < FLAT_EFFECT / 2:
        return None
    for k in range(MIN_RUNS, MAX_SEEDS + 1):
        df = k * n_levels - 2
        shift = abs(t) * math.sqrt(k / per_level)
        if stats.nct.sf(stats.t.ppf(1 - ALPHA, df), df, shift) >= POWER:
            return k
    return None


def interval_from_summary(mean: float, std: float, n: int, alpha: float = ALPHA
                          ) -> tuple[float, float]:
    """The two-sided 1 - alpha t interval of a mean, from the runs' standard deviation and their
    number (as an artifact CSV keeps them); (nan, nan) with fewer than 2 runs."""
    if not n or n < 2 or not math.isfinite(std):
        return math.nan, math.nan
    half = stats.t.ppf(1 - alpha / 2, n - 1) * std / math.sqrt(n)
    return mean - half, mean + half


def holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjustment (family-wise error at the stated α within one artifact);
    nan stays nan and is not counted in the family."""
    order = sorted((p, i) for i, p in enumerate(p_values) if math.isfinite(p))
    adjusted, running = [math.nan] * len(p_values), 0.0
    for rank, (p, i) in enumerate(order):
        running = max(running, min(1.0, (len(order) - rank) * p))
        adjusted[i] = running
    return adjusted

"""Did training plateau? A verdict needs converged runs (DESIGN.md, "Reported vs replicated").

A run has plateaued when its per-epoch training loss has stopped improving: the fall of a
least-squares line through the last `window` fraction of epochs is below `rtol` of the run's
total improvement, or is within two standard errors of zero. A fitted line, not the two end
points, so that one noisy epoch cannot decide; the standard error, so that a run whose epoch
losses carry sampling noise larger than what is left to gain (fresh data every step, or a run
that starts at its optimum, like a collapsed F-VAE at σ = 1) is not called unconverged forever.
Using the total improvement as the scale keeps the test meaningful for losses that are negative
(learned σ) or large (summed NLLs) alike.
"""

import math

import numpy as np

NOISE_STANDARD_ERRORS = 2.0  # a fall within this many standard errors of zero is noise
# Epochs the line is fitted through, at least: through 3 points (a 20-epoch run's last tenth) a
# line's slope and its standard error are too loose to call anything a plateau.
MIN_WINDOW_POINTS = 5


def window_fall(losses: list[float], window: float) -> tuple[float, float, float]:
    """(fall, standard error of the fall, loss at the line's end) of the least-squares line
    through the last `window` fraction of epochs (at least MIN_WINDOW_POINTS of them, or all
    when fewer); fall > 0 is improvement."""
    k = min(max(MIN_WINDOW_POINTS - 1, math.ceil(window * len(losses))), len(losses) - 1)
    y = np.asarray(losses[-k - 1:], dtype=float)
    t = np.arange(k + 1, dtype=float)
    slope, intercept = np.polyfit(t, y, 1)
    residual = y - (intercept + slope * t)
    se_slope = math.sqrt(residual @ residual / (k - 1) / ((t - t.mean()) @ (t - t.mean())))
    return -slope * k, se_slope * k, intercept + slope * k


def plateau_ratio(losses: list[float], window: float) -> float:
    """The window's fall divided by the total improvement (inf if undefined)."""
    if len(losses) < 3:
        return math.inf
    fall, _, end = window_fall(losses, window)
    total = abs(losses[0] - end)
    return abs(fall) / total if total > 0 else math.inf


def has_plateaued(losses: list[float], window: float, rtol: float, min_epochs: int = 5) -> bool:
    """False for runs shorter than `min_epochs`, or than a window of MIN_WINDOW_POINTS epochs
    after the first: too short to tell."""
    if len(losses) < max(min_epochs, MIN_WINDOW_POINTS + 1):
        return False
    fall, se, _ = window_fall(losses, window)
    return bool(plateau_ratio(losses, window) < rtol or abs(fall) <= NOISE_STANDARD_ERRORS * se)


def count_settled(counts: list[int], points: int = MIN_WINDOW_POINTS) -> bool:
    """A count read by a claim (e.g. inactive latents per epoch) has settled when its last
    `points` epochs all give the same value, after at least one epoch before them: a loss can
    still fall by a sliver while the count moves, or plateau while a latent switches."""
    return len(counts) > points and len(set(counts[-points:])) == 1


def count_rule_text(points: int = MIN_WINDOW_POINTS) -> str:
    return f"inactive count unchanged over the last {points} epochs"


def rule_text(window: float, rtol: float) -> str:
    return (f"least-squares fall over the last {window:.0%} of epochs (at least "
            f"{MIN_WINDOW_POINTS}) < {rtol} of the total improvement, or within "
            f"{NOISE_STANDARD_ERRORS:g} standard errors of zero")


# a learned γ within 10 % of √mse, the value it must equal at a stationary point (in γ's own
# unit, as a reader compares γ with √mse; 10 % on γ is mse / γ² in [0.83, 1.23])
GAMMA_BAND = 0.1


def gamma_ratio(nll: float, sigma: float, dims: int) -> float:
    """mse / γ² implied by an epoch's mean NLL per image (summed over `dims` dimensions) under
    N(x̂, γ² I): 1 at a stationary point of a learned scalar γ, where γ² equals the
    reconstruction mse (Dai & Wipf's Eq. 9). Far from 1, the loss can plateau while γ is still
    on its way (Adam moves log γ by about the learning rate per step)."""
    mse = 2 * sigma ** 2 * (nll / dims - 0.5 * math.log(2 * math.pi) - math.log(sigma))
    return mse / sigma ** 2


def gamma_stationary(ratio: float, band: float = GAMMA_BAND) -> bool:
    """Whether γ (given mse / γ²) is within `band` of √mse, its stationary value."""
    return ratio > 0 and abs(1 / math.sqrt(ratio) - 1) <= band


def gamma_rule_text(band: float = GAMMA_BAND) -> str:
    return f"a learned gamma within {band:.0%} of sqrt(mse) (Dai & Wipf's Eq. 9)"

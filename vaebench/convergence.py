"""Did training plateau? A verdict needs converged runs (DESIGN.md, "Reported vs replicated").

A run has plateaued when the improvement of its per-epoch training loss over the last
`window` fraction of training is below `rtol` of its improvement over the whole run. Using the
total improvement as the scale keeps the test meaningful for losses that are negative (learned σ)
or large (summed NLLs) alike.
"""

import math


def plateau_ratio(losses: list[float], window: float) -> float:
    """Improvement over the last window divided by the total improvement (inf if undefined)."""
    if len(losses) < 2:
        return math.inf
    k = max(1, math.ceil(window * len(losses)))
    k = min(k, len(losses) - 1)
    recent = abs(losses[-k - 1] - losses[-1])
    total = abs(losses[0] - losses[-1])
    return recent / total if total > 0 else math.inf


def has_plateaued(losses: list[float], window: float, rtol: float, min_epochs: int = 5) -> bool:
    """False for runs shorter than `min_epochs`: too short to tell."""
    return len(losses) >= min_epochs and plateau_ratio(losses, window) < rtol

"""Helpers several papers' builders share: a claim as a row, orderings over many comparisons, a
metric's verdict. Declares no BUILDERS."""

import pandas as pd

from vaebench.eval.verdict import row

Outcome = bool | tuple[bool, bool]  # whether a claim holds, or (holds, decided) of an ordering


def claim(keys: dict, metric: str, reported, outcome: Outcome, converged: bool, scale: str,
          source: str) -> dict:
    """A claim of the paper as a row, replicated whether it holds here. `outcome` is a bool, or
    (holds, decided) from verdict.ordering / `every`: an ordering of means within the seed noise
    is then `inconclusive`."""
    holds, decided = outcome if isinstance(outcome, tuple) else (outcome, True)
    return row(keys, metric, reported, [float(holds)], compare="equal", scale=scale,
               converged=converged, source=source, decided=decided)


def every(outcomes: list[tuple[bool, bool]]) -> tuple[bool, bool]:
    """(every ordering holds, decided): decided when each holds beyond the seed noise, or one at
    least fails beyond it."""
    holds = all(h for h, _ in outcomes)
    decided = all(d for _, d in outcomes) if holds else any(d and not h for h, d in outcomes)
    return holds, decided


def verdict_of(frame: pd.DataFrame, metric: str) -> str:
    """The verdict of the (first) row of `metric` in an artifact's frame."""
    return str(frame.loc[frame.metric == metric, "verdict"].iloc[0])

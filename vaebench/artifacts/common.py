"""Helpers several papers' builders share: a claim as a row, orderings over many comparisons, a
metric's verdict, a grid of images. Declares no BUILDERS."""

import numpy as np
import pandas as pd

from vaebench.eval.verdict import row

Outcome = bool | tuple[bool, bool]  # whether a claim holds, or (holds, decided) of an ordering


def claim(keys: dict, metric: str, reported, outcome: Outcome | None, *, converged: bool,
          scale: str, source: str) -> dict:
    """A claim of the paper as a row, replicated whether it holds here. `outcome` is a bool, or
    (holds, decided) from verdict.ordering / `every`: an ordering of means within the seed noise
    is then `inconclusive`; None when the runs cannot tell (e.g. one checkpoint): no value."""
    if outcome is None:
        return row(keys, metric, reported, [], compare="equal", scale=scale,
                   converged=converged, source=source)
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


def image_grid(images, nrow: int, padding: int = 2, pad_value: float = 1.0) -> np.ndarray:
    """Images [N, C, H, W] in [0, 1] (clamped) as one [H, W, C] array for imshow, `nrow` a row
    (torchvision's make_grid; a grey image comes back with its channel repeated three times)."""
    from torchvision.utils import make_grid

    return make_grid(images.clamp(0, 1), nrow=nrow, padding=padding,
                     pad_value=pad_value).permute(1, 2, 0).numpy()

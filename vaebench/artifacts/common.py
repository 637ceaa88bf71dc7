"""Helpers several papers' builders share: a claim as a row, orderings over many comparisons, a
metric's verdict, a grid of images. Declares no BUILDERS."""

import numpy as np
import pandas as pd

from vaebench.eval.verdict import Ordering, every, row  # noqa: F401 (every: re-exported)

Outcome = bool | tuple[bool, bool]  # whether a claim holds, or verdict.Ordering (holds, decided)


def claim(keys: dict, metric: str, reported, outcome: Outcome | None, *, converged: bool,
          scale: str, source: str, not_comparable: str | None = None) -> dict:
    """A claim of the paper as a row, replicated whether it holds here. `outcome` is a bool,
    or a verdict.Ordering (from `ordering`, `rising`, `every`), whose test decides the row;
    a plain (holds, decided) pair marks a builder's own undecided comparison; None when the
    runs cannot tell (e.g. one checkpoint): no value."""
    common = {"compare": "equal", "scale": scale, "converged": converged, "source": source,
              "not_comparable": not_comparable}
    if outcome is None:
        return row(keys, metric, reported, [], **common)
    if isinstance(outcome, Ordering):
        return row(keys, metric, reported, [float(outcome[0])], test=outcome.test, **common)
    holds, decided = outcome if isinstance(outcome, tuple) else (outcome, True)
    return row(keys, metric, reported, [float(holds)], decided=decided, **common)


def verdict_of(frame: pd.DataFrame, metric: str) -> str:
    """The verdict of the (first) row of `metric` in an artifact's frame."""
    return str(frame.loc[frame.metric == metric, "verdict"].iloc[0])


def image_grid(images, nrow: int, padding: int = 2, pad_value: float = 1.0) -> np.ndarray:
    """Images [N, C, H, W] in [0, 1] (clamped) as one [H, W, C] array for imshow, `nrow` a row
    (torchvision's make_grid; a grey image comes back with its channel repeated three times)."""
    from torchvision.utils import make_grid

    return make_grid(images.clamp(0, 1), nrow=nrow, padding=padding,
                     pad_value=pad_value).permute(1, 2, 0).numpy()

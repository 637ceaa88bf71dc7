"""Reported vs replicated: the rows of every artifact CSV and the verdict each one earns.

Columns (DESIGN.md contract): the table's own keys, then metric, reported, replicated, std,
n_runs, delta, verdict, scale, plus tolerance, compare, converged and source. Verdicts:
match / differs (a number within / outside the YAML's tolerance), qualitative-match (a stated
ordering or count holds), inconclusive (an ordering between means within two standard errors of
their difference, or with fewer than two runs a side: seed noise could flip it),
not-converged (runs had not plateaued: too short to tell), not-comparable (smoke scale, or a
number measured unlike the paper's: plumbing only), n/a (the paper reports nothing to compare
with).
"""

import math

import pandas as pd

CONTRACT = ["metric", "reported", "replicated", "std", "n_runs", "delta", "verdict", "scale",
            "tolerance", "compare", "converged", "source"]
VERDICT_SCALES = ("quick", "paper")
MARGIN_SE = 2.0  # an ordering between means is decided only beyond this many standard errors


def judge(reported, replicated, compare: str, tolerance: float, scale: str,
          converged: bool) -> str:
    """The verdict of one cell. `compare`: abs (|Δ| ≤ tol), at_least, at_most, equal (booleans)."""
    if scale not in VERDICT_SCALES:
        return "not-comparable"
    if reported is None or _missing(reported) or _missing(replicated):
        return "n/a"
    if not converged:
        return "not-converged"
    if compare == "equal":
        return "qualitative-match" if bool(reported) == bool(replicated) else "differs"
    delta = replicated - reported
    ok = {"abs": abs(delta) <= tolerance, "at_least": delta >= -tolerance,
          "at_most": delta <= tolerance}[compare]
    return "match" if ok else "differs"


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def row(keys: dict, metric: str, reported, values: list, *, compare: str = "abs",
        tolerance: float = 0.0, scale: str, converged: bool, source: str = "",
        decided: bool = True) -> dict:
    """One tidy row from the per-run values of a metric. `decided=False` (an ordering within
    the seed noise, see `ordering`) turns a verdict that compares into `inconclusive`."""
    series = pd.Series(values, dtype="float64")
    replicated = float(series.mean()) if len(series) else float("nan")
    delta = replicated - reported if reported is not None and not _missing(reported) else None
    verdict = judge(reported, replicated, compare, tolerance, scale, converged)
    if not decided and verdict in ("match", "qualitative-match", "differs"):
        verdict = "inconclusive"
    return {**keys, "metric": metric, "reported": reported, "replicated": replicated,
            "std": float(series.std(ddof=1)) if len(series) > 1 else float("nan"),
            "n_runs": len(series), "delta": delta, "verdict": verdict,
            "scale": scale, "tolerance": tolerance, "compare": compare,
            "converged": converged, "source": source}


def ordering(lower: list[float], higher: list[float], margin_se: float = MARGIN_SE
             ) -> tuple[bool, bool]:
    """(mean(lower) < mean(higher), whether that is decided): decided when each side has at
    least two runs and the gap exceeds `margin_se` standard errors of the difference of the
    means (Welch's), so that seed noise alone is unlikely to have flipped it."""
    low, high = pd.Series(lower, dtype="float64"), pd.Series(higher, dtype="float64")
    holds = bool(low.mean() < high.mean())
    if len(low) < 2 or len(high) < 2:
        return holds, False
    standard_error = math.sqrt(low.var(ddof=1) / len(low) + high.var(ddof=1) / len(high))
    return holds, abs(high.mean() - low.mean()) > margin_se * standard_error


def artifact_verdict(verdicts: pd.Series) -> str:
    """One word for a whole artifact: the worst of its rows."""
    present = set(verdicts)
    for word in ("differs", "not-converged", "inconclusive", "not-comparable"):
        if word in present:
            return word
    if present & {"match", "qualitative-match"}:
        return "match"
    return "n/a"


def contract_keys(frame: pd.DataFrame) -> list[str]:
    """The table's own key columns: everything before `metric`."""
    return list(frame.columns[:list(frame.columns).index("metric")])


def read_artifact_csv(path) -> pd.DataFrame:
    """An artifact CSV as written: the verdict `n/a` stays a string (pandas would make it NaN)."""
    frame = pd.read_csv(path, keep_default_na=False, na_values=[""])
    frame["verdict"] = frame["verdict"].astype(str)
    return frame

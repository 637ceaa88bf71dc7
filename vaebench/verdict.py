"""Reported vs replicated: the rows of every artifact CSV and the verdict each one earns.

Columns (DESIGN.md contract): the table's own keys, then metric, reported, replicated, std,
n_runs, delta, verdict, scale, plus tolerance, compare, converged and source. Verdicts:
match / differs (a number within / outside the YAML's tolerance), qualitative-match (a stated
ordering or count holds), not-converged (runs had not plateaued: too short to tell),
not-comparable (smoke scale: plumbing only), n/a (the paper reports nothing to compare with).
"""

import math

import pandas as pd

CONTRACT = ["metric", "reported", "replicated", "std", "n_runs", "delta", "verdict", "scale",
            "tolerance", "compare", "converged", "source"]
VERDICT_SCALES = ("quick", "paper")


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
        tolerance: float = 0.0, scale: str, converged: bool, source: str = "") -> dict:
    """One tidy row from the per-run values of a metric."""
    series = pd.Series(values, dtype="float64")
    replicated = float(series.mean()) if len(series) else float("nan")
    delta = replicated - reported if reported is not None and not _missing(reported) else None
    return {**keys, "metric": metric, "reported": reported, "replicated": replicated,
            "std": float(series.std(ddof=1)) if len(series) > 1 else float("nan"),
            "n_runs": len(series), "delta": delta,
            "verdict": judge(reported, replicated, compare, tolerance, scale, converged),
            "scale": scale, "tolerance": tolerance, "compare": compare,
            "converged": converged, "source": source}


def artifact_verdict(verdicts: pd.Series) -> str:
    """One word for a whole artifact: the worst of its rows."""
    present = set(verdicts)
    for word in ("differs", "not-converged", "not-comparable"):
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

"""The note under an artifact's figure: its verdict and why rows are not compared with the
paper, as its CSV says, so the PNG reads without the CSV."""

import pandas as pd

from vaebench.eval.verdict import artifact_verdict

JUDGED = {"match", "qualitative-match", "differs", "n/a"}  # verdicts that need no reason
MAX_REASONS = 4
MAX_METRICS = 4


def lines(table: pd.DataFrame) -> list[str]:
    """'verdict: ...', then each reason a row is not comparable or undecided, once, with the
    metrics it concerns."""
    found = [f"verdict: {artifact_verdict(table)}"]
    reasons = reasons_by_metric(table)
    for reason, metrics in list(reasons.items())[:MAX_REASONS]:
        shown = ", ".join(metrics[:MAX_METRICS]) + (" …" if len(metrics) > MAX_METRICS else "")
        found.append(f"{shown}: {reason}")
    if len(reasons) > MAX_REASONS:
        found.append(f"and {len(reasons) - MAX_REASONS} more reasons (the CSV's why column)")
    return found


def reasons_by_metric(table: pd.DataFrame) -> dict[str, list[str]]:
    """Reason -> the metrics it concerns: the `not_comparable` of any row (a measurement unlike
    the paper's, e.g. FID at N = 1,000), then the `why` of a row neither judged nor n/a."""
    reasons: dict[str, list[str]] = {}
    for cell in table.to_dict("records"):
        texts = [text_of(cell.get("not_comparable"))]
        if str(cell.get("verdict", "")) not in JUDGED:
            texts.append(text_of(cell.get("why")))
        for text in filter(None, texts):
            metrics = reasons.setdefault(text, [])
            if str(cell["metric"]) not in metrics:
                metrics.append(str(cell["metric"]))
    return reasons


def text_of(value) -> str:
    return "" if value is None or (isinstance(value, float) and value != value) else str(value)

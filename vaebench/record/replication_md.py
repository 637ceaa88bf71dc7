"""results/REPLICATION.md: the summary as a page a person reads (the README points to it).

One table of every artifact with its verdict, then, per built artifact, the cells the paper
reports a number for: reported, replicated (mean ± std over runs) and the verdict.
"""

from pathlib import Path

import pandas as pd

from vaebench import atomic
from vaebench.eval.verdict import contract_keys, read_artifact_csv


def _fmt(value) -> str:
    if pd.isna(value):
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def overview(summary: pd.DataFrame) -> list[str]:
    lines = ["| paper | artifact | verdict | scale | match / differs / not-converged | claim |",
             "| --- | --- | --- | --- | --- | --- |"]
    for row in summary.itertuples():
        counts = "" if row.verdict == "skipped" else (
            f"{row.n_match} / {row.n_differs} / {row.n_not_converged}")
        note = row.skipped_reason if row.verdict == "skipped" else row.claim
        lines.append(f"| {row.paper} | {row.artifact} | **{row.verdict}** | {row.scale} | "
                     f"{counts} | {note} |")
    return lines


def reported_cells(name: str, frame: pd.DataFrame, every_row: bool = False) -> list[str]:
    """The rows with a reported number (`every_row`: all rows) as a markdown table."""
    cells = frame if every_row else frame[frame["reported"].notna()]
    if cells.empty:
        return []
    keys = contract_keys(frame)
    extra = ["sensitivity"] if "sensitivity" in frame.columns else []  # under the alternatives
    header = [*keys, "metric", "reported", "replicated", "std", "n", "verdict", *extra]
    lines = ["", f"### {name}", "", "| " + " | ".join(header) + " |",
             "|" + " --- |" * len(header)]
    for _, row in cells.iterrows():
        values = [*(row[k] for k in keys), row["metric"], row["reported"], row["replicated"],
                  row["std"], row["n_runs"], row["verdict"], *(row[k] for k in extra)]
        lines.append("| " + " | ".join(_fmt(v) for v in values) + " |")
    return lines


def render(summary: pd.DataFrame) -> str:
    lines = ["# Replication summary", "",
             "Generated from results/summary.csv by `vaebench summary`; smoke-scale rows are "
             "not comparable by design.", "", *overview(summary), "", "## Reported vs replicated"]
    for row in summary[summary.verdict != "skipped"].itertuples():
        lines += reported_cells(f"{row.paper}/{row.artifact}", read_artifact_csv(row.path))
    return "\n".join(lines) + "\n"


def write(summary: pd.DataFrame, out: Path) -> None:
    atomic.write_text(out, render(summary))

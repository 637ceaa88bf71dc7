"""An artifact's reported-vs-replicated CSV as an HTML page, for `snakemake --report`, which
shows HTML inline but offers a CSV only as a download."""

import html
from pathlib import Path

from vaebench import atomic
from vaebench.eval.verdict import read_artifact_csv

STYLE = """<style>
body { font: 13px system-ui, sans-serif; margin: 1em; }
table { border-collapse: collapse; }
th, td { border: 1px solid #ccc; padding: 2px 6px; text-align: right; }
th { background: #f3f3f3; }
td.match, td.qualitative-match { background: #dff5df; }
td.differs { background: #f8dede; }
td.not-converged, td.inconclusive { background: #fff3cf; }
</style>"""


def _cell(column: str, value) -> str:
    text = "" if value is None or (isinstance(value, float) and value != value) else (
        f"{value:.4g}" if isinstance(value, float) else str(value))
    css = f' class="{html.escape(text)}"' if column == "verdict" else ""
    return f"<td{css}>{html.escape(text)}</td>"


def render(csv: Path, title: str) -> str:
    frame = read_artifact_csv(csv)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = "\n".join("<tr>" + "".join(_cell(c, v) for c, v in zip(frame.columns, values,
                                                                   strict=True)) + "</tr>"
                     for values in frame.itertuples(index=False))
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
            f"</title>{STYLE}</head><body><h3>{html.escape(title)}</h3><table><thead><tr>{head}"
            f"</tr></thead><tbody>\n{rows}\n</tbody></table></body></html>\n")


def write(csv: Path, out: Path, title: str) -> None:
    atomic.write_text(out, render(csv, title))

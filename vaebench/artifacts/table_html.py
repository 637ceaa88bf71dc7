"""An artifact's reported-vs-replicated CSV as an HTML page, for `snakemake --report`, which
shows HTML inline but offers a CSV only as a download.

The layout is fixed so that each row is one line and every column is in view: the columns a
reader compares (the keys, reported, replicated, verdict, sensitivity, why, source) are shown,
long text cut at the cell's edge with the whole text on hover (its title); the statistics and
protocol columns of a row sit in a `details` element at its end, opened on a click."""

import html
from pathlib import Path

import pandas as pd

from vaebench import atomic
from vaebench.eval.verdict import contract_keys, read_artifact_csv

SHOWN = ["metric", "reported", "replicated", "std", "n_runs", "verdict", "sensitivity", "claim",
         "why", "not_comparable", "source"]
TEXT = {"why", "source", "not_comparable", "sensitivity", "claim"}  # wide, cut at the edge
WEIGHTS = {"text": 3.2, "verdict": 3.2, "number": 2.4, "more": 1.6}

MORE_HEAD = '<th title="the other columns of each row: click +N">more</th>'

STYLE = """<style>
body { font: 13px system-ui, sans-serif; margin: 1em; }
table { border-collapse: collapse; table-layout: fixed; width: 100%; }
th, td { border: 1px solid #ccc; padding: 2px 6px; text-align: right; overflow: hidden;
         text-overflow: ellipsis; white-space: nowrap; }
td.text, th.text { text-align: left; }
th { background: #f3f3f3; }
td.more { white-space: normal; overflow: visible; text-align: left; }
td.more summary { white-space: nowrap; cursor: pointer; }
td.more dl { margin: 0; font-size: 11px; }
td.more dt { font-weight: 600; }
td.more dd { margin: 0 0 2px 1em; overflow-wrap: anywhere; }
td.match, td.qualitative-match { background: #dff5df; }
td.differs { background: #f8dede; }
td.not-converged, td.inconclusive { background: #fff3cf; }
</style>"""


def text_of(value) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def kind_of(column: str, values) -> str:
    """text (left, wide), verdict, or number: a column of numbers alone (a key such as epochs,
    or a value), right-aligned and narrower."""
    if column == "verdict":
        return "verdict"
    numbers = pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce")
    given = pd.Series([text_of(v) for v in values]) != ""
    return "text" if column in TEXT or (numbers[given.to_numpy()].isna().any()) else "number"


def cell(column: str, value, kind: str) -> str:
    text = html.escape(text_of(value))
    classes = [kind] + ([text] if column == "verdict" else [])
    return f'<td class="{" ".join(classes)}" title="{text}">{text}</td>'


def more_cell(values: dict) -> str:
    """A row's other columns, closed until clicked: the row stays one line."""
    given = {column: text_of(value) for column, value in values.items() if text_of(value)}
    items = "".join(f"<dt>{html.escape(c)}</dt><dd>{html.escape(v)}</dd>"
                    for c, v in given.items())
    return (f'<td class="more"><details><summary>+{len(given)}</summary><dl>{items}</dl>'
            f"</details></td>")


def columns_of(frame) -> tuple[list[str], list[str]]:
    """(shown, the rest): the keys and SHOWN in the CSV's order, then every other column."""
    keys = contract_keys(frame)
    shown = [c for c in frame.columns if c in keys or c in SHOWN]
    return shown, [c for c in frame.columns if c not in shown]


def colgroup(kinds: list[str]) -> str:
    weights = [WEIGHTS[kind] for kind in kinds] + [WEIGHTS["more"]]
    total = sum(weights)
    return "<colgroup>" + "".join(f'<col style="width: {100 * w / total:.2f}%">'
                                  for w in weights) + "</colgroup>"


def render(csv: Path, title: str) -> str:
    frame = read_artifact_csv(csv)
    shown, rest = columns_of(frame)
    kinds = {c: kind_of(c, frame[c]) for c in shown}
    head = "".join(f'<th class="{kinds[c]}" title="{html.escape(str(c))}">'
                   f"{html.escape(str(c))}</th>" for c in shown) + MORE_HEAD
    rows = "\n".join("<tr>" + "".join(cell(c, record[c], kinds[c]) for c in shown)
                     + more_cell({c: record[c] for c in rest}) + "</tr>"
                     for record in frame.to_dict("records"))
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
            f"</title>{STYLE}</head><body><h3>{html.escape(title)}</h3><table>"
            f"{colgroup(list(kinds.values()))}<thead><tr>{head}</tr></thead><tbody>\n{rows}\n</tbody>"
            f"</table></body></html>\n")


def write(csv: Path, out: Path, title: str) -> None:
    atomic.write_text(out, render(csv, title))

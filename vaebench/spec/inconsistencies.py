"""Where a paper disagrees with itself, said once in its YAML and shown in every CSV it touches.

`inconsistencies:` (top level of benchmarks/<paper>.yaml) lists each one with what the paper
says in both places, the reading vaebench compares against, and the rows it touches: an
artifact, the metrics, and optionally key values (`where: {lr: 1.0e-4}`). Those rows get the
entry's text in the column `paper_inconsistency`, so a reader of the CSV sees that the reported
number has a rival in the same paper.
"""

import pandas as pd

from vaebench.errors import UserError

COLUMN = "paper_inconsistency"


def validate(spec: dict, fail) -> None:
    """Each inconsistency touches defined artifacts (its fields are the schema's)."""
    for number, entry in enumerate(spec.get("inconsistencies") or [], start=1):
        for touched in entry["rows"]:
            if touched["artifact"] not in spec["artifacts"]:
                fail(f"inconsistency {number} touches artifact '{touched['artifact']}', which "
                     f"is not defined")


def of_artifact(spec: dict, name: str) -> list[tuple[dict, dict]]:
    """(entry, touched rows) for every inconsistency that touches artifact `name`."""
    return [(entry, touched) for entry in spec.get("inconsistencies") or []
            for touched in entry["rows"] if touched["artifact"] == name]


def annotate(frame: pd.DataFrame, spec: dict, name: str) -> pd.DataFrame:
    """The artifact's rows with the column `paper_inconsistency` (empty where none applies);
    the frame unchanged when no inconsistency touches the artifact."""
    touching = of_artifact(spec, name)
    if not touching:
        return frame
    notes = pd.Series([""] * len(frame), index=frame.index, dtype="object")
    for entry, touched in touching:
        selected = _selected(frame, touched)
        text = f"{entry['what']}: {entry['says']} Compared with: {entry['reading']}"
        notes[selected] = [f"{old}; {text}" if old else text for old in notes[selected]]
    return frame.assign(**{COLUMN: notes})


def _selected(frame: pd.DataFrame, touched: dict) -> pd.Series:
    selected = frame["metric"].isin(touched["metrics"])
    for key, value in (touched.get("where") or {}).items():
        if key not in frame.columns:
            raise UserError(f"an inconsistency selects rows by '{key}', which this artifact's "
                            f"CSV has no column for (its columns: {', '.join(frame.columns)})")
        selected &= frame[key].map(lambda cell, want=value: _same(cell, want))
    return selected


def _same(cell, wanted) -> bool:
    """Equal as numbers where both read as numbers (1e-4 and 0.0001), else as text."""
    try:
        return abs(float(cell) - float(wanted)) <= 1e-12 * max(1.0, abs(float(wanted)))
    except (TypeError, ValueError):
        return str(cell) == str(wanted)

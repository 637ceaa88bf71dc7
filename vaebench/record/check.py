"""Checks that keep the committed record honest (tests/test_record.py runs them on record/):

- every `reported` number of a record CSV is a number transcribed in benchmarks/<paper>.yaml
  today (in a `reported:` block: its own artifact's, or another's it sets beside its cells), so
  fixing a transcription shows until the artifact is re-recorded (or listed in stale.yaml with
  the reason); metrics a paper gives as a formula are named under `computed_metrics:`;
- every artifact of every spec is in the record or in pending.yaml with a reason.
"""

import math
from pathlib import Path

from vaebench.eval.verdict import read_artifact_csv
from vaebench.record.pages import PENDING, STALE, read_mapping, recorded
from vaebench.spec import specs


def transcribed_numbers(value) -> list[float]:
    """Every number in a YAML subtree (booleans are claims, not numbers)."""
    if isinstance(value, dict):
        return [n for item in value.values() for n in transcribed_numbers(item)]
    if isinstance(value, list):
        return [n for item in value for n in transcribed_numbers(item)]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [float(value)]
    return []


def as_number(value) -> float | None:
    if isinstance(value, bool) or str(value).strip().lower() in ("true", "false", ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def unmatched_reported(out: Path) -> list[str]:
    """'paper/artifact: reported N is not in the YAML' for every such cell not marked stale."""
    stale = read_mapping(out / STALE)
    problems = []
    for paper, name in recorded(out):
        if f"{paper}/{name}" in stale:
            continue
        spec = specs.load_spec(paper)
        reported = spec["artifacts"][name].get("reported") or {}
        computed = reported.get("computed_metrics") or {}  # a formula's value, not a number
        # an artifact may set beside its own cells another table's (schedule: Table 1's ELBO)
        transcribed = transcribed_numbers(reported) + transcribed_numbers(
            {other: art.get("reported") for other, art in spec["artifacts"].items()})
        frame = read_artifact_csv(out / paper / f"{name}.csv")
        for metric, value in zip(frame["metric"], frame["reported"], strict=True):
            number = None if metric in computed else as_number(value)
            if number is not None and not any(math.isclose(number, t, rel_tol=1e-9,
                                                           abs_tol=1e-12) for t in transcribed):
                problems.append(f"{paper}/{name}: {metric} reported {number} is not in "
                                f"benchmarks/{paper}.yaml; re-record it (vaebench record) or "
                                f"list it in {out / STALE} with the reason")
    return problems


def unaccounted(out: Path) -> list[str]:
    """Artifacts of the specs that are neither recorded nor pending with a reason."""
    entries = {f"{paper}/{name}" for paper, name in recorded(out)}
    pending = read_mapping(out / PENDING)
    return [f"{paper}/{name}" for paper in specs.specified_papers()
            for name in specs.load_spec(paper)["artifacts"]
            if f"{paper}/{name}" not in entries and not pending.get(f"{paper}/{name}")]

"""Measured runs of the DAG from nothing: `record/<scale>/dag_runs.csv`, one row per run.

`snakemake --cores 1 -f results/perf/rules.csv` after a run from an empty results/ writes the
run's span (`vaebench.perf.rule_times.span`: first job's start to last job's end, the jobs' serial
wall and CPU time, the papers they belong to) to results/perf/rules_span.csv; `vaebench record
--dag-run results/perf/rules_span.csv` appends it here with the machine and the commit. The
README's status reads these rows beside the record's own job times (vaebench.record.pages).
"""

from pathlib import Path

import pandas as pd

from vaebench import atomic, provenance
from vaebench.errors import UserError

FILE = "dag_runs.csv"
# what vaebench.perf.rule_times.span writes (a sibling layer: a test runs one into the other)
SPAN_COLUMNS = ["papers", "jobs", "span_s", "serial_s", "cpu_s", "first_start", "last_end"]
COLUMNS = [*SPAN_COLUMNS, "cores", "cpu", "commit"]


def read_span(path: Path) -> dict:
    """The one row of a rules_span.csv, or a one-line error saying how to make one."""
    fix = ("after a run from nothing, write it with: snakemake --cores 1 -f "
           "results/perf/rules.csv")
    if not path.exists():
        raise UserError(f"{path} is missing; {fix}")
    frame = pd.read_csv(path)
    missing = set(SPAN_COLUMNS) - set(frame.columns)
    if missing or len(frame) != 1:
        raise UserError(f"{path} is not a run's span (one row of {', '.join(SPAN_COLUMNS)}); {fix}")
    return frame.iloc[0].to_dict()


def add(out: Path, span_csv: str | Path) -> dict:
    """Append a run's span, with this machine and commit, to out/dag_runs.csv."""
    return save(out, row(read_span(Path(span_csv))))


def row(span: dict) -> dict:
    """The record's row of a run's span: this machine and commit added, or refused from a tree
    with uncommitted changes (a record entry must be reproducible from a commit)."""
    code = provenance.code_state()
    if not code["tree_clean"]:
        raise UserError("the tree has uncommitted changes; commit, then record the DAG run "
                        "(a record entry must be reproducible from a commit)")
    machine = provenance.machine()
    return {**span, "cores": machine["cores"], "cpu": machine["cpu"], "commit": code["commit"]}


def save(out: Path, run: dict) -> dict:
    """Write the row; one with the same papers and first start replaces the earlier (the same
    run recorded again)."""
    runs = read(out)
    same = (runs.papers == run["papers"]) & (runs.first_start == run["first_start"])
    runs = pd.concat([runs[~same], pd.DataFrame([run], columns=COLUMNS)], ignore_index=True)
    atomic.write_csv(out / FILE, runs)
    return run


def read(out: Path) -> pd.DataFrame:
    path = out / FILE
    return pd.read_csv(path) if path.exists() else pd.DataFrame(columns=COLUMNS)


def ratio(run) -> float:
    """How much longer the run took than its CPU time spread over every core (1.0: no core idle)."""
    return run.span_s / (run.cpu_s / run.cores)


def lines(out: Path) -> list[str]:
    """One sentence per recorded run: its span beside its CPU time over its cores."""
    return [f"Measured from nothing ({run.first_start[:10]}, {run.cores} cores, {run.jobs} jobs of "
            f"{run.papers}): {run.span_s / 3600:.2f} h from the first job's start to the last "
            f"one's end, {ratio(run):.2f}x its {run.cpu_s / 60:.0f} CPU core-minutes over "
            f"{run.cores} cores."
            for run in read(out).itertuples()]


def estimate(out: Path, cpu_s: float) -> str | None:
    """The whole DAG's wall time at the latest measured run's ratio: an estimate (the measured
    run's jobs may share the cores better or worse than the rest), said as one."""
    runs = read(out)
    if runs.empty:
        return None
    latest = next(runs.tail(1).itertuples())
    hours = cpu_s / latest.cores * ratio(latest) / 3600
    return (f"At that ratio the whole recorded DAG ({cpu_s / 60:.0f} CPU core-minutes) would take "
            f"about {hours:.1f} h on {latest.cores} cores (an estimate, not a measurement).")

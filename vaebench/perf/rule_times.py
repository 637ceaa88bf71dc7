"""Wall time and peak memory of every rule of the DAG, from Snakemake's `benchmark:` TSVs.

Each job with a `benchmark:` directive leaves a TSV under results/benchmarks/ (the latest run of
that job overwrites it). This module reads them all into one table, one row per job, slowest
first: rule, job (its wildcards), s (wall seconds), max_rss (MB), and when the file was written.

Which rule wrote a TSV is read from the file itself when Snakemake ran with
`--benchmark-extended` (columns rule_name, wildcards); otherwise it is recovered by matching the
path against each rule's benchmark pattern (`name=results/benchmarks/train/{scale}/...`), which
the workflow passes in. A path no pattern matches keeps its first folder as the rule name.

A TSV is written when its job ends, so its time minus the job's wall time is when the job began:
`span` reads, from the TSVs of one run from nothing, how long that run took from its first job's
start to its last job's end, beside the jobs' serial wall time and CPU time.
"""

import datetime
import re
from pathlib import Path

import pandas as pd

from vaebench import atomic
from vaebench.errors import UserError

COLUMNS = ["rule", "job", "s", "max_rss", "mean_load", "cpu_time", "written", "path"]
SPAN_COLUMNS = ["papers", "jobs", "span_s", "serial_s", "cpu_s", "first_start", "last_end"]


def pattern_regex(pattern: str) -> re.Pattern:
    """A Snakemake file pattern ('a/{x}/b{y,\\d+}.tsv') as a regex with one named group per
    wildcard: its own constraint where it has one (which may hold braces), else `.+?`."""
    regex, i = "", 0
    while i < len(pattern):
        if pattern[i] != "{":
            regex += re.escape(pattern[i])
            i += 1
            continue
        depth, j = 1, i + 1
        while depth:  # the matching brace: constraints such as \d{4} nest
            depth += {"{": 1, "}": -1}.get(pattern[j], 0)
            j += 1
        name, _, constraint = pattern[i + 1:j - 1].partition(",")
        regex += f"(?P<{name.strip()}>{constraint or '.+?'})"
        i = j
    return re.compile(regex + "$")


def parse_patterns(items: list[str]) -> dict[str, re.Pattern]:
    """'rule=pattern' strings (the command line's --pattern) to compiled regexes."""
    patterns = {}
    for item in items:
        name, sep, pattern = item.partition("=")
        if not sep or not name or not pattern:
            raise UserError(f"--pattern expects RULE=PATTERN, got '{item}'")
        patterns[name] = pattern_regex(pattern)
    return patterns


def identify(path: Path, root: Path, patterns: dict[str, re.Pattern]) -> tuple[str, str]:
    """(rule, job) of a TSV: from the first rule pattern its path matches, else (its first
    folder under the root, the rest of its path)."""
    for rule, regex in patterns.items():
        match = regex.search(path.as_posix())
        if match:
            return rule, ",".join(f"{k}={v}" for k, v in match.groupdict().items())
    folder, _, rest = path.relative_to(root).with_suffix("").as_posix().partition("/")
    return folder, rest


def read_tsv(path: Path, root: Path, patterns: dict[str, re.Pattern]) -> dict:
    """One row per job; a benchmark repeated N times (`repeat(...)`) gives its median."""
    try:
        table = pd.read_csv(path, sep="\t")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: not a Snakemake benchmark TSV ({type(exc).__name__})") from None
    missing = {"s", "max_rss"} - set(table.columns)
    if missing or table.empty:
        raise UserError(f"{path}: not a Snakemake benchmark TSV (lacks {', '.join(sorted(missing))}"
                        f"{' rows' if table.empty else ''})")
    if "rule_name" in table.columns:  # --benchmark-extended: the file names its rule
        rule, job = str(table.rule_name.iloc[0]), str(table.wildcards.iloc[0])
    else:
        rule, job = identify(path, root, patterns)
    numeric = table.apply(pd.to_numeric, errors="coerce")  # '-' where psutil had nothing
    written = datetime.datetime.fromtimestamp(path.stat().st_mtime, datetime.UTC)
    return {"rule": rule, "job": job, "s": numeric.s.median(),
            "max_rss": numeric.max_rss.median(),
            "mean_load": numeric.get("mean_load", pd.Series([float("nan")])).median(),
            "cpu_time": numeric.get("cpu_time", pd.Series([float("nan")])).median(),
            "written": written.isoformat(timespec="seconds"), "path": path.as_posix()}


def collect(root: str | Path, patterns: dict[str, re.Pattern]) -> pd.DataFrame:
    """Every benchmark TSV under `root`, slowest first."""
    root = Path(root)
    if not root.is_dir():
        raise UserError(f"no benchmark folder {root}; run the workflow first (snakemake writes "
                        f"one TSV per job there)")
    rows = [read_tsv(path, root, patterns) for path in sorted(root.rglob("*.tsv"))]
    if not rows:
        raise UserError(f"no benchmark TSVs under {root}; run the workflow first")
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return frame.sort_values(["s", "rule", "job"], ascending=[False, True, True],
                             ignore_index=True)


def span(frame: pd.DataFrame) -> dict:
    """The run's length, first job's start to last job's end, beside its jobs' serial wall time
    and CPU time, and the papers its jobs name (a `paper=` wildcard). Meaningful for TSVs that
    one run wrote from nothing: a job re-run later moves its own TSV only."""
    ends = pd.to_datetime(frame.written)
    starts = ends - pd.to_timedelta(frame.s, unit="s")
    # an alternative's runs live under paper~alternative: they belong to the paper
    papers = sorted({part.removeprefix("paper=").split("~")[0] for job in frame.job.astype(str)
                     for part in job.split(",") if part.startswith("paper=")})
    return {"papers": " ".join(papers), "jobs": len(frame),
            "span_s": round((ends.max() - starts.min()).total_seconds(), 1),
            "serial_s": round(float(frame.s.sum()), 1),
            "cpu_s": round(float(frame.cpu_time.sum()), 1),
            "first_start": starts.min().isoformat(timespec="seconds"),
            "last_end": ends.max().isoformat(timespec="seconds")}


def span_path(out: str | Path) -> Path:
    """Where the span of rules.csv goes: rules_span.csv beside it."""
    out = Path(out)
    return out.with_name(f"{out.stem}_span.csv")


def write(root: str | Path, out: str | Path, patterns: dict[str, re.Pattern]
          ) -> tuple[pd.DataFrame, dict]:
    """rules.csv, its plot and rules_span.csv; returns the table and the span."""
    frame = collect(root, patterns)
    run = span(frame)
    atomic.write_csv(out, frame)
    atomic.write_csv(span_path(out), pd.DataFrame([run], columns=SPAN_COLUMNS))
    plot(frame, Path(out).with_suffix(".png"))
    return frame, run


def plot(frame: pd.DataFrame, path: Path, top: int = 30) -> None:
    """Wall time of the slowest `top` jobs, with their peak RSS written beside each bar."""
    from vaebench import plots

    shown = frame.head(top).iloc[::-1]
    fig, ax = plots.figure(figsize=(9, 0.3 * len(shown) + 1.5))
    labels = [f"{row.rule} {row.job}"[:70] for row in shown.itertuples()]
    ax.barh(labels, shown.s)
    for y, row in enumerate(shown.itertuples()):
        ax.text(row.s, y, f" {row.max_rss:.0f} MB", va="center", fontsize=7)
    ax.set(xlabel="wall time (s)",
           title=f"slowest {len(shown)} of {len(frame)} jobs (latest run of each), peak RSS")
    plots.save(fig, path)

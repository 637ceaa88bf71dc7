"""`vaebench progress`: how far a DAG's training runs are and how long they have left, read from
what they wrote under results/runs/<scale>/<paper>/<experiment>/seed<k>/.

A run folder with done.json is done. One with config.yaml and no done.json is partial: its
metrics.csv (rewritten while it trains, with every checkpoint and at least every few seconds)
holds the epochs it trained and how long each took; its config how many epochs it trains (as
the loop plans them from the losses so far); the newest modification time of its files when it
last wrote. It is running when it wrote within a few epochs' time, else stopped: it resumes from
its last checkpoint when the DAG runs again. Its time left is its remaining epochs at the median
of its own epoch times, less the time since its last write while it runs.

Runs not on disk are known only from targets (as `vaebench plan` takes them): their time is the
estimate of `vaebench plan`'s cost model (vaebench.plan_cost, a low-high range of CPU time) and
is printed as one. On N cores every training job takes one core (the workflow's train_threads),
so the jobs' times shared over N cores, and at least the longest job's. Training only: artifacts
and FID references come on top.
"""

import csv
import os
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from vaebench import paths
from vaebench.errors import UserError
from vaebench.train.config import TrainConfig
from vaebench.train.epochs import planned_epochs
from vaebench.train.progress import METRICS_EVERY_SECONDS, format_duration

ESTIMATED = "cost model of vaebench plan"
STOPPED_AFTER_S = 60.0  # a run silent for its longest write gap x3 and this is not running


@dataclass
class RunProgress:
    """One line of the report: a run on disk, or a training job not started."""

    name: str  # <scale>/<paper>/<experiment>/seed<k> (not started: a job's seeds)
    state: str  # done | running | stopped | started | not started
    job: str  # runs of one stacked job share it: their times overlap
    runs: int = 1
    epoch: int = 0
    epochs: int = 0
    resumes_from: int = 0  # a stopped run: the epoch of its checkpoint
    epoch_seconds: float | None = None
    idle_seconds: float = 0.0  # since its last write
    left: tuple[float, float] | None = None  # seconds, low and high (equal when measured)


def read_metrics(path: Path) -> tuple[list[float], list[float]]:
    """(losses, seconds) of each epoch in metrics.csv; none when it is missing or unreadable
    (it is written whole, so an unreadable one is another program's)."""
    try:
        with path.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        return [float(row["loss"]) for row in rows], [float(row["seconds"]) for row in rows]
    except (OSError, KeyError, TypeError, ValueError):
        return [], []


def read_config(path: Path) -> TrainConfig | None:
    try:
        return TrainConfig.from_dict(yaml.safe_load(path.read_text()))
    except (OSError, yaml.YAMLError, UserError, TypeError, AttributeError):
        return None


def last_write(run: Path) -> float:
    """When the run last wrote one of the files it rewrites while it trains."""
    times = [(run / name).stat().st_mtime for name in ("metrics.csv", "checkpoint.pt",
                                                      "config.yaml") if (run / name).exists()]
    return max(times, default=run.stat().st_mtime)


def read_run(run: Path, name: str, now: float) -> RunProgress:
    """The progress of the run in folder `run`, as of `now` (seconds since the epoch)."""
    if (run / paths.DONE).exists():
        return RunProgress(name, "done", name)
    cfg = read_config(run / "config.yaml")
    job = name.rsplit("/", 1)[0] if cfg is not None and cfg.stack_seeds else name
    progress = RunProgress(name, "started", job, idle_seconds=max(0.0, now - last_write(run)))
    losses, seconds = read_metrics(run / "metrics.csv")
    if cfg is None:
        return progress
    progress.epoch, progress.epochs = len(losses), planned_epochs(cfg, losses)
    if not seconds:
        return progress
    progress.epoch_seconds = statistics.median(seconds)
    silent = 3 * max(max(seconds), METRICS_EVERY_SECONDS) + STOPPED_AFTER_S
    if progress.idle_seconds < silent:
        progress.state = "running"
        left = (progress.epochs - progress.epoch) * progress.epoch_seconds
        left = max(0.0, left - progress.idle_seconds)
    else:
        progress.state = "stopped"
        saved = (run / "checkpoint.pt").exists()
        progress.resumes_from = progress.epoch // cfg.checkpoint_every * cfg.checkpoint_every \
            if saved else 0
        left = (progress.epochs - progress.resumes_from) * progress.epoch_seconds
    progress.left = (left, left)
    return progress


def runs_on_disk(runs_root: Path, scale: str, now: float) -> list[RunProgress]:
    """Every run folder of `scale` under `runs_root`, in name order."""
    folders = sorted(path for path in (runs_root / scale).glob("*/*/seed*") if path.is_dir())
    return [read_run(path, path.relative_to(runs_root).as_posix(), now) for path in folders]


def not_started(scale: str, targets: list[str], on_disk: set[str],
                calibration=None) -> list[RunProgress]:
    """One line per training job of `targets` with no run folder yet, its time estimated by
    `vaebench plan`'s cost model (torch builds each model once to count its FLOPs)."""
    from vaebench import plan_cost
    from vaebench.spec import alternatives, specs

    spec_by_paper = {paper: specs.load_spec(paper) for paper in specs.specified_papers()}
    chosen = plan_cost.targets_by_paper(targets, spec_by_paper)
    calibration = calibration or plan_cost.calibrate(spec_by_paper)
    lines = []
    for paper, artifacts in chosen.items():
        spec = spec_by_paper[paper]
        wanted = {run for artifact in artifacts
                  for run in plan_cost.artifact_runs(spec, artifact, scale)
                  if run_name(scale, alternatives.paper_dir(paper, run[0]), run[1], run[2])
                  not in on_disk}
        for job in plan_cost.training_jobs(spec, scale, wanted):
            low, high = plan_cost.train_cost(job, calibration)["cpu_h"]
            seeds = " ".join(map(str, job.seeds))
            name = (f"{scale}/{job.name}/seed{seeds}" if len(job.seeds) == 1
                    else f"{scale}/{job.name}/seeds {seeds} (one stacked job)")
            lines.append(RunProgress(name, "not started", name, runs=len(job.seeds),
                                     left=(low * 3600, high * 3600)))
    return lines


def run_name(scale: str, paper_dir: str, experiment: str, seed: int) -> str:
    return f"{scale}/{paper_dir}/{experiment}/seed{seed}"


def time_on_cores(lines: list[RunProgress], cores: int) -> tuple[float, float]:
    """(low, high) seconds to train what is left on `cores` cores, one job a core: the jobs'
    time over the cores, and at least the longest job's."""
    jobs: dict[str, tuple[float, float]] = {}
    for line in lines:
        if line.left is not None and line.state != "done":
            known = jobs.get(line.job, (0.0, 0.0))  # a stacked job's seeds train together
            jobs[line.job] = (max(known[0], line.left[0]), max(known[1], line.left[1]))
    return tuple(max(max((job[end] for job in jobs.values()), default=0.0),
                     sum(job[end] for job in jobs.values()) / cores) for end in (0, 1))


def span_text(low: float, high: float) -> str:
    if format_duration(low) == format_duration(high):
        return format_duration(low)
    return f"{format_duration(low)}-{format_duration(high)}"


def format_line(line: RunProgress) -> str:
    if line.state == "not started":
        return f"not started  {line.name}  estimated {span_text(*line.left)} ({ESTIMATED})"
    head = f"{line.state:8s} {line.name}  epoch {line.epoch}/{line.epochs or '?'}"
    wrote = f"(last write {format_duration(line.idle_seconds)} ago)"
    if line.epoch_seconds is None:
        return f"{head}  no epoch finished yet {wrote}"
    pace = f"{line.epoch_seconds:.1f} s/epoch"
    if line.state == "running":
        return f"{head}  {pace}  {format_duration(line.left[0])} left {wrote}"
    return (f"{head}  {pace}  {format_duration(line.left[0])} left once resumed from its "
            f"checkpoint at epoch {line.resumes_from} {wrote}")


def format_summary(lines: list[RunProgress], scale: str, cores: int, targets: bool) -> str:
    count = {state: sum(line.runs for line in lines if line.state == state)
             for state in ("done", "running", "stopped", "started", "not started")}
    partial = count["running"] + count["stopped"] + count["started"]
    measured = sum(line.left[0] for line in lines if line.left and line.state != "not started")
    estimated = [line.left for line in lines if line.state == "not started"]
    text = (f"total at {scale}: {count['done']} done / {partial} partial ({count['running']} "
            f"running, {count['stopped']} stopped, {count['started']} with no epoch yet) / "
            + (f"{count['not started']} not started" if targets
               else "not started unknown (name targets to count them)"))
    left = f"training left: {format_duration(measured)} measured"
    if estimated:
        left += (f" + {span_text(sum(e[0] for e in estimated), sum(e[1] for e in estimated))} "
                 f"estimated ({ESTIMATED})")
    if count["started"]:
        left += f", not counting the {count['started']} run(s) with no epoch yet"
    on_cores = span_text(*time_on_cores(lines, cores))
    return f"{text}; {left}; on {cores} core(s), one job a core: about {on_cores}"


def progress_report(results: Path, scale: str, targets: list[str], cores: int,
                    now: float | None = None, calibration=None) -> str:
    """The report: one line per partial run and per job not started, then the totals."""
    runs_root = Path(paths.runs_root(results))
    start = f"start the DAG first: snakemake --cores all --config scale={scale}"
    if not Path(results).is_dir():
        raise UserError(f"no folder {results}: nothing has run here yet; {start}")
    if not (runs_root / scale).is_dir() and not targets:
        raise UserError(f"no runs at scale {scale} under {runs_root} yet; {start}")
    now = time.time() if now is None else now
    lines = runs_on_disk(runs_root, scale, now)
    if targets:
        lines += not_started(scale, targets, {line.name for line in lines}, calibration)
    shown = [format_line(line) for line in lines if line.state != "done"]
    return "\n".join([*shown, format_summary(lines, scale, max(1, cores), bool(targets))])


def default_cores() -> int:
    return os.cpu_count() or 1

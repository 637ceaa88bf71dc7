"""Progress within a training job's epochs, for its log: a line at most every N seconds with the
run, epoch e/E, step s/S, images per second and the job's estimated time left.

N comes from $VAEBENCH_PROGRESS_SECONDS (default 30; 0 turns the lines off). The step loop only
counts steps and images and reads the host's wall clock: no tensor is read, so a GPU run is not
made to wait for its device. The host queues GPU work ahead of the device only so far before it
blocks, so over a report's interval the host's step rate is the device's.
"""

import math
import os
import sys
import time
from collections.abc import Callable

from vaebench.errors import UserError

PROGRESS_SECONDS_ENV = "VAEBENCH_PROGRESS_SECONDS"
DEFAULT_PROGRESS_SECONDS = 30.0
# A training run rewrites its metrics.csv at least this often (and with every checkpoint), so
# `vaebench progress` can read how far it is; no more often, so runs of many short epochs do not
# rewrite it every epoch.
METRICS_EVERY_SECONDS = 10.0


def report_interval(environ: dict | None = None) -> float:
    """Seconds between progress lines from $VAEBENCH_PROGRESS_SECONDS (0: none); a value that is
    not a number >= 0 is a one-line error."""
    text = (os.environ if environ is None else environ).get(PROGRESS_SECONDS_ENV, "").strip()
    if not text:
        return DEFAULT_PROGRESS_SECONDS
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not math.isfinite(seconds) or seconds < 0:
        raise UserError(f"{PROGRESS_SECONDS_ENV} must be a number of seconds >= 0 (0: no "
                        f"progress lines), got '{text}'")
    return seconds


def format_duration(seconds: float) -> str:
    """A duration as a person reads it at a glance: 45s, 12m, 3h05m, 2d04h."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours:02d}h"


def run_label(meta: dict, seeds: list[int]) -> str:
    """Which job this is: paper/experiment (from the config's meta, when the spec made it) and
    its seed or seeds."""
    name = "/".join(str(meta[key]) for key in ("paper", "experiment") if meta.get(key))
    which = f"seed {seeds[0]}" if len(seeds) == 1 else "seeds " + " ".join(map(str, seeds))
    return f"{name} {which}" if name else which


def print_line(text: str) -> None:
    """A report as one line of the job's log (stderr)."""
    print(text, file=sys.stderr, flush=True)


class StepReporter:
    """Counts a job's steps and reports them every `interval` seconds of wall clock through
    `emit`. The loop calls begin_epoch before each epoch and step after each optimiser step."""

    def __init__(self, label: str, interval: float, emit: Callable[[str], None] = print_line,
                 clock: Callable[[], float] = time.monotonic):
        self.label, self.interval, self.emit, self.clock = label, interval, emit, clock
        self.started = self.last_report = clock()
        self.steps_done = 0  # by this process, for its rate (a resumed job counts from here)
        self.images_since_report = 0
        self.epoch = self.epochs = self.step_in_epoch = self.steps_per_epoch = 0

    def begin_epoch(self, epoch: int, epochs: int, steps_per_epoch: int) -> None:
        """Before epoch `epoch` (0-based) of the `epochs` the job trains now."""
        self.epoch, self.epochs, self.steps_per_epoch = epoch, epochs, steps_per_epoch
        self.step_in_epoch = 0

    def step(self, images: int) -> None:
        """After an optimiser step on `images` examples (all seeds' of a stacked job)."""
        self.steps_done += 1
        self.step_in_epoch += 1
        self.images_since_report += images
        if self.interval <= 0:
            return
        now = self.clock()
        if now - self.last_report >= self.interval:
            self.emit(self.line(now))
            self.last_report, self.images_since_report = now, 0

    def seconds_left(self, now: float) -> float:
        """The job's remaining steps at its measured rate so far (wall clock, so the work between
        epochs, checkpoints and evaluation, is in it)."""
        left = (self.epochs - self.epoch) * self.steps_per_epoch - self.step_in_epoch
        return max(left, 0) * (now - self.started) / self.steps_done

    def line(self, now: float) -> str:
        rate = self.images_since_report / max(now - self.last_report, 1e-9)
        return (f"progress {self.label}: epoch {self.epoch + 1}/{self.epochs}, step "
                f"{self.step_in_epoch}/{self.steps_per_epoch}, {rate:,.0f} images/s, about "
                f"{format_duration(self.seconds_left(now))} left")

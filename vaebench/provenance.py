"""Where a result came from: the code (commit, clean tree), the machine, and the data a run read.

Runs write this into done.json and artifact jobs into `<artifact>.build.json`, so the record
(`vaebench record`) can say at which commit, on what machine and from which data every
replicated number was computed, and refuse results of a tree with uncommitted changes.
Paths of the machine are never recorded: data is named by dataset and format only
(`vaebench.data.datasets.describe`).
"""

import datetime
import os
import platform
from functools import cache
from pathlib import Path

import torch

from vaebench import git_state

CODE_ROOT = git_state.CODE_ROOT
_git = git_state.git


def code_state() -> dict:
    """The vaebench commit and whether the tree had uncommitted changes (untracked files count:
    a new module changes what runs). Outside a git checkout: commit None, clean False."""
    commit = _git("rev-parse", "HEAD")
    status = _git("status", "--porcelain") if commit else None
    return {"commit": commit, "tree_clean": status == ""}


@cache
def cpu_model() -> str:
    """The CPU's model name (Linux's /proc/cpuinfo), else what platform knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict:
    """CPU model, cores, GPU (or 'none'), torch and Python versions."""
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"
    return {"cpu": cpu_model(), "cores": os.cpu_count(), "gpu": gpu,
            "torch": torch.__version__, "python": platform.python_version()}


def now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def stamp() -> dict:
    """Everything above, as one dict for a done.json or a build.json."""
    return {"code": code_state(), "machine": machine(), "finished": now()}

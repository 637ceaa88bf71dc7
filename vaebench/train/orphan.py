"""A training job stops when the Snakemake that started it is gone.

Snakemake runs a job as `bash -c "... python -m vaebench train ..."`. Killed with SIGKILL, it
cannot stop its jobs, and a training run would go on for hours with nobody to collect it (and
hold the cores a re-run needs). The job's shell is then re-parented, which this watcher sees:
the run exits, and the next `snakemake` resumes it from its last checkpoint.
"""

import os
import sys
import threading
import time
from pathlib import Path


def parent_of(pid: int) -> int | None:
    """The parent pid of `pid` (Linux /proc), None where it cannot be read."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])  # the name in (...) may hold spaces


def exit_with_workflow(poll_seconds: float = 2.0) -> bool:
    """Watch the shell that started us and its parent (the workflow); when either is gone, exit
    (code 3). Returns False, watching nothing, where /proc is not there (not Linux)."""
    shell = os.getppid()
    workflow = parent_of(shell)
    if workflow is None or workflow <= 1:
        return False

    def watch() -> None:
        while True:
            time.sleep(poll_seconds)
            if os.getppid() != shell or parent_of(shell) != workflow:
                print("vaebench: the workflow that started this job is gone; stopping (the run "
                      "resumes from its last checkpoint)", file=sys.stderr, flush=True)
                os._exit(3)

    threading.Thread(target=watch, daemon=True, name="exit-with-workflow").start()
    return True

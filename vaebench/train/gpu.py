"""One GPU per concurrent job on a multi-GPU machine.

Snakemake's `gpu=1` resource only limits how many GPU jobs run at once; it never says which
device a job gets (snakemake#281). With `device: auto`, a job claims the first GPU whose lock file
it can lock exclusively and keeps it until the process exits (the kernel drops the lock even when
the job is killed). `VAEBENCH_GPUS=0,1,...` restricts (or, in tests, simulates) the device list.
A process claims once: asked again (its evaluation after its training, several runs in one job),
it gets the GPU it already holds.
"""

import fcntl
import os
import tempfile
from pathlib import Path

GPUS_ENV = "VAEBENCH_GPUS"
_held = []  # (index, open lock file): closing the file would release its GPU


def visible_gpus() -> list[int]:
    listed = os.environ.get(GPUS_ENV)
    if listed is not None:
        return [int(item) for item in listed.split(",") if item.strip()]
    import torch

    return list(range(torch.cuda.device_count()))


def lock_dir() -> Path:
    return Path(os.environ.get("VAEBENCH_GPU_LOCKS") or tempfile.gettempdir()) / "vaebench-gpus"


def claim_gpu() -> int | None:
    """The index of a GPU no other vaebench process holds (this process's own one if it holds
    one already), or None if all are taken."""
    if _held:
        return _held[0][0]
    directory = lock_dir()
    directory.mkdir(parents=True, exist_ok=True)
    for index in visible_gpus():
        handle = open(directory / f"gpu{index}.lock", "w")  # noqa: SIM115 - held for life
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        _held.append((index, handle))
        return index
    return None

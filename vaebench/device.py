"""The one device policy of every job: training, latent codes, FID and the artifacts that evaluate.

`resolve(requested)` turns what was asked for into a torch.device:

- `requested` None: the configured device, as training reads it: $VAEBENCH_DEVICE (the
  workflow exports `--config device=...` there for every job), else `auto`;
- `auto`: a CUDA GPU when this process can use one (on a multi-GPU machine, one no other
  vaebench process holds: train.gpu), else the CPU. A machine that has an NVIDIA GPU this process
  cannot use (a driver without a CUDA build of torch, a failed CUDA initialisation) says so in one
  line on stderr, once per process, instead of training on the CPU unannounced;
- `cpu`, `cuda`, `cuda:N`, `mps`: that device, or a one-line error when it is not there.

`auto` never picks MPS: asked for by name it is used, but the results recorded so far are from
CPUs and CUDA GPUs.
"""

import os
import shutil
import sys
from pathlib import Path

import torch

from vaebench.errors import UserError

DEVICE_ENV = "VAEBENCH_DEVICE"
NVIDIA_PROC = Path("/proc/driver/nvidia")
KINDS = ("cpu", "cuda", "mps")
_warned: list[str] = []  # the unusable-GPU line, said once per process


def requested_device(requested: str | None = None) -> str:
    """What was asked for: `requested`, else $VAEBENCH_DEVICE, else auto."""
    return (requested or os.environ.get(DEVICE_ENV) or "auto").strip()


def resolve(requested: str | None = None) -> torch.device:
    """The device a job runs on (see the module docstring)."""
    name = requested_device(requested)
    if name == "auto":
        return auto_device()
    kind, _, index = name.partition(":")
    if kind not in KINDS or (index and not index.isdigit()) or (index and kind != "cuda"):
        raise UserError(f"device must be auto, cpu, cuda, cuda:N or mps, got '{name}'")
    if kind == "cuda":
        if not torch.cuda.is_available():
            raise UserError(f"device '{name}' requested but CUDA is not available here"
                            f"{unusable_gpu_reason() or ''}; use device: cpu or auto")
        count = torch.cuda.device_count()
        if index and int(index) >= count:
            raise UserError(f"device '{name}' requested but this machine has {count} CUDA "
                            f"device(s) (cuda:0..cuda:{count - 1})")
    if kind == "mps" and not mps_available():
        raise UserError(f"device '{name}' requested but MPS is not available here; "
                        f"use device: cpu or auto")
    return torch.device(name)


def auto_device() -> torch.device:
    """A CUDA GPU this process can use (its own one on a multi-GPU machine), else the CPU."""
    if torch.cuda.is_available():
        from vaebench.train import gpu

        index = gpu.claim_gpu()  # several jobs on a multi-GPU machine: one device each
        return torch.device(f"cuda:{index}" if index is not None else "cuda")
    reason = unusable_gpu_reason()
    if reason and not _warned:
        _warned.append(reason)
        print(f"vaebench: warning: device auto runs on the CPU, but this machine has an NVIDIA "
              f"GPU that torch cannot use{reason}; fix that or set device: cpu", file=sys.stderr)
    return torch.device("cpu")


def nvidia_gpu_present() -> bool:
    """Whether this machine has an NVIDIA driver (whatever torch makes of it)."""
    return NVIDIA_PROC.exists() or shutil.which("nvidia-smi") is not None


def unusable_gpu_reason() -> str | None:
    """When torch sees no CUDA device on a machine with an NVIDIA driver: ' (why)', with
    torch's own words where CUDA's initialisation says them; else None."""
    if not nvidia_gpu_present():
        return None
    if not torch.backends.cuda.is_built():
        return f" (torch {torch.__version__} is a CPU-only build)"
    try:
        torch.cuda.init()
    except Exception as exc:  # the initialisation error is the reason; any kind will do
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f" (CUDA initialisation failed: {first})"
    return " (torch.cuda.is_available() is false)"


def mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())

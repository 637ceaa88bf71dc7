"""Atomic writes: a reader (or a re-run after a kill) sees the old file or the new one, never half.

Every output of vaebench goes through these helpers: write to a temporary file in the target's
directory, flush, then `os.replace`, which is atomic on POSIX within one file system.
"""

import json
import os
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from vaebench.errors import UserError


def _umask() -> int:
    mask = os.umask(0)  # the only way to read it is to set it; set it straight back
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(target: str | Path):
    """Yield a temp path beside `target`; on success it replaces `target`, on error it vanishes."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        # mkstemp makes 0600; give the file the mode an ordinary write would (0666 & ~umask),
        # so a cluster group can read the results
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_with(target: str | Path, writer: Callable[[Path], None]) -> None:
    """Call `writer(tmp_path)` and move the result onto `target` atomically."""
    with atomic_path(target) as tmp:
        writer(tmp)


def write_text(target: str | Path, text: str) -> None:
    write_with(target, lambda tmp: tmp.write_text(text))


def write_json(target: str | Path, obj) -> None:
    write_text(target, json.dumps(obj, indent=2, sort_keys=True) + "\n")


def write_csv(target: str | Path, frame) -> None:
    """Write a pandas DataFrame as CSV, atomically."""
    write_with(target, lambda tmp: frame.to_csv(tmp, index=False))


# What torch.save says when the file system refuses a write: a RuntimeError, not an OSError (its
# C++ stream writer), e.g. "[enforce fail at inline_container.cc:672] . unexpected pos 576 vs
# 534" or "basic_ios::clear: iostream error" on a full disk, "PytorchStreamWriter failed writing
# file data/0: file write failed" elsewhere.
TORCH_WRITE_FAILURES = ("PytorchStreamWriter", "inline_container", "unexpected pos", "iostream",
                        "writ", "file", "No space", "space left")
RESUMES = "the run resumes from its last checkpoint"


def write_torch(target: str | Path, obj, then: str = RESUMES) -> None:
    """torch.save(obj) onto `target`, atomically. A write the file system refuses (a full disk)
    is a one-line UserError naming the file and the fix, with no partial file left (the old
    `target`, if any, is kept); `then` says what a re-run does."""
    import torch

    target = Path(target)
    cause = None
    try:
        write_with(target, lambda tmp: torch.save(obj, tmp))
    except RuntimeError as exc:
        if not any(sign in str(exc) for sign in TORCH_WRITE_FAILURES):
            raise
        cause = str(exc)
    # raised out here, without the RuntimeError's traceback: that holds torch's writer, and with
    # it the deleted temp file open (its space not yet freed) for as long as the error lives
    if cause is not None:
        raise UserError(f"could not write {target} ({write_failure(cause, target.parent)}); "
                        f"free space on {target.parent} and run again; {then}")


def write_failure(cause: str, folder: Path) -> str:
    """The cause in a few words: the free space left on `folder`'s file system where it can be
    read, with torch's own last words."""
    said = cause.strip().splitlines()[-1].split("] ")[-1].strip(" .") if cause.strip() else ""
    try:
        stats = os.statvfs(folder)
        free = f"{stats.f_bavail * stats.f_frsize // 1024} KiB free there"
    except (OSError, AttributeError):  # AttributeError: no statvfs (Windows)
        free = "the file system refused the write"
    return f"{free}; torch: {said}" if said else free

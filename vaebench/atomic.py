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

"""The git checkout this package runs from, asked without importing anything heavy (the CLI's
--version and every run's provenance share it)."""

import subprocess
from pathlib import Path

# The folder holding this package: a git checkout for a developer, site-packages otherwise.
CODE_ROOT = Path(__file__).resolve().parents[1]


def git(*args: str, root: Path = CODE_ROOT) -> str | None:
    """`git -C root args`' output, or None where git or the checkout is missing."""
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True,
                              text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None

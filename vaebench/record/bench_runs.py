"""The throughput benchmark's rows, kept: `record/perf/throughput_<device>.csv`.

`vaebench record --bench results/perf/throughput.csv` merges a benchmark run (`vaebench bench`,
any `--only` subset) into the record of its device: a row of the new run replaces the row of the
same case, measurement and options, the others stay, each row keeping its own commit, CPU, load
and date. Rows measured from a tree with uncommitted changes are refused, as artifacts are.
"""

import re
from pathlib import Path

import pandas as pd

from vaebench import atomic
from vaebench.errors import UserError

KEY = ["case", "what", "options"]
NEEDED = {*KEY, "device", "commit", "tree_clean", "measured"}


def read_run(path: Path) -> pd.DataFrame:
    """A benchmark CSV with the columns a record row needs, from a committed tree."""
    if not path.exists():
        raise UserError(f"{path} is missing; run the benchmark first: vaebench bench --out {path}")
    frame = pd.read_csv(path)
    missing = NEEDED - set(frame.columns)
    if missing:
        raise UserError(f"{path} lacks {', '.join(sorted(missing))}: not written by this "
                        f"version's `vaebench bench`; run it again")
    if frame.empty or frame.device.nunique() != 1:
        raise UserError(f"{path} must hold the rows of one device (it has "
                        f"{frame.device.nunique()}); run the benchmark once per device")
    if not frame.tree_clean.astype(bool).all() or frame.commit.isna().any():
        raise UserError(f"{path} was measured from a tree with uncommitted changes; commit, then "
                        f"run the benchmark again")
    return frame


def target(root: Path, device: str) -> Path:
    """record/perf/throughput_<device>.csv, the device's name made a file name ('cpu',
    'nvidia_h200')."""
    return Path(root) / "perf" / f"throughput_{re.sub(r'[^a-z0-9]+', '_', device.lower())}.csv"


def add(root: str | Path, csv: str | Path) -> tuple[Path, int]:
    """Merge a benchmark CSV into its device's record; returns the file and its row count."""
    return merge(root, read_run(Path(csv)))


def merge(root: str | Path, run: pd.DataFrame) -> tuple[Path, int]:
    """Merge a checked benchmark run (read_run) into its device's record."""
    out = target(root, run.device.iloc[0])
    kept = pd.read_csv(out) if out.exists() else pd.DataFrame(columns=run.columns)
    replaced = kept.set_index(KEY).index.isin(run.set_index(KEY).index)
    merged = pd.concat([kept[~replaced], run], ignore_index=True)
    atomic.write_csv(out, merged[run.columns.union(kept.columns, sort=False)])
    return out, len(merged)

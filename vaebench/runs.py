"""Reading finished run directories back (the other half of vaebench.train's outputs)."""

import json
from pathlib import Path

import pandas as pd


def done(run: Path) -> dict:
    return json.loads((Path(run) / "done.json").read_text())


def latent_stats(run: Path) -> pd.DataFrame:
    return pd.read_csv(Path(run) / "latent_stats.csv")


def metrics(run: Path) -> pd.DataFrame:
    return pd.read_csv(Path(run) / "metrics.csv")


def all_converged(runs: list[Path]) -> bool:
    return all(done(run)["converged"] for run in runs)

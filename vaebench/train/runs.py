"""Reading finished run directories back (the other half of vaebench.train.loop's outputs)."""

import json
from pathlib import Path

import pandas as pd
import torch
import yaml

from vaebench.errors import UserError
from vaebench.train.convergence import count_rule_text, count_settled, has_plateaued, rule_text
from vaebench.train.latent_stats import inactive_per_epoch, read_trajectory


def snapshot_name(epoch: int) -> str:
    """A run's weights after `epoch`, kept by keep_checkpoints_every (relative to the run)."""
    return f"snapshots/epoch{epoch}.pt"


def done(run: Path) -> dict:
    """The run's done.json, with `converged` judged again by the current rule from its epoch
    losses (when metrics.csv is there), so a better rule needs no retraining and every run an
    artifact reads is judged alike."""
    record = json.loads((Path(run) / "done.json").read_text())
    if (Path(run) / "metrics.csv").exists() and (Path(run) / "config.yaml").exists():
        cfg = config(run)
        losses = metrics(run)["loss"].tolist()
        record["converged"] = has_plateaued(losses, cfg.converge_window, cfg.converge_rtol)
        record["converge_rule"] = rule_text(cfg.converge_window, cfg.converge_rtol)
    return record


def latent_stats(run: Path) -> pd.DataFrame:
    return pd.read_csv(Path(run) / "latent_stats.csv")


def metrics(run: Path) -> pd.DataFrame:
    return pd.read_csv(Path(run) / "metrics.csv")


def all_converged(runs: list[Path]) -> bool:
    return all(done(run)["converged"] for run in runs)


def counts_converged(runs: list[Path]) -> tuple[bool, str]:
    """(converged, rule) for a claim that reads the inactive count: every run's count settled
    over its last epochs (from its per-minibatch trajectory), or, for runs trained without one,
    the loss rule of `done`."""
    settled, rules = [], set()
    for run in runs:
        cfg = config(run) if (Path(run) / "config.yaml").exists() else None
        if cfg is not None and cfg.trajectory:
            epochs = len(metrics(run))
            logged = min(epochs, cfg.trajectory_epochs or epochs)
            counts = inactive_per_epoch(read_trajectory(Path(run)), logged)
            final = int(latent_stats(run)["inactive_sigma2"].sum())
            # a trajectory kept for the first epochs only: the count must also be the same at
            # the end (over the whole training set) as after the last logged epoch
            settled.append(count_settled(counts) and (logged == epochs or counts[-1] == final))
            rules.add(count_rule_text() if logged == epochs else
                      f"{count_rule_text()} logged (of {epochs}) and the same at the end")
        else:
            settled.append(done(run)["converged"])
            rules.add("loss plateau (the runs logged no per-epoch latent statistics)")
    return all(settled), "; ".join(sorted(rules))


def config(run: Path):
    from vaebench.train.config import TrainConfig

    return TrainConfig.from_dict(yaml.safe_load((Path(run) / "config.yaml").read_text()))


def load_model(run: Path, device: str = "cpu", checkpoint: str = "checkpoint.pt"):
    """(model, likelihood, config) of a finished run, in eval mode, from its checkpoint (or a
    snapshot, e.g. `snapshots/epoch50.pt`)."""
    from vaebench.data import datasets as data
    from vaebench.models import build_model
    from vaebench.models.likelihoods import build_likelihood

    cfg = config(run)
    likelihood = build_likelihood(cfg.likelihood, **cfg.likelihood_args)
    model = build_model(cfg.model, data.data_shape(cfg.dataset, cfg.dataset_args),
                        likelihood.params_per_dim, **cfg.arch)
    path = Path(run) / checkpoint
    if not path.exists():
        raise UserError(f"no {checkpoint} in {run}; train that run first")
    state = torch.load(path, map_location=device, weights_only=False)
    model.load_state_dict(state["model"])
    likelihood.load_state_dict(state["likelihood"])
    return model.to(device).eval(), likelihood.to(device).eval(), cfg


def reference_value(run: Path, metric: str, at: str = "last"):
    """A value another run's config refers to: a metrics.csv column, last value or all."""
    frame = metrics(run)
    if metric not in frame.columns:
        raise UserError(f"{run}/metrics.csv has no column '{metric}'; known: "
                        f"{', '.join(frame.columns)}")
    values = frame[metric].tolist()
    return values if at == "all" else values[-1]


def by_experiment(runs: list[Path]) -> dict[str, list[Path]]:
    """Run directories grouped by experiment (results/runs/<scale>/<paper>/<experiment>/seedN),
    in the spec's order."""
    groups: dict[str, list[Path]] = {}
    for run in runs:
        groups.setdefault(Path(run).parent.name, []).append(Path(run))
    return groups

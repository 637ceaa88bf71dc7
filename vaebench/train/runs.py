"""Reading finished run directories back (the other half of vaebench.train.loop's outputs).

A damaged file of a finished run (cut short by a full disk or a copy, emptied, or another tool's)
is a one-line UserError naming the file and the fix, never a traceback, and never read as data:
an artifact is not built from an empty done.json or from fewer epochs of metrics.csv than the
run trained.
"""

import json
import math
from pathlib import Path

import pandas as pd
import torch
import yaml

from vaebench.data.datasets import data_shape
from vaebench.errors import UserError
from vaebench.train import convergence
from vaebench.train.convergence import count_rule_text, count_settled, has_plateaued, rule_text
from vaebench.train.latent_stats import inactive_per_epoch, read_trajectory


def snapshot_name(epoch: int) -> str:
    """A run's weights after `epoch`, kept by keep_checkpoints_every (relative to the run)."""
    return f"snapshots/epoch{epoch}.pt"


METRIC_COLUMNS = ("epoch", "loss", "nll", "kl", "seconds")  # never empty in a written row


def damaged(path: Path, what: str) -> UserError:
    """The one-line error for a damaged file of a run: retraining is the fix."""
    return UserError(f"{path} is damaged ({what}); delete the run folder {Path(path).parent} "
                     f"to retrain it")


def read_done(run: Path) -> dict:
    """done.json as written, checked: a JSON object with `converged` (and `epochs`, when there,
    a whole number)."""
    path = Path(run) / "done.json"
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise UserError(f"no done.json in {run}: the run has not finished; train it first "
                        f"(snakemake does)") from None
    except UnicodeDecodeError:
        raise damaged(path, "not text") from None
    if not text.strip():
        raise damaged(path, "empty")
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        raise damaged(path, f"not valid JSON, cut short? {exc.msg} at line {exc.lineno}") from None
    if not isinstance(record, dict) or "converged" not in record:
        raise damaged(path, "not a vaebench run's done.json: no 'converged'")
    epochs = record.get("epochs")
    if epochs is not None and (isinstance(epochs, bool) or not isinstance(epochs, int)
                               or epochs < 0):
        raise damaged(path, f"epochs is {epochs!r}, not a whole number")
    return record


def check_done(run: Path) -> dict | None:
    """The checked done.json when the run has one (a finished run), else None."""
    return read_done(run) if (Path(run) / "done.json").exists() else None


def done(run: Path) -> dict:
    """The run's done.json, with `converged` judged again by the current rule from its epoch
    losses (when metrics.csv is there), so a better rule needs no retraining and every run an
    artifact reads is judged alike."""
    record = read_done(run)
    if (Path(run) / "metrics.csv").exists() and (Path(run) / "config.yaml").exists():
        cfg = config(run)
        losses = metrics(run)["loss"].tolist()
        record["converged"] = has_plateaued(losses, cfg.converge_window, cfg.converge_rtol)
        record["converge_rule"] = rule_text(cfg.converge_window, cfg.converge_rtol)
    return record


def read_table(path: Path) -> pd.DataFrame:
    """A CSV of a run; one that cannot be parsed (empty, cut short in its header, binary) is a
    damaged file. A missing one is left to the caller (pandas' FileNotFoundError)."""
    try:
        return pd.read_csv(path)
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise damaged(path, f"not a readable CSV: {type(exc).__name__}") from None


def latent_stats(run: Path) -> pd.DataFrame:
    record = check_done(run)
    path = Path(run) / "latent_stats.csv"
    if record is not None and not path.exists() and "procedure" not in record:
        raise damaged(path, "missing beside the run's done.json")
    return read_table(path)


def metrics(run: Path) -> pd.DataFrame:
    """metrics.csv, one row per epoch, checked: every row whole, and for a finished run at least
    one row per epoch it trained (done.json's `epochs`)."""
    record = check_done(run)
    path = Path(run) / "metrics.csv"
    if record is not None and not path.exists() and "procedure" not in record:
        raise damaged(path, "missing beside the run's done.json")
    frame = read_table(path)
    if "loss" not in frame.columns:
        raise damaged(path, f"no 'loss' column; columns: {', '.join(map(str, frame.columns))}")
    if frame.empty:
        raise damaged(path, "no rows")
    cut = frame[[c for c in METRIC_COLUMNS if c in frame.columns]].isna().any(axis=1)
    if cut.any():
        raise damaged(path, f"row {int(cut.to_numpy().argmax()) + 1} is cut short")
    epochs = record.get("epochs") if record is not None and "procedure" not in record else None
    if epochs is not None and len(frame) < epochs:
        raise damaged(path, f"{len(frame)} rows for the {epochs} epochs the run trained")
    return frame


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

    check_done(run)
    path = Path(run) / "config.yaml"
    try:
        values = yaml.safe_load(path.read_text())
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise damaged(path, f"not readable YAML: {type(exc).__name__}") from None
    if not isinstance(values, dict):
        raise damaged(path, "not a mapping of training options")
    return TrainConfig.from_dict(values)


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


def gamma_stationary(run: Path, band: float = convergence.GAMMA_BAND) -> tuple[bool, float]:
    """(whether a learned scalar γ ended within `band` of its stationary value √mse, its last
    epoch's mse / γ²);
    (True, nan) for a run whose γ is not learned (computed, fixed or per pixel)."""
    cfg = config(run)
    if cfg.likelihood != "gaussian_learned":
        return True, math.nan
    dims = math.prod(data_shape(cfg.dataset, cfg.dataset_args or None))
    last = metrics(run).iloc[-1]
    ratio = convergence.gamma_ratio(float(last["nll"]), float(last["sigma"]), dims)
    return convergence.gamma_stationary(ratio, band), ratio


def budget(run: Path) -> int | None:
    """Examples a run trained on: epochs x images per epoch (a sampled dataset's steps x
    batch, else the images its done.json says it read); None for a run that does not say
    (`train` always writes both files; hand-made test runs may not)."""
    record = done(run)
    if "epochs" not in record or not (Path(run) / "config.yaml").exists():
        return None
    cfg = config(run)
    images = (record.get("data") or {}).get("images")
    per_epoch = images if images else cfg.steps_per_epoch * cfg.batch_size
    return int(record["epochs"]) * int(per_epoch)


def unequal_budgets(groups: list[list[Path]]) -> str | None:
    """Why groups of runs compared with each other are not comparable: their training budgets
    (examples seen) differ; None when every run trained on as many examples."""
    seen = [sorted({budget(run) for run in group}) for group in groups]
    if any(None in group for group in seen) or len({b for g in seen for b in g}) <= 1:
        return None
    text = " vs ".join("/".join(f"{b:,}" for b in group) for group in seen)
    return f"unequal training budgets ({text} examples seen)"


def late_phase_settled(run: Path, window: float | None) -> bool:
    """A guard against plateau escape, for claims that hinge on where training ends: the loss
    also flat over the last `window` of the epochs (e.g. a quarter), by the plateau rule at
    the run's own tolerance; True when no window is asked for."""
    if window is None:
        return True
    losses = metrics(run)["loss"].tolist()
    return has_plateaued(losses, window, config(run).converge_rtol)

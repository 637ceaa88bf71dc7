"""Asperti & Trentin 2020, Sec. V: how latent variables get activated along training.

figure4 (a dense MNIST VAE) and figure5 (the computed-γ ResNet on CIFAR-10): the mean variance
E[σ_j²] of every latent variable per minibatch during the first epoch. The paper's contrast: the
dense VAE decides early (each E[σ²] near 0 or near 1), computed γ keeps most variables undecided
after a full epoch. figure6: the same per epoch over the first 50 epochs, where variables leave
the "limbo" one by one. Thresholds of "active", "inactive" and "undecided" are in the YAML.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from vaebench import plots
from vaebench.artifacts.common import claim, every
from vaebench.artifacts.context import BuildContext, Built
from vaebench.eval.verdict import paired_ordering, row
from vaebench.train import runs as run_files
from vaebench.train.latent_stats import read_trajectory, sigma2_matrix


def steps_per_logged_epoch(run: Path, trajectory: pd.DataFrame) -> int:
    cfg = run_files.config(run)
    logged = min(cfg.trajectory_epochs or cfg.epochs, cfg.epochs)
    return len(trajectory) // logged


def epoch_means(run: Path) -> pd.DataFrame:
    """E[σ_j²] per logged epoch (rows: epochs 1…, columns: variables), averaged over the
    epoch's minibatches (a single minibatch's estimate is noisy)."""
    trajectory = read_trajectory(run)
    steps = steps_per_logged_epoch(run, trajectory)
    sigma2 = sigma2_matrix(trajectory)
    means = sigma2.groupby(np.arange(len(sigma2)) // steps).mean()
    means.index = means.index + 1
    return means


def end_of_first_epoch(run: Path) -> np.ndarray:
    """E[σ_j²] at the end of epoch 1: the mean over its last tenth of minibatches."""
    trajectory = read_trajectory(run)
    steps = steps_per_logged_epoch(run, trajectory)
    first = sigma2_matrix(trajectory).iloc[:steps]
    return first.iloc[-max(1, steps // 10):].mean().to_numpy()


def classify(values: np.ndarray, band: dict) -> dict:
    """Counts of active (E σ² below the band), inactive (above) and undecided variables."""
    active = int((values < band["active_below"]).sum())
    inactive = int((values >= band["inactive_above"]).sum())
    return {"active": active, "inactive": inactive,
            "undecided": len(values) - active - inactive}


def first_epoch(ctx: BuildContext) -> Built:
    """figure4 / figure5: the state of each variable after one epoch, and the paper's claim
    about how many are still undecided (reported: most_undecided_after_epoch1)."""
    art, scale, runs = ctx.art, ctx.scale, ctx.runs
    counts = [classify(end_of_first_epoch(run), art["band"]) for run in runs]
    k = len(end_of_first_epoch(runs[0]))
    common = {**ctx.judged(True), "source": art["source"]}
    rows = [row({"epoch": 1}, f"{kind}_after_epoch1", None, [c[kind] for c in counts], **common)
            for kind in ("active", "undecided", "inactive")]
    rows.append(claim({"epoch": 1}, "most_undecided_after_epoch1",
                      art["reported"]["most_undecided_after_epoch1"],
                      most_undecided([c["undecided"] for c in counts], k),
                      scale=scale, converged=True, source=art["reported"]["source"]))
    frame = pd.DataFrame(rows)
    return Built(frame, plot_first_epoch(runs[0], art, frame))


def most_undecided(undecided: list[int], k: int):
    """Most of the k variables undecided: the runs' undecided counts above k / 2 (one-sample
    t-test over the runs)."""
    return paired_ordering([k / 2] * len(undecided), undecided)


def plot_first_epoch(run: Path, art: dict, frame: pd.DataFrame):
    trajectory = read_trajectory(run)
    steps = steps_per_logged_epoch(run, trajectory)
    sigma2 = sigma2_matrix(trajectory).iloc[:steps]
    fig, ax = plots.figure(figsize=(8, 4.5))
    lines = ax.plot(sigma2.index, sigma2.to_numpy(), linewidth=0.8)
    lines[0].set_label(f"one line per latent variable ({run.name})")
    band = art["band"]
    for edge, label in ((band["active_below"], f"active below {band['active_below']:g}"),
                        (band["inactive_above"], f"inactive above {band['inactive_above']:g}")):
        ax.axhline(edge, color="grey", linestyle=":", linewidth=0.8, label=label)
    ax.legend(fontsize=7, loc="lower left")
    ax.set(xlabel="minibatch (first epoch)", ylabel="E[σ²] of each latent variable",
           ylim=(0, 1.1))
    claim = frame[frame.metric == "most_undecided_after_epoch1"].iloc[0]
    undecided = frame[frame.metric == "undecided_after_epoch1"].iloc[0]
    ax.set_title(f"{art['title']}\nundecided after one epoch: {undecided.replicated:.1f} of "
                 f"{sigma2.shape[1]}; most undecided: {claim.verdict}", fontsize=9)
    return fig


def activation_epochs(active_per_epoch: list[int]) -> int:
    """Distinct epochs at which the number of active variables grows."""
    return int(sum(b > a for a, b in zip(active_per_epoch[:-1], active_per_epoch[1:],
                                         strict=True)))


def activation_gradual(actives: list[list[int]], needed: int):
    """Variables activate over several epochs: the runs' activation epochs at least `needed`
    (above needed - 1/2, as they are counts; one-sample) and their active count grown from the
    first epoch to the last (paired); both must hold."""
    return every([paired_ordering([needed - 0.5] * len(actives),
                                  [activation_epochs(a) for a in actives]),
                  paired_ordering([a[0] for a in actives], [a[-1] for a in actives])])


def figure6(ctx: BuildContext) -> Built:
    """Variables leave the limbo one by one: the active count grows over several epochs."""
    art, scale = ctx.art, ctx.scale
    band, needed = art["band"], art["reported"]["min_activation_epochs"]
    per_run = [epoch_means(run).iloc[:art["epochs"]] for run in ctx.runs]
    actives = [[classify(state.to_numpy(), band)["active"] for _, state in means.iterrows()]
               for means in per_run]
    gradual = activation_gradual(actives, needed)
    common = {**ctx.judged(True), "source": art["source"]}
    rows = [row({"epoch": epoch}, "active", None, [a[epoch - 1] for a in actives], **common)
            for epoch in range(1, min(len(a) for a in actives) + 1)]
    rows.append(row({"epoch": "all"}, "activation_epochs", None,
                    [activation_epochs(a) for a in actives], **common))
    rows.append(claim({"epoch": "all"}, "activation_is_gradual", art["reported"]["gradual"],
                      gradual, scale=scale, converged=True,
                      source=art["reported"]["source"]))
    frame = pd.DataFrame(rows)
    return Built(frame, plot_figure6(per_run[0], art, frame))


def plot_figure6(means: pd.DataFrame, art: dict, frame: pd.DataFrame):
    fig, ax = plots.figure(figsize=(8, 4.5))
    lines = ax.plot(means.index, means.to_numpy(), linewidth=0.8,
                    marker="." if len(means) < 5 else None)
    lines[0].set_label("one line per latent variable (the first run)")
    ax.axhline(art["band"]["active_below"], color="grey", linestyle=":", linewidth=0.8,
               label=f"active below {art['band']['active_below']:g}")
    ax.legend(fontsize=7, loc="lower left")
    ax.set(xlabel="epoch", ylabel="E[σ²] of each latent variable (epoch mean)", ylim=(0, 1.1))
    claim = frame[frame.metric == "activation_is_gradual"].iloc[0]
    shown = (f" (the {len(means)} epochs trained here)" if len(means) < art["epochs"] else "")
    plots.title(fig, f"{art['title']}{shown}\nactivation gradual: {claim.verdict}")
    return fig

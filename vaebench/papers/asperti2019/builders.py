"""Asperti 2019, "Variational Autoencoders and the Variable Collapse Phenomenon".

table1: per latent variable Var(μ) and E[σ²] of the dense MNIST VAE, the inactive count and the
variance law. Latent indices are arbitrary (any permutation is the same model), so variables are
compared by rank: sorted by Var(μ), largest first, in the paper's table and in each run.
table1_conv: the same for the convolutional VAE of Fig. 4, and "conv has fewer inactive".
figure1: ten digits' posteriors in a 2-D latent space during the first epoch (probe.csv).
figure2: per-minibatch E[σ²] and Var(μ) of the 16 latents along training (trajectory.csv).
figure3: prior samples with and without the inactive variables zeroed.
figure5: samples of the conv VAE; its test reconstruction against the dense VAE's.
variance_law: Var(μ) + E[σ²] ≈ 1 (Sec. 4) for every trained model of this paper, judged on
active variables (a collapsed one satisfies it by construction).
figure7: noise injection into an active variable (Sec. 5; noise_injection beside this module).
sparsity_vs_latent_dim: beyond the paper, inactive count as the latent dimension grows.
"""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from vaebench import plots
from vaebench.artifacts import procedures
from vaebench.artifacts.common import claim, image_grid
from vaebench.artifacts.context import BuildContext, Built
from vaebench.data import datasets as data
from vaebench.eval import verdict
from vaebench.eval.verdict import row
from vaebench.train import runs as run_files
from vaebench.train.latent_stats import INACTIVE_THRESHOLD as INACTIVE
from vaebench.train.latent_stats import read_trajectory, sigma2_matrix


def sorted_profile(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values("var_mu", ascending=False).reset_index(drop=True)


def table1(ctx: BuildContext) -> Built:
    reported, tol = ctx.reported, ctx.tolerance
    stats = [sorted_profile(run_files.latent_stats(run)) for run in ctx.runs]
    common = ctx.judged()
    # the count rows are judged on the count itself settling, not on the loss
    counts_settled, count_rule = run_files.counts_converged(list(ctx.runs))
    count_common = {**ctx.judged(counts_settled),
                    "source": f"{reported['inactive_count_source']} (converged: {count_rule})"}
    paper_rows = sorted_profile(pd.DataFrame(reported["variables"]))
    paper_inactive = int((paper_rows["mean_sigma2"] >= INACTIVE).sum())
    rows = [
        row({"rank": ""}, "inactive_count_sigma2", reported["inactive_count"],
            [int(s["inactive_sigma2"].sum()) for s in stats], tolerance=tol["inactive_count"],
            **count_common),
        row({"rank": ""}, "inactive_count_sigma", reported["inactive_count"],
            [int(s["inactive_sigma"].sum()) for s in stats], tolerance=tol["inactive_count"],
            **count_common),
        law_deviation_row({"rank": ""}, reported["variance_law_mean_abs_dev"], stats,
                          tol["variance_law"], reported["variance_law_source"], common),
    ]
    for rank in range(len(paper_rows)):
        for metric in ("var_mu", "mean_sigma2"):
            values = [float(s.loc[rank, metric]) for s in stats if rank < len(s)]
            rows.append(row({"rank": rank}, metric, float(paper_rows.loc[rank, metric]),
                            values, tolerance=tol["per_variable"], source=ctx.art["source"],
                            **common))
    frame = pd.DataFrame(rows)
    return Built(frame, plot_table1(frame, stats, paper_rows, paper_inactive))


def per_variable(ax, stats: list[pd.DataFrame], metric: str, label: str, fmt: str = "o"):
    """Each latent variable's `metric` as mean ± sd over the runs (variables sorted by Var(μ)
    in each run), on a [0, 1] axis with the inactive threshold; returns runs x variables."""
    values = np.array([s[metric].to_numpy() for s in stats])
    if not ax.lines:
        ax.axhline(INACTIVE, color="gray", lw=0.8, ls="--")
    ax.errorbar(np.arange(values.shape[1]), values.mean(0),
                yerr=values.std(0) if len(values) > 1 else None, fmt=fmt, capsize=4, label=label)
    ax.set(xlabel="latent variable, sorted by Var(μ)", ylim=(-0.05, 1.15))
    return values


def plot_table1(frame, stats, paper_rows, paper_inactive):
    ranks = np.arange(len(paper_rows))
    fig, axes = plots.figure(1, 2, figsize=(11, 4))
    for ax, metric, label in ((axes[0], "var_mu", "Var(μ)"), (axes[1], "mean_sigma2", "E[σ²]")):
        values = per_variable(ax, stats, metric, f"replicated (mean ± sd, {len(stats)} runs)")
        # each run's value too: an sd of 0.01 on a [0, 1] axis is shorter than its marker
        ax.plot(np.repeat(ranks[None, :] + 0.2, len(values), 0).ravel(), values.ravel(), ".",
                color="C0", alpha=0.35, ms=4, label="replicated, each run (shifted right)")
        ax.plot(ranks, paper_rows[metric], "kx", label="paper, Table 1")
        ax.set(ylabel=label)
        ax.legend(loc="center right", fontsize=8)
    count = frame.loc[frame.metric == "inactive_count_sigma2"].iloc[0]
    plots.title(fig, f"Asperti 2019 Table 1 (dense MNIST VAE): inactive {count.replicated:.1f} "
                     f"replicated vs {paper_inactive} reported — {count.verdict} ({count.scale})")
    return fig


# ---------------------------------------------------------------------------------------------
# Shared helpers of the other artifacts: settings, evaluation.

def inactive_count(run: Path) -> int:
    return int(run_files.latent_stats(run)["inactive_sigma2"].sum())


def test_images(cfg, n: int) -> torch.Tensor:
    """The first n images of the dataset's test split, as floats in [0, 1]."""
    images = data.load(cfg.dataset, "test", cfg.data_root, cfg.download, cfg.standin_size)[0]
    return data.to_float(images[:n])


@torch.no_grad()
def reconstruction_nll(run: Path, n_images: int, batch: int = 1000) -> float:
    """Mean test-set NLL (nats summed over pixels) of the reconstruction from z = μ."""
    model, likelihood, cfg = run_files.load_model(run)
    images = test_images(cfg, n_images)
    total = sum(float(likelihood.nll(x, model.decode(model.encode(x)[0])).sum())
                for x in images.split(batch))
    return total / len(images)


@torch.no_grad()
def decoded(model, likelihood, z: torch.Tensor) -> torch.Tensor:
    return likelihood.mean(model.decode(z)).clamp(0, 1)


def prior_latents(n: int, dim: int, seed: int) -> torch.Tensor:
    return torch.randn(n, dim, generator=torch.Generator().manual_seed(seed))


def grey_grid(images: torch.Tensor, nrow: int) -> np.ndarray:
    """Grey images in one [H, W] array (common.image_grid's first channel)."""
    return image_grid(images, nrow)[..., 0]


def first_epoch_claim(art: dict) -> bool:
    """Fig. 1 is about the first epoch itself: no plateau to wait for (YAML, choices)."""
    return bool(art.get("first_epoch_claim", False))


# ---------------------------------------------------------------------------------------------
# Fig. 1: ten digits' posteriors in a 2-D latent space during the first epoch.

def figure1(ctx: BuildContext) -> Built:
    run = ctx.runs[0]
    probe = pd.read_csv(run / "probe.csv")
    labels = probe_labels(run)
    probe["sigma2"] = np.exp(probe[["logvar_0", "logvar_1"]]).mean(axis=1)
    per_step = probe.groupby("minibatch")
    sigma2 = per_step["sigma2"].mean()
    spread = per_step[["mu_0", "mu_1"]].std(ddof=0).mean(axis=1)
    centre = per_step[["mu_0", "mu_1"]].mean().pow(2).sum(axis=1).pow(0.5)
    common = ctx.judged(first_epoch_claim(ctx.art) or ctx.converged)
    reported, tol = ctx.reported, ctx.tolerance
    shrink = float(sigma2.iloc[-1] / sigma2.iloc[0])
    rows = [
        row({}, "initial_mean_sigma2", reported["initial_sigma2"], [float(sigma2.iloc[0])],
            tolerance=tol["initial_sigma2"], source=reported["source"], **common),
        row({}, "final_mean_sigma2", None, [float(sigma2.iloc[-1])], **common),
        claim({}, "sigma2_shrinks_below_ratio", True, bool(shrink < tol["shrink_ratio"]),
              source=reported["source"], **common),
        row({}, "final_mu_spread", None, [float(spread.iloc[-1])], **common),
        row({}, "final_centroid_distance_from_origin", None, [float(centre.iloc[-1])],
            **common),
    ]
    frame = pd.DataFrame(rows)
    return Built(frame, plot_figure1(probe, labels, sigma2, spread, frame))


def probe_labels(run: Path) -> list[int]:
    """The class of each probed image: the training loop probes one image per class, in order."""
    cfg = run_files.config(run)
    labels = data.load(cfg.dataset, "train", cfg.data_root, cfg.download,
                       cfg.standin_size)[1][:cfg.train_subset]
    return [int(c) for c in labels.unique()]


def plot_figure1(probe, labels, sigma2, spread, frame):
    from matplotlib.patches import Ellipse

    fig, (ax, ax_time) = plots.figure(1, 2, figsize=(13, 5.5),
                                      gridspec_kw={"width_ratios": [1.2, 1]})
    steps = probe["minibatch"].unique()
    shown = steps[np.unique(np.linspace(0, len(steps) - 1, 30).astype(int))]
    colours = plt_colours(len(labels))
    for image, label in enumerate(labels):
        track = probe[probe.image == image].set_index("minibatch")
        ax.plot(track.mu_0, track.mu_1, "-", color=colours[image], lw=0.6, alpha=0.5)
        for k, step in enumerate(shown):
            point = track.loc[step]
            alpha = 0.02 + 0.6 * (k / (len(shown) - 1)) ** 3  # early positions fade away
            # semi-axes σ/2: area ∝ the variance, as the paper's circles, without hiding the rest
            ax.add_patch(Ellipse((point.mu_0, point.mu_1), np.exp(0.5 * point.logvar_0),
                                 np.exp(0.5 * point.logvar_1), color=colours[image],
                                 alpha=alpha, lw=0))
        last = track.iloc[-1]
        ax.annotate(str(label), (last.mu_0, last.mu_1), fontsize=11, weight="bold",
                    ha="center", va="center")
    ax.set(xlabel="μ₀", ylabel="μ₁", aspect="equal",
           title="posterior of one digit per class (ellipse: ±σ/2; faint = early)")
    ax.autoscale_view()
    ax_time.plot(sigma2.index + 1, sigma2.values, label="mean σ² of the ten digits")
    ax_time.plot(spread.index + 1, spread.values, label="spread of the ten μ (sd)")
    ax_time.axhline(1.0, color="k", ls=":", lw=1, label="paper: σ² ≈ 1 at start")
    ax_time.set(xscale="log", yscale="log", xlabel="minibatch of 128 (first epoch)",
                ylabel="σ² (mean) and sd of μ, latent units",
                title="variance shrinks, digits spread out")
    ax_time.legend(fontsize=8)
    shrink = frame.loc[frame.metric == "sigma2_shrinks_below_ratio"].iloc[0]
    plots.title(fig, f"Asperti 2019 Fig. 1: first epoch of a 784-256-64-16-2 VAE — σ² "
                     f"{sigma2.iloc[0]:.2f} → {sigma2.iloc[-1]:.3f}: {shrink.verdict} "
                     f"({shrink.scale})")
    return fig


def plt_colours(n: int) -> list:
    import matplotlib

    return [matplotlib.colormaps["tab10"](i % 10) for i in range(n)]


# ---------------------------------------------------------------------------------------------
# Fig. 2: the variance of each latent variable along training, per minibatch.

def figure2(ctx: BuildContext) -> Built:
    window = ctx.settings.get("smooth_minibatches", 50)
    trajectories = [read_trajectory(run) for run in ctx.runs]
    inactive_at_end = [run_files.latent_stats(run)["inactive_sigma2"].to_numpy()
                       for run in ctx.runs]
    common = ctx.judged()
    settled, times, counts = [], [], []
    for trajectory, inactive in zip(trajectories, inactive_at_end, strict=True):
        smooth = sigma2_matrix(trajectory).rolling(window, min_periods=1).mean()
        at_end = smooth.iloc[-1].to_numpy() >= INACTIVE
        settled.append(bool((at_end == inactive).all()))
        counts.append(int(at_end.sum()))
        times += [collapse_minibatch(smooth[col]) for col in smooth.columns[inactive]]
    rows = [
        row({}, "inactive_at_end_of_log", None, counts, **common),
        row({}, "collapse_minibatch_median", None, [float(np.median(times))] if times else [],
            **common),
        claim({}, "inactive_set_settled_within_log", True, all(settled),
              source=ctx.reported["settled_source"], **common),
    ]
    frame = pd.DataFrame(rows)
    return Built(frame, plot_figure2(trajectories[0], inactive_at_end[0], frame, window))


def collapse_minibatch(series: pd.Series) -> float:
    """First minibatch after which E[σ²] stays at or above the inactive threshold."""
    below = np.flatnonzero(series.to_numpy() < INACTIVE)
    return float(below[-1] + 1) if len(below) else 0.0


def plot_figure2(trajectory, inactive, frame, window):
    """`inactive`: per latent variable, whether it is inactive at the end of training."""
    fig, (ax_s, ax_v) = plots.figure(1, 2, figsize=(13, 4.8), sharex=True)
    k = len(inactive)
    steps = trajectory["minibatch"] + 1
    for j in range(k):
        colour, label = ("tab:red", "inactive at the end") if inactive[j] else \
            ("tab:blue", "active at the end")
        first = j == int(np.argmax(inactive == inactive[j]))
        ax_s.plot(steps, trajectory[f"mean_sigma2_{j}"].rolling(window, min_periods=1).mean(),
                  color=colour, lw=0.9, label=label if first else None)
        ax_v.plot(steps, trajectory[f"var_mu_{j}"].rolling(window, min_periods=1).mean(),
                  color=colour, lw=0.9, label=label if first else None)
    ax_s.axhline(INACTIVE, color="gray", ls="--", lw=0.8, label="inactive threshold 0.8")
    ax_s.set(xscale="log", xlabel="minibatch of 128", ylabel="E[σ²] over the minibatch",
             title="variance σ² computed by the encoder")
    ax_v.set(xscale="log", xlabel="minibatch of 128", ylabel="Var(μ) over the minibatch",
             title="variance of μ")
    ax_s.legend(fontsize=8)
    ax_v.legend(fontsize=8)
    claim = frame.loc[frame.metric == "inactive_set_settled_within_log"].iloc[0]
    plots.title(fig, f"Asperti 2019 Fig. 2: the {len(inactive)} latent variables of the dense "
                     f"MNIST VAE along training (seed 0, {window}-minibatch running mean)\n"
                     f"{int(inactive.sum())} inactive at the end; inactive set settled within the "
                     f"plotted span: {claim.verdict} ({claim.scale})")
    return fig


# ---------------------------------------------------------------------------------------------
# Table 1, convolutional case (Sec. 3.1): inactive count of the Fig. 4 VAE, against the dense.

def table1_conv(ctx: BuildContext) -> Built:
    reported, tol = ctx.reported, ctx.tolerance
    conv, dense = ctx.groups[ctx.art["conv_experiment"]], ctx.groups[ctx.art["dense_experiment"]]
    stats = [sorted_profile(run_files.latent_stats(run)) for run in conv]
    common = ctx.judged(run_files.all_converged(conv))
    conv_counts = [int(s["inactive_sigma2"].sum()) for s in stats]
    dense_counts = [inactive_count(run) for run in dense]
    fewer = verdict.ordering(conv_counts, dense_counts)
    counts_settled, count_rule = run_files.counts_converged(conv + dense)
    rows = [
        row({"rank": ""}, "inactive_count_sigma2", reported["inactive_count"], conv_counts,
            tolerance=tol["inactive_count"], source=reported["inactive_count_source"],
            **common),
        row({"rank": ""}, "inactive_count_sigma", reported["inactive_count"],
            [int(s["inactive_sigma"].sum()) for s in stats], tolerance=tol["inactive_count"],
            source=reported["inactive_count_source"], **common),
        law_deviation_row({"rank": ""}, reported["variance_law_mean_abs_dev"], stats,
                          tol["variance_law"], reported["variance_law_source"], common),
        row({"rank": ""}, "dense_inactive_count_sigma2", None, dense_counts, **common),
        claim({"rank": ""}, "conv_fewer_inactive_than_dense", True, fewer,
              not_comparable=ctx.budget_reason(conv, dense),
            source=f"{reported['fewer_source']} (converged: {count_rule})",
            **ctx.judged(counts_settled)),
    ]
    for rank in range(len(stats[0])):
        for metric in ("var_mu", "mean_sigma2"):
            rows.append(row({"rank": rank}, metric, None,
                            [float(s.loc[rank, metric]) for s in stats], **common))
    frame = pd.DataFrame(rows)
    dense_stats = [sorted_profile(run_files.latent_stats(run)) for run in dense]
    return Built(frame, plot_table1_conv(frame, stats, dense_stats, reported))


def plot_table1_conv(frame, conv_stats, dense_stats, reported):
    fig, (ax_var, ax_count) = plots.figure(1, 2, figsize=(12, 4.3),
                                           gridspec_kw={"width_ratios": [1.6, 1]})
    for stats, label, marker in ((conv_stats, "conv (Fig. 4)", "o"),
                                 (dense_stats, "dense (Table 1)", "s")):
        per_variable(ax_var, stats, "mean_sigma2", f"{label}, {len(stats)} runs", marker)
    ax_var.lines[0].set_label("inactive threshold 0.8")  # the threshold line drawn first
    ax_var.set(ylabel="E[σ²]", title="E[σ²] per variable (high = inactive)")
    ax_var.legend(fontsize=8)
    conv = frame.loc[frame.metric == "inactive_count_sigma2"].iloc[0]
    dense = frame.loc[frame.metric == "dense_inactive_count_sigma2"].iloc[0]
    ax_count.bar([0, 1], [conv.replicated, dense.replicated],
                 yerr=[np.nan_to_num(conv["std"]), np.nan_to_num(dense["std"])],
                 color=["tab:blue", "tab:orange"], label="replicated (mean ± sd)")
    ax_count.plot([0], [reported["inactive_count"]], "kx", ms=12, mew=2, label="paper")
    ax_count.plot([1], [reported["dense_inactive_count"]], "kx", ms=12, mew=2)
    ax_count.set(xticks=[0, 1], xticklabels=["conv", "dense"], ylabel="inactive of 16",
                 xlabel="network",
                 ylim=(0, 17), title="inactive variables")
    ax_count.legend(fontsize=8, loc="upper center", ncol=2)
    fewer = frame.loc[frame.metric == "conv_fewer_inactive_than_dense"].iloc[0]
    plots.title(fig, f"Asperti 2019 Sec. 3.1: conv VAE inactive {conv.replicated:.1f} vs "
                     f"{reported['inactive_count']} reported — {conv.verdict}; fewer than dense: "
                     f"{fewer.verdict} ({conv.scale})")
    return fig


# ---------------------------------------------------------------------------------------------
# Fig. 3: prior samples, and the same latents with the inactive variables zeroed.

def figure3(ctx: BuildContext) -> Built:
    n_digits = ctx.settings.get("n_digits", 10)
    zeroings = [zeroing_experiment(run, n_digits) for run in ctx.runs]
    common = ctx.judged()
    threshold = ctx.tolerance["indistinguishable_msd"]
    msd = [zeroing["msd_inactive"] for zeroing in zeroings]
    rows = [
        row({}, "mean_sq_diff_inactive_zeroed", None, msd, **common),
        row({}, "mean_sq_diff_control_active_zeroed", None,
            [zeroing["msd_control"] for zeroing in zeroings], **common),
        claim({}, "indistinguishable", True, bool(max(msd) < threshold),
              source=ctx.reported["source"], **common),
    ]
    frame = pd.DataFrame(rows)
    return Built(frame, plot_figure3(zeroings[0], frame, threshold))


@torch.no_grad()
def zeroing_experiment(run: Path, n_digits: int) -> dict:
    model, likelihood, cfg = run_files.load_model(run)
    stats = run_files.latent_stats(run)
    inactive = stats.index[stats["inactive_sigma2"]].tolist()
    by_variance = stats.sort_values("var_mu")
    control = by_variance.index[~by_variance["inactive_sigma2"]].tolist()[:len(inactive)]
    # control: as many active variables, least varied first
    z = prior_latents(n_digits, model.latent_dim, cfg.seed)
    images = {"full": decoded(model, likelihood, z)}
    for key, columns in (("inactive", inactive), ("control", control)):
        zeroed = z.clone()
        zeroed[:, columns] = 0.0
        images[key] = decoded(model, likelihood, zeroed)
    return {"images": images, "n_inactive": len(inactive), "n_control": len(control),
            "msd_inactive": float((images["full"] - images["inactive"]).pow(2).mean()),
            "msd_control": float((images["full"] - images["control"]).pow(2).mean())}


def plot_figure3(zeroing, frame, threshold):
    """One run's zeroing_experiment: its decoded digits, full and zeroed."""
    images = zeroing["images"]
    stacked = torch.cat([images["full"], images["inactive"], images["control"]])
    fig, ax = plots.figure(figsize=(12, 4.4))
    ax.imshow(grey_grid(stacked, nrow=len(images["full"])), cmap="gray", vmin=0, vmax=1)
    ax.set(xticks=[], yticks=[30 * i + 15 for i in range(3)])
    ax.set_yticklabels(["z ~ N(0, I), 16 latents",
                        f"{zeroing['n_inactive']} inactive zeroed\n(MSD "
                        f"{zeroing['msd_inactive']:.1e})",
                        f"control: {zeroing['n_control']} active zeroed\n(MSD "
                        f"{zeroing['msd_control']:.1e})"], fontsize=9)
    claim = frame.loc[frame.metric == "indistinguishable"].iloc[0]
    ax.set_title(f"Asperti 2019 Fig. 3 (seed 0): decoding with the inactive variables zeroed\n"
                 f"indistinguishable (mean squared difference < {threshold:g}): {claim.verdict} "
                 f"({claim.scale})")
    return fig


# ---------------------------------------------------------------------------------------------
# Fig. 5: samples of the convolutional VAE, and its reconstruction against the dense one.

def figure5(ctx: BuildContext) -> Built:
    n_test = ctx.settings.get("test_images", 10_000)
    conv, dense = ctx.groups[ctx.art["conv_experiment"]], ctx.groups[ctx.art["dense_experiment"]]
    conv_nll = [reconstruction_nll(run, n_test) for run in conv]
    dense_nll = [reconstruction_nll(run, n_test) for run in dense]
    common = ctx.judged(run_files.all_converged(conv + dense))
    better = verdict.ordering(conv_nll, dense_nll)  # Welch's test over seed noise
    rows = [
        row({"model": "conv"}, "test_reconstruction_nll", None, conv_nll, **common),
        row({"model": "dense"}, "test_reconstruction_nll", None, dense_nll, **common),
        claim({"model": ""}, "conv_reconstructs_better", True, better,
              not_comparable=ctx.budget_reason(conv, dense), source=ctx.reported["source"],
              **common),
    ]
    frame = pd.DataFrame(rows)
    return Built(frame, plot_figure5(conv[0], dense[0], frame))


def samples_of(run: Path, n: int = 64) -> torch.Tensor:
    model, likelihood, cfg = run_files.load_model(run)
    return decoded(model, likelihood, prior_latents(n, model.latent_dim, cfg.seed))


def plot_figure5(conv_run, dense_run, frame):
    fig, axes = plots.figure(1, 2, figsize=(11, 6.6))
    nll = frame.set_index("model")["replicated"]
    for ax, run, label in ((axes[0], conv_run, "convolutional VAE (Fig. 4)"),
                           (axes[1], dense_run, "dense VAE (Table 1), for comparison")):
        ax.imshow(grey_grid(samples_of(run), nrow=8), cmap="gray", vmin=0, vmax=1)
        key = "conv" if "conv" in label else "dense"
        ax.set(xticks=[], yticks=[], title=f"{label}\ntest reconstruction NLL "
                                            f"{nll[key]:.1f} nats")
    claim = frame.loc[frame.metric == "conv_reconstructs_better"].iloc[0]
    plots.title(fig, f"Asperti 2019 Fig. 5: samples from z ~ N(0, I) (seed 0)\n"
                     f"conv reconstructs better than dense: {claim.verdict} ({claim.scale})")
    fig.tight_layout()
    fig.subplots_adjust(top=0.84)
    return fig


# ---------------------------------------------------------------------------------------------
# Sec. 4: the variance law Var(μ) + E[σ²] ≈ 1, for every trained model of this paper.

def variance_law(ctx: BuildContext) -> Built:
    reported, tol = ctx.reported, ctx.tolerance["per_variable"]
    rows, points = [], []
    for experiment, group in ctx.groups.items():
        stats = [sorted_profile(run_files.latent_stats(run)) for run in group]
        common = ctx.judged(run_files.all_converged(group))
        keys = {"experiment": experiment, "latent_dim": len(stats[0])}
        rows.append(law_deviation_row({**keys, "rank": "", "state": "active"},
                                      reported["variance_law_mean_abs_dev"], stats,
                                      ctx.tolerance["mean_abs_dev"], reported["source"], common))
        rows += variance_law_rows(keys, reported["variance_law"], stats, tol, reported["source"],
                                  common)
        points += [{"experiment": experiment, "law": law, "inactive": inactive}
                   for s in stats for law, inactive in zip(s["variance_law"],
                                                           s["inactive_sigma2"], strict=True)]
    frame = pd.DataFrame(rows)
    return Built(frame, plot_variance_law(frame, pd.DataFrame(points), tol))


# The law is judged on active variables only. A collapsed variable (q(z|x) = the prior for every
# x: Var(μ) = 0, E[σ²] = 1) satisfies Var(μ) + E[σ²] = 1 by construction, so on it the law
# cannot fail and a model with every latent collapsed would match it exactly. Active means
# E[σ²] below the spec's inactive threshold (benchmarks/asperti2019.yaml, choices: "inactive
# threshold", E[σ²] >= 0.8 is inactive; latent_stats.INACTIVE_THRESHOLD): the paper gives no
# number, its inactive variables of Table 1 have E[σ²] 0.96-1.00, its active ones 0.006-0.057.

def active_law_deviation(stats: pd.DataFrame) -> float:
    """Mean |Var(μ) + E[σ²] - 1| over one run's active variables; NaN when none is active."""
    active = stats.loc[~stats["inactive_sigma2"].astype(bool), "variance_law"]
    return float((active - 1).abs().mean()) if len(active) else math.nan


def law_deviation_row(keys: dict, reported, stats: list[pd.DataFrame], tolerance: float,
                      source: str, common: dict) -> dict:
    """The mean-|deviation| row over active variables, from the runs that have one (n/a when
    no run has an active variable: an all-collapsed model says nothing about the law)."""
    deviations = [active_law_deviation(s) for s in stats]
    values = [d for d in deviations if not math.isnan(d)]
    note = (f"; over active variables only (E[σ²] < {INACTIVE})"
            + (f", {len(deviations) - len(values)} of {len(deviations)} runs have none"
               if len(values) < len(deviations) else ""))
    return row(keys, "variance_law_mean_abs_dev", reported, values, compare="at_most",
               tolerance=tolerance, source=f"{source}{note}", **common)


def variance_law_rows(keys: dict, reported, stats: list[pd.DataFrame], tolerance: float,
                      source: str, common: dict) -> list[dict]:
    """One row per rank (variables sorted by Var(μ)), judged on the runs in which that rank is
    active (key state: active, or active in k of n runs); a rank inactive in every run is shown
    with reported None (state: inactive), not judged."""
    rows = []
    for rank in range(len(stats[0])):
        ranked = [s.loc[rank] for s in stats if rank < len(s)]
        laws = [float(r["variance_law"]) for r in ranked]
        active = [float(r["variance_law"]) for r in ranked if not bool(r["inactive_sigma2"])]
        if not active:
            rows.append(row({**keys, "rank": rank, "state": "inactive"}, "variance_law", None,
                            laws, tolerance=tolerance, source=f"{source}; inactive "
                            f"(E[σ²] >= {INACTIVE}) in every run: the law holds by "
                            f"construction, not judged", **common))
            continue
        state = ("active" if len(active) == len(laws)
                 else f"active in {len(active)} of {len(laws)} runs")
        rows.append(row({**keys, "rank": rank, "state": state}, "variance_law", reported,
                        active, tolerance=tolerance, source=source, **common))
    return rows


def plot_variance_law(frame, points, tol):
    experiments = list(dict.fromkeys(points["experiment"]))
    fig, ax = plots.figure(figsize=(12, 4.8))
    jitter = np.random.default_rng(0).uniform(-0.25, 0.25, len(points))
    x = points["experiment"].map({e: i for i, e in enumerate(experiments)}) + jitter
    for inactive, colour, label in ((False, "tab:blue", "active"), (True, "tab:red",
                                                                      "inactive")):
        mask = points["inactive"] == inactive
        ax.plot(x[mask], points["law"][mask], "o", ms=3.5, alpha=0.6, color=colour,
                label=f"{label} variable (one run)")
    ax.axhspan(1 - tol, 1 + tol, color="tab:green", alpha=0.12, label=f"1 ± {tol} (tolerance)")
    ax.axhline(1.0, color="k", lw=1, label="paper: Var(μ) + E[σ²] = 1")
    labels = []
    for e in experiments:  # the judged variables: active ones (inactive ones hold it trivially)
        laws = points.loc[(points.experiment == e) & ~points.inactive.astype(bool), "law"]
        labels.append(f"{e}\n{int(((laws - 1).abs() <= tol).sum())}/{len(laws)} active "
                      f"within ±{tol}")
    ax.set(xticks=range(len(experiments)), ylabel="Var(μ) + E[σ²]",
           xlabel="trained model (its experiment; points jittered sideways)")
    ax.set_xticklabels(labels, fontsize=8)
    ax.legend(fontsize=8, loc="lower left")
    plots.title(fig, f"Asperti 2019 Sec. 4: variance law per latent variable, every trained "
                     f"model ({frame.scale.iloc[0]})")
    return fig


# ---------------------------------------------------------------------------------------------
# Fig. 7: noise injection into an active variable (Sec. 5), driven by noise_injection.

def figure7(ctx: BuildContext) -> Built:
    """The procedure's steps, as its training jobs (experiment figure7_noise, one per source
    run) wrote them (side table `steps`); each run's `converged` is its source's."""
    steps = [pd.read_csv(run / procedures.STEPS_FILE).assign(source=run.name)
             for run in ctx.runs]
    common = ctx.judged()
    source = ctx.reported["source"]
    outcomes = [procedure_outcome(run_steps) for run_steps in steps]
    rows = [
        row({}, "noise_steps_until_gain_below_kl", None,
            [o["noise_steps"] for o in outcomes], **common),
        claim({}, "gain_falls_below_kl", True, all(o["gain_below_kl"] for o in outcomes),
              source=source, **common),
        claim({}, "collapses_after_gain_below_kl", True,
              all(o["collapsed"] for o in outcomes), source=source, **common),
        claim({}, "recovers_after_noise_removed", True, all(o["recovered"] for o in outcomes),
              source=source, **common),
        row({}, "recovered_gain_fraction", None, [o["gain_fraction"] for o in outcomes],
            **common),
    ]
    frame = pd.DataFrame(rows)
    return Built(frame, plot_figure7(steps[0], frame), {"steps": pd.concat(steps)})


def procedure_outcome(steps: pd.DataFrame) -> dict:
    """Did the gain fall below the KL, did the variable then collapse, and did it come back?"""
    noise, hold = steps[steps.phase == "noise"], steps[steps.phase == "hold"]
    recovery = steps[steps.phase == "recovery"]
    last_noise = noise.iloc[-1]
    start = steps.iloc[0]
    end = recovery.iloc[-1] if len(recovery) else steps.iloc[-1]
    return {"noise_steps": len(noise), "gain_below_kl": bool(last_noise.gain < last_noise.kl),
            "collapsed": bool((pd.concat([noise.tail(1), hold]).mean_sigma2 >= INACTIVE).any()),
            "recovered": bool(len(recovery) and end.mean_sigma2 < INACTIVE),
            "gain_fraction": float(end.gain / start.gain)}


def plot_figure7(steps, frame):
    fig, ax = plots.figure(figsize=(11, 5))
    x = steps["step"]
    ax.plot(x, steps["gain"], "o-", color="tab:blue", ms=3, label="reconstruction gain (nats)")
    ax.plot(x, steps["kl"], "s-", color="tab:orange", ms=3, label="KL of the variable (nats)")
    ax.set(xlabel="epoch of the procedure (one per step; 0 = trained Table 1 model)",
           ylabel="nats per image", yscale="symlog")
    right = ax.twinx()
    right.plot(x, steps["mean_sigma2"], "-", color="tab:red", label="E[σ²] (variance)")
    right.plot(x, steps["var_mu"], "--", color="tab:purple", label="Var(μ)")
    right.plot(x, steps["noise"], ":", color="k", label="noise amplitude (sd)")
    right.axhline(INACTIVE, color="tab:red", lw=0.6, ls=":")
    right.set(ylabel="variance / noise sd")
    for phase, colour in (("hold", "tab:gray"), ("recovery", "tab:green")):
        span = steps[steps.phase == phase]["step"]
        if len(span):
            ax.axvspan(span.min() - 0.5, span.max() + 0.5, color=colour, alpha=0.1)
            ax.text(span.min(), ax.get_ylim()[1], f" {phase}", va="top", fontsize=8)
    lines = ax.get_legend_handles_labels()
    extra = right.get_legend_handles_labels()
    ax.legend(lines[0] + extra[0], lines[1] + extra[1], fontsize=8, loc="center left")
    verdicts = frame.set_index("metric")["verdict"]
    plots.title(fig, f"Asperti 2019 Fig. 7: noise on latent {int(steps.target.iloc[0])} "
                     f"(source {steps.source.iloc[0]}) — collapse: "
                     f"{verdicts['collapses_after_gain_below_kl']}, recovery: "
                     f"{verdicts['recovers_after_noise_removed']} ({frame.scale.iloc[0]})")
    return fig


# ---------------------------------------------------------------------------------------------
# Beyond the paper (Sec. 7 methodology): sparsity as the latent dimension grows.

def sparsity_vs_latent_dim(ctx: BuildContext) -> Built:
    n_test = ctx.settings.get("test_images", 10_000)
    tol, reported = ctx.tolerance, ctx.reported
    source = reported["source"]
    rows, per_dim = [], {}
    for group in ctx.groups.values():
        dim = run_files.config(group[0]).arch["latent_dim"]
        inactive = [inactive_count(run) for run in group]
        nll = [reconstruction_nll(run, n_test) for run in group]
        per_dim[dim] = {"inactive": np.mean(inactive), "active": dim - np.mean(inactive),
                        "nll": np.mean(nll)}
        common = ctx.judged(run_files.all_converged(group))
        rows += [row({"latent_dim": dim}, "inactive_count", None, inactive, **common),
                 row({"latent_dim": dim}, "active_count", None, [dim - i for i in inactive],
                     **common),
                 row({"latent_dim": dim}, "test_reconstruction_nll", None, nll, **common)]
    dims = sorted(per_dim)
    small = [d for d in dims if d <= tol["fully_used_up_to"]]
    common = ctx.judged()
    rows += [
        claim({"latent_dim": ""}, "small_latent_spaces_fully_used", True,
              all(per_dim[d]["inactive"] == 0 for d in small), source=source, **common),
        claim({"latent_dim": ""}, "sparsity_emerges_at_largest_dim", True,
              bool(per_dim[dims[-1]]["inactive"] > 0), source=source, **common),
        row({"latent_dim": ""}, "active_gain_from_16_to_largest",
            reported["active_gain_from_16_to_largest"],
            [per_dim[dims[-1]]["active"] - per_dim[16]["active"]] if 16 in per_dim else [],
            compare="at_most", tolerance=tol["active_gain"], source=source, **common),
    ]
    frame = pd.DataFrame(rows)
    return Built(frame, plot_sparsity(per_dim, frame))


def plot_sparsity(per_dim, frame):
    dims = sorted(per_dim)
    fig, (ax_count, ax_nll) = plots.figure(1, 2, figsize=(12, 4.5))
    ax_count.plot(dims, [per_dim[d]["active"] for d in dims], "o-", label="active variables")
    ax_count.plot(dims, [per_dim[d]["inactive"] for d in dims], "s-", color="tab:red",
                  label="inactive variables (E[σ²] ≥ 0.8)")
    ax_count.plot(dims, dims, "k:", lw=1, label="all variables used")
    ax_count.set(xscale="log", yscale="symlog", xticks=dims, xticklabels=dims,
                 xlabel="latent dimension", ylabel="count", title="active vs inactive")
    ax_count.legend(fontsize=8)
    ax_nll.plot(dims, [per_dim[d]["nll"] for d in dims], "o-")
    ax_nll.set(xscale="log", xticks=dims, xticklabels=dims, xlabel="latent dimension",
               ylabel="test reconstruction NLL (nats, z = μ)", title="reconstruction error")
    plots.title(fig, f"Beyond Asperti 2019 (Sec. 7 methodology): dense MNIST VAE as the latent "
                     f"dimension grows ({frame.scale.iloc[0]})")
    return fig

"""Asperti 2019, "Variational Autoencoders and the Variable Collapse Phenomenon".

table1: per latent variable Var(μ) and E[σ²] of the dense MNIST VAE, the inactive count and the
variance law. Latent indices are arbitrary (any permutation is the same model), so variables are
compared by rank: sorted by Var(μ), largest first, in the paper's table and in each run.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from vaebench import atomic, plots
from vaebench import runs as run_files
from vaebench.verdict import row


def sorted_profile(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values("var_mu", ascending=False).reset_index(drop=True)


def table1(spec: dict, name: str, scale: str, runs: list[Path], out: Path) -> None:
    art = spec["artifacts"][name]
    reported = art["reported"]
    tol = art["tolerance"]
    stats = [sorted_profile(run_files.latent_stats(run)) for run in runs]
    converged = run_files.all_converged(runs)
    common = {"scale": scale, "converged": converged}
    paper_rows = sorted_profile(pd.DataFrame(reported["variables"]))
    paper_inactive = int((paper_rows["mean_sigma2"] >= 0.8).sum())
    rows = [
        row({"rank": ""}, "inactive_count_sigma2", reported["inactive_count"],
            [int(s["inactive_sigma2"].sum()) for s in stats], tolerance=tol["inactive_count"],
            source=reported["inactive_count_source"], **common),
        row({"rank": ""}, "inactive_count_sigma", reported["inactive_count"],
            [int(s["inactive_sigma"].sum()) for s in stats], tolerance=tol["inactive_count"],
            source=reported["inactive_count_source"], **common),
        row({"rank": ""}, "variance_law_mean_abs_dev", 0.0,
            [float((s["variance_law"] - 1).abs().mean()) for s in stats], compare="at_most",
            tolerance=tol["variance_law"], source=reported["variance_law_source"], **common),
    ]
    for rank in range(len(paper_rows)):
        for metric in ("var_mu", "mean_sigma2"):
            values = [float(s.loc[rank, metric]) for s in stats if rank < len(s)]
            rows.append(row({"rank": rank}, metric, float(paper_rows.loc[rank, metric]),
                            values, tolerance=tol["per_variable"], source=art["source"],
                            **common))
    frame = pd.DataFrame(rows)
    atomic.write_csv(out, frame)
    plot_table1(frame, stats, paper_rows, paper_inactive, out.with_suffix(".png"))


def plot_table1(frame, stats, paper_rows, paper_inactive, path) -> None:
    ranks = np.arange(len(paper_rows))
    fig, axes = plots.figure(1, 2, figsize=(11, 4))
    for ax, metric, label in ((axes[0], "var_mu", "Var(μ)"), (axes[1], "mean_sigma2", "E[σ²]")):
        values = np.array([s[metric].to_numpy() for s in stats])
        ax.errorbar(ranks, values.mean(0), yerr=values.std(0) if len(values) > 1 else None,
                    fmt="o", label=f"replicated (mean ± sd, {len(stats)} runs)")
        ax.plot(ranks, paper_rows[metric], "kx", label="paper, Table 1")
        ax.axhline(0.8, color="gray", lw=0.8, ls="--")
        ax.set(xlabel="latent variable, sorted by Var(μ)", ylabel=label, ylim=(-0.05, 1.15))
        ax.legend(loc="center right", fontsize=8)
    count = frame.loc[frame.metric == "inactive_count_sigma2"].iloc[0]
    fig.suptitle(f"Asperti 2019 Table 1 (dense MNIST VAE): inactive {count.replicated:.1f} "
                 f"replicated vs {paper_inactive} reported — {count.verdict} ({count.scale})")
    plots.save(fig, path)



BUILDERS = {"table1": table1}

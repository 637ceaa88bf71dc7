"""Berger & Sebag 2020, "Variational Auto-Encoder: not all failures are equal".

figure2: the heat map of Eq. (8), log p(x) over R/σ × r/σ for D = 2, computed by quadrature, with
the arg-max r/σ for each R/σ drawn on it; beside it, for several D, the R/σ at which r = 0 stops
being the maximum, against the paper's "≈ √2" for D = 2 and Theorem 1's bound R/σ ≤ √(D − 1).
"""

import math
from pathlib import Path

import numpy as np
import pandas as pd

from vaebench import atomic, hypersphere, plots
from vaebench.verdict import row


def figure2(spec: dict, name: str, scale: str, runs: list[Path], out: Path) -> None:
    art = spec["artifacts"][name]
    grid = art["scales"][scale]
    rows = transition_rows(art, grid, scale)
    frame = pd.DataFrame(rows)
    atomic.write_csv(out, frame)
    big_r = np.linspace(0, grid["R_max"], grid["n_R"])
    small_r = np.linspace(0, grid["r_max"], grid["n_r"])
    argmax = hypersphere.argmax_radius(big_r, 2, grid["r_max"], grid["n_r"])
    atomic.write_csv(out.with_name(f"{name}_argmax.csv"),
                     pd.DataFrame({"R_over_sigma": big_r, "argmax_r_over_sigma": argmax}))
    plot_figure2(big_r, small_r, argmax, frame, out.with_suffix(".png"))


def transition_rows(art: dict, grid: dict, scale: str) -> list[dict]:
    """Per D: the numerical transition vs the paper's value (D = 2) and vs Theorem 1's bound."""
    reported = art["reported"]
    rows = []
    for dim in art["dims"]:
        transition = hypersphere.transition_radius(dim, tol=grid["bisection_tol"])
        keys = {"D": dim}
        common = {"scale": scale, "converged": True}  # analytic: nothing to converge
        paper_value = reported["transition"].get(dim)
        rows.append(row(keys, "transition_R_over_sigma", paper_value, [transition],
                        tolerance=art["tolerance"]["transition"],
                        source=reported["transition_source"] if paper_value else "", **common))
        rows.append(row(keys, "transition_vs_theorem1_bound", reported["theorem1_bound"][dim],
                        [transition], compare="at_least", tolerance=0.0,
                        source=reported["theorem1_source"], **common))
        rows.append(row(keys, "small_r_expansion_sqrt_D", None, [math.sqrt(dim)],
                        source="our derivation: f ≈ ρ²(P²/D − 1)/2 near r = 0", **common))
    return rows


def plot_figure2(big_r, small_r, argmax, frame, path) -> None:
    fig, (ax_map, ax_table) = plots.figure(1, 2, figsize=(12, 4.8),
                                           gridspec_kw={"width_ratios": [1.3, 1]})
    heat = hypersphere.heatmap(big_r, small_r, 2)
    image = ax_map.imshow(np.maximum(heat, -20), origin="lower", aspect="auto", cmap="magma",
                          extent=(big_r[0], big_r[-1], small_r[0], small_r[-1]))
    fig.colorbar(image, ax=ax_map, label="log p(x) − max over r (clipped at −20)")
    ax_map.plot(big_r, argmax, "c-", lw=1.5, label="arg-max r/σ")
    ax_map.plot(big_r, big_r, "w:", lw=1, label="r = R")
    ax_map.axvline(math.sqrt(2), color="w", ls="--", lw=1, label="R/σ = √2 (paper)")
    ax_map.set(xlabel="R/σ", ylabel="r/σ", title="Berger & Sebag Fig. 2: Eq. (8), D = 2",
               ylim=(small_r[0], small_r[-1]))
    ax_map.legend(loc="upper left", fontsize=8)
    by_d = frame.pivot(index="D", columns="metric", values="replicated")
    verdicts = frame.pivot(index="D", columns="metric", values="verdict")
    dims = by_d.index.to_numpy()
    ax_table.plot(dims, by_d["transition_R_over_sigma"], "o-", label="numerical transition")
    ax_table.plot(dims, np.sqrt(dims), "k--", lw=1, label="√D (small-r expansion)")
    ax_table.plot(dims, np.sqrt(dims - 1), "r:", lw=1.5, label="Theorem 1 bound √(D−1)")
    for dim in dims:
        verdict = verdicts.loc[dim, "transition_vs_theorem1_bound"]
        ax_table.annotate(verdict, (dim, math.sqrt(dim - 1)), textcoords="offset points",
                          xytext=(4, -12), fontsize=7)
    ax_table.set(xlabel="D", ylabel="R/σ where r = 0 stops being the maximum",
                 title="Where the VAE stops collapsing to the centre")
    ax_table.legend(fontsize=8)
    plots.save(fig, path)


BUILDERS = {"figure2": figure2}

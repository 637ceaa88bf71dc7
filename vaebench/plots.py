"""Shared plotting setup: a non-interactive backend and an atomic PNG save."""

import matplotlib

matplotlib.use("Agg")  # rules run headless

import matplotlib.pyplot as plt  # noqa: E402

from vaebench import atomic

VERDICT_COLOURS = {"match": "tab:green", "qualitative-match": "tab:green", "differs": "tab:red",
                   "not-converged": "tab:orange", "not-comparable": "tab:gray", "n/a": "tab:gray"}


def save(fig, path) -> None:
    fig.tight_layout()
    atomic.write_with(path, lambda tmp: fig.savefig(tmp, dpi=120, format="png"))
    plt.close(fig)


def figure(*args, **kwargs):
    return plt.subplots(*args, **kwargs)

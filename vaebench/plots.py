"""Shared plotting setup: a non-interactive backend, an atomic PNG save, the one way a figure is
titled, a note under a figure and the check that a figure reads without its CSV."""

import os
import textwrap

import matplotlib

matplotlib.use("Agg")  # rules run headless

import matplotlib.pyplot as plt  # noqa: E402

from vaebench import atomic  # noqa: E402

VERDICT_COLOURS = {"match": "tab:green", "qualitative-match": "tab:green", "differs": "tab:red",
                   "not-converged": "tab:orange", "not-comparable": "tab:gray", "n/a": "tab:gray"}

STRICT_ENV = "VAEBENCH_STRICT_FIGURES"  # "1": an unreadable artifact figure is an error (tests)
NOTE_FONTSIZE = 7
TITLE_FONTSIZE = 9


def save(fig, path) -> None:
    fig.tight_layout()
    # bbox "tight": the canvas grows to hold a note placed under the axes (see `note`)
    atomic.write_with(path, lambda tmp: fig.savefig(tmp, dpi=120, format="png",
                                                    bbox_inches="tight"))
    plt.close(fig)


def figure(*args, **kwargs):
    return plt.subplots(*args, **kwargs)


def title(fig, text: str) -> None:
    """The figure's title (what it shows, the paper's number beside ours, the verdict), in one
    size, each line wrapped to the figure's width so that no title runs off the canvas."""
    width = max(40, int(fig.get_figwidth() * 72 / (TITLE_FONTSIZE * 0.6)))
    lines = [textwrap.fill(line, width) for line in str(text).split("\n")]
    fig.suptitle("\n".join(lines), fontsize=TITLE_FONTSIZE)


def note(fig, lines: list[str]) -> None:
    """`lines` under the figure, each wrapped to its width, left-aligned."""
    if not lines:
        return
    width = max(60, int(fig.get_figwidth() * 72 / (NOTE_FONTSIZE * 0.55)))
    text = "\n".join(textwrap.fill(line, width, subsequent_indent="    ") for line in lines)
    fig.text(0.01, -0.01, text, ha="left", va="top", fontsize=NOTE_FONTSIZE, wrap=False)


def unreadable(fig) -> list[str]:
    """What a reader of the figure alone would miss: a panel of data without its x or y label,
    a colour bar without its label, a figure of data without a legend. Panels that only show
    pictures (images without a colour bar, or axes switched off) need neither."""
    faults = []
    data = [ax for ax in fig.axes if shows_data(ax)]
    for index, ax in enumerate(data):
        name = f"panel {index + 1}" + (f" '{ax.get_title()}'" if ax.get_title() else "")
        faults += [f"{name} has no {axis} label" for axis in ("x", "y")
                   if not labelled(fig, ax, axis)]
    for ax in fig.axes:
        if is_colorbar(ax) and not (ax.get_ylabel() or ax.get_xlabel()):
            faults.append("a colour bar has no label")
    if data and not (fig.legends or any(ax.get_legend() for ax in fig.axes)):
        faults.append("the figure has no legend")
    return faults


def check_readable(fig, what: str) -> None:
    """Warn (a line a fault) when the figure needs its CSV to be read; under
    VAEBENCH_STRICT_FIGURES=1 refuse it, so the tests fail on such a figure."""
    faults = unreadable(fig)
    if not faults:
        return
    message = f"{what}: figure not readable alone: {'; '.join(faults)}"
    if os.environ.get(STRICT_ENV) == "1":
        raise ValueError(message)
    print(f"vaebench: warning: {message}", flush=True)


def is_colorbar(ax) -> bool:
    return getattr(ax, "_colorbar", None) is not None


def shows_data(ax) -> bool:
    if not ax.axison or is_colorbar(ax):
        return False
    drawn = bool(ax.lines or ax.collections or ax.patches)
    # images alone are pictures (samples, reconstructions), unless a colour bar reads them
    heatmap = any(getattr(image, "colorbar", None) is not None for image in ax.images)
    return drawn or heatmap


def labelled(fig, ax, axis: str) -> bool:
    """The axes' own label, a shared axis' label (a panel of a grid, a twin) or the figure's."""
    shared = ax.get_shared_x_axes() if axis == "x" else ax.get_shared_y_axes()
    label = f"get_{axis}label"
    if any(getattr(sibling, label)() for sibling in shared.get_siblings(ax)):
        return True
    figure_label = getattr(fig, f"_sup{axis}label", None)
    return bool(figure_label is not None and figure_label.get_text())


def fid_label(frame) -> str:
    """An FID axis' label with the number of images it was computed at (its `fid_n` column):
    FID rises as N falls, so the N is part of the unit."""
    sizes = sorted({int(n) for n in frame.get("fid_n", []) if n == n and str(n) != ""})
    at = f" at N = {', '.join(f'{n:,}' for n in sizes)} images" if sizes else ""
    return f"FID{at} (lower is better)"


def span_both(ax, replicated, reported) -> None:
    """A log x axis when the replicated points sit in the first fifth of the paper's range (a
    quick run's few epochs beside the paper's hundreds), so neither is squeezed into a blob."""
    ours = [float(x) for x in replicated if float(x) > 0]
    paper = [float(x) for x in reported if float(x) > 0]
    if ours and paper and max(ours) < 0.2 * max(paper):
        ax.set_xscale("log")
        ax.set_xlabel(f"{ax.get_xlabel()}, log scale")


def symlog_if_wide(ax, values, linthresh: float, spread: float = 10.0) -> None:
    """A symmetric log y axis with ticks at 1, 2, 5 times the powers of ten, when `values` span
    more than `spread` times `linthresh` (a short run far from the paper's numbers); a linear
    axis otherwise. matplotlib's default symlog ticks leave only 0 and 10^0 on a narrow range."""
    finite = [abs(float(v)) for v in values if float(v) == float(v)]
    if not finite or max(finite) <= spread * linthresh:
        return
    from matplotlib.ticker import FuncFormatter, SymmetricalLogLocator

    ax.set_yscale("symlog", linthresh=linthresh)
    ax.yaxis.set_major_locator(SymmetricalLogLocator(linthresh=linthresh, base=10,
                                                     subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))

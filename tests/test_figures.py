"""An artifact's figure reads without its CSV: every panel of data has its x and y label, the
figure has a legend, and the note under it gives the verdict and why rows are not comparable.

Every figure a test builds is checked (tests/conftest.py sets VAEBENCH_STRICT_FIGURES=1, so the
smoke DAG of the slow tier checks every artifact); here the check itself, and the figures of
the recorded quick CSVs that are drawn from the CSV alone, re-rendered by the current code."""

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from tests.conftest import REPO, build_into
from vaebench import plots
from vaebench.artifacts import figure_note
from vaebench.artifacts.context import BuildContext, Built
from vaebench.eval.verdict import read_artifact_csv, row
from vaebench.spec import specs

RECORD = REPO / "record" / "quick" / "asperti2020"


def test_a_panel_without_labels_or_legend_is_named():
    fig, (left, right) = plt.subplots(1, 2)
    left.plot([0, 1], [1, 0])
    right.plot([0, 1], [0, 1], label="replicated")
    right.set(xlabel="epoch", ylabel="FID")
    assert plots.unreadable(fig) == ["panel 1 has no x label", "panel 1 has no y label",
                                     "the figure has no legend"]
    left.set(xlabel="epoch", ylabel="loss (nats)")
    right.legend()
    assert plots.unreadable(fig) == []
    plt.close(fig)


def test_pictures_need_no_labels_but_a_heatmap_does():
    fig, (picture, heat) = plt.subplots(1, 2)
    picture.imshow(np.zeros((4, 4)))
    picture.set(xticks=[], yticks=[])
    fig.colorbar(heat.imshow(np.eye(4)), ax=heat)
    assert plots.unreadable(fig) == ["panel 1 has no x label", "panel 1 has no y label",
                                     "a colour bar has no label", "the figure has no legend"]
    plt.close(fig)


def test_a_grid_of_shared_axes_is_labelled_once():
    fig, axes = plt.subplots(2, 2, sharex=True, sharey=True)
    for ax in axes.flat:
        ax.plot([0, 1], [0, 1], label="x")
    axes[1, 0].set_xlabel("first coordinate")  # shared by all four panels
    fig.supylabel("second coordinate")
    axes[0, 0].legend()
    assert plots.unreadable(fig) == []
    plt.close(fig)


def test_an_unreadable_figure_is_refused_before_any_file(tmp_path, monkeypatch):
    monkeypatch.setenv(plots.STRICT_ENV, "1")
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    frame = pd.DataFrame([row({}, "m", 1.0, [1.0], scale="smoke", converged=True)])

    def unlabelled(ctx):
        return Built(frame, fig)
    with pytest.raises(ValueError, match="no x label"):
        build_into(tmp_path / "a.csv", unlabelled, {"paper": "p", "artifacts": {}}, "a", "smoke")
    assert not list(tmp_path.iterdir())
    monkeypatch.setenv(plots.STRICT_ENV, "0")  # outside the tests: a warning, and the files
    build_into(tmp_path / "a.csv", unlabelled, {"paper": "p", "artifacts": {}}, "a", "smoke")
    assert (tmp_path / "a.png").exists()


def test_the_note_gives_the_verdict_and_each_reason_once():
    fid = "FID at N=1000 is biased upward against the paper's N=10000"
    frame = pd.DataFrame([
        row({}, "REC", 50.0, [400.0], scale="quick", converged=True, not_comparable=fid),
        row({}, "GEN-1", 80.0, [420.0], scale="quick", converged=True, not_comparable=fid),
        row({}, "mse", 0.004, [0.05, 0.06], scale="quick", converged=False),
    ]).assign(claim="", scope="")
    lines = figure_note.lines(frame)
    assert lines[0].startswith("verdict: ")
    assert f"REC, GEN-1: {fid}" in lines
    assert any(line.startswith("mse: ") and "converged" in line for line in lines)


def figure_of(name: str):
    """The recorded quick CSV of an asperti2020 artifact, drawn by the current plotting code."""
    from vaebench.papers.asperti2020 import lr, training, two_stage

    frame = read_artifact_csv(RECORD / f"{name}.csv")
    if name == "table5":
        return frame, lr.plot_table5(frame, "quick")
    if name == "table2":
        return frame, two_stage.plot_fids(frame, "Table 2")
    ctx = BuildContext(specs.load_spec("asperti2020"), "table1", "quick")
    return frame, training.plot_curves(ctx, frame, "Table 1")


@pytest.mark.parametrize("name", ["table1", "table2", "table5"])
def test_recorded_fid_figures_read_alone(name, tmp_path):
    frame, fig = figure_of(name)
    plots.note(fig, figure_note.lines(frame))
    assert plots.unreadable(fig) == []
    fid_axes = [ax for ax in fig.axes if ax.get_ylabel().startswith("FID")]
    assert fid_axes and all("N = 1,000" in ax.get_ylabel() for ax in fid_axes)
    texts = [text.get_text() for text in fig.texts]
    assert any("verdict: " in text for text in texts)
    plots.save(fig, tmp_path / f"{name}.png")
    assert Path(tmp_path / f"{name}.png").stat().st_size > 10_000


def test_table5_draws_both_inactive_counts_and_labels_each_panel():
    _, fig = figure_of("table5")
    inactive, fid, mse = fig.axes
    labels = inactive.get_legend_handles_labels()[1]
    assert any(label.startswith("inactive_code replicated") for label in labels)
    assert "count" in inactive.get_ylabel() and "mse" in mse.get_ylabel()
    plt.close(fig)


def test_table1_quick_epochs_are_not_squeezed_on_the_papers_axis():
    """Quick's first stage runs tens of epochs, the paper's 700: a log axis shows both."""
    _, fig = figure_of("table1")
    assert fig.axes[0].get_xscale() == "log"
    plt.close(fig)


def test_table2_legend_stands_beside_the_bars():
    _, fig = figure_of("table2")
    fig.canvas.draw()
    ax = fig.axes[0]
    legend = ax.get_legend().get_window_extent()
    assert legend.x0 >= ax.get_window_extent().x1  # outside the axes: covers no bar
    plt.close(fig)

"""Asperti & Trentin 2020, Fig. 7 (resize modes of the CelebA face crop): the high-frequency
measure, and the builder on the stand-ins and on a tiny fake CelebA tree. The artifact's YAML is
benchmarks/asperti2020.yaml."""

import copy
import math

import pandas as pd
import pytest
import torch

from tests.conftest import build_into
from tests.test_celeba import _write_tree
from vaebench.data import celeba
from vaebench.papers.asperti2020.celeba import figure7, high_frequency_fraction
from vaebench.spec import specs


@pytest.fixture
def fragment_spec() -> dict:
    # a copy: load_spec is cached and a test changes the scales
    return copy.deepcopy(specs.load_spec("asperti2020"))


def test_high_frequency_fraction_of_a_checkerboard_and_of_a_smooth_wave():
    y, x = torch.meshgrid(torch.arange(64), torch.arange(64), indexing="ij")
    board = ((x + y) % 2 * 255).expand(1, 3, 64, 64)
    wave = (127 + 100 * torch.cos(2 * math.pi * 2 * x / 64)).expand(1, 3, 64, 64)
    assert high_frequency_fraction(board).item() > 0.99
    assert high_frequency_fraction(wave).item() < 1e-6


def test_figure7_on_stand_ins_is_not_comparable(fragment_spec, tmp_path):
    out = build_into(tmp_path / "asperti2020" / "figure7.csv", figure7, fragment_spec, "figure7",
                     "smoke")
    frame = pd.read_csv(out)
    assert set(frame.verdict) == {"not-comparable"} and out.with_suffix(".png").exists()
    assert set(frame.metric) == {"high_frequency_energy_fraction", "mean_abs_pixel_difference",
                                 "nearest_has_most_high_frequency",
                                 "bicubic_sharper_than_bilinear"}
    assert len(frame[frame.metric == "mean_abs_pixel_difference"]) == 3  # each pair once


def test_figure7_on_a_fake_celeba_tree(fragment_spec, tmp_path, monkeypatch):
    """Noise 'faces': nearest keeps the pixel noise, the antialiased filters average it, and
    bicubic's sharper kernel keeps more of it than bilinear, as the caption says of real faces."""
    _write_tree(tmp_path / "root", n=40)
    monkeypatch.setenv("VAEBENCH_DATA", str(tmp_path / "root"))
    monkeypatch.setenv(celeba.CACHE_ENV, str(tmp_path / "cache"))
    fragment_spec["artifacts"]["figure7"]["scales"]["quick"] = {"n_images": 5, "n_shown": 2}
    out = build_into(tmp_path / "asperti2020" / "figure7.csv", figure7, fragment_spec, "figure7",
                     "quick")
    frame = pd.read_csv(out).set_index(["mode", "metric"])
    assert frame.loc[("all", "nearest_has_most_high_frequency"), "verdict"] == "qualitative-match"
    assert frame.loc[("all", "bicubic_sharper_than_bilinear"), "verdict"] == "qualitative-match"
    # the tree's partition puts 3 images in test: all of them are measured (n_images 5)
    assert frame.loc[("nearest", "high_frequency_energy_fraction"), "n_runs"] == 3
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == [
        "celeba_crop128_bicubic.pt", "celeba_crop128_bilinear.pt", "celeba_crop128_nearest.pt"]

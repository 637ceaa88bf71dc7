"""The throughput benchmark's plumbing (not its speed): both recipes feed the same data, variants
inherit their base case, ratios pair the right rows. Speed itself is only measured, by
`vaebench bench` (results/perf/throughput.csv)."""

import pandas as pd
import torch

from vaebench.data import datasets as data
from vaebench.perf import bench, standard_recipe
from vaebench.train.config import TrainConfig


def test_standard_recipe_serves_the_same_images_as_vaebench():
    cfg = TrainConfig.from_dict({"dataset": "standin_cifar10", "model": "dai_resnet",
                                 "standin_size": 8, "batch_size": 4})
    images, labels = data.load("standin_cifar10", "train", standin_size=8)
    served = standard_recipe.dataset(cfg, 8, None)
    x, label = served[5]
    assert x.shape == (3, 32, 32) and label == labels[5]
    assert torch.equal(x, data.to_float(images[5]))  # PIL + ToTensor == uint8 / 255


def test_standard_recipe_for_sampled_data_is_a_predrawn_set():
    cfg = TrainConfig.from_dict({"dataset": "noisy_curve", "model": "resnet_mlp",
                                 "arch": {"latent_dim": 2}, "batch_size": 10})
    batches = list(standard_recipe.loader(cfg, 30, None))
    assert [b[0].shape for b in batches] == [(10, 2)] * 3


def test_variants_inherit_their_base_case():
    cases = bench.load_cases()["cases"]
    base, bf16 = cases["dai2020_resnet_cifar"], cases["dai2020_resnet_cifar_bf16"]
    assert bf16["train"] == {**base["train"], "precision": "bf16"}
    assert bf16["images"] == base["images"]
    assert bench.jobs({"cases": cases}, ["dai2020_resnet_cifar_bf16"]) == [
        ("train_vaebench", "dai2020_resnet_cifar_bf16")]
    for name, case in cases.items():  # every case builds a valid training config
        cfg = bench.case_config({"images": 64, **case}, "cpu", None, case.get("images", 64))
        assert cfg.model == case["train"]["model"], name


def test_ratios_pair_each_row_with_its_baseline():
    frame = pd.DataFrame({"case": ["a", "a", "a_bf16", "a", "a"],
                          "what": ["train_vaebench", "train_standard", "train_vaebench",
                                   "evaluate", "train_floor"],
                          "samples_per_s": [500.0, 100.0, 250.0, 9.0, 800.0],
                          "samples_per_s_best": [600.0, 200.0, 300.0, 9.0, 900.0]})
    out = bench.with_ratios(frame, {"a": {}, "a_bf16": {"variant_of": "a"}})
    assert out.speedup_vs_standard.tolist()[0] == 5.0
    assert out.speedup_vs_standard.tolist()[4] == 8.0  # the floor's: the ceiling of any loop
    assert out.speedup_vs_base.tolist()[2] == 0.5
    assert out.best_vs_standard.tolist()[0] == 3.0
    assert out.share_of_floor.tolist()[0] == 500.0 / 800.0
    assert out.speedup_vs_standard.isna().tolist() == [False, True, True, True, False]
    assert out.share_of_floor.isna().tolist() == [False, True, True, True, True]


def test_the_floor_trains_on_one_resident_batch():
    """The floor times the model's step alone and counts the examples it pushed through."""
    case = {**bench.load_cases()["cases"]["berger2020_resnet_curve"], "images": 200, "repeats": 1}
    (median, best), n = bench.train_floor(case, "cpu", None)
    assert n == 200 and 0 < median <= best


def test_every_measure_is_accepted_by_its_subprocess_command():
    """run_all measures each row in `vaebench bench --measure WHAT`: every name must parse."""
    from vaebench.cli import build_parser

    for what in bench.MEASURES:
        args = build_parser().parse_args(["bench", "--measure", what, "--case", "x"])
        assert args.measure == what


def test_stacked_rows_are_set_against_one_separate_run():
    """stacked_vs_separate: the stacked seeds' seed-samples/s over one separate run's samples/s,
    same case; other rows have none."""
    frame = pd.DataFrame({"case": ["s", "s", "t"], "what": ["train_vaebench", "train_stacked",
                                                             "train_stacked"],
                          "samples_per_s": [100.0, 250.0, 50.0],
                          "samples_per_s_best": [100.0, 250.0, 50.0]})
    out = bench.with_ratios(frame, {"s": {}, "t": {}})
    assert out.stacked_vs_separate.tolist()[1] == 2.5
    assert out.stacked_vs_separate.isna().tolist() == [True, False, True]


def test_the_stacked_measure_counts_every_seeds_examples():
    case = {**bench.load_cases()["cases"]["berger2020_resnet_curve_stacked3"], "images": 200,
            "repeats": 1}
    (median, best), n = bench.train_stacked(case, "cpu", None)
    assert n == 3 * 200 and 0 < median <= best
    assert [what for what, name in bench.jobs(bench.load_cases(), [
        "berger2020_resnet_curve_stacked3"])] == ["train_vaebench", "train_stacked"]


def test_rounds_interleave_cases_and_report_the_median_with_its_spread():
    config = {"cases": {"conv": {"rounds": 3}, "dense": {}}, "fid": {}}
    listed = [("train_vaebench", "conv"), ("train_standard", "conv"), ("train_vaebench", "dense")]
    assert bench.schedule(config, listed) == [
        (0, "train_vaebench", "conv"), (0, "train_standard", "conv"),
        (0, "train_vaebench", "dense"),
        (1, "train_vaebench", "conv"), (1, "train_standard", "conv"),
        (2, "train_vaebench", "conv"), (2, "train_standard", "conv")]
    rounds = [pd.DataFrame({"case": ["conv", "conv"], "what": ["train_vaebench", "train_standard"],
                            "samples_per_s": [ours, 100.0], "samples_per_s_best": [ours, 100.0],
                            "load_1min": [load, load], "peak_rss_mb": [1.0, 1.0]})
              for ours, load in [(90.0, 0.5), (120.0, 2.0), (100.0, 1.0)]]
    out = bench.over_rounds(pd.concat([bench.with_ratios(r, config["cases"]) for r in rounds]))
    ours = out[out.what == "train_vaebench"].iloc[0]
    assert ours.samples_per_s == 100.0 and ours.speedup_vs_standard == 1.0  # the median round
    assert (ours.ratio_low, ours.ratio_high, ours.rounds) == (0.9, 1.2, 3)
    assert ours.samples_per_s_best == 120.0 and ours.load_1min == 2.0


def test_the_precision_effect_sets_bf16_and_a_second_seed_against_one_fp32_run(monkeypatch):
    """The three short runs of vaebench.perf.precision_effect: the fp32 run repeats exactly (so
    its difference from bf16 is rounding, not chance), bf16 stays near it, the second seed is a
    different run; the row reports each change and bf16's speed-up."""
    from tests.test_fid_reference import MeanPool
    from vaebench.perf import precision_effect

    monkeypatch.setattr(precision_effect.fid, "load_inception", lambda device: MeanPool())
    case = {"train": {"dataset": "standin_cifar10", "model": "dai_resnet",
                      "arch": {"blocks_per_scale": 1, "convs_per_block": 1, "base_channels": 8,
                               "max_channels": 8, "latent_dim": 8},
                      "likelihood": "gaussian_learned", "batch_size": 16, "lr": 1e-3},
            "effect": {"epochs": 2, "steps_per_epoch": 3, "fid_images": 40}}
    first = precision_effect.train_and_sample(case, "cpu", None, "fp32", 0)
    again = precision_effect.train_and_sample(case, "cpu", None, "fp32", 0)
    assert first[0] == again[0] and torch.equal(first[2], again[2])
    row = precision_effect.measure(case, "cpu", None)
    assert row["loss_change_bf16"] != 0
    assert abs(row["loss_change_bf16"]) < 0.05 * abs(row["loss_fp32"])
    assert row["loss_change_seed"] == row["loss_fp32_seed1"] - row["loss_fp32"] != 0
    assert row["speedup_bf16"] > 0 and row["fid_fp32"] >= 0 and row["fid_bf16"] >= 0

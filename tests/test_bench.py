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
        cfg = bench.case_config(case, "cpu", None, case["images"])
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

"""Stacked seeds (vaebench.train.stacked): each seed ends where its separate run ends, up to float
rounding, writes the same run directory, resumes after a kill, and leaves a finished seed alone."""

import json
import os
import signal
import subprocess
import sys

import pandas as pd
import pytest
import torch
import yaml

from vaebench.errors import UserError
from vaebench.train.config import TrainConfig
from vaebench.train.loop import KILL_AFTER_EPOCH_ENV, TrainingDiverged, train
from vaebench.train.stacked import train_stacked

# Seeds differ by orders of magnitude more than the stacked arithmetic's rounding (~1e-7 here):
# a mixed-up seed, a shared data order or a shared noise stream fails these tolerances.
LOSS_RTOL, WEIGHT_ATOL = 1e-5, 1e-5
COLUMNS = ["epoch", "loss", "nll", "kl", "sigma"]

# Berger & Sebag's 2-D setting shrunk: a ResNet MLP on the sampled curve, learned σ, 4 epochs of
# 25 fresh batches (100 steps).
CURVE = {"dataset": "noisy_curve", "model": "resnet_mlp",
         "arch": {"latent_dim": 2, "width": 16, "blocks": 2}, "likelihood": "gaussian_learned",
         "batch_size": 20, "steps_per_epoch": 25, "epochs": 4, "eval_size": 50, "n_samples": 8,
         "checkpoint_every": 1, "device": "cpu", "trajectory": True}


def configs(base: dict, seeds=(0, 1, 2), **per_seed) -> list[TrainConfig]:
    """One config per seed; `per_seed` maps an option to its value for each seed."""
    return [TrainConfig.from_dict({**base, "seed": seed,
                                   **{key: values[i] for key, values in per_seed.items()}})
            for i, seed in enumerate(seeds)]


def separate_and_stacked(cfgs, tmp_path):
    separate = [tmp_path / "separate" / f"seed{cfg.seed}" for cfg in cfgs]
    stacked = [tmp_path / "stacked" / f"seed{cfg.seed}" for cfg in cfgs]
    for cfg, out in zip(cfgs, separate, strict=True):
        train(cfg, out, progress=False)
    train_stacked(cfgs, stacked, progress=False)
    return separate, stacked


def metrics(run) -> pd.DataFrame:
    return pd.read_csv(run / "metrics.csv")[COLUMNS]


def weights(run) -> dict:
    state = torch.load(run / "checkpoint.pt", weights_only=False)
    return {**state["model"], **{f"likelihood.{k}": v for k, v in state["likelihood"].items()}}


def assert_same_run(a, b) -> None:
    """Run directories a and b hold the same run up to float rounding."""
    pd.testing.assert_frame_equal(metrics(a), metrics(b), check_exact=False, rtol=LOSS_RTOL)
    wa, wb = weights(a), weights(b)
    assert wa.keys() == wb.keys()
    for name in wa:
        torch.testing.assert_close(wa[name], wb[name], rtol=0, atol=WEIGHT_ATOL, msg=name)


def assert_seeds_apart(runs) -> None:
    """The seeds' own results are far apart, so the comparisons above can tell them apart."""
    for a, b in zip(runs, runs[1:], strict=False):  # each seed with the next
        assert (metrics(a).loss - metrics(b).loss).abs().max() > 100 * LOSS_RTOL
        assert max((weights(a)[k] - weights(b)[k]).abs().max() for k in weights(a)) \
            > 100 * WEIGHT_ATOL


def test_stacked_seeds_end_where_their_separate_runs_end(tmp_path):
    separate, stacked = separate_and_stacked(configs(CURVE), tmp_path)
    assert_seeds_apart(separate)
    for a, b in zip(separate, stacked, strict=True):
        assert_same_run(a, b)
        assert sorted(p.name for p in a.iterdir()) == sorted(p.name for p in b.iterdir())
        assert (a / "config.yaml").read_text() == (b / "config.yaml").read_text()
        pd.testing.assert_frame_equal(pd.read_csv(a / "trajectory.csv"),
                                      pd.read_csv(b / "trajectory.csv"), rtol=1e-4)
        pd.testing.assert_frame_equal(pd.read_csv(a / "latent_stats.csv"),
                                      pd.read_csv(b / "latent_stats.csv"), rtol=1e-4)
        done = json.loads((b / "done.json").read_text())
        assert done["stacked_with"] == [0, 1, 2] and done["epochs"] == 4
        assert "stacked_with" not in json.loads((a / "done.json").read_text())
        # the checkpoint resumes the seed's own streams: its data order and its noise
        for key in ("rng_cpu", "rng_shuffle"):
            assert torch.equal(torch.load(a / "checkpoint.pt", weights_only=False)[key],
                               torch.load(b / "checkpoint.pt", weights_only=False)[key])


@pytest.mark.parametrize("model", [
    {"model": "dense_vae", "arch": {"hidden": [64, 32], "latent_dim": 4}},
    {"model": "dai_fc", "arch": {"depth": 2, "width": 32, "latent_dim": 4}, "objective": "ae",
     "likelihood": "gaussian_learned", "likelihood_args": {"init_sigma": 0.1}},
])
def test_stacked_dense_nets_on_images_end_where_separate_runs_end(tiny_config, model, tmp_path):
    """One image set shared by the seeds, each shuffling it with its own generator; the dense
    VAE (Bernoulli) and Dai et al.'s FC autoencoder (no noise drawn)."""
    separate, stacked = separate_and_stacked(configs({**tiny_config, **model}, (0, 1)), tmp_path)
    assert_seeds_apart(separate)
    for a, b in zip(separate, stacked, strict=True):
        assert_same_run(a, b)


def test_seeds_that_plan_different_lengths_leave_the_stack_when_done(tmp_path):
    """Per-seed σ schedules of different lengths (the scheduled F-VAE reads its seed's LS-VAE):
    each seed trains its own number of epochs."""
    cfgs = configs({**CURVE, "epochs": 2, "likelihood": "gaussian_scheduled"},
                   likelihood_args=[{"schedule": [0.5, 0.3]},
                                    {"schedule": [0.5, 0.4, 0.3, 0.2]},
                                    {"schedule": [0.6, 0.5, 0.4]}])
    separate, stacked = separate_and_stacked(cfgs, tmp_path)
    assert [len(metrics(run)) for run in stacked] == [2, 4, 3]
    for a, b in zip(separate, stacked, strict=True):
        assert_same_run(a, b)


def run_cli(config: dict, seeds, out: str, tmp_path, env_extra=None):
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return subprocess.run([sys.executable, "-m", "vaebench", "train", "--config", str(path),
                           "--seeds", *map(str, seeds), "--out", out, "--threads", "1"],
                          capture_output=True, text=True,
                          env={**os.environ, **(env_extra or {})})


def test_killed_stacked_run_resumes_to_the_uninterrupted_result(tmp_path):
    """SIGKILL right after seed 0's epoch-2 checkpoint: seeds 1 and 2 still hold epoch 1, train
    on their own to epoch 2, then all three together, and end as the uninterrupted job."""
    config = {**CURVE, "trajectory": False}
    reference = run_cli(config, [0, 1, 2], str(tmp_path / "reference" / "seed{seed}"), tmp_path)
    assert reference.returncode == 0, reference.stderr
    resumed = str(tmp_path / "resumed" / "seed{seed}")
    killed = run_cli(config, [0, 1, 2], resumed, tmp_path, {KILL_AFTER_EPOCH_ENV: "2"})
    assert killed.returncode == -signal.SIGKILL
    epochs = [torch.load(tmp_path / "resumed" / f"seed{k}" / "checkpoint.pt",
                         weights_only=False)["epoch"] for k in range(3)]
    assert epochs == [2, 1, 1]
    assert not list((tmp_path / "resumed").glob("*/done.json"))
    again = run_cli(config, [0, 1, 2], resumed, tmp_path)
    assert again.returncode == 0, again.stderr
    for k in range(3):
        assert_same_run(tmp_path / "reference" / f"seed{k}", tmp_path / "resumed" / f"seed{k}")


def test_a_seed_with_done_json_is_left_alone(tmp_path):
    cfgs = configs(CURVE)
    train(cfgs[1], tmp_path / "seed1", progress=False)
    before = {name: (tmp_path / "seed1" / name).read_bytes()
              for name in ("done.json", "metrics.csv", "checkpoint.pt")}
    done = train_stacked(cfgs, [tmp_path / f"seed{k}" for k in range(3)], progress=False)
    assert {name: (tmp_path / "seed1" / name).read_bytes() for name in before} == before
    assert "stacked_with" not in done[1]
    assert done[0]["stacked_with"] == done[2]["stacked_with"] == [0, 1, 2]
    # training the other two without seed 1 changed nothing of theirs
    reference = tmp_path / "separate"
    train(cfgs[2], reference, progress=False)
    assert_same_run(reference, tmp_path / "seed2")
    mtime = (tmp_path / "seed0" / "metrics.csv").stat().st_mtime_ns
    train_stacked(cfgs, [tmp_path / f"seed{k}" for k in range(3)], progress=False)
    assert (tmp_path / "seed0" / "metrics.csv").stat().st_mtime_ns == mtime


def test_a_diverging_seed_fails_alone(tmp_path):
    """σ so small that seed 1's loss overflows: the job fails naming seed 1, as its separate run
    would, and seed 0 is finished."""
    cfgs = configs({**CURVE, "epochs": 2, "likelihood": "gaussian_fixed"}, (0, 1),
                   likelihood_args=[{"sigma": 0.5}, {"sigma": 1e-30}])
    with pytest.raises(TrainingDiverged, match=r"^seed 1: non-finite loss at epoch 1, step 0"):
        train_stacked(cfgs, [tmp_path / "seed0", tmp_path / "seed1"], progress=False)
    assert (tmp_path / "seed0" / "done.json").exists()
    assert not (tmp_path / "seed1" / "done.json").exists()


@pytest.mark.parametrize("change, message", [
    ({"model": "conv_berger", "dataset": "standin_mnist",
      "arch": {"latent_dim": 4, "channels": [4, 4, 4], "blocks": 1}},
     "stacked training supports the models dai_fc, dense_vae, resnet_mlp, not 'conv_berger'"),
    ({"precision": "bf16"}, "stacked training does not support precision"),
    ({"likelihood": "gaussian_computed"}, "does not support likelihood 'gaussian_computed'"),
])
def test_what_cannot_be_stacked_is_refused_in_one_line(change, message, tmp_path):
    cfgs = configs({**CURVE, **change}, (0, 1))
    with pytest.raises(UserError, match=message):
        train_stacked(cfgs, [tmp_path / "seed0", tmp_path / "seed1"], progress=False)


def test_seeds_that_differ_in_more_than_their_seed_are_refused(tmp_path):
    cfgs = configs(CURVE, (0, 1), lr=[1e-3, 1e-4])
    with pytest.raises(UserError, match="seeds 0 and 1 differ in lr; only seed, "):
        train_stacked(cfgs, [tmp_path / "seed0", tmp_path / "seed1"], progress=False)


def test_stack_seeds_is_not_part_of_a_run_and_needs_a_stackable_model():
    plain = TrainConfig.from_dict(CURVE)
    assert TrainConfig.from_dict({**CURVE, "stack_seeds": True}).identity() == plain.identity()
    with pytest.raises(UserError, match="stack_seeds: model conv_berger cannot be stacked"):
        TrainConfig.from_dict({**CURVE, "model": "conv_berger", "stack_seeds": True})


def test_cli_seeds_need_a_seed_placeholder_in_out(tmp_path):
    result = run_cli(CURVE, [0, 1], str(tmp_path / "run"), tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"vaebench: error: --seeds needs --out with {{seed}} in it, e.g. --out "
        f"'{tmp_path / 'run'}/seed{{seed}}'"]


def test_the_workflow_stacks_only_the_experiments_that_say_so():
    """berger2020: the Theorem 1 nets stack where they have several seeds (quick and paper
    scale); the 2-D curve's ResNet does not (measured slower stacked,
    benchmarks/berger2020.yaml); at smoke, one seed each, nothing stacks."""
    from vaebench.spec import specs

    spec = specs.load_spec("berger2020")
    assert specs.stacked_jobs(spec, "smoke") == []  # one seed each
    for scale in ("quick", "paper"):
        jobs = specs.stacked_jobs(spec, scale)
        assert {experiment for _, experiment, _ in jobs} == {
            f"theorem1_d{d}_{side}" for d in (2, 3, 5) for side in ("above", "below")}
        assert all(alternative is None and seeds == [0, 1, 2] for alternative, _, seeds in jobs)

"""The training loop: outputs, resume after a real SIGKILL, divergence diagnostics."""

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
from vaebench.train.loop import KILL_AFTER_EPOCH_ENV, TrainingDiverged, planned_epochs, train


def run_cli(config: dict, out, tmp_path, env_extra=None):
    path = tmp_path / f"config_{out.name}.yaml"
    path.write_text(yaml.safe_dump(config))
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "vaebench", "train", "--config", str(path),
                           "--out", str(out), "--threads", "1"],
                          capture_output=True, text=True, env=env)


def test_one_run_writes_every_output(tiny_config, tmp_path):
    done = train(TrainConfig.from_dict({**tiny_config, "trajectory": True}), tmp_path / "run",
                 progress=False)
    run = tmp_path / "run"
    for name in ("config.yaml", "metrics.csv", "trajectory.csv", "latent_stats.csv",
                 "samples.png", "checkpoint.pt", "done.json"):
        assert (run / name).exists(), name
    metrics = pd.read_csv(run / "metrics.csv")
    assert metrics.epoch.tolist() == [1, 2, 3, 4] and metrics.loss.iloc[-1] < metrics.loss.iloc[0]
    trajectory = pd.read_csv(run / "trajectory.csv")
    assert len(trajectory) == 4 * 4  # 256 images / batch 64, 4 epochs
    assert trajectory.shape[1] == 1 + 2 * 4
    assert len(pd.read_csv(run / "latent_stats.csv")) == 4
    assert done["epochs"] == 4 and not done["converged"]  # 4 epochs: too short to tell
    assert not list(run.glob(".*.tmp"))  # no leftovers of atomic writes


@pytest.mark.slow
def test_killed_run_resumes_to_the_same_result(tiny_config, tmp_path):
    reference, resumed = tmp_path / "reference", tmp_path / "resumed"
    assert run_cli(tiny_config, reference, tmp_path).returncode == 0
    killed = run_cli(tiny_config, resumed, tmp_path, {KILL_AFTER_EPOCH_ENV: "2"})
    assert killed.returncode == -signal.SIGKILL
    assert (resumed / "checkpoint.pt").exists() and not (resumed / "done.json").exists()
    assert torch.load(resumed / "checkpoint.pt", weights_only=False)["epoch"] == 2
    assert run_cli(tiny_config, resumed, tmp_path).returncode == 0
    columns = ["epoch", "loss", "nll", "kl"]
    pd.testing.assert_frame_equal(pd.read_csv(reference / "metrics.csv")[columns],
                                  pd.read_csv(resumed / "metrics.csv")[columns], check_exact=True)
    weights_a = torch.load(reference / "checkpoint.pt", weights_only=False)["model"]
    weights_b = torch.load(resumed / "checkpoint.pt", weights_only=False)["model"]
    assert all(torch.equal(weights_a[k], weights_b[k]) for k in weights_a)


def test_finished_run_is_not_retrained(tiny_config, tmp_path):
    cfg = TrainConfig.from_dict(tiny_config)
    train(cfg, tmp_path / "run", progress=False)
    stamp = (tmp_path / "run" / "metrics.csv").stat().st_mtime_ns
    again = train(cfg, tmp_path / "run", progress=False)
    assert (tmp_path / "run" / "metrics.csv").stat().st_mtime_ns == stamp
    assert again == json.loads((tmp_path / "run" / "done.json").read_text())


def test_checkpoint_of_another_config_is_refused(tiny_config, tmp_path):
    train(TrainConfig.from_dict({**tiny_config, "epochs": 1}), tmp_path / "run", progress=False)
    (tmp_path / "run" / "done.json").unlink()
    with pytest.raises(Exception, match="different configuration"):
        train(TrainConfig.from_dict({**tiny_config, "epochs": 2}), tmp_path / "run",
              progress=False)


def test_non_finite_loss_stops_with_step_and_terms(tiny_config, tmp_path):
    cfg = TrainConfig.from_dict({**tiny_config, "lr": 1e30, "epochs": 2})
    with pytest.raises(TrainingDiverged, match=r"non-finite loss at epoch \d+, step \d+: loss="):
        train(cfg, tmp_path / "run", progress=False)
    assert not (tmp_path / "run" / "done.json").exists()


@pytest.mark.parametrize("likelihood, args", [
    ("gaussian_fixed", {"sigma": 0.1}), ("gaussian_learned", {}), ("gaussian_computed", {}),
    ("gaussian_learned_per_dim", {}),
])
def test_every_likelihood_trains(tiny_config, tmp_path, likelihood, args):
    cfg = TrainConfig.from_dict({**tiny_config, "epochs": 1, "likelihood": likelihood,
                                 "likelihood_args": args})
    done = train(cfg, tmp_path / "run", progress=False)
    metrics = pd.read_csv(tmp_path / "run" / "metrics.csv")
    assert done["epochs"] == 1 and metrics.loss.notna().all()
    if likelihood == "gaussian_computed":
        assert metrics.sigma.iloc[0] < 1.0  # γ fell from its initial 1 as the MSE estimate did


def test_sampled_dataset_draws_fresh_batches_and_resumes_the_stream(tmp_path):
    """A sampled dataset (points on a circle): steps_per_epoch fresh batches, vector samples."""
    config = {"dataset": "hypersphere", "dataset_args": {"dim": 2, "radius": 3.0},
              "model": "dense_vae", "arch": {"hidden": [32, 32], "latent_dim": 2},
              "likelihood": "gaussian_fixed", "likelihood_args": {"sigma": 0.5},
              "steps_per_epoch": 7, "batch_size": 50, "eval_size": 300, "epochs": 3,
              "checkpoint_every": 1, "device": "cpu", "n_samples": 10}
    done = train(TrainConfig.from_dict(config), tmp_path / "run", progress=False)
    assert done["n_eval"] == 300
    samples = pd.read_csv(tmp_path / "run" / "samples.csv")
    assert samples.shape == (10, 2)
    # resume: a run stopped after epoch 1 and continued equals the uninterrupted one
    first = train(TrainConfig.from_dict({**config, "epochs": 1}), tmp_path / "a", progress=False)
    assert first["epochs"] == 1
    (tmp_path / "a" / "done.json").unlink()
    state = torch.load(tmp_path / "a" / "checkpoint.pt", weights_only=False)
    state["config"]["epochs"] = 3
    torch.save(state, tmp_path / "a" / "checkpoint.pt")
    train(TrainConfig.from_dict(config), tmp_path / "a", progress=False)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "run" / "metrics.csv")[["loss"]],
                                  pd.read_csv(tmp_path / "a" / "metrics.csv")[["loss"]])


def test_two_latent_variant_of_the_dense_vae(tiny_config, tmp_path):
    """Asperti 2019 Fig. 1's 784-256-64-16-2 network."""
    from vaebench.models import build_model

    model = build_model("dense_vae", (1, 28, 28), hidden=[256, 64, 16], latent_dim=2)
    mu, logvar = model.encode(torch.rand(3, 1, 28, 28))
    assert mu.shape == logvar.shape == (3, 2)
    assert model.decode(mu).shape == (3, 1, 28, 28)
    sizes = [layer.out_features for layer in model.modules() if isinstance(layer, torch.nn.Linear)]
    assert sizes[:5] == [256, 64, 16, 2, 2]


def test_probe_logs_one_image_per_class_every_minibatch(tiny_config, tmp_path):
    cfg = TrainConfig.from_dict({**tiny_config, "probe_per_class": True, "probe_epochs": 1,
                                 "trajectory": True, "trajectory_epochs": 2})
    train(cfg, tmp_path / "run", progress=False)
    probe = pd.read_csv(tmp_path / "run" / "probe.csv")
    assert probe.minibatch.nunique() == 4 and probe.image.nunique() == 10  # 256/64 steps, 1 epoch
    assert len(pd.read_csv(tmp_path / "run" / "trajectory.csv")) == 2 * 4  # first 2 epochs only


def test_scheduled_sigma_follows_its_schedule(tiny_config, tmp_path):
    cfg = TrainConfig.from_dict({**tiny_config, "likelihood": "gaussian_scheduled",
                                 "likelihood_args": {"schedule": [1.0, 0.5, 0.25]}})
    train(cfg, tmp_path / "run", progress=False)
    sigmas = pd.read_csv(tmp_path / "run" / "metrics.csv").sigma.round(6).tolist()
    assert sigmas == [1.0, 0.5, 0.25, 0.25]  # the last value holds after the schedule ends


def test_needs_resolve_references_and_initialise_weights(tiny_config, tmp_path):
    """An experiment that reads another's learned σ and starts from its weights."""
    from vaebench.spec import specs

    spec = {"paper": "toy", "experiments": {
        "base": {"train": {**tiny_config, "likelihood": "gaussian_learned"},
                 "scales": {s: {"seeds": [0]} for s in specs.SCALES}},
        "follow": {"needs": ["base"], "train": {
            **tiny_config, "likelihood": "gaussian_fixed", "init_from": "base",
            "likelihood_args": {"sigma": {"from": "base", "metric": "sigma"}}},
            "scales": {s: {"seeds": [0]} for s in specs.SCALES}}}}
    base_dir = specs.run_dir(tmp_path, "quick", "toy", "base", 0)
    train(specs.run_config(spec, "base", "quick", 0, runs_root=tmp_path), base_dir,
          progress=False)
    follow = specs.run_config(spec, "follow", "quick", 0, runs_root=tmp_path)
    learned = pd.read_csv(base_dir / "metrics.csv").sigma.iloc[-1]
    assert follow.likelihood_args["sigma"] == pytest.approx(learned)
    assert follow.init_from == str(base_dir)
    seen = {}

    def snapshot(run):
        seen.update({k: v.clone() for k, v in run.model.state_dict().items()})

    train(follow, tmp_path / "follow", progress=False, prepare=snapshot)
    base_weights = torch.load(base_dir / "checkpoint.pt", weights_only=False)["model"]
    assert all(torch.equal(seen[k], base_weights[k]) for k in base_weights)
    with pytest.raises(Exception, match="does not list it under needs"):
        spec["experiments"]["follow"]["needs"] = []
        specs.run_config(spec, "follow", "quick", 0)


def test_autoencoder_objective_has_no_kl(tiny_config, tmp_path):
    cfg = TrainConfig.from_dict({**tiny_config, "objective": "ae", "epochs": 2,
                                 "likelihood": "gaussian_fixed",
                                 "likelihood_args": {"sigma": 0.7071}})
    train(cfg, tmp_path / "run", progress=False)
    metrics = pd.read_csv(tmp_path / "run" / "metrics.csv")
    assert (metrics.kl == 0).all() and (metrics.loss == metrics.nll).all()


def test_changed_spec_restarts_the_run_when_asked(tiny_config, tmp_path):
    """The DAG re-runs a job whose experiment changed: the stale checkpoint is discarded."""
    train(TrainConfig.from_dict({**tiny_config, "epochs": 1, "lr": 1e-2}), tmp_path / "run",
          progress=False)
    (tmp_path / "run" / "done.json").unlink()
    changed = TrainConfig.from_dict({**tiny_config, "epochs": 2})
    train(changed, tmp_path / "run", progress=False, restart_if_changed=True)
    train(changed, tmp_path / "fresh", progress=False)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "run" / "metrics.csv")[["loss"]],
                                  pd.read_csv(tmp_path / "fresh" / "metrics.csv")[["loss"]])


def test_fused_adam_takes_the_same_steps_and_resumes_older_optimiser_state(tiny_config):
    from vaebench.train.loop import Run, make_batches, train_epoch

    cfg = TrainConfig.from_dict({**tiny_config, "epochs": 1})
    fused, plain = Run(cfg, torch.device("cpu")), Run(cfg, torch.device("cpu"))
    assert fused.optimizer.defaults["fused"]
    params = list(plain.model.parameters()) + list(plain.likelihood.parameters())
    plain.optimizer = torch.optim.Adam(params, lr=cfg.lr)  # the pre-fused implementation
    for run in (fused, plain):
        torch.manual_seed(1)  # the same reparameterisation noise for both
        train_epoch(run, make_batches(cfg, torch.device("cpu")))
    for a, b in zip(fused.model.parameters(), plain.model.parameters(), strict=True):
        assert torch.allclose(a, b, atol=1e-5)
    # a checkpoint written by the plain optimiser (runs trained before) loads into the fused one
    fused.optimizer.load_state_dict(plain.optimizer.state_dict())
    train_epoch(fused, make_batches(cfg, torch.device("cpu")))


def test_planned_epochs_extends_a_falling_run_in_chunks_up_to_the_cap():
    cfg = TrainConfig.from_dict({"dataset": "mnist", "model": "dense_vae", "epochs": 8,
                                 "max_epochs": 14, "converge_window": 0.25})
    falling = [100.0 - 10 * i for i in range(20)]  # a straight fall: never a plateau
    flat = [100.0, 50.0, 40.0] + [30.0] * 17
    assert planned_epochs(cfg, falling[:5]) == 8  # before the first check: `epochs`
    assert planned_epochs(cfg, falling[:8]) == 10  # chunk = 8 // 4
    assert planned_epochs(cfg, falling[:10]) == 12
    assert planned_epochs(cfg, falling[:12]) == 14 == planned_epochs(cfg, falling)  # the cap
    assert planned_epochs(cfg, flat[:8]) == 8 == planned_epochs(cfg, flat)
    unbounded = TrainConfig.from_dict({"dataset": "mnist", "model": "dense_vae", "epochs": 8})
    assert planned_epochs(unbounded, falling) == 8


def test_run_trains_past_epochs_until_plateau_and_resumes_alike(tiny_config, tmp_path):
    """A 4-epoch tiny run is still falling: it goes on to the cap, and a run killed during the
    extension resumes to the same epochs and losses."""
    config = {**tiny_config, "max_epochs": 7}
    reference = train(TrainConfig.from_dict(config), tmp_path / "ref", progress=False)
    assert reference["epochs"] == 7 and reference["extended_by"] == 3
    assert len(pd.read_csv(tmp_path / "ref" / "metrics.csv")) == 7
    killed = run_cli(config, tmp_path / "resumed", tmp_path, {KILL_AFTER_EPOCH_ENV: "5"})
    assert killed.returncode == -signal.SIGKILL
    assert run_cli(config, tmp_path / "resumed", tmp_path).returncode == 0
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "ref" / "metrics.csv")[["loss"]],
                                  pd.read_csv(tmp_path / "resumed" / "metrics.csv")[["loss"]],
                                  check_exact=True)


def test_max_epochs_below_epochs_is_refused(tiny_config):
    with pytest.raises(UserError, match="max_epochs must be >= epochs"):
        TrainConfig.from_dict({**tiny_config, "max_epochs": 2})


def test_a_sigma_schedule_longer_than_epochs_is_followed_to_its_end(tiny_config, tmp_path):
    """The scheduled F-VAE follows an LS-VAE that trained past `epochs` to its plateau."""
    cfg = TrainConfig.from_dict({**tiny_config, "likelihood": "gaussian_scheduled",
                                 "likelihood_args": {"schedule": [1.0, 0.8, 0.6, 0.4, 0.3, 0.2]}})
    done = train(cfg, tmp_path / "run", progress=False)
    sigmas = pd.read_csv(tmp_path / "run" / "metrics.csv").sigma.round(6).tolist()
    assert done["epochs"] == 6 and sigmas == [1.0, 0.8, 0.6, 0.4, 0.3, 0.2]


@pytest.mark.parametrize("option", ["epochs", "max_epochs", "lr"])
def test_a_non_number_where_a_number_belongs_is_a_one_line_error(tiny_config, option):
    with pytest.raises(UserError, match=f"training option {option} must be a number, got 'two'"):
        TrainConfig.from_dict({**tiny_config, option: "two"})


def test_keras_glorot_init_gives_glorot_kernels_and_zero_biases(tiny_config):
    """init is a named option: keras_glorot is Keras'/TF's default, torch stays the default and
    out of an old run's identity."""
    from vaebench.train.loop import Run

    torch_run = Run(TrainConfig.from_dict({**tiny_config, "device": "cpu"}), torch.device("cpu"))
    glorot = Run(TrainConfig.from_dict({**tiny_config, "device": "cpu", "init": "keras_glorot"}),
                 torch.device("cpu"))
    linear = [m for m in glorot.model.modules() if isinstance(m, torch.nn.Linear)]
    assert linear
    for layer in linear:
        fan_out, fan_in = layer.weight.shape
        limit = (6 / (fan_in + fan_out)) ** 0.5
        assert layer.weight.abs().max() <= limit and layer.weight.abs().max() > 0.8 * limit
        assert torch.count_nonzero(layer.bias) == 0
    assert any(torch.count_nonzero(m.bias) for m in torch_run.model.modules()
               if isinstance(m, torch.nn.Linear))
    assert "init" not in TrainConfig.from_dict(tiny_config).identity()
    assert TrainConfig.from_dict({**tiny_config, "init": "keras_glorot"}).identity()["init"] == (
        "keras_glorot")
    with pytest.raises(UserError, match="init must be torch or keras_glorot"):
        TrainConfig.from_dict({**tiny_config, "init": "he"})


def test_a_run_records_the_code_that_trained_it(tiny_config, tmp_path, monkeypatch):
    # A checkout that moves to another commit while a run trains: the run names the commit it
    # started at (the code Python had loaded), and the one at its end beside it.
    from vaebench import provenance
    from vaebench.train import loop as train_module
    from vaebench.train.config import TrainConfig

    states = iter([{"commit": "a" * 40, "tree_clean": True}])
    monkeypatch.setattr(provenance, "code_state",
                        lambda: next(states, {"commit": "b" * 40, "tree_clean": True}))
    done = train_module.train(TrainConfig.from_dict({**tiny_config, "epochs": 1}), tmp_path / "r",
                              progress=False)
    assert done["code"]["commit"] == "a" * 40 and done["code_at_end"]["commit"] == "b" * 40

"""Asperti 2019 beyond Table 1: the Fig. 4 conv VAE, the noise-injection procedure of Sec. 5 and
the artifact builders (on fake latent statistics, or tiny real runs on stand-in digits)."""

from pathlib import Path

import pandas as pd
import pytest
import torch

from tests.conftest import build_with_alternatives
from vaebench import atomic
from vaebench.artifacts import build
from vaebench.eval.verdict import CONTRACT
from vaebench.models import build_model
from vaebench.papers.asperti2019 import noise_injection as ni
from vaebench.train import runs as run_files
from vaebench.train.config import TrainConfig
from vaebench.train.latent_stats import statistics_from_moments
from vaebench.train.loop import train

PAPER = "asperti2019"


def test_conv_encoder_reproduces_the_papers_layer_table():
    model = build_model("conv_asperti", (1, 28, 28), 1, latent_dim=16)
    convs = [m for m in model.encoder.modules() if isinstance(m, torch.nn.Conv2d)]
    counts = [sum(p.numel() for p in m.parameters()) for m in convs]
    assert counts == [160, 4640, 9248, 9248, 9248, 4128, 4128, 4128]  # Fig. 4, in order
    assert sum(p.numel() for p in model.to_mu.parameters()) == 528
    x = torch.rand(3, 1, 28, 28)
    shapes, h = [], x
    for module in model.encoder:
        h = module(h)
        if isinstance(module, (torch.nn.Conv2d, torch.nn.Sequential)):
            shapes.append(tuple(h.shape[1:]))
    assert shapes == [(16, 14, 14), (32, 14, 14), (32, 7, 7), (32, 4, 4), (32, 4, 4),
                      (32, 2, 2), (32, 2, 2), (32, 1, 1)]
    mu, logvar = model.encode(x)
    assert mu.shape == logvar.shape == (3, 16)
    assert model.decode(mu).shape == (3, 1, 28, 28)


def test_noise_hook_holds_inactive_variables_and_corrupts_only_the_target():
    mu, logvar = torch.randn(4000, 4) * 3, torch.full((4000, 4), -4.0)
    hook = ni.NoiseHook(target=1, held=[2, 3], amplitude=2.0,
                        generator=torch.Generator().manual_seed(0))
    out_mu, out_logvar, z = hook(mu, logvar)
    assert (out_mu[:, 2:] == 0).all() and (out_logvar[:, 2:] == 0).all()
    assert torch.equal(out_mu[:, :2], mu[:, :2])
    assert z[:, 2:].var().item() == pytest.approx(1.0, abs=0.1)  # prior noise only
    assert (z[:, 0] - mu[:, 0]).std().item() == pytest.approx(0.135, abs=0.02)  # σ = e^-2
    assert (z[:, 1] - mu[:, 1]).std().item() == pytest.approx(2.0, abs=0.1)  # noise dominates


def test_next_phase_walks_noise_hold_recovery():
    schedule = ni.Schedule(noise_step=0.5, max_noise_steps=3, hold_epochs=2,
                           recovery_epochs=1, eval_size=10)
    assert ni.next_phase("noise", 1, {"gain": 5, "kl": 1}, schedule) == ("noise", 1)
    assert ni.next_phase("noise", 1, {"gain": 0.5, "kl": 1}, schedule) == ("hold", 0)
    assert ni.next_phase("noise", 3, {"gain": 5, "kl": 1}, schedule) == ("hold", 0)
    assert ni.next_phase("hold", 2, {}, schedule) == ("recovery", 0)
    assert ni.next_phase("recovery", 1, {}, schedule)[0] == "done"


@pytest.fixture
def standin_run(tmp_path, tiny_config):
    """A tiny trained dense VAE on stand-in digits, at the path a smoke table1_dense run has."""
    run = tmp_path / "runs" / "smoke" / PAPER / "table1_dense" / "seed0"
    cfg = TrainConfig.from_dict({**tiny_config, "epochs": 2, "trajectory": True})
    train(cfg, run, progress=False)
    return run


def mark_inactive(run, flags):
    stats = run_files.latent_stats(run)
    stats["inactive_sigma2"] = flags
    atomic.write_csv(run / "latent_stats.csv", stats)


def test_noise_procedure_resumes_from_its_steps(standin_run, tmp_path):
    mark_inactive(standin_run, [False, False, True, True])  # tiny runs may collapse everything
    schedule = ni.Schedule(noise_step=1.0, max_noise_steps=2, hold_epochs=1, recovery_epochs=2,
                           eval_size=128)
    first = ni.run_procedure(standin_run, tmp_path / "figure7", schedule)
    assert first.phase.iloc[0] == "start" and first.phase.iloc[-1] == "recovery"
    assert (first[first.phase == "recovery"].noise == 0).all()
    noisy = first[first.phase.isin(["noise", "hold"])]
    assert (noisy.noise > 0).all() and noisy.noise.is_monotonic_increasing
    assert first.held_inactive.iloc[0] == 2 and first.target.iloc[0] in (0, 1)
    steps = sorted(p.name for p in (tmp_path / "figure7").iterdir())
    assert steps == [f"step{i:03d}" for i in range(1, len(first))]
    assert all((tmp_path / "figure7" / s / "done.json").exists() for s in steps)
    again = ni.run_procedure(standin_run, tmp_path / "figure7", schedule)  # reads the steps
    pd.testing.assert_frame_equal(first, again)


def test_the_procedure_is_a_run_with_its_own_done_json(standin_run, tmp_path):
    # Fig. 7's procedure runs in its own training job (experiment figure7_noise): steps.csv and
    # done.json in its run directory, the provenance of every run, skipped once done.
    from vaebench.artifacts import procedures
    from vaebench.spec import specs

    mark_inactive(standin_run, [False, False, True, True])
    spec = specs.load_spec(PAPER)
    cfg = specs.run_config(spec, "figure7_noise", "smoke", 0, runs_root=tmp_path / "runs")
    assert Path(cfg.init_from) == standin_run  # the source: the table1_dense run, same seed
    out = tmp_path / "runs" / "smoke" / PAPER / "figure7_noise" / "seed0"
    done = procedures.run(spec, "figure7_noise", "smoke", cfg, out)
    steps = pd.read_csv(out / procedures.STEPS_FILE)
    assert done["procedure"] == "noise_injection" and done["epochs"] == steps.step.max()
    assert done["code"]["commit"] and done["settings"]["eval_size"] == 512
    assert (out / "step001" / "done.json").exists()
    assert procedures.run(spec, "figure7_noise", "smoke", cfg, out)["finished"] == done["finished"]


def test_figure3_zeroing_unused_latents_changes_nothing(standin_run, tmp_path):
    # Make variables 2 and 3 truly unused by the decoder, and mark them inactive.
    state = torch.load(standin_run / "checkpoint.pt", weights_only=False)
    state["model"]["decoder.0.0.weight"][:, 2:] = 0.0
    torch.save(state, standin_run / "checkpoint.pt")
    mark_inactive(standin_run, [False, False, True, True])
    frame = pd.read_csv(build(PAPER, "figure3", "smoke", tmp_path / "runs", tmp_path / "res"))
    values = frame.set_index("metric")["replicated"]
    assert values["mean_sq_diff_inactive_zeroed"] == 0.0
    assert values["mean_sq_diff_control_active_zeroed"] > 0.0
    assert values["indistinguishable"] == 1.0
    assert (tmp_path / "res" / PAPER / "figure3.png").stat().st_size > 10_000


def fake_stats_run(run, n_latent: int, n_inactive: int, converged: bool = True, seed: int = 0):
    gen = torch.Generator().manual_seed(seed)
    mu = torch.randn(4000, n_latent, generator=gen) * 0.97
    mu[:, :n_inactive] *= 0.01
    sigma2 = torch.full((4000, n_latent), 0.03)
    sigma2[:, :n_inactive] = 0.98
    atomic.write_csv(run / "latent_stats.csv", statistics_from_moments(mu, sigma2.log()))
    atomic.write_json(run / "done.json", {"converged": converged})


@pytest.mark.parametrize("conv, dense, verdict", [(3, 8, "qualitative-match"),
                                                  (9, 8, "differs")])
def test_table1_conv_compares_with_the_dense_count(tmp_path, conv, dense, verdict):
    root = tmp_path / "runs" / "quick" / PAPER
    for seed in (0, 1, 2):  # 3 runs a side: the least an ordering is decided with
        fake_stats_run(root / "table1_conv" / f"seed{seed}", 16, conv, seed=seed)
        fake_stats_run(root / "table1_dense" / f"seed{seed}", 16, dense, seed=seed)
    frame = pd.read_csv(build_with_alternatives(PAPER, "table1_conv", "quick", tmp_path / "runs",
                              tmp_path / "res")).set_index("metric")
    assert set(CONTRACT) <= set(frame.reset_index().columns)
    assert frame.loc["inactive_count_sigma2", "replicated"] == conv
    assert frame.loc["conv_fewer_inactive_than_dense", "verdict"] == verdict
    expected = "match" if abs(conv - 3) <= 2 else "differs"
    assert frame.loc["inactive_count_sigma2", "verdict"] == expected


def test_variance_law_flags_a_model_whose_law_fails(tmp_path):
    root = tmp_path / "runs" / "quick" / PAPER
    for experiment, seeds in (("table1_dense", 3), ("table1_conv", 3)):
        for seed in range(seeds):
            fake_stats_run(root / experiment / f"seed{seed}", 16, 8, seed=seed)
    for dim in (2, 4, 8, 16, 32, 64):
        fake_stats_run(root / f"sparsity_dim{dim}" / "seed0", dim, dim // 2)
    broken = root / "sparsity_dim2" / "seed0"
    stats = run_files.latent_stats(broken)
    stats["variance_law"] = 1.5  # e.g. a KL term that does not work
    atomic.write_csv(broken / "latent_stats.csv", stats)
    frame = pd.read_csv(build(PAPER, "variance_law", "quick", tmp_path / "runs",
                              tmp_path / "res"))
    per_model = frame[frame.metric == "variance_law_mean_abs_dev"].set_index("experiment")
    # one run: its law is far off, but a value claim needs its seed noise to be decided
    assert per_model.loc["sparsity_dim2", "verdict"] == "inconclusive"
    assert "one run" in per_model.loc["sparsity_dim2", "why"]
    assert per_model.loc["table1_dense", "verdict"] == "match"  # 3 runs
    assert len(frame[frame.metric == "variance_law"]) == 16 + 16 + 2 + 4 + 8 + 16 + 32 + 64


def test_figure2_reads_the_training_trajectory(standin_run, tmp_path):
    frame = pd.read_csv(build(PAPER, "figure2", "smoke", tmp_path / "runs", tmp_path / "res"))
    trajectory = pd.read_csv(standin_run / "trajectory.csv")
    assert len(trajectory) == 2 * 4  # 2 epochs of 256 images in batches of 64
    final = run_files.latent_stats(standin_run).inactive_sigma2.sum()
    assert set(frame.verdict) == {"not-comparable"}
    assert frame.set_index("metric").loc["inactive_at_end_of_log", "n_runs"] == 1
    assert 0 <= final <= 4
    (standin_run / "trajectory.csv").unlink()
    with pytest.raises(Exception, match="trajectory: true"):
        build(PAPER, "figure2", "smoke", tmp_path / "runs", tmp_path / "res")

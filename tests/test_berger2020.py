"""Berger & Sebag 2020: the 2-D sampler, the models, the ELBO convention and the trained
artifacts' builders on tiny real runs (seconds on one CPU core)."""

import math

import pandas as pd
import pytest
import torch
from torch import nn

from vaebench import berger_eval as bev
from vaebench import data
from vaebench import spec as specs
from vaebench.artifacts import berger2020
from vaebench.likelihoods import build_likelihood
from vaebench.models import build_model
from vaebench.train import train
from vaebench.verdict import CONTRACT

CURVE = {"amplitude": 0.5, "frequency": 1.5, "noise": [0.04, 0.01, 0.1]}
TINY = {"arch": {"latent_dim": 2, "width": 8, "blocks": 1}, "epochs": 1, "steps_per_epoch": 3,
        "eval_size": 50, "n_samples": 8, "device": "cpu", "checkpoint_every": 1,
        "max_epochs": None}  # exactly one epoch: no training to a plateau here


def test_noisy_curve_has_three_noise_levels_and_is_reproducible():
    points = data.sample("noisy_curve", 6000, torch.Generator().manual_seed(0), CURVE)
    again = data.sample("noisy_curve", 6000, torch.Generator().manual_seed(0), CURVE)
    assert points.shape == (6000, 2) and torch.equal(points, again)
    distance = bev.curve_distance(points, CURVE["amplitude"], CURVE["frequency"])
    thirds = ((points[:, 0].clamp(-1, 1) + 1) * 1.5).long().clamp(max=2)
    noise = [distance[thirds == k].median().item() / 0.6745 for k in range(3)]
    assert noise[0] == pytest.approx(0.04, rel=0.15) and noise[2] == pytest.approx(0.1, rel=0.15)
    assert noise[1] < 0.02  # the small-noise middle third


def test_noisy_curve_rejects_bad_args():
    with pytest.raises(Exception, match="three noise levels"):
        data.data_shape("noisy_curve", {"noise": [0.1, 0.2]})


@pytest.mark.parametrize("name, shape, arch", [
    ("resnet_mlp", (2,), {"latent_dim": 2, "width": 16, "blocks": 4}),
    ("conv_berger", (1, 28, 28), {"latent_dim": 8, "channels": [4, 4, 4], "blocks": 4}),
])
def test_models_give_a_mean_and_a_log_sigma_per_dimension(name, shape, arch):
    model = build_model(name, shape, 2, **arch)
    mu, logvar = model.encode(torch.rand(3, *shape))
    assert mu.shape == logvar.shape == (3, arch["latent_dim"])
    out = model.decode(mu)
    assert out.shape == (3, 2 * shape[0], *shape[1:])  # LV-VAE: mean and log σ stacked on dim 1


class Constant(nn.Module):
    """Encoder gives the prior (KL = 0), decoder gives 0: the NLL is all that is left."""
    latent_dim = 1

    def encode(self, x):
        return torch.zeros(len(x), 1), torch.zeros(len(x), 1)

    def decode(self, z):
        return torch.zeros(len(z), 2)


def test_paper_elbo_drops_half_log_2pi_per_dimension():
    x = torch.zeros(10, 2)
    result = bev.evaluate_elbo(Constant(), build_likelihood("gaussian_fixed", sigma=1.0), x, 0)
    assert result["kl"] == pytest.approx(0)
    assert result["nll"] == pytest.approx(math.log(2 * math.pi))  # 2 × ½ log 2π
    assert result["elbo_paper"] == pytest.approx(0.0, abs=1e-6)  # log σ = 0, (x−μ)² = 0
    sharp = bev.evaluate_elbo(Constant(), build_likelihood("gaussian_fixed", sigma=0.1), x, 0)
    assert sharp["elbo_paper"] == pytest.approx(-2 * math.log(0.1))  # footnote 5's 2 log σ
    assert bev.bits_per_dim(2 * math.log(2), 2) == pytest.approx(1.0)


def test_energy_distance_is_zero_for_one_cloud_and_grows_with_a_shift():
    cloud = torch.randn(300, 2, generator=torch.Generator().manual_seed(0))
    assert bev.energy_distance(cloud, cloud) == pytest.approx(0, abs=1e-9)
    assert bev.energy_distance(cloud, cloud + 1) > bev.energy_distance(cloud, cloud + 0.1) > 0


@pytest.fixture(scope="module")
def tiny_runs(tmp_path_factory):
    """One tiny real run per 2-D experiment (seed 0), F* and the schedule resolved from LS."""
    root = tmp_path_factory.mktemp("runs")
    spec = specs.load_spec("berger2020")
    torch.set_num_threads(1)
    order = sorted(spec["experiments"], key=lambda e: bool(specs.needs(spec, e)))
    for experiment in order:
        if spec["experiments"][experiment]["train"]["dataset"] != "noisy_curve":
            continue  # the image experiments (MNIST, CelebA) have their own tests
        cfg = specs.run_config(spec, experiment, "quick", 0, TINY, runs_root=root)
        train(cfg, specs.run_dir(root, "quick", "berger2020", experiment, 0), progress=False)
    return spec, root


def runs_of(spec, root, name):
    return [specs.run_dir(root, "quick", "berger2020", e, 0)
            for e in spec["artifacts"][name]["experiments"]]


def test_f_star_and_schedule_take_ls_vae_sigma(tiny_runs):
    spec, root = tiny_runs
    ls_sigma = pd.read_csv(specs.run_dir(root, "quick", "berger2020", "ls_vae", 0)
                           / "metrics.csv").sigma.tolist()
    for experiment in ("f_star", "f_sched"):
        frame = pd.read_csv(specs.run_dir(root, "quick", "berger2020", experiment, 0)
                            / "metrics.csv")
        assert frame.sigma.iloc[-1] == pytest.approx(ls_sigma[-1], rel=1e-6)


def test_table1_rows_claims_and_unconverged_verdicts(tiny_runs, tmp_path):
    spec, root = tiny_runs
    spec = {**spec, "artifacts": {**spec["artifacts"], "table1": {
        **spec["artifacts"]["table1"], "scales": {"quick": {"eval_points": 300}}}}}
    out = tmp_path / "table1.csv"
    berger2020.table1(spec=spec, name="table1", scale="quick",
                      runs=runs_of(spec, root, "table1"), out=out)
    frame = pd.read_csv(out)
    assert set(CONTRACT) <= set(frame.columns) and out.with_suffix(".png").exists()
    elbo = frame[frame.metric == "elbo"]
    assert len(elbo) == 9 and elbo.replicated.notna().all()
    reported = spec["artifacts"]["table1"]["reported"]["elbo"]["f_sigma_0p1"][0]
    assert float(elbo[elbo.experiment == "f_sigma_0p1"].reported.iloc[0]) == reported  # the YAML
    claims = frame[frame.setting == "claim"]
    assert len(claims) == 5 and set(claims.replicated) <= {0.0, 1.0}
    # one epoch is too short to tell: no match or differs may be claimed
    assert set(frame.verdict.fillna("n/a")) <= {"not-converged", "n/a"}  # csv reads n/a as NaN


@pytest.mark.parametrize("name", ["figure7", "figure9", "figure10", "schedule"])
def test_other_2d_artifacts_build(tiny_runs, tmp_path, name):
    spec, root = tiny_runs
    art = spec["artifacts"][name]
    sizes = {"n_recon": 100, "n_gen": 100, "n_data": 100, "final_fraction": 0.5,
             "eval_points": 200}
    spec = {**spec, "artifacts": {**spec["artifacts"], name: {**art, "scales": {
        "quick": {k: v for k, v in sizes.items() if k in art["scales"]["quick"]}}}}}
    out = tmp_path / f"{name}.csv"
    berger2020.BUILDERS[name](spec=spec, name=name, scale="quick", runs=runs_of(spec, root, name),
                              out=out)
    frame = pd.read_csv(out)
    assert set(CONTRACT) <= set(frame.columns) and out.with_suffix(".png").stat().st_size > 5000
    assert set(frame.verdict.fillna("n/a")) <= {"not-converged", "n/a"}  # csv reads n/a as NaN


def test_figure3_checks_the_noise_order(tmp_path):
    from vaebench.artifacts import build

    frame = pd.read_csv(build("berger2020", "figure3", "quick", tmp_path / "runs",
                              tmp_path / "results"))
    order = frame[frame.metric == "noise_order_moderate_small_large"].iloc[0]
    assert order.verdict == "qualitative-match"

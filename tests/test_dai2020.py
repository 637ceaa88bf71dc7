"""Dai, Wang & Wipf 2020: the parameterised nets, the exact energy (5) and the verdict logic."""

import math

import pandas as pd
import pytest
import torch

from vaebench.artifacts import build
from vaebench.models import build_model
from vaebench.papers.dai2020 import propositions as props
from vaebench.papers.dai2020.builders import experiment_key, figure1_claims, gamma_rows
from vaebench.spec.specs import load_spec


@pytest.mark.parametrize("depth", [1, 3])
def test_fc_net_depth_is_a_parameter(depth):
    model = build_model("dai_fc", (1, 28, 28), 1, depth=depth, width=16, latent_dim=5)
    linears = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    assert len(linears) == 2 * depth + 3  # depth per side, plus μ, log σ² and output heads
    mu, logvar = model.encode(torch.rand(7, 1, 28, 28))
    assert mu.shape == logvar.shape == (7, 5)
    assert model.decode(mu).shape == (7, 1, 28, 28)


def _seeded(name, **arch):
    torch.manual_seed(7)
    return build_model(name, (1, 4, 4), 1, **arch)


@torch.no_grad()
def test_fc_net_is_the_dense_vae_with_equal_hidden_layers():
    """dai_fc is dense_vae with `depth` hidden layers of `width`: the same parameters, init and
    outputs; the numbers are what DaiFC produced when it was a class of its own."""
    fc = _seeded("dai_fc", depth=1, width=16, latent_dim=5)
    dense = _seeded("dense_vae", hidden=[16], latent_dim=5)
    shapes = {key: tuple(value.shape) for key, value in fc.state_dict().items()}
    assert shapes == {"encoder.0.weight": (16, 16), "encoder.0.bias": (16,),
                      "to_mu.weight": (5, 16), "to_mu.bias": (5,), "to_logvar.weight": (5, 16),
                      "to_logvar.bias": (5,), "decoder.0.0.weight": (16, 5),
                      "decoder.0.0.bias": (16,), "decoder.1.weight": (16, 16),
                      "decoder.1.bias": (16,)}
    assert list(fc.state_dict()) == list(dense.state_dict())
    assert all(torch.equal(fc.state_dict()[k], v) for k, v in dense.state_dict().items())
    x = torch.rand(3, 1, 4, 4, generator=torch.Generator().manual_seed(1))
    mu, logvar = fc.encode(x)
    assert float(mu.sum()) == pytest.approx(-1.4586758613586426, rel=1e-5)
    assert float(logvar.sum()) == pytest.approx(0.4387943148612976, rel=1e-5)
    assert float(fc.decode(mu).sum()) == pytest.approx(-0.22178134322166443, rel=1e-5)
    assert torch.equal(fc.decode(mu), dense.decode(dense.encode(x)[0]))
    deep = _seeded("dai_fc", depth=3, width=8, latent_dim=4, activation="tanh")
    deep_dense = _seeded("dense_vae", hidden=[8] * 3, latent_dim=4, activation="tanh")
    assert torch.equal(deep.decode(deep.encode(x)[0]), deep_dense.decode(deep_dense.encode(x)[0]))


def test_soft_threshold_moments_match_monte_carlo():
    gen = torch.Generator().manual_seed(0)
    m = torch.tensor([-1.0, 0.0, 0.3, 2.0], dtype=props.DTYPE)
    s = torch.tensor([0.5, 1.0, 0.2, 1.5], dtype=props.DTYPE)
    samples = m + s * torch.randn(400_000, 4, generator=gen, dtype=props.DTYPE)
    for alpha in (0.0, 0.4):
        first, second = props.soft_threshold_moments(m, s, alpha)
        pi = props.soft_threshold(samples, alpha)
        assert torch.allclose(first, pi.mean(0), atol=0.01)
        assert torch.allclose(second, (pi**2).mean(0), rtol=0.02, atol=0.01)


@pytest.mark.parametrize("alpha", [0.0, 0.3])
def test_collapsed_point_is_stationary_saddle_only_when_affine(alpha):
    k = 2
    x, *_ = props.proposition1_dataset(alpha, n=24, d=5, k=k, seed=0)
    collapsed = props.collapsed_point(x, k)
    assert props.gradient_norm(collapsed, x, alpha) < 1e-10
    lowest = float(props.hessian_eigenvalues(collapsed, x, alpha).min())
    direction = props.escape_direction(x, k)
    e0 = props.energy(collapsed, x, alpha)
    rise = float(props.energy(props.along(collapsed, direction, 1e-2), x, alpha) - e0)
    if alpha == 0:  # Sec. 5: the affine collapsed point is an unstable saddle
        assert lowest < -1e-3 and rise < 0
    else:  # Prop. 1: a local minimum (flat along W, rising along the escape direction)
        assert lowest > -1e-9 and rise > 0


def test_perfect_reconstruction_has_lower_energy_than_collapse():
    x, w, b, z = props.proposition1_dataset(0.3, n=24, d=5, k=2, seed=1)
    perfect = props.perfect_point(w, b, z, 1e-3)
    assert float(props.reconstruction_mse(perfect, x, 0.3)) < 1e-20
    assert props.energy(perfect, x, 0.3) < props.energy(props.collapsed_point(x, 2), x, 0.3)


def test_affine_thresholding_matches_the_closed_form():
    eigenvalues = [4.0, 1.0, 0.25]
    x = props.spectrum_dataset(eigenvalues, n=40, seed=0)
    centred = x - x.mean(0)
    spectrum = torch.linalg.eigvalsh(centred.T @ centred / 40).flip(0)
    assert torch.allclose(spectrum, torch.tensor(eigenvalues, dtype=props.DTYPE))
    gammas = [0.125, 0.5, 2.0, 8.0]
    start = props.gamma_sweep_start(x, 2, gammas, seed=0)
    final, _ = props.descend(start, x, 0.0, steps=400, lr=0.05, fixed=("log_gamma",))
    expected = [props.closed_form_active(eigenvalues, g, 2) for g in gammas]
    assert expected == [2, 2, 1, 0]
    assert props.active_dims(final, 0.05).tolist() == expected


def test_experiment_names_give_variant_and_depth():
    assert experiment_key("vae_warm_d10") == ("vae_warm", 10)
    assert experiment_key("ae_d1") == ("ae", 1)


def claims_table(ae, vae, warm, converged=True, seeds=3):
    """Verdicts of the orderings on `seeds` runs per cell, each seed's errors 1 % above the
    previous one's (a small seed noise)."""
    depths = list(range(1, len(ae) + 1))
    table = pd.DataFrame(
        [{"variant": v, "depth": d, "seed": seed, "mse_mu": e * 1.01 ** seed,
          "mse_sample": e * 1.1 * 1.01 ** seed}
         for v, errors in (("ae", ae), ("vae", vae), ("vae_warm", warm))
         for d, e in zip(depths, errors, strict=True) for seed in range(seeds)])
    table = table.assign(converged=converged)
    means = table.groupby(["variant", "depth"])[["mse_mu", "mse_sample"]].mean()
    reported = load_spec("dai2020")["artifacts"]["figure1_top"]["reported"]
    frame = pd.DataFrame(figure1_claims(means, depths, table, reported, "quick"))
    return frame.set_index("metric").verdict


def test_figure1_orderings_are_judged_from_the_errors():
    verdicts = claims_table(ae=[3, 2, 1, 2], vae=[5, 4, 3, 4], warm=[4, 3, 2, 3])
    assert set(verdicts) == {"qualitative-match"}
    verdicts = claims_table(ae=[4, 3, 2, 1], vae=[5, 4, 3, 0.5], warm=[6, 5, 4, 3])
    assert verdicts["ae_falls_then_rises"] == "differs"  # monotone: no rise
    assert verdicts["vae_above_ae_every_depth_mse_mu"] == "differs"
    assert verdicts["warm_start_helps_most_depths"] == "differs"
    verdicts = claims_table(ae=[3, 2, 1, 2], vae=[5, 4, 3, 4], warm=[4, 3, 2, 3], converged=False)
    assert set(verdicts) == {"not-converged"}  # short training confounds depth


def test_figure1_orderings_within_the_seed_noise_are_inconclusive():
    verdicts = claims_table(ae=[3, 2, 1, 2], vae=[5, 4, 3, 4], warm=[4, 3, 2, 3], seeds=1)
    assert verdicts["vae_above_ae"].eq("inconclusive").all()  # one run a side
    verdicts = claims_table(ae=[3, 2, 1, 2], vae=[5, 4, 3, 2.001], warm=[4, 3, 2, 3])
    per_depth = verdicts["vae_above_ae"].tolist()
    assert per_depth == ["qualitative-match"] * 3 + ["inconclusive"]  # 0.001 against 1 %
    assert verdicts["vae_above_ae_every_depth_mse_mu"] == "inconclusive"


def test_proposition_builders_write_rows_and_plots(tmp_path):
    for name in ("proposition1", "proposition2"):
        out = build("dai2020", name, "smoke", tmp_path / "runs", tmp_path / "results")
        frame = pd.read_csv(out)
        assert set(frame.verdict) == {"not-comparable"} and out.with_suffix(".png").exists()
    sweep = pd.read_csv(tmp_path / "results" / "dai2020" / "proposition2_sweep.csv")
    assert (sweep.affine == sweep.closed_form).all()
    assert math.isclose(sweep.gamma.max(), 11.314) and sweep.mlp.iloc[-1] == 0


def test_noisy_plateau_rule_tells_a_trend_from_noise():
    from vaebench.papers.dai2020.builders import _plateaued_noisy

    gen = torch.Generator().manual_seed(0)
    steps = torch.arange(60, dtype=props.DTYPE)[:, None]
    noise = 0.05 * torch.randn(60, 1, generator=gen, dtype=props.DTYPE)
    flat_after_drop = torch.where(steps < 10, 10.0 - steps, 0.0) + noise
    still_falling = 10.0 - 0.2 * steps + noise
    assert _plateaued_noisy(flat_after_drop) == [True]
    assert _plateaued_noisy(still_falling) == [False]


def test_noisy_plateau_rule_is_not_the_suites_rule():
    """Both rules agree on clear cases, but not always: _plateaued_noisy cannot be replaced by
    has_plateaued without changing proposition2's `mlp_plateaued` (it would at smoke scale)."""
    from vaebench.papers.dai2020.builders import _plateaued, _plateaued_noisy

    steps = torch.arange(60, dtype=props.DTYPE)[:, None]
    noise = 0.05 * torch.randn(60, 1, generator=torch.Generator().manual_seed(0),
                               dtype=props.DTYPE)
    for trace in (torch.where(steps < 10, 10.0 - steps, 0.0) + noise, 10.0 - 0.2 * steps + noise,
                  torch.exp(-steps / 5.0) + 0.01 * noise):
        assert _plateaued_noisy(trace) == _plateaued(trace)
    short = torch.tensor([[10.0], [6.0], [4.0], [3.0], [2.5], [2.2], [2.0]], dtype=props.DTYPE)
    assert _plateaued_noisy(short) == [True] and _plateaued(short) == [False]


@pytest.mark.parametrize(("name", "options", "convs"), [
    ("dai_conv", {"layers_per_scale": 3, "scales": 2}, 1 + 2 * 3 + 2 + 2 * 3 + 1),
    ("dai_resnet", {"blocks_per_scale": 2, "convs_per_block": 4, "scales": 2},
     1 + 2 * 2 * 4 + 2 + 2 * 2 * 4 + 1),
])
def test_conv_families_depth_is_a_parameter(name, options, convs):
    model = build_model(name, (3, 32, 32), 1, latent_dim=8, **options)
    found = [m for m in model.modules() if type(m) is torch.nn.Conv2d]
    assert len(found) == convs  # stem, encoder bodies + 1×1 widenings, decoder bodies, output
    mu, logvar = model.encode(torch.rand(2, 3, 32, 32))
    assert mu.shape == logvar.shape == (2, 8)
    assert model.decode(mu).shape == (2, 3, 32, 32)


def test_bottom_errors_are_normalised_per_dataset_and_seed():
    from vaebench.papers.dai2020.conv import normalised_errors

    table = pd.DataFrame([
        {"dataset": d, "seed": s, "blocks_per_scale": b, "convs_per_block": c, "mse_mu": e}
        for d, base in (("svhn", 1.0), ("cifar10", 4.0)) for s in (0, 1)
        for b, c, e in ((1, 2, base * (1 + s)), (1, 3, 2 * base * (1 + s)))])
    normalised = normalised_errors(table, {"blocks_per_scale": 1, "convs_per_block": 2})
    assert set(normalised[normalised.convs_per_block == 2].normalised) == {1.0}
    assert set(normalised[normalised.convs_per_block == 3].normalised) == {2.0}


def test_residual_claims_follow_the_normalised_curve():
    from vaebench.papers.dai2020.conv import bottom_claims

    reported = load_spec("dai2020")["artifacts"]["figure1_bottom"]["reported"]

    def verdicts(errors, runs=3):  # each cell's runs 1 % apart (data sets x seeds)
        table = pd.DataFrame([{"blocks_per_scale": b, "convs_per_block": c,
                               "normalised": e * 1.01 ** run, "converged": True}
                              for (b, c), e in errors.items() for run in range(runs)])
        return {r["metric"]: r["verdict"] for r in bottom_claims(table, reported, "quick")}

    rising = {(1, 2): 1.0, (1, 5): 1.3, (4, 2): 1.2, (4, 5): 1.6}
    assert set(verdicts(rising).values()) == {"qualitative-match"}
    falling = {(1, 2): 1.0, (1, 5): 0.7, (4, 2): 0.8, (4, 5): 0.6}
    assert set(verdicts(falling).values()) == {"differs"}
    # one run a cell: a difference of means is no test
    assert set(verdicts(rising, runs=1).values()) == {"inconclusive"}


def gamma_table(gamma, ae, inactive, ratio=1.0, seeds=3, step=1):
    """Per depth (1, 2): VAE runs with learned γ, γ / stochastic error `ratio` and an inactive
    count, and AE runs with their error; each seed 2 % off the previous one."""
    rows = []
    for depth in (1, 2):
        for seed in range(seeds):
            jitter = 1.02 ** seed
            g = gamma[depth - 1] * jitter
            rows.append({"variant": "vae", "depth": depth, "seed": seed, "gamma": g,
                         "mse_mu": g / 2, "mse_sample": g / (ratio * jitter ** 0.5),
                         "inactive": inactive[depth - 1] + step * seed, "converged": True})
            rows.append({"variant": "ae", "depth": depth, "seed": seed, "gamma": float("nan"),
                         "mse_mu": ae[depth - 1] * jitter, "mse_sample": float("nan"),
                         "inactive": -1, "converged": True})
    return pd.DataFrame(rows)


def gamma_verdicts(table):
    art = {**load_spec("dai2020")["artifacts"]["learned_gamma_vs_depth"], "depths": [1, 2]}
    frame = pd.DataFrame(gamma_rows(table, art, "quick"))
    return frame.groupby("metric").verdict.apply(list)


def test_the_claims_on_gamma_are_tests_over_the_runs():
    verdicts = gamma_verdicts(gamma_table(gamma=[0.02, 0.05], ae=[0.01, 0.02],
                                          inactive=[2, 20]))
    assert verdicts["gamma_at_least_ae_error"] == ["qualitative-match"] * 2
    assert verdicts["gamma_equals_stochastic_error"] == ["qualitative-match"] * 2
    assert verdicts["collapse_grows_with_gamma"] == ["qualitative-match"]
    # γ below the AE error, γ 40 % above the stochastic error, collapse falling with γ
    verdicts = gamma_verdicts(gamma_table(gamma=[0.02, 0.05], ae=[0.04, 0.1], inactive=[20, 2],
                                          ratio=1.4, step=-1))
    assert verdicts["gamma_at_least_ae_error"] == ["differs"] * 2
    assert verdicts["gamma_equals_stochastic_error"] == ["differs"] * 2
    assert verdicts["collapse_grows_with_gamma"] == ["differs"]
    # falling across depths but rising within each: Spearman's test cannot tell
    verdicts = gamma_verdicts(gamma_table(gamma=[0.02, 0.05], ae=[0.01, 0.02], inactive=[20, 2]))
    assert verdicts["collapse_grows_with_gamma"] == ["inconclusive"]
    # one seed: no test decides
    verdicts = gamma_verdicts(gamma_table(gamma=[0.02, 0.05], ae=[0.01, 0.02], inactive=[2, 20],
                                          seeds=1))
    assert set(verdicts["gamma_at_least_ae_error"]) == {"inconclusive"}


def test_conv_claims_are_welch_tests_over_the_seeds():
    from vaebench.papers.dai2020.conv import middle_claims

    reported = load_spec("dai2020")["artifacts"]["figure1_middle"]["reported"]

    def verdicts(ae, vae, seeds=3):
        table = pd.DataFrame([{"variant": variant, "scales": 3, "layers_per_scale": depth,
                               "seed": seed, "mse_mu": e * 1.01 ** seed, "converged": True}
                              for variant, errors in (("ae", ae), ("vae", vae))
                              for depth, e in zip((1, 2, 3), errors, strict=True)
                              for seed in range(seeds)])
        return {r["metric"]: r["verdict"] for r in middle_claims(table, reported, "quick")}

    assert set(verdicts(ae=[3, 2, 2.5], vae=[4, 3, 3.5]).values()) == {"qualitative-match"}
    assert verdicts(ae=[3, 2, 1], vae=[4, 3, 0.5]) == {"ae_rises_when_deep": "differs",
                                                       "vae_above_ae_every_depth": "differs"}
    assert set(verdicts(ae=[3, 2, 2.5], vae=[4, 3, 3.5], seeds=1).values()) == {"inconclusive"}

"""Latent statistics on posteriors whose moments are known."""

import torch

from vaebench.train.latent_stats import batch_variance_summary, statistics_from_moments


def test_statistics_recover_known_moments_and_flag_inactive_variables():
    gen = torch.Generator().manual_seed(0)
    n = 200_000
    active_mu = torch.randn(n, 1, generator=gen) * 0.9  # Var(μ) = 0.81
    inactive_mu = torch.zeros(n, 1)
    mu = torch.cat([active_mu, inactive_mu], dim=1)
    logvar = torch.log(torch.tensor([[0.19, 0.95]])).expand(n, 2)
    stats = statistics_from_moments(mu, logvar)
    assert abs(stats.var_mu[0] - 0.81) < 0.01 and stats.var_mu[1] == 0
    assert abs(stats.mean_sigma2[0] - 0.19) < 1e-6 and abs(stats.mean_sigma2[1] - 0.95) < 1e-6
    assert abs(stats.mean_sigma[1] - 0.95**0.5) < 1e-6
    assert abs(stats.variance_law[0] - 1.0) < 0.01  # Asperti's law holds by construction
    assert stats.inactive_sigma2.tolist() == [False, True]
    assert stats.inactive_sigma.tolist() == [False, True]


def test_sigma_and_sigma2_definitions_can_disagree():
    """E[σ] ≥ 0.8 but E[σ²] < 0.8 when σ² = 0.7 (σ ≈ 0.837): the two counts are reported apart."""
    mu = torch.zeros(10, 1)
    logvar = torch.log(torch.full((10, 1), 0.7))
    stats = statistics_from_moments(mu, logvar)
    assert stats.inactive_sigma.tolist() == [True]
    assert stats.inactive_sigma2.tolist() == [False]


def test_batch_variance_summary_layout():
    mu = torch.tensor([[1.0, 0.0], [3.0, 0.0]])
    logvar = torch.zeros(2, 2)
    row = batch_variance_summary(mu, logvar)
    torch.testing.assert_close(row, torch.tensor([1.0, 0.0, 1.0, 1.0]))

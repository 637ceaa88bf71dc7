"""Each decoder likelihood against a closed form."""

import math

import pytest
import torch

from vaebench.errors import UserError
from vaebench.models.likelihoods import build_likelihood
from vaebench.train.objective import gaussian_kl


def normal_nll(x, mean, sigma):
    return -torch.distributions.Normal(mean, sigma).log_prob(x).flatten(1).sum(1)


@pytest.fixture
def batch():
    gen = torch.Generator().manual_seed(0)
    return torch.rand(5, 1, 4, 4, generator=gen), torch.rand(5, 1, 4, 4, generator=gen)


def test_bernoulli_is_summed_binary_cross_entropy(batch):
    x, p = batch
    logits = torch.logit(p)
    expected = -(x * torch.log(p) + (1 - x) * torch.log(1 - p)).flatten(1).sum(1)
    got = build_likelihood("bernoulli").nll(x, logits)
    torch.testing.assert_close(got, expected)
    torch.testing.assert_close(build_likelihood("bernoulli").mean(logits), p)


@pytest.mark.parametrize("sigma", [1.0, 0.1, math.sqrt(0.5)])
def test_gaussian_fixed_matches_normal_log_density(batch, sigma):
    x, mean = batch
    got = build_likelihood("gaussian_fixed", sigma=sigma).nll(x, mean)
    torch.testing.assert_close(got, normal_nll(x, mean, torch.tensor(sigma)))


def test_gaussian_fixed_rejects_nonpositive_sigma():
    with pytest.raises(UserError, match="sigma must be > 0"):
        build_likelihood("gaussian_fixed", sigma=0.0)


def test_learned_scalar_sigma_optimum_is_root_mean_square_error(batch):
    """d/dlogσ of Σ[(x−μ)²/2σ² + log σ] is zero at σ² = mean squared error."""
    x, mean = batch
    likelihood = build_likelihood("gaussian_learned", init_sigma=1.0)
    optimiser = torch.optim.LBFGS(likelihood.parameters(), max_iter=100)

    def closure():
        optimiser.zero_grad()
        loss = likelihood.nll(x, mean).mean()
        loss.backward()
        return loss

    optimiser.step(closure)
    rmse = (x - mean).pow(2).mean().sqrt()
    torch.testing.assert_close(likelihood.sigma(), rmse, rtol=1e-4, atol=1e-6)


def test_computed_gamma_follows_the_running_minimum_rule(batch):
    """mse ← min(mse, 0.99·mse + 0.01·mse_batch), γ = √mse, starting at 1 (Asperti & Trentin)."""
    x, _ = batch
    likelihood = build_likelihood("gaussian_computed", momentum=0.01)
    expected = 1.0
    for offset in [0.5, 0.1, 2.0, 3.0, 0.05]:  # a rise in batch MSE must not raise γ
        mean = x + offset
        likelihood.after_step(x, mean)
        expected = min(expected, 0.99 * expected + 0.01 * offset**2)
        assert likelihood.mse.item() == pytest.approx(expected, rel=1e-6)
    assert likelihood.sigma().item() == pytest.approx(math.sqrt(expected), rel=1e-6)
    assert not any(p.requires_grad for p in likelihood.parameters())
    torch.testing.assert_close(likelihood.nll(x, x + 0.1),
                               normal_nll(x, x + 0.1, torch.tensor(math.sqrt(expected))))


def test_learned_per_dim_sigma_matches_diagonal_normal(batch):
    x, mean = batch
    log_sigma = torch.linspace(-2, 1, 16).view(1, 1, 4, 4).expand(5, 1, 4, 4)
    likelihood = build_likelihood("gaussian_learned_per_dim")
    assert likelihood.params_per_dim == 2
    out = torch.cat([mean, log_sigma], dim=1)
    torch.testing.assert_close(likelihood.nll(x, out), normal_nll(x, mean, log_sigma.exp()))
    torch.testing.assert_close(likelihood.mean(out), mean)


def test_kl_of_standard_normal_is_zero_and_matches_torch():
    assert gaussian_kl(torch.zeros(3), torch.zeros(3)).abs().max() == 0
    mu, logvar = torch.tensor([0.5, -1.0]), torch.tensor([0.3, -2.0])
    expected = torch.distributions.kl_divergence(
        torch.distributions.Normal(mu, (0.5 * logvar).exp()), torch.distributions.Normal(0, 1))
    torch.testing.assert_close(gaussian_kl(mu, logvar), expected)


def test_unknown_likelihood_is_a_user_error():
    with pytest.raises(UserError, match="unknown likelihood 'poisson'"):
        build_likelihood("poisson")

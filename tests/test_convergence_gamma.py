"""Convergence judged on the quantity a claim reads: a learned γ must end at its stationary
value (γ² = the reconstruction mse, Dai & Wipf's Eq. 9), not merely on a flat loss."""

import math

import pytest

from tests.test_asperti2020 import stage1_config
from vaebench.train import runs as run_files
from vaebench.train.config import TrainConfig
from vaebench.train.convergence import gamma_ratio
from vaebench.train.loop import train


@pytest.mark.parametrize("sigma, mse", [(0.1, 0.01), (0.5, 0.01), (1.0, 0.03)])
def test_gamma_ratio_recovers_mse_over_gamma_squared(sigma, mse):
    dims = 3072
    nll = dims * (0.5 * mse / sigma ** 2 + math.log(sigma) + 0.5 * math.log(2 * math.pi))
    assert gamma_ratio(nll, sigma, dims) == pytest.approx(mse / sigma ** 2)


def test_a_learned_gamma_far_from_the_mse_is_not_stationary(tmp_path):
    # one short epoch: γ has barely left its start at 1 while the mse is far below 1
    cfg = TrainConfig.from_dict(stage1_config(likelihood="gaussian_learned",
                                              likelihood_args={"init_sigma": 1.0}))
    train(cfg, tmp_path / "learned", progress=False)
    stationary, ratio = run_files.gamma_stationary(tmp_path / "learned")
    assert not stationary and ratio < 0.5
    computed = TrainConfig.from_dict(stage1_config())
    train(computed, tmp_path / "computed", progress=False)
    assert run_files.gamma_stationary(tmp_path / "computed") == (True, pytest.approx(math.nan,
                                                                                      nan_ok=True))


def test_the_band_is_on_gamma_itself():
    from vaebench.train.convergence import gamma_stationary

    assert gamma_stationary(1 / 1.09 ** 2) and gamma_stationary(1 / 0.91 ** 2)  # 9 % off
    assert not gamma_stationary(1 / 1.11 ** 2) and not gamma_stationary(1 / 0.89 ** 2)
    assert not gamma_stationary(-0.1)


def test_a_late_escape_from_a_plateau_fails_the_last_quarter_guard():
    from vaebench.train.convergence import has_plateaued

    # flat at 10 for most of training, a late fall to 8, flat again for the last tenth
    losses = [40, 20, 12] + [10.0] * 27 + [9.6, 9.2, 8.8, 8.4, 8.0, 8.0] + [8.0] * 4
    assert has_plateaued(losses, 0.1, 0.02)  # the last tenth sees only the new plateau
    assert not has_plateaued(losses, 0.25, 0.02)  # the last quarter sees the escape

"""Berger & Sebag (2020) Sec. 3.1: Eq. (8) quadrature, its maximiser and the failure transition.

Why the transition sits at R/σ = √D (the analytic result the numbers are checked against): write
a = ρP and let X = cos φ under the density ∝ sin^{D−2}φ on [0, π], i.e. the first coordinate of a
uniform point on S_{D−1}. Then f(ρ) − f(0) = −ρ²/2 + log E[e^{aX}], a cumulant expansion:
E[X] = 0, E[X²] = 1/D, κ₄ = 3/(D(D+2)) − 3/D² = −6/(D²(D+2)), so

    f(ρ) − f(0) = ρ²(P²/D − 1)/2 − ρ⁴P⁴/(4D²(D+2)) + O(ρ⁶).

ρ = 0 is a local maximum iff P < √D, and the negative quartic term makes the transition continuous
(no jump to a far-away ρ first), so √D (= √2 for D = 2, the paper's Fig. 2) is also where ρ = 0
stops being the global maximum. Theorem 1's √(D−1) is therefore sufficient but not tight.
"""

import math

import numpy as np
import pytest
from scipy.special import gammaln, ive

from vaebench.errors import UserError
from vaebench.papers.berger2020.hypersphere import (
    argmax_radius,
    heatmap,
    log_density,
    log_density_closed_form_d2,
    transition_radius,
)

DIMS = [2, 3, 5, 10]


def _closed_form_d3(rho, big_p):
    """−ρ²/2 + log(2 sinh(a)/a), a = ρP, written to survive a = 0 and large a."""
    a = np.asarray(rho * big_p, dtype=np.float64)
    safe = np.where(a > 0, a, 1.0)
    log_int = np.where(a > 0, safe + np.log1p(-np.exp(-2 * safe)) - np.log(safe), math.log(2.0))
    return -0.5 * rho**2 + log_int


def _closed_form_bessel(rho, big_p, dim):
    """∫_0^π sin^{2ν}φ e^{a cos φ} dφ = √π Γ(ν+½) (2/a)^ν I_ν(a), ν = (D−2)/2 (vMF normaliser)."""
    a = rho * big_p
    nu = (dim - 2) / 2
    log_int = 0.5 * math.log(math.pi) + gammaln(nu + 0.5) + nu * np.log(2 / a) + np.log(ive(nu, a))
    return -0.5 * rho**2 + log_int + a


def test_d2_matches_closed_form_including_large_rho_p():
    rho = np.array([0.0, 0.1, 1.0, 3.0, 10.0, 25.0])[:, None]
    big_p = np.array([0.0, 0.5, 1.4142, 2.0, 7.0, 20.0])[None, :]  # ρP up to 500
    np.testing.assert_allclose(
        log_density(rho, big_p, 2), log_density_closed_form_d2(rho, big_p), rtol=0, atol=1e-9
    )


def test_no_overflow_at_rho_p_1e4():
    got = log_density(100.0, 100.0, 2)
    assert np.isfinite(got)
    assert abs(got - log_density_closed_form_d2(100.0, 100.0)) < 1e-9


def test_d3_matches_sinh_closed_form():
    rho = np.array([0.0, 1e-4, 0.3, 1.0, 4.0, 25.0, 100.0])[:, None]
    big_p = np.array([0.0, 0.7, 1.7320508, 5.0, 20.0, 100.0])[None, :]  # ρP up to 1e4
    expected = _closed_form_d3(rho, big_p)
    np.testing.assert_allclose(log_density(rho, big_p, 3), expected, rtol=0, atol=1e-9)


@pytest.mark.parametrize("dim", [4, 5, 10])
def test_general_d_matches_bessel_closed_form(dim):
    rho = np.array([0.01, 0.5, 2.0, 30.0])[:, None]
    big_p = np.array([0.1, 1.0, 3.0, 50.0])[None, :]
    expected = _closed_form_bessel(rho, big_p, dim)
    np.testing.assert_allclose(log_density(rho, big_p, dim), expected, rtol=0, atol=1e-9)


def test_log_density_broadcasts():
    assert log_density(np.zeros((3, 1)), np.ones(4), 3).shape == (3, 4)


@pytest.mark.parametrize("dim", DIMS)
def test_transition_is_sqrt_d_and_theorem1_holds_but_is_not_tight(dim):
    pc = transition_radius(dim)
    assert abs(pc - math.sqrt(dim)) < 1e-3  # small-ρ result (module docstring)
    assert pc >= math.sqrt(dim - 1)  # Theorem 1: ρ = 0 is the global max for P ≤ √(D−1)
    assert pc - math.sqrt(dim - 1) > 0.1  # ... and the bound is not tight


def test_d2_transition_is_papers_sqrt2():
    assert abs(transition_radius(2) - math.sqrt(2)) < 1e-3


@pytest.mark.parametrize("dim", [2, 5])
def test_argmax_zero_below_transition_positive_above(dim):
    pc = math.sqrt(dim)
    big_p = np.array([0.0, 0.5 * pc, 0.99 * pc, 1.05 * pc, 2 * pc])
    best = argmax_radius(big_p, dim, r_max=3 * pc, n_r=301)
    assert np.all(best[:3] == 0.0)
    assert np.all(best[3:] > 0.0)


@pytest.mark.parametrize("dim", [2, 3, 10])
def test_argmax_approaches_data_radius(dim):
    big_p = np.array([5.0, 20.0, 50.0])
    ratio = argmax_radius(big_p, dim, r_max=100.0, n_r=401) / big_p
    assert np.all(np.diff(ratio) > 0)  # r/R grows towards 1 with R/σ ...
    assert ratio[2] > 0.95 and ratio[2] < 1.0
    # ... as r/R ≈ 1 − (D−1)/(2P²), from the large-a Bessel ratio I_{D/2}/I_{D/2−1} ≈ 1 − (D−1)/2a.
    np.testing.assert_allclose(ratio[1:], 1 - (dim - 1) / (2 * big_p[1:] ** 2), atol=2e-4)


@pytest.mark.parametrize("dim", [2, 5])
def test_argmax_is_stationary_point(dim):
    """df/dρ = 0 ⇔ ρ = P·I_{D/2}(ρP)/I_{D/2−1}(ρP) (the grid max is refined, not just snapped)."""
    big_p = np.array([1.2 * math.sqrt(dim), 3.0, 8.0])
    rho = argmax_radius(big_p, dim, r_max=20.0, n_r=201)
    a = rho * big_p
    np.testing.assert_allclose(rho, big_p * ive(dim / 2, a) / ive(dim / 2 - 1, a), atol=1e-6)


def test_heatmap_columns_peak_at_zero_on_the_argmax_row():
    big_p = np.linspace(0.0, 6.0, 25)
    rho = np.linspace(0.0, 8.0, 81)
    grid = heatmap(big_p, rho, 2)
    assert grid.shape == (rho.size, big_p.size)
    np.testing.assert_array_equal(grid.max(axis=0), 0.0)
    assert np.all(grid <= 0.0)
    best_row = rho[np.argmax(grid, axis=0)]
    assert np.all(best_row[big_p < 1.3] == 0.0)
    assert np.all(np.abs(best_row[big_p > 3] - big_p[big_p > 3]) < 0.5)


@pytest.mark.parametrize(
    "call",
    [
        lambda: log_density(1.0, 1.0, 1),
        lambda: log_density(1.0, 1.0, 2.5),
        lambda: log_density(-0.1, 1.0, 3),
        lambda: log_density(1.0, [1.0, -2.0], 3),
        lambda: log_density(float("nan"), 1.0, 3),
        lambda: log_density(1.0, 1.0, 3, n_phi=1000),
        lambda: log_density_closed_form_d2(-1.0, 1.0),
        lambda: argmax_radius(np.array([-1.0]), 2, 5.0, 10),
        lambda: argmax_radius(np.array([1.0]), 2, 0.0, 10),
        lambda: argmax_radius(np.array([1.0]), 2, 5.0, 1),
        lambda: transition_radius(1),
        lambda: transition_radius(2, tol=0.0),
        lambda: heatmap(np.array([1.0]), np.array([-1.0]), 2),
        lambda: heatmap(np.array([1.0]), np.array([1.0]), 0),
    ],
)
def test_bad_input_raises_user_error(call):
    with pytest.raises(UserError):
        call()

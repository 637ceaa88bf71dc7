"""The plateau rule that decides whether a run may carry a verdict."""

import json

import numpy as np

from vaebench.train import runs as run_files
from vaebench.train.convergence import count_settled, has_plateaued, plateau_ratio, window_fall


def decay(n: int, rate: float, noise: float = 0.0, seed: int = 0) -> list[float]:
    rng = np.random.default_rng(seed)
    return list(1.0 + 5.0 * np.exp(-rate * np.arange(n)) + noise * rng.standard_normal(n))


def test_flattened_decay_has_plateaued_and_a_steady_fall_has_not():
    assert has_plateaued(decay(100, 0.2), window=0.2, rtol=0.05)
    still_falling = list(10.0 - 0.05 * np.arange(100))
    assert not has_plateaued(still_falling, window=0.2, rtol=0.05)
    assert window_fall(still_falling, 0.2)[0] > 0  # a fall is positive


def test_one_noisy_last_epoch_does_not_decide():
    losses = decay(100, 0.2, noise=0.01)
    losses[-1] -= 0.3  # one lucky epoch: 6 % of the total improvement
    assert abs(losses[-21] - losses[-1]) / abs(losses[0] - losses[-1]) > 0.05  # end points say no
    assert has_plateaued(losses, window=0.2, rtol=0.05)


def test_a_run_that_starts_at_its_optimum_is_noise_not_progress():
    # total improvement 0.01, epoch noise 0.002: the ratio alone can never fall below rtol
    flat = list(2.07 + 0.002 * np.random.default_rng(2).standard_normal(100))
    flat[0] = 2.08
    assert plateau_ratio(flat, 0.2) > 0.05  # the ratio alone would call it unconverged
    assert has_plateaued(flat, window=0.2, rtol=0.05)


def test_a_noisy_run_still_clearly_falling_has_not_plateaued():
    rng = np.random.default_rng(2)
    losses = list(10.0 - 0.1 * np.arange(100) + 0.05 * rng.standard_normal(100))
    assert not has_plateaued(losses, window=0.2, rtol=0.05)


def test_too_short_runs_are_never_converged():
    assert not has_plateaued([3.0, 2.0, 2.0, 2.0], window=0.5, rtol=0.5)
    assert not has_plateaued([1.0, 1.0], window=1.0, rtol=1.0, min_epochs=1)


def test_reading_a_run_judges_convergence_by_the_current_rule(tiny_config, tmp_path):
    from vaebench.train.config import TrainConfig
    from vaebench.train.loop import train

    run = tmp_path / "run"
    train(TrainConfig.from_dict(tiny_config), run, progress=False)
    stored = json.loads((run / "done.json").read_text())
    stored["converged"] = not stored["converged"]  # as written by an older rule
    (run / "done.json").write_text(json.dumps(stored))
    losses = run_files.metrics(run)["loss"].tolist()
    cfg = run_files.config(run)
    assert run_files.done(run)["converged"] is has_plateaued(losses, cfg.converge_window,
                                                             cfg.converge_rtol)
    assert "least-squares" in run_files.done(run)["converge_rule"]


def test_the_line_is_fitted_through_five_epochs_at_least():
    # 20 epochs falling, the last three flat: a 3-point window (a tenth of 20 epochs, rounded
    # up to 3) would call it a plateau; five points still see the fall.
    losses = [100.0 - 4 * epoch for epoch in range(15)] + [42.0, 41.0, 40.5, 40.5, 40.5]
    assert window_fall(losses, 0.1)[0] > 1.0
    assert not has_plateaued(losses, window=0.1, rtol=0.02)
    assert has_plateaued(losses + [40.5] * 3, window=0.1, rtol=0.02)
    assert not has_plateaued([3.0, 2.0, 2.0, 2.0, 2.0], window=0.1, rtol=0.5)  # no 5 after 1st


def test_a_count_has_settled_only_when_its_last_epochs_agree():
    assert count_settled([13, 0, 3, 4, 6, 6, 6, 6, 6])
    assert not count_settled([13, 0, 3, 6, 6, 6, 6, 5])  # a latent switched in the last epoch
    assert not count_settled([6, 6, 6, 6, 6])  # five epochs with nothing before them


def test_a_count_claim_is_judged_on_the_count_not_the_loss(tiny_config, tmp_path):
    from vaebench.train.config import TrainConfig
    from vaebench.train.latent_stats import inactive_per_epoch, read_trajectory
    from vaebench.train.loop import train

    run = tmp_path / "run"
    train(TrainConfig.from_dict({**tiny_config, "epochs": 7, "trajectory": True}), run,
          progress=False)
    counts = inactive_per_epoch(read_trajectory(run), 7)
    assert len(counts) == 7 and all(0 <= c <= 4 for c in counts)
    settled, rule = run_files.counts_converged([run])
    assert settled is count_settled(counts) and "inactive count unchanged" in rule
    # every latent informative for six epochs, then all four back at the prior: unsettled
    trajectory = read_trajectory(run)
    sigma2 = [c for c in trajectory.columns if c.startswith("mean_sigma2_")]
    last_epoch = len(trajectory) * 6 // 7
    trajectory[sigma2] = 0.1
    trajectory.loc[last_epoch:, sigma2] = 1.0
    trajectory.to_csv(run / "trajectory.csv", index=False)
    assert inactive_per_epoch(read_trajectory(run), 7) == [0] * 6 + [4]
    assert not run_files.counts_converged([run])[0]
    trajectory.loc[last_epoch:, sigma2] = 0.1
    trajectory.to_csv(run / "trajectory.csv", index=False)
    assert run_files.counts_converged([run])[0]

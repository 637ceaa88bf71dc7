"""A training job's progress lines (vaebench.train.progress): driven by a fake clock, then in a
few steps of a tiny real training, plain and stacked."""

import pandas as pd
import pytest

from vaebench.errors import UserError
from vaebench.train import loop
from vaebench.train.config import TrainConfig
from vaebench.train.progress import (
    PROGRESS_SECONDS_ENV,
    StepReporter,
    format_duration,
    report_interval,
    run_label,
)
from vaebench.train.stacked import train_stacked


class FakeClock:
    """A clock that moves only when told, and counts how often it is read."""

    def __init__(self):
        self.now, self.reads = 1000.0, 0

    def __call__(self) -> float:
        self.reads += 1
        return self.now


def reporter_with(clock: FakeClock, interval: float = 30.0):
    lines = []
    return StepReporter("asperti2020/s1_computed seed 2", interval, lines.append, clock), lines


def test_the_interval_comes_from_the_environment():
    assert report_interval({}) == 30.0
    assert report_interval({PROGRESS_SECONDS_ENV: "5"}) == 5.0
    assert report_interval({PROGRESS_SECONDS_ENV: "0"}) == 0.0
    for bad in ("soon", "-1", "nan"):
        with pytest.raises(UserError, match=PROGRESS_SECONDS_ENV):
            report_interval({PROGRESS_SECONDS_ENV: bad})


def test_durations_read_at_a_glance():
    assert [format_duration(s) for s in (0.4, 45, 170, 3599, 3 * 3600 + 300, 50 * 3600)] == \
        ["0s", "45s", "3m", "1h00m", "3h05m", "2d02h"]


def test_a_line_every_interval_with_epoch_step_rate_and_time_left():
    clock = FakeClock()
    reporter, lines = reporter_with(clock)
    reporter.begin_epoch(0, 2, 10)  # 2 epochs of 10 steps, 5 s a step
    for _ in range(6):
        clock.now += 5
        reporter.step(64)
    # 30 s in: 6 steps of 64 images; 14 steps left at 5 s each
    assert lines == ["progress asperti2020/s1_computed seed 2: epoch 1/2, step 6/10, "
                     "13 images/s, about 1m left"]
    for epoch in (0, 1):
        if epoch:
            reporter.begin_epoch(1, 2, 10)
        for _ in range(4 if epoch == 0 else 10):
            clock.now += 5
            reporter.step(64)
    assert len(lines) == 3  # 100 s of steps: at 30, 60 and 90 s
    assert lines[-1].startswith("progress asperti2020/s1_computed seed 2: epoch 2/2, step 8/10,")
    assert lines[-1].endswith("about 10s left")
    assert all("\r" not in line and "\n" not in line for line in lines)


def test_a_resumed_job_counts_its_remaining_epochs_only():
    clock = FakeClock()
    reporter, lines = reporter_with(clock, interval=10)
    reporter.begin_epoch(8, 10, 5)  # resumed at epoch 9 of 10
    for _ in range(2):
        clock.now += 5
        reporter.step(10)
    assert lines[0].endswith("epoch 9/10, step 2/5, 2 images/s, about 40s left")


def test_no_lines_and_no_clock_reads_in_the_step_loop_when_off():
    clock = FakeClock()
    reporter, lines = reporter_with(clock, interval=0)
    reads = clock.reads
    reporter.begin_epoch(0, 1, 100)
    for _ in range(100):
        clock.now += 60
        reporter.step(64)
    assert lines == [] and clock.reads == reads


def test_the_label_names_the_experiment_and_its_seeds():
    meta = {"paper": "berger2020", "experiment": "theorem1", "scale": "quick"}
    assert run_label(meta, [3]) == "berger2020/theorem1 seed 3"
    assert run_label(meta, [0, 1, 2]) == "berger2020/theorem1 seeds 0 1 2"
    assert run_label({}, [0]) == "seed 0"


def progress_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("progress ")]


def test_a_training_job_logs_progress_lines_on_stderr(tiny_config, tmp_path, monkeypatch,
                                                      capsys):
    monkeypatch.setenv(PROGRESS_SECONDS_ENV, "1e-9")  # a report after every step
    config = {**tiny_config, "epochs": 1, "meta": {"paper": "p2000", "experiment": "e"}}
    loop.train(TrainConfig.from_dict(config), tmp_path / "run", progress=False)
    err = capsys.readouterr().err
    lines = progress_lines(err)
    assert len(lines) == 4  # 256 images in batches of 64
    assert lines[0].startswith("progress p2000/e seed 0: epoch 1/1, step 1/4, ")
    assert "\r" not in err


def test_a_bad_interval_stops_the_job_before_it_trains(tiny_config, tmp_path, monkeypatch):
    monkeypatch.setenv(PROGRESS_SECONDS_ENV, "often")
    with pytest.raises(UserError, match=PROGRESS_SECONDS_ENV):
        loop.train(TrainConfig.from_dict(tiny_config), tmp_path / "run", progress=False)
    assert not (tmp_path / "run").exists()


def test_a_stacked_job_logs_progress_lines_for_its_seeds(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(PROGRESS_SECONDS_ENV, "1e-9")
    curve = {"dataset": "noisy_curve", "model": "resnet_mlp", "epochs": 1, "batch_size": 10,
             "steps_per_epoch": 3, "arch": {"latent_dim": 2, "width": 8, "blocks": 1},
             "eval_size": 20, "n_samples": 4, "device": "cpu"}
    train_stacked([TrainConfig.from_dict({**curve, "seed": s}) for s in (0, 1)],
                  [tmp_path / f"seed{s}" for s in (0, 1)], progress=False)
    lines = progress_lines(capsys.readouterr().err)
    assert len(lines) == 3
    assert lines[-1].startswith("progress seeds 0 1: epoch 1/1, step 3/3, ")


def test_metrics_are_on_disk_while_a_run_trains(tiny_config, tmp_path, monkeypatch):
    """An interrupted run leaves metrics.csv of the epochs it trained (what `vaebench progress`
    reads); its next call goes on from the checkpoint and rewrites it."""
    config = TrainConfig.from_dict({**tiny_config, "epochs": 3})
    save = loop.save_checkpoint

    def stop_at_second_epoch(run, out_dir):
        if run.epoch == 2:
            raise KeyboardInterrupt
        save(run, out_dir)

    monkeypatch.setattr(loop, "save_checkpoint", stop_at_second_epoch)
    with pytest.raises(KeyboardInterrupt):
        loop.train(config, tmp_path / "run", progress=False)
    assert len(pd.read_csv(tmp_path / "run" / "metrics.csv")) == 1
    assert not (tmp_path / "run" / "done.json").exists()
    monkeypatch.setattr(loop, "save_checkpoint", save)
    loop.train(config, tmp_path / "run", progress=False)
    assert pd.read_csv(tmp_path / "run" / "metrics.csv").epoch.tolist() == [1, 2, 3]

"""Damaged files of a finished run: a done.json cut short, emptied or another tool's, a
metrics.csv cut short or with fewer rows than the run's epochs. Each is one line naming the
file and the fix (delete the run folder to retrain it), from the readers and from an artifact
build, which writes nothing."""

import json
import shutil

import pytest

from tests.test_artifacts import make_runs
from vaebench import cli
from vaebench.errors import UserError
from vaebench.train import runs


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A real finished run of 4 epochs (seconds on a CPU)."""
    from tests.conftest import tiny_config
    from vaebench.train.config import TrainConfig
    from vaebench.train.loop import train

    run = tmp_path_factory.mktemp("finished") / "run"
    train(TrainConfig.from_dict(tiny_config.__wrapped__()), run, progress=False)
    return run


def cut(path, keep: float):
    """The first `keep` of the file's bytes, as a full disk or an interrupted copy leaves it."""
    data = path.read_bytes()
    path.write_bytes(data[:int(len(data) * keep)])


def drop_last_row(path):
    path.write_text("".join(path.read_text().splitlines(keepends=True)[:-1]))


DAMAGE = [
    # (case, file, how, reader, what the line says)
    ("done.json empty", "done.json", lambda p: p.write_text(""), "done", "empty"),
    ("done.json blank", "done.json", lambda p: p.write_text("\n  \n"), "done", "empty"),
    ("done.json cut short", "done.json", lambda p: cut(p, 0.5), "done", "not valid JSON"),
    ("done.json binary", "done.json", lambda p: p.write_bytes(b"\x80\x81\xfe"), "done",
     "not text"),
    ("done.json a list", "done.json", lambda p: p.write_text("[1, 2]"), "done",
     "not a vaebench run's done.json"),
    ("done.json another tool's", "done.json", lambda p: p.write_text('{"status": "ok"}'),
     "done", "not a vaebench run's done.json"),
    ("done.json epochs not a number", "done.json",
     lambda p: p.write_text(json.dumps({**json.loads(p.read_text()), "epochs": "four"})),
     "done", "epochs is 'four'"),
    ("done.json empty, read through metrics", "done.json", lambda p: p.write_text(""),
     "metrics", "empty"),
    ("done.json empty, read through latent_stats", "done.json", lambda p: p.write_text(""),
     "latent_stats", "empty"),
    ("done.json empty, read through config", "done.json", lambda p: p.write_text(""),
     "config", "empty"),
    ("metrics.csv empty", "metrics.csv", lambda p: p.write_text(""), "metrics",
     "not a readable CSV"),
    ("metrics.csv header only", "metrics.csv",
     lambda p: p.write_text(p.read_text().splitlines()[0] + "\n"), "metrics", "no rows"),
    ("metrics.csv cut in its header", "metrics.csv", lambda p: p.write_text("epoch,lo"),
     "metrics", "no 'loss' column"),
    ("metrics.csv cut mid-row", "metrics.csv", lambda p: cut(p, 0.8), "metrics", "cut short"),
    ("metrics.csv a row short", "metrics.csv", drop_last_row, "metrics",
     "3 rows for the 4 epochs the run trained"),
    ("metrics.csv a row short, read through done", "metrics.csv", drop_last_row, "done",
     "3 rows for the 4 epochs the run trained"),
    ("metrics.csv missing", "metrics.csv", lambda p: p.unlink(), "metrics",
     "missing beside the run's done.json"),
    ("latent_stats.csv cut in its header", "latent_stats.csv", lambda p: p.write_text(""),
     "latent_stats", "not a readable CSV"),
    ("config.yaml cut into bad YAML", "config.yaml", lambda p: p.write_text("arch: {hidden: ["),
     "config", "not readable YAML"),
]


@pytest.mark.parametrize("file, damage, reader, says", [case[1:] for case in DAMAGE],
                         ids=[case[0] for case in DAMAGE])
def test_a_damaged_run_file_is_one_line_naming_it_and_the_fix(finished, tmp_path, file, damage,
                                                             reader, says):
    run = tmp_path / "runs" / "quick" / "paper2020" / "exp" / "seed0"
    shutil.copytree(finished, run)
    runs.done(run), runs.metrics(run)  # whole, it reads
    damage(run / file)
    with pytest.raises(UserError) as error:
        getattr(runs, reader)(run)
    message = str(error.value)
    assert message.startswith(f"{run / file} is damaged (") and says in message, message
    assert message.endswith(f"delete the run folder {run} to retrain it") and "\n" not in message


def test_a_whole_run_and_more_metrics_rows_than_epochs_read(finished, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(finished, run)
    assert runs.done(run)["epochs"] == 4 and len(runs.metrics(run)) == 4
    record = json.loads((run / "done.json").read_text())
    (run / "done.json").write_text(json.dumps({**record, "epochs": 3}))
    assert len(runs.metrics(run)) == 4


def test_an_unfinished_run_is_not_called_damaged(tmp_path):
    with pytest.raises(UserError, match="has not finished; train it first"):
        runs.done(tmp_path)


@pytest.mark.parametrize("damage, says", [
    (lambda run: (run / "done.json").write_text(""), "done.json is damaged (empty)"),
    (lambda run: cut(run / "done.json", 0.6), "done.json is damaged (not valid JSON"),
    (drop_last_row, "metrics.csv is damaged (3 rows for the 4 epochs"),
    (lambda p: cut(p, 0.9), "metrics.csv is damaged (row 4 is cut short"),
], ids=["empty done.json", "done.json cut short", "metrics.csv a row short",
        "metrics.csv cut mid-row"])
def test_an_artifact_is_not_built_from_a_damaged_run(finished, tmp_path, capsys, damage, says):
    """asperti2019/table1 from three runs, one of them with a metrics.csv and config.yaml (a
    run trained without a trajectory: its convergence is read from metrics.csv)."""
    make_runs(tmp_path / "runs", "quick", [8, 8, 9])
    seed1 = tmp_path / "runs" / "quick" / "asperti2019" / "table1_dense" / "seed1"
    for name in ("metrics.csv", "config.yaml"):
        shutil.copy(finished / name, seed1 / name)
    (seed1 / "done.json").write_text(json.dumps({"converged": True, "epochs": 4}))
    target = seed1 / ("metrics.csv" if "metrics" in says else "done.json")
    damage(target if "metrics" in says else seed1)
    results = tmp_path / "results"
    code = cli.main(["artifact", "asperti2019", "table1", "--scale", "quick", "--runs-root",
                     str(tmp_path / "runs"), "--results", str(results)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1, err
    assert err[0].startswith(f"vaebench: error: {target} is damaged") and says in err[0], err
    assert err[0].endswith(f"delete the run folder {seed1} to retrain it")
    assert not results.exists() or list(results.rglob("*.csv")) == []

"""The CLI's contract for bad input: one line on stderr, exit code 2, no partial output."""

import subprocess
import sys

import pytest
import yaml

# every test here runs `vaebench` or Snakemake as a process: the slow tier
pytestmark = pytest.mark.slow


def vaebench(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "vaebench", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd)


def assert_one_line_error(result, *fragments):
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("vaebench: error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.mark.parametrize("override, fragments", [
    ({"dataset": "imagenet"}, ["unknown dataset 'imagenet'"]),
    ({"model": "transformer"}, ["unknown model 'transformer'"]),
    ({"lr": 0.0}, ["lr must be > 0"]),
    ({"lr": -0.1}, ["lr must be > 0"]),
    ({"likelihood": "gaussian_fixed", "likelihood_args": {"sigma": 0}}, ["sigma must be > 0"]),
    ({"likelihood": "gaussian_fixed", "likelihood_args": {"sigma": -1}}, ["sigma must be > 0"]),
    ({"dataset": "mnist", "data_root": "/nonexistent/root"},
     ["dataset 'mnist' not found", "/nonexistent/root", "VAEBENCH_DATA"]),
])
def test_bad_training_input(tiny_config, tmp_path, override, fragments):
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({**tiny_config, **override}))
    out = tmp_path / "run"
    result = vaebench("train", "--config", config, "--out", out)
    assert_one_line_error(result, *fragments)
    assert not out.exists() or not any(out.iterdir())  # nothing half-written


def test_unknown_scale(tmp_path):
    result = vaebench("train", "--paper", "asperti2019", "--experiment", "table1_dense",
                      "--scale", "huge", "--out", tmp_path / "run")
    assert_one_line_error(result, "unknown scale 'huge'", "smoke, quick, paper")
    assert not (tmp_path / "run").exists()


def test_unknown_experiment_and_paper(tmp_path):
    assert_one_line_error(vaebench("train", "--paper", "asperti2019", "--experiment", "nope",
                                   "--out", tmp_path / "r"), "no experiment 'nope'")
    assert_one_line_error(vaebench("train", "--paper", "nobody2021", "--experiment", "x",
                                   "--out", tmp_path / "r"), "no specification for paper")


def test_malformed_benchmarks_yaml(tmp_path):
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "benchmarks" / "asperti2019.yaml").write_text("paper: [oops\n")
    result = vaebench("check", "asperti2019", cwd=tmp_path)
    assert_one_line_error(result, "asperti2019.yaml", "malformed YAML")


def test_artifact_without_its_runs_says_how_to_make_them(tmp_path):
    result = vaebench("artifact", "asperti2019", "table1", "--scale", "quick",
                      "--runs-root", tmp_path / "runs", "--results", tmp_path / "results")
    assert_one_line_error(result, "needs finished runs", "snakemake")
    assert not (tmp_path / "results").exists()


def test_help_documents_every_subcommand():
    result = vaebench("--help")
    assert result.returncode == 0
    for command in ("train", "artifact", "summary", "datasets", "fid-reference", "check"):
        assert command in result.stdout
        assert vaebench(command, "--help").returncode == 0


def tree(path):
    """Every file under `path` with its bytes: a refused command must leave it as it was."""
    return {str(p): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


@pytest.fixture
def finished_run(tiny_config, tmp_path):
    """A config file and a finished 1-epoch run of it, trained through the CLI."""
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({**tiny_config, "epochs": 1}))
    result = vaebench("train", "--config", config, "--out", tmp_path / "done_run")
    assert result.returncode == 0, result.stderr
    return config


# input -> exit code 2, one line naming the problem and the fix, no new or changed file
BAD_INPUT = [
    (["train", "--config", "{config}", "--set", "lr=-1e-3", "--out", "{tmp}/r"], "lr must be > 0"),
    (["train", "--config", "{config}", "--set", "epochs=1.5", "--out", "{tmp}/r"],
     "epochs must be a whole number, got 1.5"),
    (["train", "--config", "{config}", "--threads", "-1", "--out", "{tmp}/r"],
     "expected a whole number >= 1, got -1"),
    (["train", "--config", "{config}", "--threads", "0", "--out", "{tmp}/r"],
     "expected a whole number >= 1, got 0"),
    (["train", "--config", "{config}", "--out", "{config}/run"], "Not a directory"),
    (["train", "--config", "{config}", "--set", "lr=1e-2", "--out", "{tmp}/done_run"],
     "holds a finished run of another configuration (differs in lr)"),
    (["train", "--config", "{config}", "--bogus", "--out", "{tmp}/r"],
     "unrecognized arguments: --bogus"),
    (["summary", "--skipped", "foo", "--out", "{tmp}/s.csv"], "--skipped expects PAPER/ARTIFACT"),
    (["summary", "--skipped", "asperti2019/table99: x", "--out", "{tmp}/s.csv"],
     "no artifact 'table99'"),
    (["bench", "--only", "nocase", "--out", "{tmp}/perf/t.csv"], "unknown case(s) nocase"),
    (["artifact", "asperti2019", "table1", "--threads", "0"], "expected a whole number >= 1"),
    (["record", "--results", "{tmp}/nothing", "--record", "{tmp}/rec"], "no artifact CSVs"),
    (["record", "table1", "--record", "{tmp}/rec"], "name artifacts as paper/artifact"),
]


@pytest.mark.parametrize("args, says", BAD_INPUT, ids=[" ".join(a[:3]) for a, _ in BAD_INPUT])
def test_bad_input_is_one_line_exit_2_and_changes_nothing(finished_run, tmp_path, args, says):
    before = tree(tmp_path)
    filled = [a.format(config=finished_run, tmp=tmp_path) for a in args]
    result = vaebench(*filled)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0], result.stderr
    assert tree(tmp_path) == before


def test_a_checkpoint_of_another_config_is_refused_without_touching_the_run(tiny_config,
                                                                            tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(tiny_config))
    killed = subprocess.run([sys.executable, "-m", "vaebench", "train", "--config", str(config),
                             "--out", str(tmp_path / "run")], capture_output=True,
                            env={**__import__("os").environ, "VAEBENCH_TEST_KILL_AFTER_EPOCH": "2"})
    assert killed.returncode != 0 and (tmp_path / "run" / "checkpoint.pt").exists()
    before = tree(tmp_path / "run")
    result = vaebench("train", "--config", config, "--set", "lr=1e-2", "--out", tmp_path / "run")
    assert_one_line_error(result, "different configuration")
    assert tree(tmp_path / "run") == before  # config.yaml is not overwritten first


def test_numbers_are_read_as_a_person_writes_them(tiny_config, tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({**tiny_config, "epochs": 1}))
    result = vaebench("train", "--config", config, "--set", "lr=1e-4", "--out", tmp_path / "r")
    assert result.returncode == 0, result.stderr
    assert yaml.safe_load((tmp_path / "r" / "config.yaml").read_text())["lr"] == 1e-4
    done = (tmp_path / "r" / "done.json").read_text()
    assert "Infinity" not in done and "NaN" not in done  # strict JSON


def test_datasets_lists_every_name_including_the_sampled_ones():
    result = vaebench("datasets")
    assert result.returncode == 0, result.stderr
    assert "hypersphere" in result.stdout and "sampled in code" in result.stdout


def test_outputs_honour_the_umask(finished_run, tmp_path):
    modes = {p.name: p.stat().st_mode & 0o777 for p in (tmp_path / "done_run").iterdir()
             if p.is_file()}
    assert modes and set(modes.values()) == {0o644}, modes  # pytest runs under umask 022


def test_an_empty_experiment_list_is_caught_by_check(tmp_path):
    import shutil

    from tests.conftest import REPO

    shutil.copytree(REPO / "benchmarks", tmp_path / "benchmarks")
    path = tmp_path / "benchmarks" / "asperti2019.yaml"
    spec = yaml.safe_load(path.read_text())
    spec["artifacts"]["table1"]["experiments"] = []
    path.write_text(yaml.safe_dump(spec))
    assert_one_line_error(vaebench("check", "asperti2019", cwd=tmp_path),
                          "asperti2019.yaml: artifacts.table1.experiments: [] should be non-empty",
                          "drop the key for an artifact computed without training")


def test_a_failed_download_leaves_no_empty_folders(tmp_path):
    """No network here (or a refused one): the download fails, and MNIST/raw is not left behind
    to look like a dataset that is there."""
    root = tmp_path / "data"
    result = vaebench("datasets", "--prepare", "mnist", "--download", "--data-root", root)
    if result.returncode == 0:
        pytest.skip("this machine can download MNIST")
    assert_one_line_error(result, "could not download dataset 'mnist'")
    assert not root.exists() or not any(root.rglob("*"))


def test_a_full_disk_is_one_line_and_leaves_no_partial_config(tiny_config, tmp_path, capsys,
                                                              monkeypatch):
    import errno

    from vaebench import atomic, cli

    def no_space(target, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(target))

    monkeypatch.setattr(atomic, "write_text", no_space)
    monkeypatch.setattr(atomic, "write_with", no_space)
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({**tiny_config, "epochs": 1}))
    code = cli.main(["train", "--config", str(config), "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "No space left on device" in err[0], err
    assert not (tmp_path / "run" / "config.yaml").exists()

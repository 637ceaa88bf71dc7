"""The CLI's contract for bad input: one line on stderr, exit code 2, no partial output."""

import subprocess
import sys

import pytest
import yaml


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

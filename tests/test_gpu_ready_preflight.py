"""`vaebench preflight`: every experiment built at its scale's shapes, trained, checkpointed and
resumed on this machine's device, one line each; a failing experiment fails the command."""

import shutil

import yaml

from vaebench import cli, preflight
from vaebench.spec import specs

# one experiment of each model family the specs use (smoke scale: seconds each on a CPU), with
# the stand-ins the preflight needs: a σ read from another run (f_star), a second stage's codes
# (s2_computed), data absent here (dai2020's SVHN)
SUBSET = {"asperti2019": ["table1_dense", "table1_conv"],
          "asperti2020": ["s1_computed", "s2_computed"],
          "berger2020": ["f_star", "mnist_f"],
          "dai2020": ["vae_d1", "conv_vae_s2_l1", "res_svhn_b1_c2"]}


def model_families() -> dict[str, str]:
    """Model family -> one paper/experiment that trains it, over every spec."""
    families = {}
    for paper in specs.specified_papers():
        spec = specs.load_spec(paper)
        for experiment in spec["experiments"]:
            model = specs.run_config(spec, experiment, "smoke", 0).model
            families.setdefault(model, f"{paper}/{experiment}")
    return families


def test_the_subset_covers_every_model_family():
    chosen = {specs.run_config(specs.load_spec(paper), experiment, "smoke", 0).model
              for paper, names in SUBSET.items() for experiment in names}
    assert set(model_families()) <= chosen, model_families()


def test_preflight_of_one_experiment_per_family_passes():
    lines = []
    checks = [check for paper, names in SUBSET.items()
              for check in preflight.run_preflight("smoke", [paper], names, steps=1,
                                                   device_name="cpu", say=lines.append)]
    assert [c.error for c in checks] == [None] * len(checks), "\n".join(lines)
    assert all(c.memory > 0 and c.seconds_per_step > 0 for c in checks)
    text = "\n".join(lines)
    assert "preflight: 2 experiments, 2 ok, 0 failed" in text
    assert "codes of s1_computed: random" in text and "sigma of ls_vae: 1.0" in text
    assert "peak RSS" in text and "s/step" in text


def test_a_broken_experiment_fails_its_line_and_the_command(tmp_path, monkeypatch, capsys):
    shutil.copytree(specs.PACKAGE_BENCHMARKS, tmp_path / "benchmarks")
    path = tmp_path / "benchmarks" / "asperti2019.yaml"
    spec = yaml.safe_load(path.read_text())
    spec["experiments"]["table1_dense"]["scales"]["smoke"]["arch"] = {"no_such_option": 3}
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    monkeypatch.chdir(tmp_path)  # the specs of the folder run from

    code = cli.main(["preflight", "--scale", "smoke", "--paper", "asperti2019", "--steps", "1",
                     "--device", "cpu", "--experiment", "table1_dense",
                     "--experiment", "figure1_dense2d"])

    out, err = capsys.readouterr()
    assert code == 2
    broken = next(line for line in out.splitlines() if line.startswith("asperti2019/table1_dense"))
    assert "FAILED" in broken and "no_such_option" in broken
    assert any(line.startswith("asperti2019/figure1_dense2d") and line.endswith(": ok")
               for line in out.splitlines())
    assert "1 ok, 1 failed" in out
    assert "preflight: 1 of 2 experiment(s) failed: asperti2019/table1_dense" in err

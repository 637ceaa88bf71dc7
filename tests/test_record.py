"""The replication record: `vaebench record` fills it (with provenance) and refuses what cannot
be reproduced; the committed record/quick stays consistent with the specs and the README."""

import json
from pathlib import Path

import pytest
import yaml
from PIL import Image

from vaebench import artifacts, cli, provenance
from vaebench.record import check as record_check
from vaebench.record import pages as record_pages
from vaebench.record import store as record
from vaebench.spec import alternatives, specs
from vaebench.train.loop import train

REPO = Path(__file__).resolve().parents[1]
QUICK = REPO / "record" / "quick"
CLEAN = {"commit": "0123456789abcdef0123456789abcdef01234567", "tree_clean": True}


@pytest.fixture
def built_figure4(tmp_path, data_root, monkeypatch):
    """asperti2020/figure4 at smoke (one 1-epoch run on 2,048 MNIST digits), from a clean tree."""
    monkeypatch.setattr(provenance, "code_state", lambda: dict(CLEAN))
    results = tmp_path / "results"
    spec = specs.load_spec("asperti2020")
    for run in record.runs_behind(spec, "figure4", "smoke", results / "runs"):
        _, alternative = alternatives.split_paper_dir(run.parent.parent.name)
        cfg = specs.run_config(spec, run.parent.name, "smoke", int(run.name[4:]),
                               {"data_root": str(data_root), "device": "cpu"},
                               alternative=alternative)
        train(cfg, run, progress=False)
    artifacts.build("asperti2020", "figure4", "smoke", results / "runs", results,
                    alternative="init_torch")
    artifacts.build("asperti2020", "figure4", "smoke", results / "runs", results)
    return results


def files_under(path: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def test_a_run_records_its_commit_machine_and_data(built_figure4):
    done = json.loads(next((built_figure4 / "runs").rglob("done.json")).read_text())
    assert done["code"] == CLEAN
    assert done["data"] == {"dataset": "mnist", "format": "MNIST, IDX files (MNIST/raw)",
                            "split": "train", "images": 2048}
    assert done["machine"]["cores"] >= 1 and done["machine"]["torch"]


def test_record_copies_the_artifact_with_its_provenance(built_figure4, tmp_path):
    root = tmp_path / "record"
    assert cli.main(["record", "--scale", "smoke", "--results", str(built_figure4),
                     "--record", str(root)]) == 0
    out = root / "smoke"
    facts = yaml.safe_load((out / "asperti2020" / "figure4.provenance.yaml").read_text())
    assert facts["built_at_commit"] == CLEAN["commit"]
    assert facts["trained_at_commits"] == [CLEAN["commit"]]
    assert [run["run"] for run in facts["runs"]] == [  # the run and its alternative's
        "smoke/asperti2020/fig4_dense_mnist/seed0",
        "smoke/asperti2020~init_torch/fig4_dense_mnist/seed0"]
    assert "artifact asperti2020/figure4 under init_torch" in [job["job"] for job in facts["jobs"]]
    assert facts["runs"][0]["data"]["images"] == 2048
    assert (out / "asperti2020" / "figure4.csv").read_bytes() == (
        built_figure4 / "asperti2020" / "figure4.csv").read_bytes()
    summary = (out / "summary.csv").read_text()
    assert "asperti2020,figure4,figure,1 undecided" in summary  # smoke: nothing decided
    assert "not recorded yet" in summary  # every other artifact is listed, with its reason
    assert "### asperti2020/figure4" in (out / "REPLICATION.md").read_text()


@pytest.mark.parametrize("break_it, says", [
    ("smoke_into_quick", "built at scale 'smoke', not 'quick'"),
    ("dirty_run", "uncommitted changes"),
    ("dirty_build", "uncommitted changes"),
    ("unknown", "has no artifact 'table99'"),
])
def test_record_refuses_in_one_line_and_writes_nothing(built_figure4, tmp_path, capsys,
                                                       break_it, says):
    root, scale, names = tmp_path / "record", "smoke", []
    if break_it == "smoke_into_quick":
        scale = "quick"
    elif break_it == "unknown":
        names = ["asperti2020/table99"]
    else:
        target = (next((built_figure4 / "runs").rglob("done.json")) if break_it == "dirty_run"
                  else artifacts.build_file(built_figure4 / "asperti2020" / "figure4.csv"))
        facts = json.loads(target.read_text())
        facts["code"]["tree_clean"] = False
        target.write_text(json.dumps(facts))
    before = files_under(built_figure4)
    code = cli.main(["record", *names, "--scale", scale, "--results", str(built_figure4),
                     "--record", str(root)])
    err = capsys.readouterr().err
    assert code == 2 and says in err and len(err.strip().splitlines()) == 1
    assert not root.exists() and files_under(built_figure4) == before


def test_a_large_png_is_shrunk_below_the_limit(tmp_path):
    noisy = Image.effect_noise((1200, 1200), 120).convert("RGB")
    path = tmp_path / "big.png"
    noisy.save(path)
    assert path.stat().st_size > record.MAX_PNG_BYTES
    assert len(record.shrunk_png(path)) <= record.MAX_PNG_BYTES


def test_the_reported_check_catches_a_changed_transcription(built_figure4, tmp_path,
                                                             monkeypatch):
    record.record("smoke", built_figure4, tmp_path / "record")
    out = tmp_path / "record" / "smoke"
    csv = out / "asperti2020" / "figure4.csv"
    assert record_check.unmatched_reported(out) == []
    # a number the YAML does not hold, as if the YAML's transcription had been fixed since
    text = csv.read_text().splitlines()
    header = text[0].split(",")
    cells = text[1].split(",")
    cells[header.index("reported")] = "0.123456"
    csv.write_text("\n".join([text[0], ",".join(cells), *text[2:]]) + "\n")
    problems = record_check.unmatched_reported(out)
    assert len(problems) == 1 and "0.123456" in problems[0]
    (out / record_pages.STALE).write_text("asperti2020/figure4: YAML fixed; re-run pending\n")
    assert record_check.unmatched_reported(out) == []


# The committed record itself


def quick_entries():
    return record_pages.recorded(QUICK)


def test_every_artifact_is_recorded_or_pending_with_a_reason():
    assert record_check.unaccounted(QUICK) == []


def test_recorded_reported_numbers_are_the_yaml_transcriptions():
    assert record_check.unmatched_reported(QUICK) == []


@pytest.mark.parametrize("paper, name", quick_entries())
def test_a_record_entry_is_quick_clean_and_small(paper, name):
    frame = specs.load_spec(paper)  # the artifact still exists in its spec
    assert name in frame["artifacts"]
    csv = (QUICK / paper / f"{name}.csv").read_text()
    assert ",smoke," not in csv
    facts = yaml.safe_load((QUICK / paper / f"{name}.provenance.yaml").read_text())
    assert facts["scale"] == "quick" and len(facts["built_at_commit"]) == 40
    assert (QUICK / paper / f"{name}.png").stat().st_size <= record.MAX_PNG_BYTES


def test_the_readme_status_table_is_generated_from_the_record():
    readme = (REPO / "README.md").read_text()
    assert record_pages.readme_with_status(readme, QUICK) == readme


def test_the_whole_dag_line_bounds_two_core_wall_time_by_cpu_and_serial_job_time():
    from vaebench.record.pages import whole_dag_line

    line = whole_dag_line(wall=36_000.0, cpu=14_400.0)
    assert "between 2.0 h" in line and "240 CPU core-minutes" in line and "10.0 h" in line
    assert "not known" in whole_dag_line(wall=36_000.0, cpu=None)

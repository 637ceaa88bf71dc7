"""The DAG as vaebench.plan plans it from the real specs, at every scale, without Snakemake: what
each job reads, why an artifact is skipped, a run's identity, the stacked jobs and the targets.
The rules (workflow/rules/*.smk) call these functions and nothing else."""

import re
import shutil
from pathlib import Path

import pytest

from vaebench import paths
from vaebench.data import catalog as datasets
from vaebench.plan import Plan, context, identity, inputs, jobs, report, skips, stacking, targets
from vaebench.spec import alternatives, specs

SCALES = ("smoke", "quick", "paper")
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def spec_by_paper() -> dict[str, dict]:
    spec_by_paper, broken = context.read_specs()
    assert not broken
    return spec_by_paper


def plan_of(spec_by_paper, scale, data_root="nowhere", download=False, broken=None) -> Plan:
    return Plan(spec_by_paper, scale, str(data_root), download, broken or {})


def no_network(monkeypatch):
    def refuse(name):
        raise AssertionError(f"probed the download host of {name}")
    monkeypatch.setattr(datasets, "download_unreachable", refuse)


# A job's input is some rule's output: the patterns of every rule an artifact or a run reads.
PRODUCED = [paths.run_done(), paths.dataset_check(), paths.fid_reference(), paths.artifact(),
            paths.alternative_artifact(), paths.celeba_cache()]


def produced_by_a_rule(path: str) -> bool:
    """Whether `path` fits a rule's output pattern, each {wildcard} one path component."""
    regexes = [re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(pattern)) for pattern in PRODUCED]
    return any(re.fullmatch(regex, path) for regex in regexes)


@pytest.mark.parametrize("scale", SCALES)
def test_every_input_of_every_job_is_some_rules_output(spec_by_paper, scale, monkeypatch):
    no_network(monkeypatch)  # nothing is downloaded: no host is asked
    plan = plan_of(spec_by_paper, scale)
    runs = set()
    for paper, name in plan.artifacts:
        read = inputs.artifact_inputs(plan, paper, name)
        for alternative in alternatives.of_artifact(spec_by_paper[paper], name):
            read += inputs.alternative_inputs(plan, paper, name, alternative)
        assert all(produced_by_a_rule(path) for path in read), (paper, name, read)
        runs |= {path for path in read if path.startswith(paths.RUNS)}
    assert runs
    for run in sorted(runs):
        _, _, run_scale, paper_dir, experiment, seed, _ = run.split("/")
        read = inputs.run_inputs(plan, paper_dir, experiment, run_scale, seed.removeprefix("seed"))
        assert all(produced_by_a_rule(path) for path in read), (run, read)


def test_an_artifact_reads_its_runs_references_data_other_artifacts_and_alternatives(
        spec_by_paper):
    plan = plan_of(spec_by_paper, "quick")
    figure2 = inputs.artifact_inputs(plan, "asperti2020", "figure2")
    assert paths.artifact("asperti2020", "table1") in figure2  # from_artifacts
    table1 = inputs.artifact_inputs(plan, "asperti2019", "table1")
    assert paths.run_done("quick", "asperti2019", "table1_dense", 0) in table1
    assert paths.alternative_artifact("asperti2019", "init_torch", "table1") in table1
    assert paths.dataset_check("mnist") not in table1  # its runs read it, not the builder
    table2 = inputs.artifact_inputs(plan, "asperti2020", "table2")
    assert specs.fid_references(spec_by_paper["asperti2020"], "table2", "quick")[0] in table2
    under = inputs.alternative_inputs(plan, "asperti2019", "table1", "init_torch")
    assert paths.run_done("quick", "asperti2019~init_torch", "table1_dense", 0) in under
    assert inputs.artifact_inputs(plan, "asperti2019", "table99") == []  # unknown_target answers
    with pytest.raises(ValueError, match="no alternative 'nope'"):
        inputs.alternative_inputs(plan, "asperti2019", "table1", "nope")


def test_a_run_reads_its_datasets_check_and_the_runs_it_needs(spec_by_paper):
    plan = plan_of(spec_by_paper, "smoke")
    assert inputs.run_inputs(plan, "asperti2019", "figure7_noise", "smoke", "0") == [
        paths.run_done("smoke", "asperti2019", "table1_dense", "0"), paths.dataset_check("mnist")]
    # a sampled dataset is made by the run itself: no check
    assert inputs.run_inputs(plan, "berger2020", "theorem1_d2_above", "smoke", "0") == []
    assert inputs.dataset_inputs("celeba_nearest") == [paths.celeba_cache("crop128", "nearest")]
    assert inputs.dataset_inputs("mnist") == []


# run_config_hash as the workflow computed it before it moved into the package: a changed value
# re-runs (retrains) every recorded run, so these must not change with a refactoring
RECORDED_HASHES = [
    ("smoke", "asperti2019", "table1_dense", 0, "93fc52ac66d59d14"),
    ("quick", "asperti2019", "table1_dense", 0, "f8fb240f2e831a07"),
    ("paper", "asperti2019", "table1_dense", 0, "7d5b7050152551c3"),
    ("quick", "asperti2019", "figure7_noise", 0, "0f205f96f5a0d7b5"),  # with a procedure
    ("quick", "asperti2019~init_torch", "table1_dense", 0, "17ddd7a6a8ce80da"),  # alternative
    ("quick", "dai2020", "ae_d1", 1, "501cf36aba50aef2"),
    ("paper", "berger2020", "theorem1_d2_above", 0, "850b41b6c03ea937"),
]


@pytest.mark.parametrize("scale, paper_dir, experiment, seed, recorded", RECORDED_HASHES)
def test_a_runs_identity_is_the_recorded_one(spec_by_paper, scale, paper_dir, experiment, seed,
                                             recorded):
    assert identity.run_config_hash(spec_by_paper, paper_dir, experiment, scale, str(seed)) == (
        recorded)


def test_seeds_stacked_in_one_job_have_one_rule_and_their_hashes_joined(spec_by_paper):
    assert stacking.stacked_jobs(plan_of(spec_by_paper, "smoke")) == []
    plan = plan_of(spec_by_paper, "paper")
    stacked = stacking.stacked_jobs(plan)
    assert ("berger2020", "theorem1_d2_above", [0, 1, 2]) in stacked
    assert identity.stacked_config_hash(spec_by_paper, "berger2020", "theorem1_d2_above",
                                        "paper", [0, 1, 2]) == (
        "850b41b6c03ea937-d04ffd3dfffd0ad3-33550e0f2ca2b168")
    per_seed = stacking.per_seed_scale_regex(plan)
    run = "paper/berger2020/theorem1_d2_above/seed0/done.json"
    assert not re.match(per_seed, run)  # the stacked rule's, not the per-seed one's
    assert re.match(per_seed, "paper/berger2020/f_sigma_1/seed0/done.json")
    assert re.match(per_seed, "quick/berger2020/theorem1_d2_above/seed0/done.json")


def test_data_not_here_skips_its_artifacts_with_the_reason_and_the_fix(spec_by_paper, tmp_path,
                                                                       monkeypatch):
    no_network(monkeypatch)
    plan = plan_of(spec_by_paper, "quick", tmp_path, download=False)
    why = skips.skip_reason(plan, "asperti2019", "table1")
    assert why == (f"dataset mnist not found under {tmp_path}; set data_root or VAEBENCH_DATA, "
                   f"or --config download=true")
    assert "celeba" in skips.skip_reason(plan, "asperti2020", "figure7")  # the user provides it
    assert skips.skip_reason(plan, "berger2020", "figure2") is None  # analytic: no data
    assert "--skipped 'asperti2019/table1: dataset mnist not found" in skips.skipped_flags(plan)
    assert set(skips.buildable(plan)).isdisjoint((p, a) for p, a, _ in skips.skipped(plan))


def test_offline_a_download_is_no_way_to_the_data(spec_by_paper, tmp_path, monkeypatch):
    monkeypatch.setattr(datasets, "download_unreachable", lambda name: "example.org")
    plan = plan_of(spec_by_paper, "quick", tmp_path, download=True)
    assert "its download host example.org cannot be reached (offline?)" in skips.skip_reason(
        plan, "asperti2019", "table1")
    monkeypatch.setattr(datasets, "download_unreachable", lambda name: None)
    assert skips.skip_reason(plan, "asperti2019", "table1") is None  # the dataset job fetches it


def test_only_the_summary_asks_which_artifacts_can_be_built(spec_by_paper, tmp_path,
                                                            monkeypatch):
    """Planning one artifact's job asks no download host: only a partial artifact, whose runs
    depend on which datasets can be had, and the skip reasons (the summary's) do."""
    no_network(monkeypatch)
    plan = plan_of(spec_by_paper, "quick", tmp_path, download=True)
    assert inputs.artifact_inputs(plan, "asperti2019", "table1")
    assert inputs.run_inputs(plan, "asperti2019", "table1_dense", "quick", "0")
    with pytest.raises(AssertionError, match="probed the download host"):
        skips.skipped(plan)


def test_unknown_targets_are_one_line_naming_what_exists(spec_by_paper):
    plan = plan_of(spec_by_paper, "smoke", broken={"nope2021": "benchmarks/nope2021.yaml is "
                                                               "malformed YAML"})
    assert targets.refusal(plan, ["-n", "results/asperti2018/table1.csv"]) == (
        "vaebench: unknown paper 'asperti2018'; known: asperti2019, asperti2020, berger2020, "
        "dai2020")
    assert targets.refusal(plan, ["results/asperti2019/table99.csv"]).startswith(
        "vaebench: paper asperti2019 has no artifact 'table99'; known: table1, ")
    assert targets.refusal(plan, ["results/nope2021/table1.csv"]) == (
        "vaebench: benchmarks/nope2021.yaml is malformed YAML")
    assert "no paper has an artifact 'table9'" in targets.refusal(plan, ["results/table9.csv"])
    for fine in (["results/asperti2019/table1.csv"], ["results/table2.csv"],
                 ["results/summary.csv"], ["--cores", "2", "--config", "scale=smoke"]):
        assert targets.refusal(plan, fine) is None, fine
    known = targets.known_targets_regex(plan)
    assert re.fullmatch(known, "asperti2019/table99") and re.fullmatch(known, "x2000/y")
    assert not re.fullmatch(known + r"\.csv", "asperti2019/table1.csv")


def test_one_name_across_papers_is_every_papers_artifact_of_that_name(spec_by_paper):
    plan = plan_of(spec_by_paper, "smoke")
    assert targets.papers_with(plan, "table2") == ["asperti2020", "berger2020"]
    assert targets.across_papers_inputs(plan, "table2") == {
        "csv": ["results/asperti2020/table2.csv", "results/berger2020/table2.csv"],
        "png": ["results/asperti2020/table2.png", "results/berger2020/table2.png"]}
    names = rf"(?:{targets.across_papers_regex(plan)})"
    assert re.fullmatch(names, "table2") and re.fullmatch(names, "figure1_top")
    assert not re.fullmatch(names, "summary") and not re.fullmatch(names, "table9")


def test_a_broken_spec_is_left_out_with_a_warning(tmp_path, monkeypatch):
    (tmp_path / "benchmarks").mkdir()
    shutil.copy(REPO / "benchmarks" / "berger2020.yaml", tmp_path / "benchmarks")
    (tmp_path / "benchmarks" / "dai2020.yaml").write_text("paper: [oops\n")
    monkeypatch.chdir(tmp_path)
    specs.load_spec.cache_clear()  # read once per process: this test's copies, then the real ones
    try:
        plan = context.load("smoke", str(tmp_path))
    finally:
        specs.load_spec.cache_clear()
    assert list(plan.specs) == ["berger2020"] and list(plan.broken) == ["dai2020"]
    [warning] = context.warnings(plan)
    assert "dai2020.yaml" in warning and warning.endswith("dai2020's artifacts are left out")


def test_gpus_per_job_without_torch(tmp_path):
    driver = tmp_path / "gpus"
    assert jobs.gpus_per_job("cuda", {}, driver) == jobs.gpus_per_job("cuda:1", {}, driver) == 1
    assert jobs.gpus_per_job("cpu", {}, driver) == jobs.gpus_per_job("auto", {}, driver) == 0
    (driver / "0000:3b:00.0").mkdir(parents=True)  # the driver's folder of one GPU
    assert jobs.gpus_per_job("auto", {}, driver) == 1
    assert jobs.gpus_per_job("auto", {"CUDA_VISIBLE_DEVICES": "1"}, driver) == 1
    for hidden in ("", "-1", "NoDevFiles"):
        assert jobs.gpus_per_job("auto", {"CUDA_VISIBLE_DEVICES": hidden}, driver) == 0
    assert jobs.gpus_per_job("mps", {}, driver) == 0


def test_fid_artifacts_get_every_core_above_smoke(spec_by_paper):
    quick, smoke = plan_of(spec_by_paper, "quick"), plan_of(spec_by_paper, "smoke")
    assert jobs.artifact_threads(quick, "dai2020", "figure1_top", 3, 1) == 3
    assert jobs.artifact_threads(quick, "dai2020", "figure1_top", 32, 1) == jobs.FID_THREADS_MAX
    assert jobs.artifact_threads(quick, "dai2020", "proposition1", 3, 1) == 1
    assert jobs.artifact_threads(smoke, "dai2020", "figure1_top", 3, 1) == 1


def test_job_commands():
    assert jobs.paper_flags("asperti2019") == "--paper asperti2019"
    assert jobs.paper_flags("asperti2019~init_torch") == (
        "--paper asperti2019 --alternative init_torch")
    assert jobs.logged("run {x}").startswith("{{ run {x} ; }} > {log} 2>&1")
    assert jobs.benchmark_patterns([("train", "b/{seed}.tsv"), ("all", None)]) == (
        "--pattern 'train=b/{seed}.tsv'")
    assert jobs.python_command(True) == "python"
    # the interpreter reaches the jobs through the environment: no machine path in a parameter
    assert jobs.python_command(False) == '"${VAEBENCH_PYTHON:-python}"'
    assert "/" not in jobs.python_command(False)


def test_the_report_reads_each_artifacts_prose_as_literal_text(spec_by_paper):
    assert report.rst_text("a |mu| and\n sigma_x") == r"a \|mu\| and sigma\_x"
    shown = report.report_specs(spec_by_paper)
    assert set(shown["asperti2019"]["artifacts"]["table1"]) == {"kind", "title", "source",
                                                                "claim"}
    built = report.built([("asperti2019", "table1"), ("dai2020", "figure2")],
                         lambda path: path != "results/dai2020/figure2.csv")
    assert built == ["results/asperti2019/table1.csv", "results/summary.csv"]

"""vaebench.paths spells every path under results/ once: a function without arguments is a
rule's pattern, with them one file, and the rest of the package reads the same paths."""

from pathlib import Path

from vaebench import paths
from vaebench.data import celeba
from vaebench.spec import alternatives, specs


def test_patterns_are_the_rules_paths_with_their_wildcards():
    assert paths.run_done() == "results/runs/{scale}/{paper}/{experiment}/seed{seed}/done.json"
    assert paths.dataset_check() == "results/data/{dataset}.json"
    assert paths.celeba_cache() == "results/data/celeba_{crop}_{resize}.pt"
    assert paths.fid_reference() == "results/fid/{dataset}_{split}_n{n}.npz"
    assert paths.artifact(suffix="table.html") == "results/{paper}/{artifact}.table.html"
    assert (paths.alternative_artifact()
            == "results/{paper}/alternatives/{alternative}/{artifact}.csv")
    assert paths.across_papers(suffix="png") == "results/{name}.png"


def test_a_jobs_log_and_benchmark_are_named_by_the_job():
    assert (paths.log(paths.train_job())
            == "results/logs/train/{scale}/{paper}/{experiment}/seed{seed}.log")
    assert (paths.benchmark(paths.stacked_job("paper", "berger2020", "theorem1_d2_above"))
            == "results/benchmarks/train/paper/berger2020/theorem1_d2_above/stacked.tsv")
    assert paths.log(paths.celeba_cache_job()) == "results/logs/data/celeba_{crop}_{resize}.log"
    assert paths.benchmark(paths.fid_job("mnist", "test", 100)) == (
        "results/benchmarks/fid/mnist_test_n100.tsv")
    assert paths.fid_reference_job(paths.fid_reference("mnist", "test", 100)) == (
        paths.fid_job("mnist", "test", 100))
    assert paths.benchmark("summary", results="elsewhere") == "elsewhere/benchmarks/summary.tsv"


def test_the_package_reads_the_same_paths():
    spec = specs.load_spec("asperti2020")
    assert specs.artifacts_read(spec, "figure2") == [paths.artifact("asperti2020", "table1")]
    assert str(specs.run_dir(paths.RUNS, "smoke", "asperti2020", "table1", 0)) == (
        paths.run_dir("smoke", "asperti2020", "table1", 0))
    assert str(celeba.cache_path("crop128", "bilinear", paths.DATA)) == (
        paths.celeba_cache("crop128", "bilinear"))
    assert alternatives.artifact_csv(Path("out"), "p2020", "table1", "alt") == Path(
        paths.alternative_artifact("p2020", "alt", "table1", results="out"))
    for reference in specs.fid_references(spec, "table2", "quick"):
        assert reference.startswith("results/fid/") and reference.endswith(".npz")

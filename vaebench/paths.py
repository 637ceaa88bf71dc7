"""Every path under results/, spelled once: what each job of the workflow writes, where its log
and benchmark go, and the files the record and the specs read back.

A function called without arguments gives a rule's pattern, its Snakemake wildcards in braces
(`fid_reference()` is "results/fid/{dataset}_{split}_n{n}.npz"); called with them, one file.
Paths are strings relative to where Snakemake runs; `results` (or `runs_root`) puts them under
another folder, e.g. a test's.

A job's log and benchmark are named by the job: `log(job)` is results/logs/<job>.log and
`benchmark(job)` results/benchmarks/<job>.tsv, with the job names below (`train_job`, ...).
"""

from pathlib import PurePosixPath

RESULTS = "results"
DONE = "done.json"  # written last by a finished run


def runs_root(results=RESULTS) -> str:
    return f"{results}/runs"


def data_folder(results=RESULTS) -> str:
    """A dataset's check file, and the prepared CelebA caches."""
    return f"{results}/data"


def benchmarks_folder(results=RESULTS) -> str:
    return f"{results}/benchmarks"


RUNS, DATA, BENCHMARKS = runs_root(), data_folder(), benchmarks_folder()


# ---------------------------------------------------------------- training runs

def run_key(scale="{scale}", paper="{paper}", experiment="{experiment}", seed="{seed}") -> str:
    """A run's folder under the runs root; `paper` is <paper>~<alternative> for a run under an
    alternative (vaebench.spec.alternatives)."""
    return f"{scale}/{paper}/{experiment}/seed{seed}"


def run_dir(scale="{scale}", paper="{paper}", experiment="{experiment}", seed="{seed}",
            runs_root=RUNS) -> str:
    return f"{runs_root}/{run_key(scale, paper, experiment, seed)}"


def run_done(scale="{scale}", paper="{paper}", experiment="{experiment}", seed="{seed}",
             runs_root=RUNS) -> str:
    return done(run_dir(scale, paper, experiment, seed, runs_root))


def done(run) -> str:
    """The file that says a run folder holds a finished run."""
    return f"{run}/{DONE}"


# ---------------------------------------------------------------- data and FID references

def dataset_check(dataset="{dataset}", results=RESULTS) -> str:
    """Written once a dataset is here (checked, or downloaded): every run on it reads it."""
    return f"{data_folder(results)}/{dataset}.json"


def celeba_cache(crop="{crop}", resize="{resize}", folder=DATA) -> str:
    """CelebA cropped and resized once (vaebench.data.celeba), in the cache folder."""
    return f"{folder}/{celeba_cache_name(crop, resize)}.pt"


def celeba_cache_name(crop="{crop}", resize="{resize}") -> str:
    return f"celeba_{crop}_{resize}"


def fid_reference(dataset="{dataset}", split="{split}", n="{n}", results=RESULTS) -> str:
    """Inception statistics of `n` images of a dataset split, made once by their own rule."""
    return f"{results}/fid/{fid_key(dataset, split, n)}.npz"


def fid_key(dataset="{dataset}", split="{split}", n="{n}") -> str:
    return f"{dataset}_{split}_n{n}"


# ---------------------------------------------------------------- artifacts and the summary

def artifact(paper="{paper}", artifact="{artifact}", suffix="csv", results=RESULTS) -> str:
    """An artifact's CSV, or its .png, .table.html or .build.json beside it."""
    return f"{results}/{paper}/{artifact}.{suffix}"


def alternative_artifact(paper="{paper}", alternative="{alternative}", artifact="{artifact}",
                         suffix="csv", results=RESULTS) -> str:
    """An artifact rebuilt from the runs under one of its paper's alternatives."""
    return f"{results}/{paper}/alternatives/{alternative}/{artifact}.{suffix}"


def across_papers(name="{name}", suffix="csv", results=RESULTS) -> str:
    """Every paper's artifact of one name (e.g. each paper's Table 2) in one table and figure."""
    return f"{results}/{name}.{suffix}"


def summary(results=RESULTS) -> str:
    return f"{results}/summary.csv"


def replication_page(results=RESULTS) -> str:
    return f"{results}/REPLICATION.md"


def perf(name: str, suffix="csv", results=RESULTS) -> str:
    """A speed measurement: throughput, rules (per-rule times), rules_span."""
    return f"{results}/perf/{name}.{suffix}"


# ---------------------------------------------------------------- logs and benchmarks

def log(job: str, results=RESULTS) -> str:
    return f"{results}/logs/{job}.log"


def benchmark(job: str, results=RESULTS) -> str:
    """Snakemake's wall time and memory of a job's latest run (a TSV)."""
    return f"{benchmarks_folder(results)}/{job}.tsv"


def train_job(run=None) -> str:
    """A training run's job; `run` is its run_key (the pattern when None)."""
    return f"train/{run or run_key()}"


def stacked_job(scale="{scale}", paper="{paper}", experiment="{experiment}") -> str:
    """The job that trains every seed of an experiment as one stacked model."""
    return f"train/{scale}/{paper}/{experiment}/stacked"


def dataset_job(dataset="{dataset}") -> str:
    return f"data/{dataset}"


def celeba_cache_job(crop="{crop}", resize="{resize}") -> str:
    return dataset_job(celeba_cache_name(crop, resize))


def fid_job(dataset="{dataset}", split="{split}", n="{n}") -> str:
    return fid_reference_job(fid_reference(dataset, split, n))


def fid_reference_job(reference: str) -> str:
    """The job that makes a FID reference file, from the file's path."""
    return f"fid/{PurePosixPath(reference).stem}"


def artifact_job(paper="{paper}", artifact="{artifact}") -> str:
    return f"artifact/{paper}/{artifact}"


def alternative_job(paper="{paper}", alternative="{alternative}", artifact="{artifact}") -> str:
    return f"artifact/{paper}/alternatives/{alternative}/{artifact}"


def across_papers_job(name="{name}") -> str:
    return f"across_papers/{name}"

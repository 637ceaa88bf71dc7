"""Shared fixtures: the real data root (../shared/data in CI) and small training configs."""

import os
import signal
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# Every artifact figure a test builds, in this process or in a vaebench / Snakemake process it
# starts (they inherit the environment), must read without its CSV: labelled axes, a legend
# (vaebench.plots.unreadable). Outside the tests an unreadable figure is a warning.
os.environ.setdefault("VAEBENCH_STRICT_FIGURES", "1")


def shared_data_root() -> Path:
    """$VAEBENCH_DATA, else ../shared/data (CI), else ./data."""
    if os.environ.get("VAEBENCH_DATA"):
        return Path(os.environ["VAEBENCH_DATA"])
    shared = REPO.parent / "shared" / "data"
    return shared if shared.exists() else REPO / "data"


@pytest.fixture
def data_root() -> Path:
    root = shared_data_root()
    if not (root / "MNIST" / "raw" / "train-images-idx3-ubyte").exists():
        pytest.skip(f"real MNIST not found under {root}; set VAEBENCH_DATA")
    return root


@pytest.fixture
def tiny_config() -> dict:
    """A dense VAE on generated stand-in digits: seconds on one CPU core."""
    return {"dataset": "standin_mnist", "model": "dense_vae", "standin_size": 256,
            "arch": {"hidden": [64, 32], "latent_dim": 4}, "epochs": 4, "batch_size": 64,
            "checkpoint_every": 1, "device": "cpu", "n_samples": 4, "eval_batch_size": 128}


def copy_workflow(dest: Path, *extra: str) -> Path:
    """The workflow as a user's checkout has it, in `dest`: Snakefile, workflow/, benchmarks/,
    envs/ (every rule names its conda environment, which Snakemake records with each job), and
    any `extra` parts (e.g. profiles)."""
    import shutil

    dest.mkdir(parents=True, exist_ok=True)
    for part in ("Snakefile", "workflow", "benchmarks", "envs", *extra):
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, dest / part, dirs_exist_ok=True)
        else:
            shutil.copy(source, dest / part)
    return dest



def build_with_alternatives(paper: str, name: str, scale: str, runs_root: Path,
                            results: Path) -> Path:
    """`vaebench.artifacts.build` after the artifact's alternatives, their runs copied from the
    default ones (the fake runs a builder test writes): the sensitivity column then reads
    `robust` wherever a verdict exists."""
    import shutil

    from vaebench.artifacts import build
    from vaebench.spec import alternatives, specs

    spec = specs.load_spec(paper)
    for alternative in alternatives.of_artifact(spec, name):
        runs = specs.artifact_runs(spec, name, scale, runs_root)
        for run, moved in zip(runs, alternatives.run_dirs(spec, runs, alternative), strict=True):
            if moved != run and not moved.exists():
                shutil.copytree(run, moved)
        build(paper, name, scale, runs_root, results, alternative=alternative)
    return build(paper, name, scale, runs_root, results)


def build_into(out: Path, builder, spec: dict, name: str, scale: str, runs=()) -> Path:
    """A builder called directly on a (test's own) spec, its result written where `out` says as
    `vaebench.artifacts.build` writes it: the CSV, its PNG and side tables."""
    from vaebench.artifacts import write_built
    from vaebench.artifacts.context import BuildContext

    write_built(builder(BuildContext(spec, name, scale, tuple(runs), out.parent)), out)
    return out


def default_sigint() -> None:
    """preexec_fn of a child that must stop on SIGINT: a shell that starts a command in the
    background (`cmd &`, nohup) leaves SIGINT ignored, an ignored signal stays ignored across exec,
    and Python then installs no KeyboardInterrupt handler."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)

"""What a job asks of the machine (GPUs, threads) and how its command is run."""

import os
import shlex
from pathlib import Path

from vaebench.plan.context import Plan
from vaebench.spec import alternatives, specs

NVIDIA_GPUS = Path("/proc/driver/nvidia/gpus")  # the NVIDIA driver's folder per GPU it sees
FID_THREADS_MAX = 8  # Inception on a CPU gains little beyond this; on a GPU threads are moot


def gpus_per_job(device: str, environ=os.environ, driver_gpus: Path = NVIDIA_GPUS) -> int:
    """The GPUs a training job asks for (a cluster profile sets its own): one for a cuda device;
    for auto, one where this machine has an NVIDIA GPU a job can see. Read from the driver's
    files, not from torch: reading the workflow neither imports torch nor initialises CUDA (the
    device itself is resolved by each job on the machine it runs on)."""
    if device.startswith("cuda"):
        return 1
    return int(device == "auto" and nvidia_gpu_visible(environ, driver_gpus))


def nvidia_gpu_visible(environ, driver_gpus: Path) -> bool:
    """An NVIDIA GPU is here and CUDA_VISIBLE_DEVICES does not hide it (CUDA hides every device
    from the first entry that is neither an index nor a GPU's UUID: "", -1, NoDevFiles)."""
    visible = environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        first = visible.split(",")[0].strip()
        if not (first.isdigit() or first.startswith(("GPU-", "MIG-"))):
            return False
    return driver_gpus.is_dir() and any(driver_gpus.iterdir())


def artifact_threads(plan: Plan, paper: str, artifact: str, cores: int | None,
                     train_threads: int) -> int:
    """Every core (up to FID_THREADS_MAX) for an artifact that passes generated images through
    Inception: that pass is most of its time, and it starts only once its runs are trained, so
    the cores would otherwise idle at the end of a DAG (dai2020 figure1_top at quick: ~3,000
    images at ~4 images/s on one thread). One thread for the others, which run beside training,
    and for every artifact at smoke, whose Inception pass is a few dozen images: there, holding
    every core would only serialise CI's DAG around the FID artifacts."""
    if (paper, artifact) not in plan.artifacts:
        return 1
    if plan.scale != "smoke" and specs.fid_references(plan.specs[paper], artifact, plan.scale):
        return min(max(cores or 1, train_threads), FID_THREADS_MAX)
    return train_threads


PYTHON_ENV = "VAEBENCH_PYTHON"  # the interpreter that runs Snakemake, exported to every job


def python_command(uses_conda: bool) -> str:
    """The interpreter of a job: the one that runs Snakemake has vaebench installed (pip/venv
    users, CI), named through the environment (workflow_config.export_environment sets it) so
    that no machine's path is a job parameter: the report shows them, and a checkout moved to
    another machine would see every job's parameters changed; under `--sdm conda` each rule's
    own environment provides `python`."""
    return "python" if uses_conda else f'"${{{PYTHON_ENV}:-python}}"'


def paper_flags(paper_dir: str) -> str:
    """`--paper P` and, for a run under an alternative (its folder P~NAME), `--alternative NAME`."""
    paper, alternative = alternatives.split_paper_dir(paper_dir)
    return f"--paper {paper}" + (f" --alternative {alternative}" if alternative else "")


def logged(command: str) -> str:
    """A rule's shell command with its output in {log}; every attempt is appended to
    {log}.attempts (Snakemake deletes {log} before a re-run), and a failure puts the log's last
    line, the one-line cause, on the console."""
    # braces doubled: Snakemake formats the result ({log}, {params...})
    return (f"{{{{ {command} ; }}}} > {{log}} 2>&1 && status=0 || status=$?; "
            "{{ echo \"== $(date -u +%FT%TZ) exit $status\"; cat {log}; }} >> {log}.attempts; "
            "if [ $status -ne 0 ]; then echo \"$(tail -n 1 {log}) (log: {log})\" >&2; fi; "
            "exit $status")


def benchmark_patterns(rules: list[tuple[str, str | None]]) -> str:
    """--pattern RULE=PATTERN for each (rule, benchmark file pattern) with a benchmark, so each
    TSV is named by the rule that wrote it."""
    return " ".join(f"--pattern {shlex.quote(f'{name}={benchmark}')}"
                    for name, benchmark in rules if benchmark is not None)

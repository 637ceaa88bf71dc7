# The DAG as vaebench.plan plans it from the specs (benchmarks/<paper>.yaml) and this workflow's
# --config: which artifacts exist and can be built here, what each job reads, a run's identity.
# Here only the plan itself and the functions of a job's wildcards that the rules call.
import shlex
import sys

from snakemake.exceptions import WorkflowError
from snakemake.settings.types import DeploymentMethod

from vaebench import paths
from vaebench import plan as vb_plan
from vaebench import workflow_config as vb_workflow
from vaebench.plan import context as vb_context
from vaebench.plan import identity as vb_identity
from vaebench.plan import inputs as vb_inputs
from vaebench.plan import jobs as vb_jobs
from vaebench.plan import skips as vb_skips
from vaebench.plan import stacking as vb_stacking
from vaebench.plan import targets as vb_targets

PLAN = vb_plan.load(config["scale"], config["data_root"], config["download"])
SCALE = PLAN.scale
for _warning in vb_context.warnings(PLAN):
    print(_warning, file=sys.stderr)
# a target of the command line that no spec has stops the run here, before any job
_refused = vb_targets.refusal(PLAN, sys.argv[1:])
if _refused:
    raise WorkflowError(_refused)

# data root, cache, device and this workflow's vaebench reach the jobs through the environment
vb_workflow.export_environment(
    PLAN.data_root, config["device"], config["download"], workflow.basedir
)
CONDA_ENV = "../../envs/vaebench.yaml"  # every rule's, under --sdm conda (relative to rules/)
PYTHON = vb_jobs.python_command(
    DeploymentMethod.CONDA in workflow.deployment_settings.deployment_method
)
GPUS_PER_JOB = vb_jobs.gpus_per_job(config["device"])
STACKED = vb_stacking.stacked_jobs(PLAN)

# Wall time and memory per job, per rule and scale - what a cluster scheduler needs to place a job
# (SLURM: --time, --mem). Locally they are only tokens, limited only by `--resources mem_mb=N`.
# Which jobs take a GPU is the profile's business (profiles/slurm/config.yaml): the machine
# that submits the jobs may have none.
# rule: {scale: (runtime in minutes, mem_mb)}. Generous on purpose: a job killed at its time
# limit costs more than one that waits a little longer in the queue. `paper` training runs are up
# to 1000 epochs of a conv net (Berger & Sebag's MNIST runs), about a day on one GPU.
JOB_LIMITS = {
    "train": {"smoke": (15, 2000), "quick": (240, 8000), "paper": (2880, 16000)},
    "fid_reference": {"smoke": (15, 4000), "quick": (60, 8000), "paper": (240, 16000)},
    "artifact": {"smoke": (15, 4000), "quick": (120, 8000), "paper": (720, 32000)},
}


def job_runtime(rule):
    return JOB_LIMITS[rule][SCALE][0]


def job_mem_mb(rule):
    return JOB_LIMITS[rule][SCALE][1]


def artifact_inputs(wildcards):
    return vb_inputs.artifact_inputs(PLAN, wildcards.paper, wildcards.artifact)


def alternative_inputs(wildcards):
    return vb_inputs.alternative_inputs(
        PLAN, wildcards.paper, wildcards.artifact, wildcards.alternative
    )


def artifact_threads(wildcards):
    return vb_jobs.artifact_threads(
        PLAN, wildcards.paper, wildcards.artifact, workflow.cores, config["train_threads"]
    )


def dataset_inputs(wildcards):
    return vb_inputs.dataset_inputs(wildcards.dataset)


def run_inputs(wildcards):
    return vb_inputs.run_inputs(
        PLAN, wildcards.paper, wildcards.experiment, wildcards.scale, wildcards.seed
    )


def run_config_hash(wildcards):
    return vb_identity.run_config_hash(
        PLAN.specs, wildcards.paper, wildcards.experiment, wildcards.scale, wildcards.seed
    )


def paper_flags(wildcards):
    return vb_jobs.paper_flags(wildcards.paper)


def unformatted(value):
    """A params value with its braces kept: Snakemake formats a string's wildcards, not what a
    function returns."""
    return lambda wildcards: value


def summary_inputs(wildcards):
    # a function: which artifacts can be built is asked only when the summary is a target
    return [paths.artifact(paper, name) for paper, name in vb_skips.buildable(PLAN)]


def skipped_flags(wildcards):
    return vb_skips.skipped_flags(PLAN)


def across_papers_inputs(wildcards):
    return vb_targets.across_papers_inputs(PLAN, wildcards.name)


def unknown_target_message(wildcards):
    return shlex.quote(vb_targets.unknown_target_message(PLAN, wildcards.target))


def benchmark_patterns(wildcards):
    """Each rule's benchmark file pattern (a function, evaluated once every rule file is read)."""
    return vb_jobs.benchmark_patterns([(each.name, each.benchmark) for each in workflow.rules])

"""What each job reads: an artifact its runs' done.json, the FID references it compares with and
the datasets and artifacts it reads; a run its dataset's check and the runs it needs."""

from vaebench import paths
from vaebench.plan import data_layer
from vaebench.plan.context import Plan
from vaebench.spec import alternatives, specs


def artifact_inputs(plan: Plan, paper: str, artifact: str) -> list[str]:
    """done.json of every run the artifact aggregates (one training job each), the FID reference
    statistics it compares images with, the datasets and other artifacts it reads itself, and
    its CSVs under each of its alternatives (its verdicts are set beside those)."""
    if (paper, artifact) not in plan.artifacts:
        return []  # rule unknown_target answers
    spec = plan.specs[paper]
    runs = data_layer.present_runs(plan, paper, artifact)
    under = [paths.alternative_artifact(paper, name, artifact)
             for name in alternatives.of_artifact(spec, artifact)]
    return ([paths.done(run) for run in runs] + references_and_data(plan, paper, artifact)
            + specs.artifacts_read(spec, artifact) + under)


def alternative_inputs(plan: Plan, paper: str, artifact: str, alternative: str) -> list[str]:
    """What an artifact rebuilt under an alternative reads: the runs trained under it, and the
    same references and data as the artifact itself."""
    if (paper, artifact) not in plan.artifacts:
        return []
    spec = plan.specs[paper]
    if alternative not in alternatives.of_artifact(spec, artifact):
        raise ValueError(f"{paper}/{artifact} has no alternative '{alternative}'")
    runs = alternatives.run_dirs(spec, data_layer.present_runs(plan, paper, artifact), alternative)
    return [paths.done(run) for run in runs] + references_and_data(plan, paper, artifact)


def references_and_data(plan: Plan, paper: str, artifact: str) -> list[str]:
    """The FID reference statistics an artifact compares with and the datasets it reads."""
    spec = plan.specs[paper]
    read = [paths.dataset_check(dataset)
            for dataset in specs.artifact_data(spec, artifact, plan.scale)
            if not data_layer.is_standin(dataset)]
    return specs.fid_references(spec, artifact, plan.scale) + read


def dataset_inputs(dataset: str) -> list[str]:
    """A prepared dataset's cache file (CelebA), built by its own rule; nothing for the others."""
    variant = data_layer.celeba_variant(dataset)
    return [paths.celeba_cache(*variant)] if variant else []


def run_inputs(plan: Plan, paper_dir: str, experiment: str, scale: str, seed) -> list[str]:
    """What a training run reads: its dataset's check (checked or downloaded once) and the runs
    (same scale and seed) of the experiments it `needs:`. `paper_dir` is <paper>~<alternative>
    for a run under an alternative, which needs the runs of the same alternative."""
    paper, alternative = alternatives.split_paper_dir(paper_dir)
    spec = plan.specs[paper]
    run = specs.run_config(spec, experiment, scale, int(seed), alternative=alternative)
    inputs = [paths.run_done(scale, paper_dir, need, seed)
              for need in specs.needs(spec, experiment)]
    if not data_layer.has_check(run.dataset):
        return inputs
    return inputs + [paths.dataset_check(run.dataset)]


def stacked_inputs(plan: Plan, paper_dir: str, experiment: str, seeds: list[int]) -> list[str]:
    """What the stacked job of an experiment reads: every seed's run inputs."""
    return sorted({path for seed in seeds
                   for path in run_inputs(plan, paper_dir, experiment, plan.scale, seed)})

"""Which artifacts cannot be built here, and why: not implemented yet, or data that is neither
here nor downloadable. The summary lists them; `snakemake` builds the rest."""

import shlex

from vaebench import registry
from vaebench.plan import data_layer
from vaebench.plan.context import Plan
from vaebench.spec import specs


def implemented(paper: str, artifact: str) -> bool:
    # asked of the registry, which knows the builders by name without importing them (torch)
    return registry.has("builder", registry.builder_name(paper, artifact))


def skip_reason(plan: Plan, paper: str, artifact: str) -> str | None:
    """Why an artifact cannot be built here, or None. An artifact built from the datasets
    present (`partial_data`) is skipped only when none of them is here."""
    if not implemented(paper, artifact):
        return "not implemented yet"
    left_out = data_layer.missing_datasets(plan, paper, artifact)
    if left_out and not data_layer.present_experiments(plan, paper, artifact):
        return "; ".join(left_out.values())
    for dataset in specs.artifact_datasets(plan.specs[paper], artifact, plan.scale):
        if dataset in left_out or data_layer.is_here(plan, dataset):
            continue
        reason = missing_dataset_reason(plan, dataset)
        if reason:
            return reason
    return None


def missing_dataset_reason(plan: Plan, dataset: str) -> str | None:
    """Why a dataset that is not here cannot be had either, or None when the workflow will
    download it."""
    root = plan.data_root
    if not data_layer.can_download(dataset):  # CelebA: the user provides it
        return data_layer.missing_reason(plan, dataset)
    if not plan.download:
        return (f"dataset {dataset} not found under {root}; set data_root or VAEBENCH_DATA, or "
                f"--config download=true")
    host = data_layer.unreachable_host(dataset)
    if host:  # offline: build the rest instead of failing at the first download
        return (f"dataset {dataset} not found under {root} and its download host {host} cannot "
                f"be reached (offline?); copy it there, or set data_root or VAEBENCH_DATA to a "
                f"folder holding it")
    return None


def skip_reasons(plan: Plan) -> dict[tuple[str, str], str | None]:
    """{(paper, artifact): why it is skipped, or None} of every artifact."""
    return {(paper, artifact): skip_reason(plan, paper, artifact)
            for paper, artifact in plan.artifacts}


def buildable(plan: Plan) -> list[tuple[str, str]]:
    return [key for key, why in skip_reasons(plan).items() if why is None]


def skipped(plan: Plan) -> list[tuple[str, str, str]]:
    return [(paper, artifact, why) for (paper, artifact), why in skip_reasons(plan).items()
            if why is not None]


def skipped_flags(plan: Plan) -> str:
    """`--skipped 'paper/artifact: why'` of every skipped artifact, for `vaebench summary`."""
    return " ".join(f"--skipped {shlex.quote(f'{paper}/{artifact}: {why}')}"
                    for paper, artifact, why in skipped(plan))

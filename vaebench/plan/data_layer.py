"""What planning asks of the data layer: whether a dataset is here or can be fetched, which runs
of a partial artifact have their data, and which datasets are checked by a job of their own.
Download hosts are probed only when a dataset is missing and may be downloaded."""

from pathlib import Path

from vaebench.data import catalog, celeba_variants
from vaebench.plan.context import Plan
from vaebench.spec import data_present


def is_here(plan: Plan, dataset: str) -> bool:
    return catalog.is_available(dataset, plan.data_root)


def can_download(dataset: str) -> bool:
    return catalog.can_download(dataset)


def missing_reason(plan: Plan, dataset: str) -> str:
    return catalog.missing_reason(dataset, plan.data_root)


def unreachable_host(dataset: str) -> str | None:
    """The download host of a dataset when it cannot be reached from here (a socket opens)."""
    return catalog.download_unreachable(dataset)


def fetchable(plan: Plan, dataset: str) -> bool:
    """Whether the workflow can download a dataset that is not here (before any training)."""
    return bool(plan.download and can_download(dataset) and not unreachable_host(dataset))


def is_standin(dataset: str) -> bool:
    """A generated stand-in (standin_<name>): made by the job that uses it, no data to check."""
    return dataset.startswith(catalog.STANDIN_PREFIX)


def has_check(dataset: str) -> bool:
    """Whether a dataset is checked (or downloaded) by its own job before a run reads it: not
    for sampled distributions or stand-ins, which the run makes itself."""
    return not (catalog.is_sampled(dataset) or is_standin(dataset))


def celeba_variant(dataset: str) -> tuple[str, str] | None:
    """(crop, resize) of a CelebA variant, prepared once into a cache; None for the others."""
    return celeba_variants.VARIANTS.get(dataset)


def present_runs(plan: Plan, paper: str, artifact: str) -> list[Path]:
    """The run folders an artifact reads: all of them, or, for one built from the datasets
    present (`partial_data`), those whose dataset is here or can be fetched."""
    return data_present.present_runs(plan.specs[paper], artifact, plan.scale, root=plan.data_root,
                                     fetchable=lambda dataset: fetchable(plan, dataset))


def missing_datasets(plan: Plan, paper: str, artifact: str) -> dict[str, str]:
    """{dataset: why it is left out} of a partial artifact's datasets (empty for the others)."""
    return data_present.missing_datasets(plan.specs[paper], artifact, plan.scale, plan.data_root,
                                         lambda dataset: fetchable(plan, dataset))


def present_experiments(plan: Plan, paper: str, artifact: str) -> list[str]:
    """The artifact's experiments whose dataset is here or can be fetched."""
    return data_present.present_experiments(plan.specs[paper], artifact, plan.scale,
                                            plan.data_root, lambda name: fetchable(plan, name))

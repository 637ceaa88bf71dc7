"""Artifacts built from the datasets present (`partial_data: true` in the spec).

Dai et al.'s Fig. 1 (bottom) averages over SVHN, CIFAR-10, CIFAR-100 and CelebA. Where some of
them are not here (offline, no download), the others still make their panels, and the CSV names
each dataset left out with the reason; every other artifact needs all of its data, as before.
"""

from collections.abc import Callable
from pathlib import Path

from vaebench import paths
from vaebench.data import catalog as data
from vaebench.spec import specs


def is_partial(spec: dict, name: str) -> bool:
    return bool(specs.artifact(spec, name).get("partial_data", False))


def experiment_datasets(spec: dict, name: str, scale: str) -> dict[str, str]:
    """{experiment: the dataset it trains on} of the artifact's experiments."""
    return {experiment: specs.run_config(spec, experiment, scale,
                                         specs.seeds(spec, experiment, scale)[0]).dataset
            for experiment in specs.artifact_experiments(spec, name, scale)}


def missing_datasets(spec: dict, name: str, scale: str, root=None,
                     fetchable: Callable[[str], bool] = lambda dataset: False) -> dict[str, str]:
    """{dataset: why it is left out} of a partial artifact's datasets that are neither here
    nor `fetchable` (downloaded by the workflow before training); empty for other artifacts."""
    if not is_partial(spec, name):
        return {}
    needed = set(experiment_datasets(spec, name, scale).values())
    return {dataset: data.missing_reason(dataset, root) for dataset in sorted(needed)
            if not data.is_available(dataset, root) and not fetchable(dataset)}


def present_experiments(spec: dict, name: str, scale: str, root=None,
                        fetchable: Callable[[str], bool] = lambda dataset: False) -> list[str]:
    """The artifact's experiments whose dataset is here (all of them unless partial)."""
    missing = missing_datasets(spec, name, scale, root, fetchable)
    return [experiment for experiment, dataset in experiment_datasets(spec, name, scale).items()
            if dataset not in missing]


def present_runs(spec: dict, name: str, scale: str, runs_root=paths.RUNS, root=None,
                 fetchable: Callable[[str], bool] = lambda dataset: False) -> list[Path]:
    """The run directories of `present_experiments`, one per (experiment, seed)."""
    return [specs.run_dir(runs_root, scale, spec["paper"], experiment, seed)
            for experiment in present_experiments(spec, name, scale, root, fetchable)
            for seed in specs.seeds(spec, experiment, scale)]

"""Artifacts built from the datasets present (`partial_data`): Dai et al.'s Fig. 1 (bottom)."""

from vaebench.data import datasets as data
from vaebench.spec import data_present
from vaebench.spec.specs import load_spec


def test_a_partial_artifact_keeps_the_experiments_whose_data_is_here(data_root):
    spec = load_spec("dai2020")
    missing = data_present.missing_datasets(spec, "figure1_bottom", "quick", data_root)
    kept = data_present.present_experiments(spec, "figure1_bottom", "quick", data_root)
    datasets = data_present.experiment_datasets(spec, "figure1_bottom", "quick")
    assert set(datasets.values()) == {"svhn", "cifar10", "cifar100", "celeba"}
    for experiment, dataset in datasets.items():
        here = data.is_available(dataset, data_root)
        assert (experiment in kept) == here and (dataset in missing) == (not here)
    assert all("\n" not in reason and dataset in reason for dataset, reason in missing.items()
               if dataset != "celeba")


def test_nothing_here_leaves_nothing_and_fetchable_data_counts_as_present(tmp_path):
    spec = load_spec("dai2020")
    assert data_present.present_experiments(spec, "figure1_bottom", "quick", tmp_path) == []
    fetch_svhn = data_present.present_experiments(spec, "figure1_bottom", "quick", tmp_path,
                                                  fetchable=lambda dataset: dataset == "svhn")
    assert fetch_svhn and all(e.startswith("res_svhn_") for e in fetch_svhn)


def test_other_artifacts_need_all_their_data(tmp_path):
    spec = load_spec("dai2020")
    assert data_present.missing_datasets(spec, "figure1_top", "quick", tmp_path) == {}
    every = data_present.experiment_datasets(spec, "figure1_top", "quick")
    assert data_present.present_experiments(spec, "figure1_top", "quick", tmp_path) == list(every)

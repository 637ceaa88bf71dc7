"""Paper scale can decide: every artifact that judges an ordering or a trend claim trains at
least 3 seeds per cell at `paper` scale (a named deviation where the paper ran one), so that
a GPU run can settle what a laptop cannot; none is configured to stay undecided by design."""

from vaebench.eval.stats import MIN_RUNS
from vaebench.spec import claims, specs

TESTED = ("ordering", "trend")


def ordering_artifacts(spec: dict) -> list[str]:
    kinds = {c["id"]: c["kind"] for c in claims.register(spec)}
    return [name for name in spec["artifacts"]
            if {kinds.get(target) for target in claims.rows_of(spec, name).values()} & set(TESTED)]


def test_every_ordering_claim_has_three_seeds_per_cell_at_paper_scale():
    short = []
    for paper in specs.PAPERS:
        spec = specs.load_spec(paper)
        for name in ordering_artifacts(spec):
            for experiment in specs.artifact_experiments(spec, name, "paper"):
                if len(specs.seeds(spec, experiment, "paper")) < MIN_RUNS:
                    short.append(f"{paper}/{name}: {experiment}")
    assert short == []


def test_the_check_finds_a_single_seed_ordering():
    spec = specs.load_spec("asperti2020")
    assert "table2" in ordering_artifacts(spec)  # computed vs learned gamma: an ordering
    experiment = spec["experiments"]["s1_learned"]
    assert len(specs.seeds(spec, "s1_learned", "paper")) >= MIN_RUNS
    single = {**spec, "experiments": {**spec["experiments"], "s1_learned": {
        **experiment, "scales": {**experiment["scales"], "paper": {"seeds": [0]}}}}}
    assert len(specs.seeds(single, "s1_learned", "paper")) < MIN_RUNS

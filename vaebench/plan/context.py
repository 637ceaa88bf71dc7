"""What the DAG is planned from: every paper's spec, the scale, and where the data is and
whether it may be downloaded (the workflow's --config)."""

from dataclasses import dataclass, field
from functools import cached_property

from vaebench.data import catalog
from vaebench.errors import UserError
from vaebench.spec import specs as spec_files


@dataclass(frozen=True)
class Plan:
    specs: dict[str, dict]  # paper -> its spec
    scale: str
    data_root: str  # where the datasets are looked for
    download: bool = True  # whether the workflow may download a dataset that is not here
    broken: dict[str, str] = field(default_factory=dict)  # paper -> why its spec cannot be read

    @cached_property
    def artifacts(self) -> list[tuple[str, str]]:
        """(paper, artifact) of every artifact of every readable spec."""
        return [(paper, name) for paper, spec in self.specs.items() for name in spec["artifacts"]]


def read_specs() -> tuple[dict[str, dict], dict[str, str]]:
    """Every paper's spec, and {paper: the one-line error} of those that cannot be read: one
    paper's broken YAML does not block the others' targets (asking for its own says why)."""
    specs, broken = {}, {}
    for paper in spec_files.specified_papers():
        try:
            specs[paper] = spec_files.load_spec(paper)
        except UserError as exc:
            broken[paper] = str(exc)
    return specs, broken


def load(scale: str, data_root: str | None = None, download: bool = True) -> Plan:
    """The plan of the workflow's --config; data_root None: $VAEBENCH_DATA, else ./data."""
    specs, broken = read_specs()
    return Plan(specs, scale, str(catalog.resolve_data_root(data_root)), download, broken)


def warnings(plan: Plan) -> list[str]:
    """What a person should see when the workflow is read: the specs left out, and why."""
    return [f"vaebench: warning: {why}; {paper}'s artifacts are left out"
            for paper, why in plan.broken.items()]

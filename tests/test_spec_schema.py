"""benchmarks/<paper>.yaml against vaebench/spec/paper.schema.json: the shipped specs are valid,
and each broken spec is one line per error (file, path, fix) through `vaebench check`, exit 2."""

import shutil

import pytest
import yaml
from jsonschema import Draft202012Validator

from tests.conftest import REPO
from vaebench import cli
from vaebench.spec import baselines, claims, schema, specs

PAPER = "asperti2019"
FILE = f"benchmarks/{PAPER}.yaml"


@pytest.fixture(autouse=True)
def fresh_specs():
    """load_spec caches by paper and folder name; these tests edit the folder's files."""
    specs.load_spec.cache_clear()
    yield
    specs.load_spec.cache_clear()


@pytest.fixture
def benchmarks(tmp_path, monkeypatch):
    """A copy of benchmarks/ in the current directory, where `vaebench check` reads specs."""
    shutil.copytree(REPO / "benchmarks", tmp_path / "benchmarks")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "benchmarks"


def edit(folder, paper, change) -> None:
    path = folder / f"{paper}.yaml"
    spec = yaml.safe_load(path.read_text())
    change(spec)
    path.write_text(yaml.safe_dump(spec, sort_keys=False))


def check(capsys, *papers) -> tuple[int, str, list[str]]:
    code = cli.main(["check", *papers])
    out, err = capsys.readouterr()
    return code, out, err.splitlines()


def toy() -> dict:
    """The smallest valid spec: one table computed without training."""
    return {"paper": "toy", "title": "t", "artifacts": {"a": {
        "kind": "table", "title": "t", "source": "s", "claim": "c", "reported": {"v": 1.0},
        "tolerance": {"width": 0.1, "width_why": "a reason"}}}}


def test_the_schema_is_a_valid_draft_2020_12_schema():
    Draft202012Validator.check_schema(schema.validator().schema)


@pytest.mark.parametrize("paper", specs.PAPERS)
def test_every_shipped_spec_validates_and_names_the_schema(paper):
    path = REPO / "benchmarks" / f"{paper}.yaml"
    assert schema.errors(yaml.safe_load(path.read_text())) == []
    first = path.read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=../vaebench/spec/paper.schema.json"
    assert (path.parent / first.split("=", 1)[1]).resolve() == schema.SCHEMA


def test_the_loader_drops_the_templates():
    for paper in specs.PAPERS:
        assert specs.TEMPLATES not in specs.load_spec(paper)


def test_the_schema_and_the_code_agree_on_their_words():
    from vaebench.papers.asperti2020 import latent_normalisation

    defs = schema.validator().schema["$defs"]
    assert tuple(defs["claim"]["properties"]["kind"]["enum"]) == claims.KINDS
    assert tuple(defs["baseline"]["properties"]["compare"]["enum"]) == baselines.COMPARES
    assert tuple(defs["namesPerScale"]["required"]) == specs.SCALES
    assert set(defs["evaluation"]["properties"]["latent_normalisation"]["enum"]) == set(
        latent_normalisation.MODES)


def _unknown_artifact_key(spec):
    spec["artifacts"]["table1"]["tolerence"] = {"inactive_count": 1}


def _string_tolerance(spec):
    spec["artifacts"]["table1"]["tolerance"]["inactive_count"] = "five"


def _missing_claim(spec):
    del spec["artifacts"]["table1"]["claim"]


def _unknown_scale(spec):
    spec["experiments"]["table1_dense"]["scales"]["huge"] = {"seeds": [0]}


def _unknown_top_level_key(spec):
    spec["recipes"] = {}


def _claim_of_unknown_kind(spec):
    spec["claims"][0]["kind"] = "hunch"


def _negative_tolerance(spec):
    spec["artifacts"]["table1"]["tolerance"]["inactive_count"] = -1


def _alpha_without_why(spec):
    spec["artifacts"]["table1"]["alpha"] = 0.01


def _baseline_with_value_and_none(spec):
    spec["baselines"]["table1"]["inactive_count"]["none"] = "nothing to compare"


@pytest.mark.parametrize("change, line", [
    (_unknown_artifact_key, "artifacts.table1.tolerence: unknown key (fix: did you mean "
                            "'tolerance'?)"),
    (_string_tolerance, "artifacts.table1.tolerance.inactive_count: 'five' is not of type "
                        "'number' (fix: give the tolerance as a number"),
    (_missing_claim, "artifacts.table1: 'claim' is a required property (fix: add claim: "),
    (_unknown_scale, "experiments.table1_dense.scales.huge: unknown key (fix: remove it, or use "
                     "one of: smoke, quick, paper)"),
    (_unknown_top_level_key, "recipes: unknown key (fix: remove it, or use one of: paper, "),
    (_claim_of_unknown_kind, "claims[0].kind: 'hunch' is not one of"),
    (_negative_tolerance, "artifacts.table1.tolerance.inactive_count: -1 is less than the "
                          "minimum of 0 (fix: give the tolerance as a number of at least 0"),
    (lambda spec: spec["artifacts"]["table1"]["reported"].update(inactive_count="eight"),
     "artifact 'table1': reported.inactive_count is text ('eight'); give the paper's number"),
    (_alpha_without_why, "artifacts.table1: 'alpha_why' is a dependency of 'alpha' (fix: add "
                         "alpha_why: beside alpha:)"),
    (_baseline_with_value_and_none, "baselines.table1.inactive_count.value: 16 is not of type "
                                    "'null' (fix: give a value or none: <why>, not both)"),
])
def test_a_broken_spec_is_one_line_naming_file_and_path(benchmarks, capsys, change, line):
    edit(benchmarks, PAPER, change)
    code, out, err = check(capsys, PAPER)
    assert (code, out) == (2, "")
    assert len(err) == 1, err
    assert err[0].startswith(f"vaebench: error: {FILE}: {line}"), err[0]


def test_a_key_given_twice_is_refused_with_its_lines(benchmarks, capsys):
    """YAML lets the last of two equal keys win: a second table1 would replace the first's
    reported numbers without a word."""
    path = benchmarks / f"{PAPER}.yaml"
    text = path.read_text()
    first = text.index("\n  table1:\n", text.index("\nartifacts:"))
    body_end = text.index("\n  table1_conv:", first) if "\n  table1_conv:" in text[first:] else None
    block = text[first:body_end]
    path.write_text(text[:body_end] + block.replace("inactive_count: 8", "inactive_count: 9")
                    + text[body_end:])
    code, out, err = check(capsys, PAPER)
    assert (code, out) == (2, "")
    line = text[:first].count("\n") + 2  # the line of the first `table1:`
    assert len(err) == 1 and err[0].startswith(f"vaebench: error: {FILE} line "), err
    assert f"key 'table1' given twice (first on line {line})" in err[0]


def test_a_reported_value_the_builder_reads_but_the_spec_lacks_is_one_line():
    from vaebench.artifacts.context import BuildContext
    from vaebench.errors import UserError

    spec = specs.load_spec(PAPER)
    entry = {**spec["artifacts"]["table1"], "reported": {
        k: v for k, v in spec["artifacts"]["table1"]["reported"].items() if k != "inactive_count"}}
    ctx = BuildContext({**spec, "artifacts": {"table1": entry}}, "table1", "quick")
    with pytest.raises(UserError, match=f"{PAPER}.yaml: artifacts.table1.reported has no "
                                        f"'inactive_count', which its builder reads"):
        ctx.claim({}, "inactive_count", "inactive_count", True)


def test_every_error_of_every_paper_is_listed(benchmarks, capsys):
    edit(benchmarks, PAPER, lambda spec: (_missing_claim(spec), _unknown_top_level_key(spec)))
    edit(benchmarks, "dai2020", _unknown_top_level_key)
    code, out, err = check(capsys)
    assert (code, out) == (2, "")
    assert [line.split(": ")[2:4] for line in err] == [
        [FILE, "recipes"], [FILE, "artifacts.table1"], ["benchmarks/dai2020.yaml", "recipes"]]


def test_cross_references_are_checked_once_the_structure_holds(benchmarks, capsys):
    def unknown_claim_and_noise(spec):
        spec["claim_rows"]["table1"] = {"inactive_count": "no_such_claim"}
        spec["artifacts"]["table1"]["no_seed_noise"] = "computed exactly"

    edit(benchmarks, PAPER, unknown_claim_and_noise)
    code, out, err = check(capsys, PAPER)
    assert (code, out) == (2, "")
    assert len(err) == 2, err
    assert "artifact 'table1' says no_seed_noise but trains runs" in err[0]
    assert "names claim 'no_such_claim', which is not in claims:" in err[1]


def test_a_command_loading_a_broken_spec_says_one_line(benchmarks):
    edit(benchmarks, PAPER, lambda spec: (_missing_claim(spec), _unknown_top_level_key(spec)))
    with pytest.raises(specs.SpecError) as caught:
        specs.load_spec(PAPER)
    assert len(caught.value.lines) == 2 and "\n" not in str(caught.value)
    assert str(caught.value).endswith("(and 1 more: `vaebench check` lists them)")


def test_the_shipped_specs_pass_check(capsys):
    code, out, err = check(capsys)
    assert (code, err) == (0, [])
    assert [line.split(":")[0] for line in out.splitlines()] == list(specs.PAPERS)


@pytest.mark.parametrize("change, line", [
    (lambda s: s["artifacts"]["a"].update(experiments=[]),
     "artifacts.a.experiments: [] should be non-empty (fix: list the runs it reads"),
    (lambda s: s["artifacts"]["a"].update(experiments={"smoke": ["x"], "quick": ["x"]}),
     "artifacts.a.experiments: 'paper' is a required property"),
    (lambda s: s.update(inconsistencies=[{"what": "w", "says": "s", "rows": [
        {"artifact": "a", "metrics": ["m"]}]}]),
     "inconsistencies[0]: 'reading' is a required property"),
    (lambda s: s.update(inconsistencies=[{"what": "w", "says": "s", "reading": "r", "rows": [
        {"artifact": "a", "metrics": []}]}]),
     "inconsistencies[0].rows[0].metrics: [] should be non-empty (fix: list the metrics"),
    (lambda s: s.update(claims=[{"id": "c", "claim": "c", "where": "w", "kind": "value"}]),
     "claims[0]: 'untested_why' is a required property (fix: list the artifacts that test it"),
    (lambda s: s.update(alternatives={"alt": {"choice": "c"}}),
     "alternatives.alt: 'scales' is a required property (fix: give set: "),
    (lambda s: s.update(baselines={"a": {"width": {"none": " "}}}),
     "baselines.a.width.none: ' ' does not match '\\\\S' (fix: write the text out"),
    (lambda s: s.update(baselines={"a": {"width": {"value": 1.0, "what": "w",
                                                   "reported": ["v"]}}}),
     "baselines.a.width: 'compare' is a required property"),
    (lambda s: s.update(baselines={"a": {"width": {
        "value": 1.0, "what": "w", "compare": "abs", "reported": ["v"], "uninformative": [1.0]}}}),
     "baselines.a.width: 'uninformative_why' is a dependency of 'uninformative'"),
])
def test_the_schema_holds_the_structure_the_hand_checks_did(change, line):
    spec = toy()
    assert schema.errors(spec) == []
    change(spec)
    found = schema.errors(spec)
    assert len(found) == 1 and found[0].startswith(line), found

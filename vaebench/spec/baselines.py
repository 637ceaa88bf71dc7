"""A paper's trivial baselines (`baselines:` in benchmarks/<paper>.yaml): every tolerance must
FAIL one (an untrained model, a constant output, every latent collapsed, the data generator's
own parameter), else a match under that tolerance says nothing about the replication.

    baselines:
      <artifact>:
        <tolerance key>:                        every numeric key of the artifact's tolerance:
          value: <number, or a list parallel to reported_paths>
          what: <the baseline, and where its number comes from>
          reported: <path>                      one path, or
          reported_paths: [<path>, ...]         several, or
          reported_values_from: <text>          the numbers themselves, from elsewhere
          values: [<number>, ...]
          tolerance_multiplier_paths: [<path>, ...]   (optional, parallel) t x that number
          compare: abs | at_least | at_most     the band the builder uses
          uninformative: [<number or {field: value}>, ...]   (optional) reported numbers no
          uninformative_why: <text>             tolerance keeping the paper's spread separates
        <tolerance key>: {none: <why no baseline number is checked>}

A path walks the artifact's `reported:` mapping: a string or int key of a mapping (both
spellings tried); an int index of a list; any other step over a list collects that key from
every element that has it. An `uninformative` number matches a reported number equal to it, a
mapping the rows (list elements walked through) whose fields hold those values. A baseline b
fails a reported number r under tolerance t as the verdict's band is inclusive: abs when
|b - r| > t, at_least when b < r - t, at_most when b > r + t (tests/test_tolerances.py).
"""

import math
from typing import NamedTuple

COMPARES = ("abs", "at_least", "at_most")
TEXT_SUFFIXES = ("_why", "_reason")
SOURCES = ("reported", "reported_paths", "values")


class PathError(ValueError):
    """A baseline path that does not select a number of the artifact's reported mapping."""


class Selected(NamedTuple):
    label: str  # where the number sits, e.g. ".rows[3].variance_law"
    value: object
    rows: tuple  # the list elements walked through (mappings), for row selectors


class Check(NamedTuple):
    label: str
    reported: float
    tolerance: float
    baseline: float
    compare: str
    uninformative: bool


def numeric_tolerances(artifact: dict) -> dict:
    """{key: tolerance} of an artifact's numeric tolerance keys (texts and booleans left out)."""
    out = {}
    for key, value in (artifact.get("tolerance") or {}).items():
        if key == "reason" or str(key).endswith(TEXT_SUFFIXES):
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        out[key] = value
    return out


def entries(spec: dict) -> dict:
    """{artifact: {tolerance key: entry}} of a spec ({} when it has no baselines)."""
    return spec.get("baselines") or {}


def resolve(node, path: list, label: str = "", rows: tuple = ()) -> list[Selected]:
    """The numbers a path selects in `node` (see the module docstring)."""
    if not path:
        return [Selected(label, node, rows)]
    step, rest = path[0], path[1:]
    if isinstance(node, dict):
        spellings = [step, str(step)]
        if str(step).lstrip("-").isdigit():
            spellings.append(int(step))
        for candidate in spellings:
            if candidate in node:
                return resolve(node[candidate], rest, f"{label}.{candidate}", rows)
        raise PathError(f"no key {step!r} at {label or '<reported>'}")
    if isinstance(node, list):
        if isinstance(step, int) and not isinstance(step, bool):
            if not -len(node) <= step < len(node):
                raise PathError(f"index {step} out of range at {label}")
            item = node[step]
            return resolve(item, rest, f"{label}[{step}]",
                           rows + ((item,) if isinstance(item, dict) else ()))
        found = []
        for i, item in enumerate(node):
            if isinstance(item, dict) and step in item:
                found += resolve(item[step], rest, f"{label}[{i}].{step}", rows + (item,))
        if not found:
            raise PathError(f"no element of {label or '<reported>'} has {step!r}")
        return found
    raise PathError(f"cannot step {step!r} into {type(node).__name__} at {label}")


def fails(baseline: float, reported: float, tolerance: float, compare: str) -> bool:
    """Whether the baseline lies outside the band the verdict uses (inclusive, in float)."""
    low, high = {"abs": (reported - tolerance, reported + tolerance),
                 "at_least": (reported - tolerance, math.inf),
                 "at_most": (-math.inf, reported + tolerance)}[compare]
    return baseline < low or baseline > high


def is_uninformative(entry: dict, selected: Selected) -> bool:
    """Whether a selected reported number is one the entry marks uninformative."""
    for item in entry.get("uninformative") or []:
        if isinstance(item, dict):
            if any(all(row.get(k) == v for k, v in item.items()) for row in selected.rows):
                return True
        elif _number(item) and _number(selected.value) and float(item) == float(
                selected.value):
            return True
    return False


def checks(entry: dict, artifact: dict, tolerance: float) -> list[Check]:
    """One Check per reported number an entry with a value selects."""
    reported = artifact.get("reported") or {}
    if "values" in entry:
        selected = [[Selected(f"values[{i}]", v, ())] for i, v in enumerate(entry["values"])]
    else:
        paths = entry["reported_paths"] if "reported_paths" in entry else [entry["reported"]]
        selected = [resolve(reported, list(p)) for p in paths]
    values = entry["value"]
    if isinstance(values, list):
        if len(values) != len(selected):
            raise PathError(f"{len(values)} values for {len(selected)} paths")
    else:
        values = [values] * len(selected)
    multipliers = entry.get("tolerance_multiplier_paths")
    if multipliers is not None and len(multipliers) != len(selected):
        raise PathError("tolerance_multiplier_paths is not parallel to reported_paths")
    out = []
    for i, (numbers, baseline) in enumerate(zip(selected, values, strict=True)):
        t = float(tolerance)
        if multipliers is not None:
            factors = resolve(reported, list(multipliers[i]))
            if len(factors) != 1 or not _number(factors[0].value):
                raise PathError(f"tolerance_multiplier_paths[{i}] does not select one number")
            t *= float(factors[0].value)
        for one in numbers:
            if not _number(one.value):
                raise PathError(f"{one.label} is not a number: {one.value!r}")
            out.append(Check(one.label, float(one.value), t, float(baseline), entry["compare"],
                             is_uninformative(entry, one)))
    return out


def validate(spec: dict, fail) -> None:
    """What the schema cannot check (the numbers are checked by tests/test_tolerances.py): each
    baselines artifact exists and each key is one of its numeric tolerances; an entry with a
    value names its reported numbers once, in lists parallel to its values."""
    artifacts = spec.get("artifacts") or {}
    for name, keys in entries(spec).items():
        if name not in artifacts:
            fail(f"baselines: artifact '{name}' is not defined")
            continue
        tolerances = numeric_tolerances(artifacts[name])
        for key, entry in keys.items():
            where = f"baselines: {name}.{key}"
            if key not in tolerances:
                fail(f"{where}: '{key}' is not a numeric tolerance of artifact '{name}'")
            if "none" not in entry:
                _validate_sources(entry, where, fail)


def _validate_sources(entry: dict, where: str, fail) -> None:
    given = [key for key in SOURCES if key in entry]
    if len(given) != 1:
        fail(f"{where}: name the reported numbers once: one of {', '.join(SOURCES)}")
    paths = entry.get("reported_paths") or []
    if isinstance(entry["value"], list) and len(entry["value"]) != len(paths):
        fail(f"{where}: a list of values must be parallel to reported_paths")
    multipliers = entry.get("tolerance_multiplier_paths")
    if multipliers is not None and len(multipliers) != len(paths):
        fail(f"{where}: tolerance_multiplier_paths must be parallel to reported_paths")


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)

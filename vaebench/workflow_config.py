"""The workflow's `--config` checked against workflow/schemas/config.schema.yaml in one line.

Snakemake's own `validate` dumps the jsonschema error (10-12 lines); a person at a terminal needs
the key, the value given and the values allowed. The Snakefile calls `problem()` first and stops
with that line as its error; `validate` then fills in the defaults.
"""

import os
import re
import sys
from pathlib import Path

import yaml

from vaebench import paths

# `--config download=false` arrives as the string "false": these keys are read as YAML
YAML_VALUED = ("download", "train_threads")


def allowed(rule: dict) -> str:
    """What a schema property accepts, in words."""
    if "enum" in rule:
        return "one of " + ", ".join(map(str, rule["enum"]))
    if "pattern" in rule:
        return rule.get("examples", f"a value matching {rule['pattern']}")
    if rule.get("type") == "integer":
        return f"a whole number >= {rule.get('minimum', '-inf')}"
    types = rule.get("type")
    return "a " + (" or ".join(types) if isinstance(types, list) else str(types))


def _fits(value, rule: dict) -> bool:
    kinds = rule.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    python = {"string": str, "boolean": bool, "integer": int, "null": type(None)}
    if not any(isinstance(value, python[k]) and not (k == "integer" and isinstance(value, bool))
               for k in kinds if k in python):
        return False
    if "enum" in rule and value not in rule["enum"]:
        return False
    if "pattern" in rule and isinstance(value, str) and not re.search(rule["pattern"], value):
        return False
    return not ("minimum" in rule and isinstance(value, int) and value < rule["minimum"])


def typed(config: dict) -> dict:
    """The YAML_VALUED keys given as strings on the command line, read as YAML."""
    return {key: yaml.safe_load(config[key]) for key in YAML_VALUED
            if isinstance(config.get(key), str)}


def problem(config: dict, schema_path: str) -> str | None:
    """One line naming the first bad key, its value and what is allowed; None if all is well."""
    schema = yaml.safe_load(Path(schema_path).read_text())
    properties = schema["properties"]
    for key, value in config.items():
        if key not in properties:
            return (f"vaebench: unknown config key '{key}'; known: {', '.join(properties)} "
                    f"(workflow/config.yaml)")
        if not _fits(value, properties[key]):
            return (f"vaebench: config {key}={value!r} is not allowed; use "
                    f"{allowed(properties[key])} (--config {key}=...)")
    return None


def export_environment(data_root: str, device: str, download: bool, workflow_dir: str) -> None:
    """What every job reads from its environment rather than its command line: the data root,
    the prepared-data cache, the device and whether data may be downloaded do not change a
    run's result, and a changed `params:` would re-run every job (the dataset jobs check or
    fetch the data before any training, so training jobs never download). PYTHONPATH puts
    this workflow's own vaebench first, so a job imports the code its Snakefile came with,
    inside a rule's conda environment too."""
    os.environ["VAEBENCH_DATA"] = data_root
    os.environ["VAEBENCH_CACHE"] = paths.DATA  # prepared datasets (CelebA): rule celeba_cache
    os.environ["VAEBENCH_DEVICE"] = device
    os.environ["VAEBENCH_DOWNLOAD"] = "1" if download else "0"
    os.environ["VAEBENCH_PYTHON"] = sys.executable  # the jobs' interpreter (plan.jobs)
    imports = [workflow_dir, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    os.environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(imports))

"""The structure of benchmarks/<paper>.yaml: its JSON Schema (paper.schema.json beside this
module) and a spec's errors against it, one line each: `<where>: <what> (fix: <how>)`.

Editors read the same file (each spec's first line names it), so the keys a spec may have, their
types and the required ones are written once. What a schema cannot say (cross-references between
entries, the training options) vaebench.spec.specs checks after it.
"""

import difflib
import json
import re
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator

SCHEMA = Path(__file__).with_name("paper.schema.json")
SCHEMA_NAME = "vaebench/spec/paper.schema.json"  # as a user finds it in the checkout
KEYS_LISTED = 15  # a fix lists the allowed keys up to this many, else points to the schema
TYPE_WORDS = {"number": "a number", "integer": "a whole number", "string": "text",
              "boolean": "true or false", "array": "a list", "object": "a mapping",
              "null": "no value"}


@cache
def validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(SCHEMA.read_text()))


def errors(spec) -> list[str]:
    """One line per error of `spec` against the schema (none when it is valid)."""
    return [line for error in validator().iter_errors(spec) for line in describe(error)]


def describe(error) -> list[str]:
    """The lines of one schema error: an unknown key each on its own line, with its path."""
    if error.validator == "additionalProperties" and error.validator_value is False:
        return [f"{where([*error.absolute_path, key])}: unknown key "
                f"(fix: {unknown_fix(error, key)})" for key in unknown_keys(error)]
    return [f"{where(error.absolute_path)}: {error.message} (fix: {fix(error)})"]


def where(path) -> str:
    """A path into the spec as a reader finds it: artifacts.table5.tolerance.fid, claims[3].kind."""
    text = "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in path)
    return text.lstrip(".") or "top level"


def unknown_keys(error) -> list:
    allowed = error.schema.get("properties", {})
    patterns = error.schema.get("patternProperties", {})
    return [key for key in error.instance if key not in allowed
            and not any(re.search(pattern, str(key)) for pattern in patterns)]


def unknown_fix(error, key) -> str:
    allowed = list(error.schema.get("properties", {}))
    close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.75)
    if close:
        return f"did you mean '{close[0]}'?"
    if len(allowed) <= KEYS_LISTED:
        return f"remove it, or use one of: {', '.join(allowed)}"
    return (f"remove it, or use a key {SCHEMA_NAME} lists for "
            f"{error.schema.get('title', 'this mapping')}")


def fix(error) -> str:
    """How to repair one error: the schema's own words (errorMessage, which editors show too),
    else a hint from the rule that failed."""
    if "errorMessage" in error.schema:
        return error.schema["errorMessage"]
    hint = HINTS.get(error.validator)
    return hint(error) if hint else f"see {SCHEMA_NAME}"


def _type_hint(error) -> str:
    wanted = error.validator_value
    wanted = wanted if isinstance(wanted, list) else [wanted]
    return "give " + " or ".join(TYPE_WORDS.get(name, name) for name in wanted)


def _required_hint(error) -> str:
    name = re.match(r"'(.*)' is a required property", error.message)[1]
    about = error.schema.get("properties", {}).get(name, {}).get("description")
    return f"add {name}: {about}" if about else f"add {name}:"


def _dependency_hint(error) -> str:
    needed, given = re.match(r"'(.*)' is a dependency of '(.*)'", error.message).groups()
    return f"add {needed}: beside {given}:"


def _pattern_hint(error) -> str:
    if error.validator_value == r"\S":
        return "write the text out: an empty one says nothing"
    return f"match {error.validator_value}"


def _bound_hint(word: str):
    return lambda error: f"give a number {word} {error.validator_value}"


HINTS = {
    "type": _type_hint,
    "required": _required_hint,
    "dependentRequired": _dependency_hint,
    "pattern": _pattern_hint,
    "enum": lambda error: "use one of: " + ", ".join(map(str, error.validator_value)),
    "minItems": lambda error: "list at least one",
    "uniqueItems": lambda error: "list each once",
    "minimum": _bound_hint(">="),
    "maximum": _bound_hint("<="),
    "exclusiveMinimum": _bound_hint(">"),
    "exclusiveMaximum": _bound_hint("<"),
}

"""One registry for the parts a benchmark is assembled from: models, likelihoods, datasets,
samplers, procedures and artifact builders.

A part is registered under its kind and name with `register(kind, name, target)`, the target
being the object itself or "module:attribute", imported on first use. A paper package
(vaebench/papers/<paper>/) names every part it brings in its `__init__` that way, so knowing
which names exist (checking a spec, planning the DAG) imports no torch and runs no paper code.
The generic layers register their own parts when imported, and find the papers' only through
here: paper packages are discovered by scanning vaebench/papers/ and the folders listed in
$VAEBENCH_PAPERS, so adding a paper touches no shared file.
"""

import importlib
import os
import pkgutil
import sys
from functools import cache
from pathlib import Path

from vaebench.errors import UserError

KINDS = ("model", "likelihood", "dataset", "sampler", "procedure", "builder")
PAPERS_PACKAGE = "vaebench.papers"
# folders (os.pathsep-separated) of paper packages outside this one, e.g. a test's example paper
PAPERS_ENV = "VAEBENCH_PAPERS"

_entries: dict[str, dict[str, object]] = {kind: {} for kind in KINDS}
# what a part says of itself without being imported, e.g. a model's `stackable: True`
_traits: dict[tuple[str, str], dict] = {}


def register(kind: str, name: str, target=None, **traits):
    """Register `target` (an object or "module:attribute") as `kind` `name`, with `traits` read
    by `trait` without importing it; without a target, a decorator that registers what it
    decorates."""
    if target is None:
        return lambda obj: register(kind, name, obj, **traits) or obj
    if kind not in _entries:
        raise ValueError(f"unknown kind of part '{kind}'; kinds: {', '.join(KINDS)}")
    known = _entries[kind].get(name)
    if known is not None and known is not target and not _same_reference(known, target):
        raise ValueError(f"{kind} '{name}' is registered twice")
    _entries[kind][name] = target
    _traits[(kind, name)] = traits
    return None


def _same_reference(known, target) -> bool:
    """A module imported twice (e.g. re-imported by a test) registers equal references again."""
    return isinstance(known, str) and known == target


def builder_name(paper: str, artifact: str) -> str:
    """The name an artifact's builder is registered under."""
    return f"{paper}/{artifact}"


def names(kind: str) -> list[str]:
    """Every registered name of a kind, the papers' included; imports none of their modules."""
    discover_papers()
    return sorted(_entries[kind])


def has(kind: str, name: str) -> bool:
    discover_papers()
    return name in _entries[kind]


def get(kind: str, name: str):
    """The part registered as `kind` `name`, imported if registered by reference; a one-line
    UserError naming the choices when there is none."""
    if not has(kind, name):
        raise UserError(f"unknown {kind} '{name}'; known: {', '.join(names(kind)) or 'none'}")
    target = _entries[kind][name]
    if isinstance(target, str):
        module, _, attribute = target.partition(":")
        target = getattr(importlib.import_module(module), attribute)
        _entries[kind][name] = target
    return target


def trait(kind: str, name: str, key: str, default=None):
    """A trait the part was registered with (its module is not imported)."""
    discover_papers()
    return _traits.get((kind, name), {}).get(key, default)


@cache
def discover_papers() -> tuple[str, ...]:
    """Import every paper package's `__init__` (its registrations), once; the packages' names."""
    found = [f"{PAPERS_PACKAGE}.{module.name}" for module in _package_modules(PAPERS_PACKAGE)]
    for folder in filter(None, os.environ.get(PAPERS_ENV, "").split(os.pathsep)):
        found += _external_papers(Path(folder))
    for package in found:
        importlib.import_module(package)
    return tuple(found)


def _package_modules(package: str) -> list:
    path = importlib.import_module(package).__path__
    return [module for module in pkgutil.iter_modules(path) if module.ispkg]


def _external_papers(folder: Path) -> list[str]:
    """Paper packages in a folder of their own, imported as top-level packages."""
    if str(folder) not in sys.path:
        sys.path.append(str(folder))
    return [module.name for module in pkgutil.iter_modules([str(folder)]) if module.ispkg]

"""Sampled datasets: synthetic distributions that give a fresh float batch at every step.

A paper registers each as a `Sampler` under kind "sampler" (vaebench.registry). `shape(**args)`
is the shape of one example; `sample(n, generator, **args)` returns a float tensor [n, *shape]
on the CPU, drawn from `generator` only (its state is checkpointed, so a resumed run draws the
same batches as an uninterrupted one). The arguments come from the training config's
`dataset_args` and are recorded with every run.
"""

from collections.abc import Callable
from typing import NamedTuple

from vaebench import registry
from vaebench.errors import UserError


class Sampler(NamedTuple):
    shape: Callable[..., tuple[int, ...]]
    sample: Callable


def names() -> list[str]:
    """Every sampled dataset (their names only: no paper module is imported)."""
    return registry.names("sampler")


def entry(name: str) -> Sampler:
    return registry.get("sampler", name)


def shape(name: str, args: dict | None) -> tuple[int, ...]:
    try:
        return tuple(entry(name).shape(**(args or {})))
    except TypeError as exc:
        raise UserError(f"dataset '{name}': bad dataset_args {args} ({exc})") from None

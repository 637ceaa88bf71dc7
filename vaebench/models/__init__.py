"""Model registry: `build_model(name, data_shape, params_per_dim, **arch)`.

Every model is an nn.Module with `encode(x) -> (mu, logvar)`, `decode(z) -> decoder output` and a
`latent_dim`; paper architectures are named after the paper that defines them. Each module in
this package declares `MODELS = {name: class}`; the registry collects them, so adding a model
touches no shared file.
"""

import importlib
import pkgutil
from functools import cache

from vaebench.errors import UserError


@cache
def registry() -> dict:
    models = {}
    for module in pkgutil.iter_modules(__path__):
        models.update(getattr(importlib.import_module(f"{__name__}.{module.name}"), "MODELS", {}))
    return models


def build_model(name: str, data_shape, params_per_dim: int = 1, **arch):
    models = registry()
    if name not in models:
        raise UserError(f"unknown model '{name}'; known: {', '.join(sorted(models))}")
    latent_dim = arch.get("latent_dim", 1)
    if not isinstance(latent_dim, int) or latent_dim < 1:
        raise UserError(f"model latent_dim must be a positive integer, got {latent_dim!r}")
    try:
        return models[name](data_shape=tuple(data_shape), params_per_dim=params_per_dim, **arch)
    except (TypeError, KeyError) as exc:
        raise UserError(f"model '{name}': bad architecture arguments {arch} ({exc})") from None

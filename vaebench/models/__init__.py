"""Model registry: `build_model(name, data_shape, params_per_dim, **arch)`.

Every model is an nn.Module with `encode(x) -> (mu, logvar)`, `decode(z) -> decoder output` and a
`latent_dim`; paper architectures are named after the paper that defines them.
"""

from vaebench.errors import UserError
from vaebench.models.dense import ACTIVATIONS, DenseVAE

MODELS = {"dense_vae": DenseVAE}


def build_model(name: str, data_shape, params_per_dim: int = 1, **arch):
    if name not in MODELS:
        raise UserError(f"unknown model '{name}'; known: {', '.join(sorted(MODELS))}")
    if "activation" in arch and arch["activation"] not in ACTIVATIONS:
        raise UserError(f"unknown activation '{arch['activation']}'; known: "
                        f"{', '.join(sorted(ACTIVATIONS))}")
    latent_dim = arch.get("latent_dim", 1)
    if not isinstance(latent_dim, int) or latent_dim < 1:
        raise UserError(f"model latent_dim must be a positive integer, got {latent_dim!r}")
    try:
        return MODELS[name](data_shape=data_shape, params_per_dim=params_per_dim, **arch)
    except TypeError as exc:
        raise UserError(f"model '{name}': bad architecture arguments {arch} ({exc})") from None

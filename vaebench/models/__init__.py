"""Models: `build_model(name, data_shape, params_per_dim, **arch)`.

Every model is an nn.Module with `encode(x) -> (mu, logvar)`, `decode(z) -> decoder output` and a
`latent_dim`. The models here serve more than one paper; a paper's own architectures live in its
package (vaebench/papers/<paper>/), which registers them under kind "model" (vaebench.registry).
A model that can train several seeds as one vectorised model (vaebench.train.stacked) is
registered with the trait `stackable=True`, read without importing it (run configs are checked
while the workflow is planned).
"""

from vaebench import registry
from vaebench.errors import UserError

# the parts more than one paper uses (vaebench.models.likelihoods holds the likelihoods)
registry.register("model", "dense_vae", f"{__name__}.dense:DenseVAE", stackable=True)
registry.register("likelihood", "bernoulli", f"{__name__}.likelihoods:Bernoulli")
registry.register("likelihood", "gaussian_fixed", f"{__name__}.likelihoods:GaussianFixed")
registry.register("likelihood", "gaussian_learned", f"{__name__}.likelihoods:GaussianLearnedScalar")


def build_model(name: str, data_shape, params_per_dim: int = 1, **arch):
    model_class = registry.get("model", name)
    latent_dim = arch.get("latent_dim", 1)
    if not isinstance(latent_dim, int) or latent_dim < 1:
        raise UserError(f"model latent_dim must be a positive integer, got {latent_dim!r}")
    try:
        return model_class(data_shape=tuple(data_shape), params_per_dim=params_per_dim, **arch)
    except (TypeError, KeyError) as exc:
        raise UserError(f"model '{name}': bad architecture arguments {arch} ({exc})") from None


def stackable(name: str) -> bool:
    """Whether the model's seeds can be trained as one vectorised model."""
    return bool(registry.trait("model", name, "stackable", False))


def stackable_models() -> list[str]:
    return [name for name in registry.names("model") if stackable(name)]

"""Berger & Sebag 2020, not all failures: builders, run evaluation, the hypersphere case; the
ResNet-MLP and convolutional VAEs, the scheduled and per-dimension σ likelihoods and the sampled
data sets.

Every part the paper brings is named here, by reference (imported on first use), so that
listing the names imports no torch: vaebench.registry.
"""

from vaebench.registry import register

PAPER = __name__.rpartition(".")[2]

register("model", "conv_berger", f"{__name__}.conv_berger:ConvBergerVAE")
register("model", "resnet_mlp", f"{__name__}.resnet_mlp:ResNetMLPVAE", stackable=True)
register("likelihood", "gaussian_scheduled", f"{__name__}.likelihoods:GaussianScheduledSigma")
register("likelihood", "gaussian_learned_per_dim", f"{__name__}.likelihoods:GaussianLearnedPerDim")
register("sampler", "hypersphere", f"{__name__}.samplers:HYPERSPHERE")
register("sampler", "noisy_curve", f"{__name__}.samplers:NOISY_CURVE")

register("builder", f"{PAPER}/figure2", f"{__name__}.builders:figure2")
register("builder", f"{PAPER}/figure3", f"{__name__}.builders:figure3")
register("builder", f"{PAPER}/table1", f"{__name__}.builders:table1")
register("builder", f"{PAPER}/figure4", f"{__name__}.builders:scatter_figure")
register("builder", f"{PAPER}/figure6", f"{__name__}.builders:scatter_figure")
register("builder", f"{PAPER}/figure7", f"{__name__}.builders:scatter_figure")
register("builder", f"{PAPER}/figure8", f"{__name__}.builders:curve_figure")
register("builder", f"{PAPER}/figure9", f"{__name__}.builders:curve_figure")
register("builder", f"{PAPER}/figure10", f"{__name__}.builders:curve_figure")
register("builder", f"{PAPER}/schedule", f"{__name__}.builders:schedule")
register("builder", f"{PAPER}/table2", f"{__name__}.builders:table2")
register("builder", f"{PAPER}/theorem1", f"{__name__}.builders:theorem1")
register("builder", f"{PAPER}/table2_celeba", f"{__name__}.celeba:table2_celeba")

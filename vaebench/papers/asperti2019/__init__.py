"""Asperti 2019, variable collapse: the builders, the convolutional VAE and the noise-injection
procedure of Fig. 7.

Every part the paper brings is named here, by reference (imported on first use), so that
listing the names imports no torch: vaebench.registry.
"""

from vaebench.registry import register

PAPER = __name__.rpartition(".")[2]

register("model", "conv_asperti", f"{__name__}.conv_asperti:ConvAspertiVAE")
register("procedure", "noise_injection", f"{__name__}.noise_injection:procedure")

register("builder", f"{PAPER}/table1", f"{__name__}.builders:table1")
register("builder", f"{PAPER}/table1_conv", f"{__name__}.builders:table1_conv")
register("builder", f"{PAPER}/figure1", f"{__name__}.builders:figure1")
register("builder", f"{PAPER}/figure2", f"{__name__}.builders:figure2")
register("builder", f"{PAPER}/figure3", f"{__name__}.builders:figure3")
register("builder", f"{PAPER}/figure5", f"{__name__}.builders:figure5")
register("builder", f"{PAPER}/variance_law", f"{__name__}.builders:variance_law")
register("builder", f"{PAPER}/figure7", f"{__name__}.builders:figure7")
register("builder", f"{PAPER}/sparsity_vs_latent_dim",
         f"{__name__}.builders:sparsity_vs_latent_dim")

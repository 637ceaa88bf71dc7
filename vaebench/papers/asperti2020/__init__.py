"""Asperti & Trentin 2020, balancing reconstruction and KL: two-stage CIFAR-10 tables and
figures, the learning-rate table, latent activation, and the CelebA tables; the two-stage
networks, the computed-γ likelihood and the second stage's latent-code data.

Every part the paper brings is named here, by reference (imported on first use), so that
listing the names imports no torch: vaebench.registry.
"""

from vaebench.registry import register

PAPER = __name__.rpartition(".")[2]

register("model", "two_stage_resnet", f"{__name__}.two_stage_resnet:TwoStageResNet")
register("model", "two_stage_dense", f"{__name__}.two_stage_resnet:SecondStageVAE")
register("likelihood", "gaussian_computed", f"{__name__}.likelihoods:GaussianComputedGamma")
register("sampler", "latent_codes", f"{__name__}.latent_codes:SAMPLER")

register("builder", f"{PAPER}/figure7", f"{__name__}.celeba:figure7")
register("builder", f"{PAPER}/table3", f"{__name__}.celeba_tables:table3")
register("builder", f"{PAPER}/table4", f"{__name__}.celeba_tables:table4")
register("builder", f"{PAPER}/figure3", f"{__name__}.celeba_tables:figure3")
register("builder", f"{PAPER}/appendix_resize", f"{__name__}.celeba_tables:appendix_resize")
register("builder", f"{PAPER}/figure4", f"{__name__}.latents:first_epoch")
register("builder", f"{PAPER}/figure5", f"{__name__}.latents:first_epoch")
register("builder", f"{PAPER}/figure6", f"{__name__}.latents:figure6")
register("builder", f"{PAPER}/table5", f"{__name__}.lr:table5")
register("builder", f"{PAPER}/table1", f"{__name__}.training:table1")
register("builder", f"{PAPER}/figure2", f"{__name__}.training:figure2")
register("builder", f"{PAPER}/table2", f"{__name__}.two_stage:table2")

"""Dai, Wang & Wipf 2020, the usual suspects: builders (FC depth sweep, propositions), the
convolutional sweeps, the CelebA histograms; the FC, convolutional and residual networks.

Every part the paper brings is named here, by reference (imported on first use), so that
listing the names imports no torch: vaebench.registry.
"""

from vaebench.registry import register

PAPER = __name__.rpartition(".")[2]

register("model", "dai_conv", f"{__name__}.dai_conv:dai_conv")
register("model", "dai_resnet", f"{__name__}.dai_conv:dai_resnet")
register("model", "dai_fc", f"{__name__}.dai_nets:DaiFC", stackable=True)

register("builder", f"{PAPER}/figure1_top", f"{__name__}.builders:figure1_top")
register("builder", f"{PAPER}/learned_gamma_vs_depth",
         f"{__name__}.builders:learned_gamma_vs_depth")
register("builder", f"{PAPER}/proposition1", f"{__name__}.builders:proposition1")
register("builder", f"{PAPER}/proposition2", f"{__name__}.builders:proposition2")
register("builder", f"{PAPER}/figure2", f"{__name__}.celeba:figure2")
register("builder", f"{PAPER}/figure1_middle", f"{__name__}.conv:figure1_middle")
register("builder", f"{PAPER}/figure1_bottom", f"{__name__}.conv:figure1_bottom")

"""Dai, Wang & Wipf 2020, the usual suspects: builders (FC depth sweep, propositions), the
convolutional sweeps, the CelebA histograms."""

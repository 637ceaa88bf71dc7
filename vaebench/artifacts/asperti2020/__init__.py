"""Asperti & Trentin 2020, balancing reconstruction and KL: two-stage CIFAR-10 tables and
figures, the learning-rate table, latent activation, and the CelebA tables."""

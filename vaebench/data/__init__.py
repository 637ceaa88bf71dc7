"""Datasets: the registry (datasets), the on-disk formats (readers), CelebA, the JPEG round trip,
generated stand-ins (images) and sampled 2-D distributions (samplers). Imports nothing above it."""

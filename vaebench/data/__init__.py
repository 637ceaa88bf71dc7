"""Datasets: the catalog (names, shapes, files, whether they are here; no torch), loading them
(datasets), the on-disk formats (readers), CelebA, the JPEG round trip, generated stand-ins
(images) and what a sampled dataset is (samplers). Imports nothing above it."""

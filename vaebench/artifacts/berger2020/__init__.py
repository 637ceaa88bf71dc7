"""Berger & Sebag 2020, not all failures: builders, run evaluation, the hypersphere case."""

"""vaebench: regenerate the tables and figures of VAE papers, reported beside replicated (one
spec per paper in benchmarks/, one package per paper in vaebench/papers/)."""

__version__ = "0.1.0"

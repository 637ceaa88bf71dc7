"""vaebench: regenerate the tables and figures of four VAE papers, reported beside replicated."""

__version__ = "0.1.0"

"""Asperti 2019, variable collapse: the builders and the noise-injection procedure of Fig. 7."""

"""Evaluation of finished runs: FID (features, references, runs), two-stage models, latent
normalisation, and the verdict of a replicated number against a reported one."""

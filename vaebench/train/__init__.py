"""Training: a run's config, the loop, its outputs read back (runs), the plateau rule
(convergence), latent statistics, initialisation, the objective, speed options and
the job plumbing (gpu, orphan). Imports data and models only."""

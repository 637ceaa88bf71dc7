"""Dai, Wang & Wipf 2020, Propositions 1 and 2, on problems small enough to compute exactly.

Both use the paper's energy (5) with an arbitrarily complex encoder, i.e. free moments μ_z⁽ⁱ⁾,
σ_z⁽ⁱ⁾ per data point, averaged over the n points (the paper sums; the minimisers are the same):

    E = mean_i { E_q ||x⁽ⁱ⁾ − μ_x(z)||² / γ + d log γ + Σ_j (σ_ij² − log σ_ij² + μ_ij² − 1) }

γ is the decoder *variance* here, as in the paper (models.likelihoods logs a std).
For the soft-threshold decoder μ_x = π_α(W z) + b of Eq. (4) the expectation over q is exact:
each (W z)_k is Gaussian, and the first two moments of a soft-thresholded Gaussian have closed
forms, so E and its gradients carry no Monte-Carlo noise (α = 0 is the affine decoder). Only the
small MLP decoder of the Proposition 2 sweep uses reparameterised samples.

Every problem is batched over R independent runs (a leading dimension), so a sweep over γ or over
initialisations is one optimisation.
"""

import math

import torch

DTYPE = torch.float64
S_FLOOR = 1e-12  # added to Var[(Wz)_k]: keeps the moment formulas finite where W = 0


# ---------------------------------------------------------------- the soft-threshold decoder


def soft_threshold(u: torch.Tensor, alpha: float) -> torch.Tensor:
    """π_α(u) = sign(u) (|u| − α)₊ of Eq. (4)."""
    return torch.sign(u) * (u.abs() - alpha).clamp(min=0)


def _positive_part_moments(m: torch.Tensor, s: torch.Tensor):
    """E[v₊] and E[v₊²] for v ~ N(m, s²)."""
    t = m / s
    cdf = 0.5 * torch.erfc(-t / math.sqrt(2))
    pdf = torch.exp(-0.5 * t * t) / math.sqrt(2 * math.pi)
    return m * cdf + s * pdf, (m * m + s * s) * cdf + m * s * pdf


def soft_threshold_moments(m: torch.Tensor, s: torch.Tensor, alpha: float):
    """E[π_α(u)] and E[π_α(u)²] for u ~ N(m, s²): π_α(u) = (u − α)₊ − (−u − α)₊."""
    up_1, up_2 = _positive_part_moments(m - alpha, s)
    down_1, down_2 = _positive_part_moments(-m - alpha, s)
    return up_1 - down_1, up_2 + down_2


def kl_twice(mu: torch.Tensor, log_sigma: torch.Tensor) -> torch.Tensor:
    """2 KL(N(μ, σ²) ‖ N(0, 1)) per element: the latent part of (5)."""
    return torch.exp(2 * log_sigma) - 2 * log_sigma + mu * mu - 1


def expected_sq_error(params: dict, x: torch.Tensor, alpha: float) -> torch.Tensor:
    """E_q ||x⁽ⁱ⁾ − π_α(W z) − b||² per run and point: [R, n], exact."""
    weights, sigma2 = params["W"], torch.exp(2 * params["log_sigma"])
    mean = torch.einsum("rnk,rdk->rnd", params["mu"], weights)
    var = torch.einsum("rnk,rdk->rnd", sigma2, weights * weights)
    residual = x - params["b"][:, None, :]
    if alpha == 0:  # affine: E||r − Wz||² = ||r − Wμ||² + Σ_k Var[(Wz)_k]
        return ((residual - mean) ** 2 + var).sum(-1)
    first, second = soft_threshold_moments(mean, torch.sqrt(var + S_FLOOR), alpha)
    return (residual * residual - 2 * residual * first + second).sum(-1)


def energy(params: dict, x: torch.Tensor, alpha: float, gamma_floor: float = 0.0,
           data_term=None) -> torch.Tensor:
    """Energy (5) per run, [R]. γ = exp(log_gamma), clamped below at `gamma_floor`: the global
    minimum of a perfectly reconstructing decoder lies at γ → 0 (E → −∞), and a floor turns that
    infimum into a point that gradient descent can reach and stop at."""
    sq_error = (data_term or expected_sq_error)(params, x, alpha)
    gamma = torch.exp(params["log_gamma"]).clamp(min=gamma_floor)
    d = x.shape[-1]
    per_point = (sq_error / gamma[:, None] + d * torch.log(gamma)[:, None]
                 + kl_twice(params["mu"], params["log_sigma"]).sum(-1))
    return per_point.mean(-1)


def reconstruction_mse(params: dict, x: torch.Tensor, alpha: float) -> torch.Tensor:
    """(1/nd) Σ ||x⁽ⁱ⁾ − π_α(W μ⁽ⁱ⁾) − b||² per run: the deterministic reconstruction."""
    decoded = soft_threshold(torch.einsum("rnk,rdk->rnd", params["mu"], params["W"]), alpha)
    return ((x - decoded - params["b"][:, None, :]) ** 2).mean((-1, -2))


def mean_kl_per_dim(params: dict) -> torch.Tensor:
    """KL(q(z_j|x) ‖ p(z_j)) averaged over the points: [R, k] (nats)."""
    return 0.5 * kl_twice(params["mu"], params["log_sigma"]).mean(1)


# ---------------------------------------------------------------- points of the energy


def collapsed_point(x: torch.Tensor, k: int, runs: int = 1) -> dict:
    """The collapsed solution of Eq. (6): W = 0, b = x̄, q(z|x) = N(0, I), γ = γ̄."""
    n, d = x.shape
    mean = x.mean(0)
    gamma_bar = ((x - mean) ** 2).mean()
    return {"W": torch.zeros(runs, d, k, dtype=DTYPE), "b": mean.repeat(runs, 1),
            "mu": torch.zeros(runs, n, k, dtype=DTYPE),
            "log_sigma": torch.zeros(runs, n, k, dtype=DTYPE),
            "log_gamma": torch.log(gamma_bar).repeat(runs)}


def escape_direction(x: torch.Tensor, k: int) -> dict:
    """The direction along which the affine energy leaves the collapsed point (the first pPCA
    component): W = √λ₁ u₁ e₁ᵀ, μ⁽ⁱ⁾ = u₁ᵀ(x⁽ⁱ⁾ − x̄)/√λ₁ e₁. Along it the affine energy falls as
    t²(1 − λ₁/γ̄) (a saddle); any α > 0 removes the fall near t = 0."""
    n, d = x.shape
    centred = x - x.mean(0)
    eigvals, eigvecs = torch.linalg.eigh(centred.T @ centred / n)
    lam, u = eigvals[-1], eigvecs[:, -1]
    direction = {key: torch.zeros_like(value) for key, value in collapsed_point(x, k).items()}
    direction["W"][0, :, 0] = torch.sqrt(lam) * u
    direction["mu"][0, :, 0] = centred @ u / torch.sqrt(lam)
    return direction


def along(point: dict, direction: dict, t: float) -> dict:
    return {key: point[key] + t * direction[key] for key in point}


def flat(params: dict) -> torch.Tensor:
    return torch.cat([params[key].reshape(-1) for key in sorted(params)])


def unflat(vector: torch.Tensor, like: dict) -> dict:
    out, start = {}, 0
    for key in sorted(like):
        size = like[key].numel()
        out[key] = vector[start:start + size].view_as(like[key])
        start += size
    return out


def gradient_norm(params: dict, x: torch.Tensor, alpha: float) -> float:
    """‖∇E‖ over every parameter (W, b, μ, σ, γ) of one run."""
    vector = flat(params).clone().requires_grad_(True)
    value = energy(unflat(vector, params), x, alpha).sum()
    (grad,) = torch.autograd.grad(value, vector)
    return float(grad.norm())


def hessian_eigenvalues(params: dict, x: torch.Tensor, alpha: float) -> torch.Tensor:
    """Eigenvalues of ∇²E at one run's parameters (a few hundred parameters: exact)."""
    def scalar(vector):
        return energy(unflat(vector, params), x, alpha).sum()

    hessian = torch.autograd.functional.hessian(scalar, flat(params))
    return torch.linalg.eigvalsh(0.5 * (hessian + hessian.T))


# ---------------------------------------------------------------- descent


def descend(params: dict, x: torch.Tensor, alpha: float, steps: int, lr: float,
            gamma_floor: float = 0.0, fixed: tuple[str, ...] = (), data_term=None,
            log_every: int = 50, generator: torch.Generator | None = None):
    """Adam on the energy from `params` (every run of the batch at once); the keys in `fixed`
    are not trained. Returns the final parameters and the energy trace [steps/log_every, R]."""
    params = {key: value.clone().requires_grad_(key not in fixed) for key, value in
              params.items()}
    trained = [value for key, value in params.items() if key not in fixed]
    optimizer = torch.optim.Adam(trained, lr=lr)
    trace = []
    for step in range(steps):
        if data_term is not None:
            values = energy(params, x, alpha, gamma_floor,
                            lambda p, xx, a: data_term(p, xx, generator))
        else:
            values = energy(params, x, alpha, gamma_floor)
        optimizer.zero_grad(set_to_none=True)
        values.sum().backward()
        optimizer.step()
        if step % log_every == 0 or step == steps - 1:
            trace.append(values.detach())
    return {key: value.detach() for key, value in params.items()}, torch.stack(trace)


# ---------------------------------------------------------------- Proposition 1


def proposition1_dataset(alpha: float, n: int, d: int, k: int, seed: int):
    """Data that the soft-threshold decoder reconstructs perfectly: x⁽ⁱ⁾ = π_α(W* z⁽ⁱ⁾) + b*.
    Returns (x, the perfect parameters W*, b*, z) in float64."""
    gen = torch.Generator().manual_seed(seed)
    w_true = torch.randn(d, k, generator=gen, dtype=DTYPE)
    b_true = 0.5 * torch.randn(d, generator=gen, dtype=DTYPE)
    z_true = torch.randn(n, k, generator=gen, dtype=DTYPE)
    return soft_threshold(z_true @ w_true.T, alpha) + b_true, w_true, b_true, z_true


def perfect_point(w_true, b_true, z_true, variance: float) -> dict:
    """The perfect reconstruction with σ_z² = γ = `variance`: E → −∞ as variance → 0 (κ < d)."""
    log_sd = 0.5 * math.log(variance)
    return {"W": w_true[None].clone(), "b": b_true[None].clone(), "mu": z_true[None].clone(),
            "log_sigma": torch.full((1, *z_true.shape), log_sd, dtype=DTYPE),
            "log_gamma": torch.tensor([math.log(variance)], dtype=DTYPE)}


def initialisations(kind: str, x: torch.Tensor, k: int, runs: int, scale: float,
                    generator: torch.Generator) -> dict:
    """`near_collapse`: the collapsed point plus N(0, scale²) on W, μ and log σ;
    `random`: W ~ N(0, scale²/k), μ ~ N(0, 1), σ = 1, b = x̄, γ = γ̄ (a generic start)."""
    start = collapsed_point(x, k, runs)

    def noise(like):
        return torch.randn(like.shape, generator=generator, dtype=DTYPE)

    if kind == "near_collapse":
        for key in ("W", "mu", "log_sigma"):
            start[key] = start[key] + scale * noise(start[key])
    elif kind == "random":
        start["W"] = scale / math.sqrt(k) * noise(start["W"])
        start["mu"] = noise(start["mu"])
    else:
        raise ValueError(f"unknown initialisation '{kind}'")
    return start


def classify(params: dict, x: torch.Tensor, alpha: float, perfect_rtol: float = 1e-3,
             collapsed_kl: float = 1e-3) -> list[str]:
    """perfect (reconstruction error < perfect_rtol · γ̄), collapsed (no information in z: total
    KL < collapsed_kl nats and error ≥ (1 − perfect_rtol) γ̄), else partial."""
    gamma_bar = float(((x - x.mean(0)) ** 2).mean())
    mse = reconstruction_mse(params, x, alpha) / gamma_bar
    kl = mean_kl_per_dim(params).sum(-1)
    return ["perfect" if m < perfect_rtol else
            "collapsed" if (k < collapsed_kl and m > 1 - perfect_rtol) else "partial"
            for m, k in zip(mse.tolist(), kl.tolist(), strict=True)]


# ---------------------------------------------------------------- Proposition 2


def spectrum_dataset(eigenvalues: list[float], n: int, seed: int) -> torch.Tensor:
    """n points whose sample covariance (1/n) Σ (x − x̄)(x − x̄)ᵀ has exactly these eigenvalues,
    in a random orientation (so the closed form can be checked without sampling error)."""
    d = len(eigenvalues)
    gen = torch.Generator().manual_seed(seed)
    white = torch.randn(n, d, generator=gen, dtype=DTYPE)
    white = white - white.mean(0)
    q, _ = torch.linalg.qr(white)  # orthonormal, zero-mean columns
    rotation, _ = torch.linalg.qr(torch.randn(d, d, generator=gen, dtype=DTYPE))
    scales = torch.tensor(eigenvalues, dtype=DTYPE).sqrt()
    offset = torch.randn(d, generator=gen, dtype=DTYPE)
    return math.sqrt(n) * (q * scales) @ rotation.T + offset


def closed_form_active(eigenvalues: list[float], gamma: float, k: int) -> int:
    """Affine decoder, γ fixed: at the global optimum the columns of W are the principal
    directions with λ_i > γ, scaled by √(λ_i − γ); the other κ − r̃ dimensions collapse."""
    return min(k, sum(lam > gamma for lam in eigenvalues))


def active_dims(params: dict, kl_threshold: float) -> torch.Tensor:
    """Latent dimensions that carry information (mean KL above the threshold), per run."""
    return (mean_kl_per_dim(params) > kl_threshold).sum(-1)


def gamma_sweep_start(x: torch.Tensor, k: int, gammas: list[float], seed: int) -> dict:
    """One run per γ (fixed): small random W, μ ~ N(0, 0.1²), σ = 1, b = x̄."""
    gen = torch.Generator().manual_seed(seed)
    runs = len(gammas)
    start = collapsed_point(x, k, runs)
    start["W"] = 0.1 * torch.randn(start["W"].shape, generator=gen, dtype=DTYPE)
    start["mu"] = 0.1 * torch.randn(start["mu"].shape, generator=gen, dtype=DTYPE)
    start["log_gamma"] = torch.log(torch.tensor(gammas, dtype=DTYPE))
    return start


def mlp_decoder_start(start: dict, hidden: int, seed: int) -> dict:
    """Adds a one-hidden-layer ReLU decoder μ_x = W₂ relu(W₁ z + c) + b to a sweep start
    (replacing W), initialised like nn.Linear (uniform ±1/√fan_in)."""
    gen = torch.Generator().manual_seed(seed + 1)
    runs, d, k = start["W"].shape

    def uniform(*shape, fan_in):
        return (2 * torch.rand(*shape, generator=gen, dtype=DTYPE) - 1) / math.sqrt(fan_in)

    params = {key: value for key, value in start.items() if key != "W"}
    params.update({"W1": uniform(runs, hidden, k, fan_in=k), "c": uniform(runs, hidden, fan_in=k),
                   "W2": uniform(runs, d, hidden, fan_in=hidden)})
    return params


def mlp_sq_error(samples: int):
    """E_q ||x − W₂ relu(W₁ z + c) − b||² by `samples` reparameterised draws per point."""
    def data_term(params: dict, x: torch.Tensor, generator: torch.Generator | None):
        mu, sigma = params["mu"], torch.exp(params["log_sigma"])
        noise = torch.randn((samples, *mu.shape), generator=generator, dtype=DTYPE)
        z = mu + sigma * noise  # [S, R, n, k]
        hidden = torch.relu(torch.einsum("srnk,rhk->srnh", z, params["W1"])
                            + params["c"][None, :, None, :])
        decoded = torch.einsum("srnh,rdh->srnd", hidden, params["W2"]) + params["b"][None, :,
                                                                                     None, :]
        return ((x - decoded) ** 2).sum(-1).mean(0)
    return data_term

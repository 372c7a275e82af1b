"""Quadrature rules for the perturbation laws of :mod:`zo_core.objectives`, for radius 1.

* gaussian ``N(0, I)``: tensor Gauss–Hermite;
* ball, d = 1: Gauss–Legendre; d = 2: Gauss–Legendre in the radius times the trapezoid rule in the angle;
* ball, d >= 3: randomised quasi-Monte Carlo (scrambled Sobol), ``QMC_REPLICATES`` scrambles pooled.

Every rule returns nodes E (m, d) and positive weights w (m,) summing to 1, ``E h(eps) ≈ sum w h(E)``.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

@lru_cache(maxsize=32)
def unit_rule(law: str, d: int, order: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes E (m, d) and positive weights w (m,) summing to 1 for the law with radius 1."""
    if law == "gaussian":
        xi, a = np.polynomial.hermite.hermgauss(order)          # weight exp(-x^2)
        z, a = np.sqrt(2.0) * xi, a / np.sqrt(np.pi)             # now for N(0, 1)
        grids = np.meshgrid(*([z] * d), indexing="ij")
        wgrids = np.meshgrid(*([a] * d), indexing="ij")
        E = np.stack([g.ravel() for g in grids], axis=-1)
        w = np.prod([g.ravel() for g in wgrids], axis=0)
        return E, w / w.sum()
    if d == 1:
        s, a = np.polynomial.legendre.leggauss(order)            # uniform on [-1, 1]
        return s[:, None], a / 2.0
    if d == 2:
        # Uniform on the unit disk in polar form: density r dr dθ / π. Gauss–Legendre in r on [0, 1]
        # (the factor r is smooth, so it rides along in the weight), trapezoid in θ (periodic: spectral).
        s, a = np.polynomial.legendre.leggauss(order)
        r, a = (s + 1) / 2, a / 2
        n_theta = 2 * order
        theta = 2 * np.pi * (np.arange(n_theta) + 0.5) / n_theta
        E = np.stack([np.outer(r, np.cos(theta)).ravel(), np.outer(r, np.sin(theta)).ravel()], axis=-1)
        w = np.repeat(2 * a * r / n_theta, n_theta)
        return E, w / w.sum()
    # d >= 3: randomised quasi-Monte Carlo (scrambled Sobol), QMC_REPLICATES scrambles pooled; see objectives.ball_qmc
    E = sobol_ball(d, order, QMC_REPLICATES, 0).reshape(-1, d)
    return E, np.full(len(E), 1.0 / len(E))


QMC_REPLICATES = 8      # independent scrambles of the ball's Sobol rule in d >= 3: the spread gives the stderr


@lru_cache(maxsize=16)
def sobol_ball(d: int, m: int, replicates: int, seed: int) -> np.ndarray:
    """Uniform points in the unit ball of R^d: (replicates, m, d), each replicate one scrambled Sobol
    sequence of m = 2^k points in d + 1 dimensions mapped by direction = z / |z| with z = Phi^-1(u_1..d)
    and radius = u_(d+1)^(1/d)."""
    from scipy.special import ndtri
    from scipy.stats import qmc

    k = max(1, int(round(math.log2(max(int(m), 2)))))
    out = np.empty((replicates, 2**k, d))
    for r, ss in enumerate(np.random.SeedSequence(seed).spawn(replicates)):
        u = qmc.Sobol(d + 1, scramble=True, seed=np.random.default_rng(ss)).random_base2(k)
        u = np.clip(u, 1e-12, 1 - 1e-12)                           # Phi^-1 of 0 or 1 is infinite
        z = ndtri(u[:, :d])
        out[r] = z / np.linalg.norm(z, axis=-1, keepdims=True) * u[:, d:] ** (1.0 / d)
    out.setflags(write=False)
    return out

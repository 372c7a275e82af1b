"""The numbers behind each page's key claim, computed at the page's current settings.

Every function here is cheap (a few ms of numpy, or a summary of a run the page already has) and
returns plain dicts of floats, ints and booleans; the page turns them into a sentence. A verdict
("the flat basin wins") is a boolean computed here, never a conclusion written into the text.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from zo_core import expressions

ORDER = 24   # quadrature nodes per axis, as the Smoothing page's slices use


def _sharp_flat(L) -> tuple[int, int] | None:
    """Indices of the most and the least curved known minima (by lambda_max of the Hessian)."""
    if len(L.minima) < 2:
        return None
    lam = np.linalg.eigvalsh(np.asarray(L.hess(L.minima), float))[:, -1]
    return int(np.argmax(lam)), int(np.argmin(lam))


def _winner(sharp: float, flat: float) -> str:
    if np.isnan(sharp) or np.isnan(flat) or not (np.isfinite(sharp) or np.isfinite(flat)) \
            or abs(flat - sharp) <= 1e-9 * (1 + abs(sharp) + abs(flat)):
        return "neither"
    return "flat" if flat < sharp else "sharp"


WINNERS = ("sharp", "flat", "neither")


@lru_cache(maxsize=64)
def basins(landscape: str, t: float, mu: float, rho: float, law: str) -> dict | None:
    """f, f_mu = E f(x + eps) and L_t = (1/t) log E exp(t f(x + eps)) at the sharpest and flattest minima.

    Returns None when the landscape lists fewer than two minima. Keys: ``sharp``, ``flat`` (points),
    ``lam`` (lambda_max there), ``radius`` (mu or rho by ``law``), and for ``f``, ``mean``, ``tilted``
    a pair (sharp, flat) with ``<kind>_winner``: "flat" or "sharp" (the lower value), or "neither"
    (equal to 1e-9 relative, both infinite, or either undefined).
    """
    from zo_core import objectives   # on first use: its scipy takes ~0.3 s, which Landscapes' chart need not wait for

    L = expressions.resolve(landscape)
    pick = _sharp_flat(L)
    if pick is None:
        return None
    radius = float(mu if law == "gaussian" else rho)
    X = L.minima[list(pick)]
    lam = np.linalg.eigvalsh(np.asarray(L.hess(X), float))[:, -1]
    values = {"f": np.asarray(L.f(X), float),
              "mean": objectives.smoothed(L.f, X, law=law, radius=radius, order=ORDER),
              "tilted": objectives.tilted(L.f, X, t=float(t), law=law, radius=radius, order=ORDER)}
    out = {"sharp": tuple(map(float, X[0])), "flat": tuple(map(float, X[1])),
           "lam": (float(lam[0]), float(lam[1])), "radius": radius}
    for kind, v in values.items():
        out[kind] = (float(v[0]), float(v[1]))
        out[f"{kind}_winner"] = _winner(float(v[0]), float(v[1]))
    return out


def curvature(landscape: str) -> dict | None:
    """Sharpness of the known minima: lambda_max of the Hessian at the sharpest and flattest (the same
    minimum when only one is listed), their ratio, the largest stable gradient step 2 / lambda_max at the
    sharpest and its condition number lambda_max / lambda_min. None when no minimum is listed."""
    L = expressions.resolve(landscape)
    if len(L.minima) == 0:
        return None
    pick = _sharp_flat(L) or (0, 0)
    eig = np.linalg.eigvalsh(np.asarray(L.hess(L.minima[list(pick)]), float))
    sharp, flat = float(eig[0, -1]), float(eig[1, -1])
    return {"sharp": tuple(map(float, L.minima[pick[0]])), "flat": tuple(map(float, L.minima[pick[1]])),
            "count": int(len(L.minima)), "lam_sharp": sharp, "lam_flat": flat,
            "ratio": sharp / flat if flat > 0 else float("inf"),
            "lr_stable": 2.0 / sharp if sharp > 0 else float("inf"),
            "cond_sharp": float(eig[0, -1] / eig[0, 0]) if eig[0, 0] > 0 else float("inf")}


def coordinate_errors(landscape: str, x: float, y: float, mu: float, precision: str = "float64") -> dict:
    """||g - grad f(x)|| for coordinate forward (f(x + mu e_i) - f(x)) / mu and central differences.

    Deterministic (no random directions). Keys ``forward``, ``central``, ``grad_norm``, ``f`` (f(x)),
    ``central_wins`` (central strictly more accurate), ``roundoff`` (eps_machine |f(x)| / mu) and
    ``truncation_dominates`` (the forward error exceeds 10x that round-off).
    """
    L = expressions.resolve(landscape)
    dtype = np.float32 if precision == "float32" else np.float64
    p = np.array([x, y], dtype=float)
    grad = np.asarray(L.grad(p), float)
    out = {"grad_norm": float(np.linalg.norm(grad)), "f": float(L.f(p))}
    for scheme in ("forward", "central"):
        h = np.eye(2, dtype=dtype) * dtype(mu)
        xp = p.astype(dtype)
        with np.errstate(all="ignore"):
            up = np.asarray(L.f((xp + h).astype(dtype)), dtype)
            down = np.asarray(L.f((xp - h).astype(dtype)) if scheme == "central" else L.f(xp[None].astype(dtype)),
                              dtype)
            g = (up - down) / (dtype(2) * dtype(mu) if scheme == "central" else dtype(mu))
        out[scheme] = float(np.linalg.norm(g.astype(float) - grad))
    out["central_wins"] = bool(out["central"] < out["forward"])
    # round-off of one difference quotient, about eps_machine |f| / mu: where the forward error is within
    # 10x of it, the errors measure round-off, not the truncation order
    out["roundoff"] = float(np.finfo(dtype).eps * max(abs(out["f"]), np.finfo(dtype).tiny) / mu)
    out["truncation_dominates"] = bool(out["forward"] > 10 * out["roundoff"])
    return out


def linear_second_moment(method: str, scheme: str, d: int, q: int, mu: float, fx: float = 1.0,
                         grad_norm: float = 1.0) -> dict:
    """E||g||^2 of q averaged random-direction estimates on a linear f with f(x) = fx, ||grad f|| = G.

    Two-point schemes: gaussian G^2 (1 + (d+1)/q), sphere G^2 (1 + (d-1)/q). One-point adds the
    f(x)/mu term: one direction has E||g||^2 = d fx^2/mu^2 + (d+2) G^2 (gaussian) or
    d^2 fx^2/mu^2 + d G^2 (sphere); averaging q keeps the mean G^2 and divides the rest by q.
    Returns ``second_moment``, its ratio to G^2, ``rel_error`` = sqrt(E||g - grad||^2) / G and
    ``q_for_unit`` (the smallest q with rel_error <= 1).
    """
    G2 = float(grad_norm) ** 2
    if scheme == "one-point":
        one = (d * fx**2 / mu**2 + (d + 2) * G2) if method == "gaussian" else (d**2 * fx**2 / mu**2 + d * G2)
    else:
        one = (d + 2) * G2 if method == "gaussian" else d * G2
    spread = one - G2                               # E||g - grad f||^2 of one direction
    m2 = G2 + spread / q
    if G2 == 0:                                     # at a stationary point every estimate is pure noise
        return {"second_moment": m2, "ratio": float("inf"), "rel_error": float("inf"), "q_for_unit": None}
    return {"second_moment": m2, "ratio": m2 / G2, "rel_error": float(np.sqrt(spread / q / G2)),
            "q_for_unit": int(np.ceil(spread / G2 - 1e-12))}


@lru_cache(maxsize=32)
def race(landscape: str, budget: int, seed: int, x0: float, y0: float, lr: float, mu: float, t: float,
         rho: float, kl: float, n: int, delta: float) -> dict:
    """Summary of the page's race (the same cached run its figures draw) and of its end points under the
    shifted landscape f(x + delta): ``table`` {method: (f(x), f(x + delta), change)} for finite end points,
    ``best`` (lowest f), ``best_shifted`` (lowest f(x + delta)), ``fragile`` (largest change), and with two
    or more known minima ``start_basin`` and ``basins`` {method: index} by gradient flow (None otherwise)."""
    from zo_core.optimizers import sharpness
    from zo_core.viz import optimizers as race_figures

    L = expressions.resolve(landscape)
    runs = race_figures.race_runs(landscape, budget, seed, x0, y0, lr, mu, t, rho, kl, n)
    shift = np.array([delta, delta], float)
    ends = {m: np.asarray(r.xs[-1], float) for m, r in runs.items() if np.all(np.isfinite(r.xs[-1]))}
    table = {}
    with np.errstate(all="ignore"):
        for m, x in ends.items():
            before, after = float(L.f(x)), float(L.f(x + shift))
            if np.isfinite(before) and np.isfinite(after):
                table[m] = (before, after, after - before)
    out = {"table": table, "best": None, "best_shifted": None, "fragile": None, "start_basin": None, "basins": None}
    if table:
        out["best"] = min(table, key=lambda m: table[m][0])
        out["best_shifted"] = min(table, key=lambda m: table[m][1])
        out["fragile"] = max(table, key=lambda m: table[m][2])
    if len(L.minima) >= 2 and ends:
        names = list(ends)
        idx = sharpness.classify(L.f, L.grad, np.array([[x0, y0], *ends.values()]), L.minima)
        out["start_basin"] = int(idx[0])
        out["basins"] = {m: int(i) for m, i in zip(names, idx[1:])}
    return out


def tuning(traces: dict) -> dict | None:
    """Which tuner found the lowest noiseless loss, and ZO-SGD against random search at the same budget."""
    if not traces:
        return None
    best = {m: float(tr.best_f) for m, tr in traces.items()}
    winner = min(best, key=best.get)
    out = {"best": best, "winner": winner}
    if "zo-sgd" in best and "random" in best:
        out["zo_beats_random"] = bool(best["zo-sgd"] < best["random"])
    return out


def attack_steps(method: str, q: int, budget: int, d: int) -> dict:
    """Queries a ZO attack step costs (q + 1, or 2q + 1 for ZOO), how many steps the budget buys after the
    clean query, and for ZOO the share of the d pixels one step estimates."""
    cost = 2 * q + 1 if method == "zoo" else q + 1
    steps = max(0, (int(budget) - 1) // cost)
    return {"cost": cost, "steps": steps, "pixel_share": min(q, d) / d, "coordinate_cost": 2 * d + 1}


def mezo_passes(method: str, n: int, steps: int) -> dict:
    """Loss evaluations of a run: 2n a step for MeZO/ZEST (n directions, two sides each), 1 for backprop
    (its backward pass not charged), and the backprop steps the same number of evaluations would buy."""
    per = 2 * int(n) if method in ("mezo", "zest") else 1
    return {"per_step": per, "total": per * int(steps), "backprop_steps": per * int(steps)}


def tilted_at(landscape: str, x: float, y: float, ts: tuple, mu: float, rho: float, law: str) -> tuple:
    """L_t at the point (x, y) for each t in ``ts`` (t = 0: the mean f_mu); non-decreasing in t."""
    from zo_core import objectives   # on first use, as in basins

    L = expressions.resolve(landscape)
    radius = float(mu if law == "gaussian" else rho)
    p = np.array([[float(x), float(y)]])
    return tuple(float(objectives.tilted(L.f, p, t=float(t), law=law, radius=radius, order=ORDER)[0]) for t in ts)


@lru_cache(maxsize=32)
def bound_gap(mu: float, d: int, cond: float = 10.0) -> dict:
    """Exact E||g||^2 of the gaussian forward estimator on the page's quadratic test problem in d dimensions
    against the Nesterov-Spokoiny bound 2(d+4)||grad f||^2 + mu^2 L1^2 (d+6)^3 / 2, split into its two terms."""
    from zo_core import estimators, theory

    F, x = estimators.problem("quadratic", int(d), cond=cond)
    g = np.asarray(F.grad(x), float)
    L1 = float(F.lam.max())
    exact = float(theory.moments(F, x, method="gaussian", scheme="forward", mu=float(mu)).second_moment)
    gradient_term = 2.0 * (d + 4) * float(g @ g)
    curvature_term = float(mu) ** 2 * L1**2 * (d + 6) ** 3 / 2.0
    bound = gradient_term + curvature_term
    return {"exact": exact, "bound": bound, "ratio": bound / exact, "gradient_term": gradient_term,
            "curvature_term": curvature_term, "curvature_dominates": bool(curvature_term > gradient_term)}


def zest_against_zo_sgd(landscape: str, x0: float, y0: float, mu: float, t: float, n: int, seed: int) -> dict:
    """ZO-SGD's and ZEST's estimates at (x0, y0) from the *same* n antithetic pairs (one draw from
    default_rng(seed), repeated for each): ``zo_sgd``, ``zest0`` (t = 0: equal to ZO-SGD's by construction
    of the limit), ``zest`` (at t), ``gap0`` = max |zest0 - zo_sgd| and ``identical`` (gap0 at round-off,
    1e-12 relative)."""
    from zo_core.optimizers import methods

    L = expressions.resolve(landscape)
    x = np.array([x0, y0], float)
    draw = lambda: np.random.default_rng(int(seed))      # noqa: E731 — the same directions for each estimate
    g = methods.zo_sgd_estimate(L.f, x, mu=float(mu), q=int(n), rng=draw())
    z0 = methods.zest_estimate(L.f, x, t=0.0, mu=float(mu), n=int(n), rng=draw())
    zt = methods.zest_estimate(L.f, x, t=float(t), mu=float(mu), n=int(n), rng=draw())
    gap0 = float(np.max(np.abs(z0 - g)))
    return {"zo_sgd": tuple(map(float, g)), "zest0": tuple(map(float, z0)), "zest": tuple(map(float, zt)),
            "gap0": gap0, "identical": gap0 <= 1e-12 * (1 + float(np.max(np.abs(g))))}

"""Black-box adversarial attacks on a small digit classifier, with white-box references.

The victim is a two-layer perceptron on scikit-learn's 8x8 ``load_digits`` images (pixels scaled to
[0, 1], d = 64), trained in about a second from an integer ``seed``. The attacker of the
zeroth-order (ZO) methods sees only the output probabilities ``p(x)`` and pays one *query* for
every image it submits; the white-box methods (FGSM, PGD) read the gradient and are the upper
bound of what an attack under the same budget ``eps`` can do.

All attacks minimise the Carlini-Wagner margin loss on log-probabilities,

    untargeted: L(x) = max(log p_y(x) - max_{j != y} log p_j(x), -kappa)
    targeted:   L(x) = max(max_{j != t} log p_j(x) - log p_t(x), -kappa)

and succeed as soon as the margin is negative (the predicted class is no longer ``y``, or is the
target ``t``). The perturbation ``delta = x_adv - x`` stays in the l_inf or l_2 ball of radius
``eps`` and the adversarial image in the pixel box [0, 1]: we project onto the ball and then clip
to the box, and since clipping only moves each ``delta_i`` towards 0 the ball is never left.

Everything is vectorised over a batch of images ``(B, d)`` and over the ``q`` directions
``(B, q, d)``; images that have succeeded (or cannot afford another step) stop querying.

>>> from zo_core import attack
>>> clf = attack.train_classifier(seed=0)
>>> x, y = attack.test_batch(clf, n=8, seed=0)
>>> res = attack.zo_attack(clf.proba, x, y, eps=0.2, budget=500, seed=0)
>>> bool((res.queries <= 500).all())
True
"""

from __future__ import annotations

import contextlib
import math
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from zo_core import estimators
from zo_core.memo import memo

Oracle = Callable[[torch.Tensor], torch.Tensor]   # images (N, d) -> probabilities (N, K)

ZO_METHODS = ("zo-signsgd", "zo-adam", "zoo")
WHITE_BOX_METHODS = ("fgsm", "pgd")
NORMS = ("linf", "l2")
LIMITS = dict(eps=(1e-3, 8.0), mu=(1e-5, 1.0), q=(1, 200), budget=(2, 100_000))


class TrainingError(RuntimeError):
    """The classifier did not reach the accuracy the demo needs (or its loss diverged)."""


@contextlib.contextmanager
def single_thread():
    """Run torch on one thread: on 64-wide matrices thread hand-offs cost more than they save (10x on a
    busy 2-core machine), and results no longer depend on the machine's core count."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


# --- the victim ---------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Classifier:
    """A trained digit classifier. Shared between sessions: never mutate it.

    Attributes
    ----------
    model : ``torch.nn.Sequential`` 64 -> hidden -> 10 in eval mode, parameters frozen.
    X_train, y_train, X_test, y_test : read-only arrays; images (n, 64) in [0, 1], labels (n,).
    test_accuracy : fraction of test images classified correctly.
    seed : the seed of the initialisation and of the split.
    seconds : training time.
    """

    model: torch.nn.Module
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    test_accuracy: float
    seed: int
    seconds: float

    def logits(self, X: torch.Tensor) -> torch.Tensor:
        """z(x): the logits (N, 10); differentiable in X (the white-box attacker's view)."""
        return self.model(X.to(torch.float32))

    def proba(self, X: torch.Tensor) -> torch.Tensor:
        """p(x) = softmax(z(x)) in float64, (N, 10): the only thing a black-box attacker sees."""
        with torch.no_grad():
            return torch.softmax(self.logits(torch.as_tensor(X)).double(), dim=-1)

    def predict(self, X) -> np.ndarray:
        return self.proba(torch.tensor(np.asarray(X), dtype=torch.float32)).argmax(-1).numpy()


def _init_mlp(d: int, hidden: int, k: int, gen: torch.Generator) -> torch.nn.Sequential:
    """An MLP whose weights come from ``gen`` (uniform +-1/sqrt(fan_in), as torch's default)."""
    model = torch.nn.Sequential(torch.nn.Linear(d, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, k))
    with torch.no_grad():
        for layer in (model[0], model[2]):
            bound = 1.0 / math.sqrt(layer.in_features)
            for p in (layer.weight, layer.bias):
                p.copy_((torch.rand(p.shape, generator=gen) * 2 - 1) * bound)
    return model


def train_classifier(*, seed: int = 0, hidden: int = 64, epochs: int = 150, lr: float = 0.02,
                     weight_decay: float = 1e-4, test_size: float = 0.3,
                     min_accuracy: float = 0.9) -> Classifier:
    """theta = argmin CE(softmax(W2 relu(W1 x + b1) + b2), y): full-batch Adam on the digits.

    Deterministic for a given ``seed`` (a local ``torch.Generator``; no global seeding).

    Raises
    ------
    ValueError
        for out-of-range settings.
    TrainingError
        when the loss diverges or the test accuracy stays below ``min_accuracy``.
    """
    if not (1 <= hidden <= 4096 and 1 <= epochs <= 100_000 and 0 < lr <= 10 and 0 < test_size < 1):
        raise ValueError(f"bad training settings: hidden={hidden}, epochs={epochs}, lr={lr}, "
                         f"test_size={test_size}")
    t0 = time.perf_counter()
    digits = load_digits()
    X = (digits.data / 16.0).astype(np.float32)
    y = digits.target.astype(np.int64)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=test_size, random_state=seed,
                                                        stratify=y)
    gen = torch.Generator().manual_seed(int(seed))
    model = _init_mlp(X.shape[1], hidden, 10, gen)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    Xt, yt = torch.from_numpy(X_train), torch.from_numpy(y_train)
    loss = torch.tensor(float("nan"))
    with single_thread():
        for _ in range(epochs):
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(Xt), yt)
            loss.backward()
            opt.step()
        model.eval()
        for p in model.parameters():
            p.requires_grad_(False)
        with torch.no_grad():
            acc = float((model(torch.from_numpy(X_test)).argmax(-1).numpy() == y_test).mean())
    for a in (X_train, X_test, y_train, y_test):
        a.setflags(write=False)
    if not math.isfinite(float(loss.detach())):
        raise TrainingError(f"the classifier's training loss diverged (lr={lr}); try a smaller lr")
    if acc < min_accuracy:
        raise TrainingError(f"the classifier reached only {acc:.1%} test accuracy after {epochs} epochs "
                            f"(needs {min_accuracy:.0%}); train longer or change the seed")
    return Classifier(model, X_train, y_train, X_test, y_test, acc, int(seed), time.perf_counter() - t0)


@memo(4)
def pretrained(seed: int = 0) -> Classifier:
    """The default classifier for ``seed``, trained once per process (figures and slides share it)."""
    return train_classifier(seed=int(seed))


def test_batch(clf: Classifier, n: int, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n correctly classified test images (n, 64) and their labels, drawn without replacement."""
    correct = np.flatnonzero(clf.predict(clf.X_test) == clf.y_test)
    if not 1 <= n <= len(correct):
        raise ValueError(f"n must be between 1 and {len(correct)} (correctly classified test images), got {n}")
    idx = np.sort(np.random.default_rng(seed).choice(correct, size=n, replace=False))
    return clf.X_test[idx].copy(), clf.y_test[idx].copy()


# --- losses, projections, directions ------------------------------------------------------

def margin_loss(p: torch.Tensor, y: torch.Tensor, target: torch.Tensor | None = None,
                kappa: float = 0.0) -> torch.Tensor:
    """L = max(log p_y - max_{j!=y} log p_j, -kappa) (untargeted) or its targeted twin; (..., K) -> (...)."""
    logp = torch.log(p.clamp_min(1e-300))
    label = y if target is None else target
    own = logp.gather(-1, label.unsqueeze(-1)).squeeze(-1)
    others = logp.scatter(-1, label.unsqueeze(-1), float("-inf")).amax(-1)
    margin = own - others if target is None else others - own
    return margin.clamp_min(-kappa)


def _success(p: torch.Tensor, y: torch.Tensor, target: torch.Tensor | None) -> torch.Tensor:
    pred = p.argmax(-1)
    return pred != y if target is None else pred == target


def project(delta: torch.Tensor, x: torch.Tensor, *, norm: str, eps: float) -> torch.Tensor:
    """Pi(delta): into the ``norm`` ball of radius eps, then x + delta into the box [0, 1]."""
    if norm == "linf":
        delta = delta.clamp(-eps, eps)
    else:
        n = delta.norm(dim=-1, keepdim=True)
        delta = delta * torch.clamp(eps / n.clamp_min(1e-12), max=1.0)
    return (x + delta).clamp(0.0, 1.0) - x


def _directions(B: int, q: int, d: int, *, kind: str, gen: torch.Generator,
                dtype=torch.float64) -> torch.Tensor:
    """u (B, q, d): standard Gaussian, or uniform on the unit sphere.

    The torch twin of ``zo_core.estimators.directions`` (the attack runs in torch, on the model's
    device), with the same convention: unit directions on the sphere, and the estimate carries the
    scale phi = d (``estimators.phi``) so that phi E[u u'] = I for both laws.
    """
    u = torch.randn(B, q, d, generator=gen, dtype=dtype)
    if kind == "sphere":
        u = u / u.norm(dim=-1, keepdim=True)
    elif kind != "gaussian":
        raise ValueError(f"directions must be 'gaussian' or 'sphere', got {kind!r}")
    return u


def check(*, norm: str = "linf", eps: float = 0.2, mu: float = 0.01, q: int = 20, budget: int = 2000,
          method: str = "zo-signsgd") -> None:
    """Raise ValueError with a precise message when an attack setting is out of range."""
    if norm not in NORMS:
        raise ValueError(f"norm must be one of {', '.join(NORMS)}, got {norm!r}")
    if method not in ZO_METHODS + WHITE_BOX_METHODS + ("noise",):
        raise ValueError(f"method must be one of {', '.join(ZO_METHODS + WHITE_BOX_METHODS)}, got {method!r}")
    for name, value in dict(eps=eps, mu=mu, q=q, budget=budget).items():
        lo, hi = LIMITS[name]
        if not (isinstance(value, (int, float)) and math.isfinite(value) and lo <= value <= hi):
            raise ValueError(f"{name} must be in [{lo:g}, {hi:g}], got {value!r}")
    cost = 2 * q + 1 if method == "zoo" else q + 1
    if method in ZO_METHODS and budget < 1 + cost:
        raise ValueError(f"a query budget of {budget} cannot pay for one step: the first query checks the "
                         f"clean image and each step costs {cost} queries (q={q}); raise the budget to "
                         f"at least {1 + cost} or lower q")


# --- results --------------------------------------------------------------------------------

@dataclass(frozen=True)
class AttackResult:
    """What an attack did to a batch of B images.

    x_adv (B, d) adversarial images; success (B,) bool; queries (B,) model queries spent per image
    (for white-box methods: gradient evaluations); p_clean, p_adv (B, K) probabilities;
    and the settings it ran with.
    """

    method: str
    norm: str
    eps: float
    budget: int
    x: np.ndarray
    x_adv: np.ndarray
    y: np.ndarray
    target: np.ndarray | None
    success: np.ndarray
    queries: np.ndarray
    p_clean: np.ndarray
    p_adv: np.ndarray

    @property
    def delta(self) -> np.ndarray:
        return self.x_adv - self.x

    @property
    def success_rate(self) -> float:
        return float(self.success.mean())

    def median_queries(self) -> float:
        """Median queries over the successful images (NaN if none succeeded)."""
        return float(np.median(self.queries[self.success])) if self.success.any() else float("nan")

    def success_curve(self, grid) -> np.ndarray:
        """Fraction of the batch fooled within Q queries, for each Q in ``grid``."""
        grid = np.asarray(grid)
        hits = self.success[None, :] & (self.queries[None, :] <= grid[:, None])
        return hits.mean(axis=1)


def _as_tensors(x, y, target):
    x = torch.as_tensor(np.asarray(x), dtype=torch.float64)
    if x.ndim != 2:
        raise ValueError(f"images must have shape (B, d), got {tuple(x.shape)}")
    y = torch.as_tensor(np.asarray(y), dtype=torch.int64).reshape(-1)
    if y.shape[0] != x.shape[0]:
        raise ValueError(f"{x.shape[0]} images but {y.shape[0]} labels")
    if target is not None:
        target = torch.as_tensor(np.asarray(target), dtype=torch.int64).reshape(-1).expand(x.shape[0]).clone()
        if (target == y).any():
            raise ValueError("a target class equals the true class; pick a different target")
    return x, y, target


def _result(method, norm, eps, budget, x, x_adv, y, target, success, queries, p_clean, p_adv) -> AttackResult:
    return AttackResult(method, norm, float(eps), int(budget), x.numpy(), x_adv.numpy(), y.numpy(),
                        None if target is None else target.numpy(), success.numpy(),
                        queries.numpy().astype(np.int64), p_clean.numpy(), p_adv.numpy())


# --- zeroth-order attacks ---------------------------------------------------------------------

def zo_attack(oracle: Oracle, x, y, *, method: str = "zo-signsgd", norm: str = "linf", eps: float = 0.2,
              mu: float = 0.01, q: int = 20, budget: int = 2000, lr: float | None = None, target=None,
              kappa: float = 0.0, directions: str = "gaussian", beta1: float = 0.9, beta2: float = 0.99,
              seed: int = 0) -> AttackResult:
    """delta <- Pi(delta - lr * step(g)), g = (1/q) sum_k (L(x + delta + mu u_k) - L(x + delta)) / mu * u_k.

    Black-box attack through ``oracle`` (images (N, d) -> probabilities (N, K)).

    Methods
    -------
    ``"zo-signsgd"``: step = sign(g) for l_inf, g / ||g|| for l_2 (q + 1 queries a step).
    ``"zo-adam"``: step = m_hat / (sqrt(v_hat) + 1e-12) with Adam moments of g (q + 1 queries a step).
    ``"zoo"``: coordinate-wise (ZOO): q random pixels i per image, g_i = (L(x + mu e_i) - L(x - mu e_i)) / (2 mu),
    Adam on those coordinates only (2q + 1 queries a step).

    Parameters
    ----------
    x, y : clean images (B, d) in [0, 1] and their labels (B,).
    norm, eps : the threat model, ``"linf"`` or ``"l2"`` ball of radius eps.
    mu, q : smoothing radius and directions (coordinates for ``zoo``) per step.
    budget : queries allowed per image, counted exactly: one query per image submitted to the oracle
        (the clean image included). An image stops when it succeeds or cannot pay another step.
    lr : step size (default eps/10 for l_inf; eps/4 for l_2).
    target : None (untargeted) or target classes (B,) or a single class.
    seed : seeds the local torch.Generator of the directions.

    Returns
    -------
    AttackResult with per-image ``queries`` (at success, or everything spent).
    """
    with single_thread():
        return _zo_attack(oracle, x, y, method=method, norm=norm, eps=eps, mu=mu, q=q, budget=budget, lr=lr,
                          target=target, kappa=kappa, directions=directions, beta1=beta1, beta2=beta2,
                          seed=seed)


def forward_estimate(f_u: torch.Tensor, f_x: torch.Tensor, u: torch.Tensor, *, mu: float, phi: float) -> torch.Tensor:
    """g = phi/q sum_j (f(x + mu u_j) - f(x)) / mu u_j: ``estimators.estimate``'s forward scheme in torch.

    f_u (n, q) the values at x + mu u_j, f_x (n,) at x, u (n, q, d) -> g (n, d).
    """
    coef = (f_u - f_x[:, None]) / mu
    return torch.einsum("nq,nqd->nd", coef, u) * (phi / u.shape[1])


def _zo_attack(oracle, x, y, *, method, norm, eps, mu, q, budget, lr, target, kappa, directions, beta1,
               beta2, seed) -> AttackResult:
    check(norm=norm, eps=eps, mu=mu, q=q, budget=budget, method=method)
    if method not in ZO_METHODS:
        raise ValueError(f"zo_attack runs {', '.join(ZO_METHODS)}; got {method!r}")
    x, y, target = _as_tensors(x, y, target)
    B, d = x.shape
    q = int(q)
    lr = float(lr) if lr is not None else (eps / 10 if norm == "linf" else eps / 4)
    gen = torch.Generator().manual_seed(int(seed))
    cost = 2 * q + 1 if method == "zoo" else q + 1

    def loss_of(points: torch.Tensor, idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        # points (n, m, d) for images idx (n,): one oracle call, n * m queries.
        n, m, _ = points.shape
        p = torch.as_tensor(oracle(points.reshape(n * m, d).float())).double().reshape(n, m, -1)
        t = None if target is None else target[idx, None].expand(n, m)
        return margin_loss(p, y[idx, None].expand(n, m), t, kappa), p

    delta = torch.zeros_like(x)
    m_state, v_state = torch.zeros_like(x), torch.zeros_like(x)
    t_state = torch.zeros_like(x) if method == "zoo" else torch.zeros(B, 1, dtype=x.dtype)
    all_idx = torch.arange(B)
    f, p0 = loss_of(x[:, None], all_idx)
    f, p0 = f[:, 0], p0[:, 0]
    p_adv = p0.clone()
    queries = torch.ones(B, dtype=torch.int64)
    success = _success(p0, y, target)
    while True:
        active = (~success) & (queries + cost <= budget)
        idx = active.nonzero().squeeze(-1)
        if idx.numel() == 0:
            break
        xa, da, fa = x[idx], delta[idx], f[idx]
        n = idx.numel()
        if method == "zoo":
            coords = torch.rand(n, d, generator=gen).argsort(dim=-1)[:, :q]            # (n, q)
            E = torch.zeros(n, q, d, dtype=x.dtype).scatter_(-1, coords[..., None], 1.0)
            probes = (xa + da)[:, None] + mu * torch.cat([E, -E], dim=1)               # (n, 2q, d)
            fp, _ = loss_of(probes, idx)
            gi = (fp[:, :q] - fp[:, q:]) / (2 * mu)                                    # (n, q)
            g = torch.zeros(n, d, dtype=x.dtype).scatter_(-1, coords, gi)
            touched = torch.zeros(n, d, dtype=torch.bool).scatter_(-1, coords, True)
            ta = t_state[idx] + touched
            m = torch.where(touched, beta1 * m_state[idx] + (1 - beta1) * g, m_state[idx])
            v = torch.where(touched, beta2 * v_state[idx] + (1 - beta2) * g * g, v_state[idx])
            mh = m / (1 - beta1 ** ta.clamp_min(1))
            vh = v / (1 - beta2 ** ta.clamp_min(1))
            step = torch.where(touched, mh / (vh.sqrt() + 1e-12), torch.zeros_like(g))
            m_state[idx], v_state[idx], t_state[idx] = m, v, ta
        else:
            u = _directions(n, q, d, kind=directions, gen=gen)                         # (n, q, d)
            fu, _ = loss_of((xa + da)[:, None] + mu * u, idx)                          # (n, q)
            g = forward_estimate(fu, fa, u, mu=mu, phi=estimators.phi(directions, d))   # (n, d)
            if method == "zo-adam":
                ta = t_state[idx] + 1
                m = beta1 * m_state[idx] + (1 - beta1) * g
                v = beta2 * v_state[idx] + (1 - beta2) * g * g
                step = (m / (1 - beta1 ** ta)) / ((v / (1 - beta2 ** ta)).sqrt() + 1e-12)
                m_state[idx], v_state[idx], t_state[idx] = m, v, ta
            elif norm == "linf":
                step = torch.sign(g)
            else:
                step = g / g.norm(dim=-1, keepdim=True).clamp_min(1e-12)
        if norm == "l2" and method != "zo-signsgd":
            # Adam steps are l_inf-shaped; rescale them to length lr in l_2 so lr means the same.
            step = step / step.norm(dim=-1, keepdim=True).clamp_min(1e-12)
        da = project(da - lr * step, xa, norm=norm, eps=eps)
        fa, pa = loss_of((xa + da)[:, None], idx)
        delta[idx], f[idx], p_adv[idx] = da, fa[:, 0], pa[:, 0]
        queries[idx] += cost
        success[idx] = _success(pa[:, 0], y[idx], None if target is None else target[idx])
    return _result(method, norm, eps, budget, x, x + delta, y, target, success, queries, p0, p_adv)


def random_noise(oracle: Oracle, x, y, *, norm: str = "linf", eps: float = 0.2, target=None,
                 seed: int = 0) -> AttackResult:
    """delta = eps * sign(u) (l_inf) or eps * u / ||u|| (l_2), u ~ N(0, I): the same-norm baseline (1 query)."""
    check(norm=norm, eps=eps, method="noise")
    x, y, target = _as_tensors(x, y, target)
    u = torch.randn(x.shape, generator=torch.Generator().manual_seed(int(seed)), dtype=x.dtype)
    delta = eps * (torch.sign(u) if norm == "linf" else u / u.norm(dim=-1, keepdim=True))
    x_adv = x + project(delta, x, norm=norm, eps=eps)
    p0 = torch.as_tensor(oracle(x.float())).double()
    p = torch.as_tensor(oracle(x_adv.float())).double()
    success = _success(p, y, target)
    return _result("noise", norm, eps, 1, x, x_adv, y, target, success,
                   torch.ones(x.shape[0], dtype=torch.int64), p0, p)


# --- white-box references -----------------------------------------------------------------------

def white_box(clf: Classifier, x, y, *, method: str = "pgd", norm: str = "linf", eps: float = 0.2,
              steps: int = 40, lr: float | None = None, restarts: int = 4, target=None, kappa: float = 0.0,
              seed: int = 0) -> AttackResult:
    """PGD: delta <- Pi(delta - lr * sign(grad L)) (l_2: grad L / ||grad L||); FGSM: one step with lr = eps.

    Uses torch autograd through ``clf`` (it reads the model, not just its outputs). PGD runs
    ``restarts`` starts at once, the first at delta = 0 and the others uniform in the l_inf ball
    (the l_2 ball for l_2), and keeps, per image, the first start that succeeds. ``queries`` holds
    the gradient evaluations per image (``steps * restarts`` for PGD, 1 for FGSM).
    """
    check(norm=norm, eps=eps, method=method)
    if method not in WHITE_BOX_METHODS:
        raise ValueError(f"white_box runs {', '.join(WHITE_BOX_METHODS)}; got {method!r}")
    if not (1 <= steps <= 10_000 and 1 <= restarts <= 100):
        raise ValueError(f"steps must be in [1, 10000] and restarts in [1, 100], got {steps}, {restarts}")
    x, y, target = _as_tensors(x, y, target)
    B, d = x.shape
    if method == "fgsm":
        steps, lr, restarts = 1, eps, 1
    lr = float(lr) if lr is not None else 2.5 * eps / steps
    R = int(restarts)
    xr, yr = x.repeat(R, 1), y.repeat(R)                                   # (R*B, d), restart-major
    tr = None if target is None else target.repeat(R)
    gen = torch.Generator().manual_seed(int(seed))
    u = torch.rand(R * B, d, generator=gen, dtype=x.dtype) * 2 - 1
    if norm == "l2":
        u = torch.randn(R * B, d, generator=gen, dtype=x.dtype)
        radius = torch.rand(R * B, 1, generator=gen, dtype=x.dtype) ** (1 / d)
        u = u / u.norm(dim=-1, keepdim=True) * radius
    u[:B] = 0.0
    delta = project(eps * u, xr, norm=norm, eps=eps)
    with single_thread():
        for _ in range(steps):
            delta.requires_grad_(True)
            p = torch.softmax(clf.logits(xr + delta).double(), dim=-1)
            loss = margin_loss(p, yr, tr, kappa).sum()
            (g,) = torch.autograd.grad(loss, delta)
            step = torch.sign(g) if norm == "linf" else g / g.norm(dim=-1, keepdim=True).clamp_min(1e-12)
            delta = project(delta.detach() - lr * step, xr, norm=norm, eps=eps)
        p0, p = clf.proba(x.float()), clf.proba((xr + delta).float())
    ok = _success(p, yr, tr).reshape(R, B)
    first = torch.where(ok.any(0), ok.int().argmax(0), torch.zeros(B, dtype=torch.int64))   # (B,)
    pick = first * B + torch.arange(B)
    success = ok.any(0)
    return _result(method, norm, eps, steps * R, x, x + delta[pick], y, target, success,
                   torch.full((B,), steps * R, dtype=torch.int64), p0, p[pick])

"""The budget race on the probe: MeZO, ZEST, SGD and Adam at equal forward passes, seeds in bands.

The probe is the encoder's label-prototype head on frozen, cached sentence features, so a loss
evaluation is one small matrix product and the whole race takes seconds; the features themselves
cost one backbone pass per tweet, once. The budget counts loss evaluations (forward passes of the
head): a MeZO / ZEST step spends 2n of them, a backprop step one forward (plus its backward pass,
which the budget does not charge: at equal forward passes backprop is given the benefit of the doubt).
Training accuracy is measured on the training tweets the race draws from, held-out accuracy on
test tweets no method ever sees: their difference is the generalization gap.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from zo_core import mezo
from zo_core.lm.models import load_task

RACE_METHODS = ("mezo", "zest", "sgd", "adam")
MAX_BUDGET = 20_000
MAX_SEEDS = 10


@dataclass(frozen=True)
class Race:
    """Accuracies per method, shape (seeds, checkpoints), at ``budgets`` forward passes."""
    budgets: np.ndarray
    train_acc: dict
    test_acc: dict
    acc_before: tuple[float, float]     # (train, held-out) of the zero-shot head
    settings: dict


@functools.lru_cache(maxsize=2)
def probe_features(model: str = "minilm", n_train: int = 512, n_test: int = 400, max_length: int = 32):
    """(train features, train labels, test features, test labels, initial prototypes, bias): cached."""
    task = load_task(model, device="cpu", max_length=max_length, fresh=False)
    clf = task.model
    if clf.kind != "encoder":
        raise ValueError("the race runs on the encoder's probe (model 'minilm')")
    (tr_x, tr_y), _, (te_x, te_y) = task.data.train, task.data.validation, task.data.test
    with torch.no_grad():
        def feats(texts):
            return torch.cat([clf._embed(clf.encode(texts[i:i + 64])) for i in range(0, len(texts), 64)])
        return (feats(tr_x[:n_train]), tr_y[:n_train].clone(), feats(te_x[:n_test]), te_y[:n_test].clone(),
                clf.prototypes.detach().clone(), clf.bias.detach().clone())


def _logits(h, protos, bias, tau: float = 0.05):
    return h @ protos.T / tau + bias                      # (B, 2), as PromptClassifier's encoder head


def _acc(h, y, protos, bias) -> float:
    with torch.no_grad():
        return float((_logits(h, protos, bias).argmax(1) == y).float().mean())


@functools.lru_cache(maxsize=8)
def run_race(*, budget: int = 2000, seeds: int = 3, n: int = 8, t: float = 20.0, lr_zo: float = 2e-3,
             eps: float = 1e-3, lr_sgd: float = 0.05, lr_adam: float = 2e-3, batch_size: int = 16,
             checkpoints: int = 11, model: str = "minilm") -> Race:
    """Train the probe head with each method for ``budget`` loss evaluations, ``seeds`` seeds each."""
    if not 2 * n <= budget <= MAX_BUDGET:
        raise ValueError(f"budget must lie in [2n, {MAX_BUDGET}] forward passes, got {budget}")
    if not 1 <= seeds <= MAX_SEEDS:
        raise ValueError(f"seeds must lie in [1, {MAX_SEEDS}], got {seeds}")
    mezo.check_hyper(lr=lr_zo, eps=eps, n=n, t=t)
    Htr, ytr, Hte, yte, p0, b0 = probe_features(model)
    budgets = np.unique(np.linspace(0, budget, checkpoints).astype(int))
    train_acc = {m: np.zeros((seeds, len(budgets))) for m in RACE_METHODS}
    test_acc = {m: np.zeros((seeds, len(budgets))) for m in RACE_METHODS}
    for method in RACE_METHODS:
        for s in range(seeds):
            protos = torch.nn.Parameter(p0.clone(), requires_grad=method in ("sgd", "adam"))
            bias = torch.nn.Parameter(b0.clone(), requires_grad=method in ("sgd", "adam"))
            if method in ("mezo", "zest"):
                opt = mezo.MeZO([protos, bias], lr=lr_zo, eps=eps, n=n, seed=s, t=t if method == "zest" else 0.0)
                cost = 2 * n
            else:
                cls = torch.optim.SGD if method == "sgd" else torch.optim.Adam
                opt = cls([protos, bias], lr=lr_sgd if method == "sgd" else lr_adam)
                cost = 1
            gen = torch.Generator().manual_seed(10_000 + s)     # the same batches for every method
            spent, k = 0, 0
            while True:
                while k < len(budgets) and spent >= budgets[k]:
                    train_acc[method][s, k] = _acc(Htr, ytr, protos, bias)
                    test_acc[method][s, k] = _acc(Hte, yte, protos, bias)
                    k += 1
                if k == len(budgets) or spent + cost > budget:
                    break
                idx = torch.randint(len(ytr), (batch_size,), generator=gen)
                h, y = Htr[idx], ytr[idx]
                if cost == 1:
                    opt.zero_grad(set_to_none=True)
                    F.cross_entropy(_logits(h, protos, bias), y).backward()
                    opt.step()
                else:
                    with torch.no_grad():
                        opt.step(lambda: F.cross_entropy(_logits(h, protos, bias), y))
                spent += cost
            for j in range(k, len(budgets)):           # a budget MeZO cannot split into whole steps
                train_acc[method][s, j] = train_acc[method][s, k - 1]
                test_acc[method][s, j] = test_acc[method][s, k - 1]
    settings = dict(budget=budget, seeds=seeds, n=n, t=t, lr_zo=lr_zo, eps=eps, lr_sgd=lr_sgd, lr_adam=lr_adam,
                    batch_size=batch_size, n_train=len(ytr), n_test=len(yte))
    return Race(budgets, train_acc, test_acc, (_acc(Htr, ytr, p0, b0), _acc(Hte, yte, p0, b0)), settings)

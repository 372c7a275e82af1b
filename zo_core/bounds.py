"""The one table of allowed values: every named figure's parameters and every numeric widget.

ZO Lab runs on one server for a lecture hall, and figures are drawn from links, decks and the
command line, so every parameter has a range a lecture never needs to leave. ``zo_core.viz.build``
checks each call against :data:`FIGURES` (pages, the deck loader and the CLI all draw through it);
the pages take their sliders' ranges from :data:`WIDGETS` (``ui.urlstate``'s ``bound=`` argument).
A widget's range lies inside the range of every figure parameter it feeds (``Widget.feeds``).

The caps are set by cost: e.g. a race of 20,000 queries takes about a second, a 2,001-point slice
a fraction of one, while ten times more would hold a server thread for minutes or gigabytes.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass


def _num(v) -> str:
    """A number as a reader expects it: 20000, 0.001, 1e-12 (never 2e+04)."""
    if isinstance(v, numbers.Integral):
        return str(int(v))
    v = float(v)
    return str(int(v)) if v.is_integer() and abs(v) < 1e15 else f"{v:.6g}"


def _short(value, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


@dataclass(frozen=True)
class Range:
    """A finite number in [lo, hi]; ``integer`` asks for a whole number; ``scale`` is how the
    page's slider spaces its values ("linear", "log", or "symlog" for -hi ... hi)."""

    lo: float
    hi: float
    integer: bool = False
    scale: str = "linear"

    def check(self, key: str, value, where: str) -> None:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ValueError(f"{key} expects a number{where}, got {_short(value)}")
        v = float(value)
        if not math.isfinite(v):
            raise ValueError(f"{key} must be a finite number{where}, got {_short(value)}")
        if self.integer and not v.is_integer():
            raise ValueError(f"{key} must be a whole number{where}, got {_num(value)}")
        if v > self.hi:
            raise ValueError(f"{key}={_num(value)} is above the limit {_num(self.hi)}{where}")
        if v < self.lo:
            raise ValueError(f"{key}={_num(value)} is below the limit {_num(self.lo)}{where}")


@dataclass(frozen=True)
class Choice:
    """One of a fixed set of strings."""

    options: tuple[str, ...]

    def check(self, key: str, value, where: str) -> None:
        if not isinstance(value, str) or value not in self.options:
            raise ValueError(f"{key}={_short(value)} is not one of {', '.join(self.options)}{where}")


@dataclass(frozen=True)
class Text:
    """Free text (a landscape name or a formula) of at most ``max_chars`` characters."""

    max_chars: int

    def check(self, key: str, value, where: str) -> None:
        if not isinstance(value, str):
            raise ValueError(f"{key} expects text{where}, got {_short(value)}")
        if len(value) > self.max_chars:
            raise ValueError(f"{key} is {len(value)} characters long, above the limit {self.max_chars}{where}")


@dataclass(frozen=True)
class Flag:
    """True or False (0 and 1 too: a deck written by hand may say so)."""

    def check(self, key: str, value, where: str) -> None:
        if not (isinstance(value, bool) or type(value).__name__ == "bool_" or value in (0, 1)):
            raise ValueError(f"{key} expects true or false{where}, got {_short(value)}")


@dataclass(frozen=True)
class NumberList:
    """Comma-separated numbers, e.g. the basin map's tilts "1,3,10,30": at most ``max_items``, each in [lo, hi]."""

    max_items: int
    lo: float
    hi: float

    def check(self, key: str, value, where: str) -> None:
        if not isinstance(value, str) or len(value) > 20 * self.max_items:
            raise ValueError(f"{key} expects a short list of numbers like '1,3,10'{where}, got {_short(value)}")
        words = [w for w in value.split(",") if w.strip()]
        if not 1 <= len(words) <= self.max_items:
            raise ValueError(f"{key} has {len(words)} numbers; the limit is 1 to {self.max_items}{where}")
        item = Range(self.lo, self.hi)
        for w in words:
            try:
                number = float(w)
            except ValueError:
                raise ValueError(f"{key}: {_short(w.strip())} is not a number{where}") from None
            item.check(key, number, where)


@dataclass(frozen=True)
class Series:
    """A sequence of at most ``max_items`` finite numbers in [lo, hi], or of short tuples of them (a figure
    drawn from a run's record: MeZO's losses, its (step, accuracy) pairs)."""

    max_items: int
    lo: float
    hi: float

    def check(self, key: str, value, where: str) -> None:
        if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
            raise ValueError(f"{key} expects a list of numbers{where}, got {_short(value)}")
        if len(value) > self.max_items:
            raise ValueError(f"{key} has {len(value)} numbers; the limit is {self.max_items}{where}")
        item = Range(self.lo, self.hi)
        for v in value:
            for x in (v if isinstance(v, (list, tuple)) and len(v) <= 4 else (v,)):   # numbers or (step, value)
                item.check(key, x, where)


Bound = Range | Choice | Text | Flag | NumberList | Series

# --- shared pieces ----------------------------------------------------------------------------

SEED = Range(0, 2**31 - 1, integer=True)
FLAG = Flag()
LANDSCAPE = Text(200)                  # a built-in name or a formula (the parser's own limit)
POINT = Range(-100.0, 100.0)           # a coordinate of the point where estimates are drawn
GRID = Range(11, 301, integer=True)    # points per axis of a 2-D grid (301**2 evaluations, ~1 MB of HTML)
SLICE = Range(41, 2001, integer=True)  # points along a 1-D slice
TILT = Range(-100.0, 100.0, scale="symlog")
MEGABYTES = Range(0.0, 1e7)             # a measured memory figure
RADIUS = Range(1e-3, 1.0, scale="log")  # mu or rho of the objectives and of the race
EST_MU = Range(1e-12, 10.0, scale="log")  # estimator mu: round-off is part of the lesson
METHODS = ("coordinate", "gaussian", "sphere")
RANDOM = ("gaussian", "sphere")
SCHEMES = ("forward", "central", "one-point")
PROBLEMS = ("linear", "quadratic", "rosenbrock")
LAWS = ("gaussian", "ball")
PRECISIONS = ("float64", "float32")
LOG = Choice(("auto", "linear", "log"))
ATTACK_METHODS = ("zo-signsgd", "zo-adam", "zoo")
NORMS = ("linf", "l2")
DATASETS = ("diabetes", "friedman")

# The attack's worst legal setting (all three methods, 50 images, 3,000 queries, q = 1, a tiny eps
# that never succeeds) takes ~4 s; at the former 100 images x 20,000 queries it took 20 s.
_ATTACK = dict(seed=SEED, method=Choice(ATTACK_METHODS), norm=Choice(NORMS), eps=Range(1e-3, 4.0),
               mu=Range(1e-5, 1.0, scale="log"), q=Range(1, 50, integer=True),
               budget=Range(2, 3000, integer=True), projector=FLAG)
_RACE = dict(landscape=LANDSCAPE, budget=Range(1, 20_000, integer=True), seed=SEED, x0=POINT, y0=POINT,
             lr=Range(1e-4, 1.0, scale="log"), mu=Range(1e-3, 3.0, scale="log"), t=TILT,
             rho=Range(1e-3, 5.0, scale="log"), kl=Range(1e-5, 10.0, scale="log"),
             n=Range(1, 16, integer=True), projector=FLAG)
_SWEEP = dict(problem=Choice(PROBLEMS), method=Choice(RANDOM), scheme=Choice(SCHEMES), mu=EST_MU,
              q=Range(1, 64, integer=True), n=Range(10, 2000, integer=True), seed=SEED, projector=FLAG)
_TUNING = dict(dataset=Choice(DATASETS), budget=Range(4, 300, integer=True), seed=SEED, noisy=FLAG,
               zo=Choice(("fixed", "naive")), lr=Range(0.01, 3.0), mu=Range(1e-4, 3.0, scale="log"),
               q=Range(1, 10, integer=True), projector=FLAG)
_SLICE = dict(landscape=LANDSCAPE, mu=RADIUS, rho=RADIUS, law=Choice(LAWS), projector=FLAG)


def _only(table: dict, *keys: str) -> dict:
    return {k: table[k] for k in keys}


def _without(table: dict, *keys: str) -> dict:
    return {k: v for k, v in table.items() if k not in keys}


# the sweeps run every start once per cell (15 x 15 cells in the phase diagram): fewer starts allowed
_SWEEPS = _only(_RACE, "landscape", "seed", "lr", "n", "projector") | dict(
    n_starts=Range(1, 100, integer=True), budget=Range(1, 4000, integer=True))


# --- the figures ------------------------------------------------------------------------------

FIGURES: dict[str, dict[str, Bound]] = {
    "attack_example": _ATTACK | dict(index=Range(0, 49, integer=True), target=Range(-1, 9, integer=True)),
    "attack_success": _ATTACK | dict(n_images=Range(1, 50, integer=True), all_methods=FLAG),
    "basin_map": _only(_RACE, "landscape", "seed", "lr", "mu", "n", "projector")
    | dict(budget=Range(1, 4000, integer=True), n_starts=Range(1, 400, integer=True),
           ts=NumberList(6, -100.0, 100.0)),
    "bounds_vs_dim": dict(mu=Range(1e-4, 10.0, scale="log"), cond=Range(1.0, 1e4), projector=FLAG),
    "budget_error": _only(_SWEEP, "problem", "method", "seed", "projector")
    | dict(d=Range(1, 1000, integer=True), n=Range(10, 1000, integer=True)),
    "coordinate_histogram": _SWEEP | dict(method=Choice(METHODS), d=Range(1, 10_000, integer=True),
                                          n=Range(10, 5000, integer=True),
                                          coordinate=Range(0, 9999, integer=True)),
    "cosine_vs_dim": _SWEEP | dict(method=Choice(METHODS), d_max=Range(1, 10_000, integer=True)),
    "error_vs_mu": dict(landscape=LANDSCAPE, method=Choice(METHODS), x=POINT, y=POINT,
                        precision=Choice(PRECISIONS), q=Range(1, 64, integer=True), n=Range(1, 256, integer=True),
                        seed=SEED, mu=Range(0.0, 10.0), projector=FLAG),
    "estimator_cloud": dict(landscape=LANDSCAPE, method=Choice(METHODS), scheme=Choice(SCHEMES), mu=EST_MU,
                            q=Range(1, 100, integer=True), n=Range(1, 5000, integer=True), seed=SEED, x=POINT,
                            y=POINT, precision=Choice(PRECISIONS), projector=FLAG),
    "landscape_contour": dict(landscape=LANDSCAPE, n=GRID, log=LOG, arrows=Range(0, 30, integer=True),
                              projector=FLAG),
    "landscape_surface": dict(landscape=LANDSCAPE, n=GRID, log=LOG, projector=FLAG),
    "mezo_memory_table": dict(log=FLAG, projector=FLAG),
    "mezo_restore_error": dict(numel=Range(1, 2_000_000, integer=True), steps=Range(1, 100, integer=True),
                               eps=Range(1e-6, 1.0, scale="log"), projector=FLAG),
    "mezo_two_layer": dict(m=Range(16, 4096, integer=True), n=Range(16, 4096, integer=True),
                           batch=Range(1, 512, integer=True), chunk=Range(1, 2**22, integer=True), projector=FLAG),
    "mezo_memory_measured": dict(inference=MEGABYTES, mezo=MEGABYTES, sgd=MEGABYTES, adam=MEGABYTES,
                                 weights=MEGABYTES, model=Text(40), projector=FLAG),
    "mezo_memory_ratio": dict(minilm=Range(0.0, 1e3), smollm2=Range(0.0, 1e3), projector=FLAG),
    "mezo_race": dict(budget=Range(200, 4000, integer=True), t=Range(-1000.0, 1000.0, scale="symlog"),
                      n=Range(1, 32, integer=True), seeds=Range(1, 5, integer=True), projector=FLAG),
    "mezo_training_curves": dict(losses=Series(10_000, -1e9, 1e9), val_acc=Series(10_000, 0.0, 1e6),
                                 acc_before=Range(-1.0, 1.0), acc_after=Range(-1.0, 1.0), projector=FLAG),
    "objectives_panel": _SLICE | dict(t=TILT, n=GRID),
    "phase_diagram": _SWEEPS,
    "race": _RACE,
    "race_shift": _RACE | dict(delta=Range(0.0, 0.5)),
    "race_loss": _RACE,
    "sam_sabo_radius": _SWEEPS | dict(mu=_RACE["mu"]),
    "tilt_minimisers": _SLICE | dict(limit=Range(0.1, 100.0), n=SLICE),
    "tilted_slice": _SLICE | dict(t=TILT, n=SLICE),
    "tuning_ablation": _only(_TUNING, "dataset", "budget", "seed", "noisy", "projector"),
    "tuning_curves": _TUNING,
    "tuning_landscape": _TUNING | dict(n=Range(11, 61, integer=True), paths=FLAG),
    "zest_bias_vs_n": dict(landscape=LANDSCAPE, x0=POINT, y0=POINT, t=TILT, mu=_RACE["mu"],
                           trials=Range(10, 20_000, integer=True), seed=SEED, projector=FLAG),
    "variance_vs_dim": _SWEEP | dict(method=Choice(METHODS), d_max=Range(1, 10_000, integer=True)),
    # the swept axis (mu, q) is fixed inside these two figures, so it is no parameter
    "variance_vs_mu": _without(_SWEEP, "mu") | dict(method=Choice(METHODS), d=Range(1, 10_000, integer=True)),
    "variance_vs_q": _without(_SWEEP, "q") | dict(method=Choice(METHODS), d=Range(1, 10_000, integer=True)),
}


def check(name: str, params: dict) -> None:
    """Raise ValueError unless every parameter in ``params`` lies inside the table for figure ``name``."""
    table = FIGURES.get(name)
    if table is None:
        raise ValueError(f"figure {name!r} has no entry in the table of bounds (zo_core.bounds.FIGURES)")
    where = f" for figure {name}"
    for key, value in params.items():
        if key not in table:
            raise ValueError(f"{key} has no bound{where} (zo_core.bounds.FIGURES)")
        table[key].check(key, value, where)


# --- the widgets ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Widget:
    """A page's numeric widget: its range, and the figure parameters ("figure.param") it feeds."""

    bound: Range
    feeds: tuple[str, ...] = ()


def _int(lo, hi, *feeds) -> Widget:
    return Widget(Range(lo, hi, integer=True), feeds)


def _float(lo, hi, *feeds, scale="linear") -> Widget:
    return Widget(Range(lo, hi, scale=scale), feeds)


def _log(lo, hi, *feeds) -> Widget:
    return _float(lo, hi, *feeds, scale="log")


def _tilt(*feeds) -> Widget:
    return _float(-100.0, 100.0, *feeds, scale="symlog")


_EST = ("estimator_cloud", "error_vs_mu")
_VAR = ("variance_vs_dim", "cosine_vs_dim", "coordinate_histogram")
_SM = ("tilted_slice", "objectives_panel", "tilt_minimisers")
_AA = ("attack_example", "attack_success")

WIDGETS: dict[str, Widget] = {
    # sidebar
    "seed": _int(0, 2**31 - 1),
    # Landscapes
    "n": _int(41, 301, "landscape_contour.n", "landscape_surface.n"),
    "arrows": _int(0, 30, "landscape_contour.arrows"),
    # Gradient estimators
    "ge_mu": _log(1e-12, 1.0, *(f"{f}.mu" for f in _EST)),
    "ge_q": _int(1, 50, *(f"{f}.q" for f in _EST)),
    "ge_n": _int(10, 2000, "estimator_cloud.n"),
    "ge_x": _float(-100.0, 100.0, *(f"{f}.x" for f in _EST)),
    "ge_y": _float(-100.0, 100.0, *(f"{f}.y" for f in _EST)),
    # Estimator variance
    "ev_mu": _log(1e-4, 1.0, *(f"{f}.mu" for f in _VAR), "variance_vs_q.mu"),
    "ev_q": _int(1, 64, *(f"{f}.q" for f in _VAR), "variance_vs_mu.q"),
    "ev_n": _int(50, 1000, *(f"{f}.n" for f in _VAR), "variance_vs_mu.n", "variance_vs_q.n", "budget_error.n"),
    "ev_coord": _int(1, 10, "coordinate_histogram.coordinate"),   # shown 1-based, passed as coordinate - 1
    # Theory
    "th_mu": _log(1e-3, 1.0, "bounds_vs_dim.mu"),
    # Smoothing, max-loss, tilting
    "sm_t": _tilt("tilted_slice.t", "objectives_panel.t"),
    "sm_mu": _log(0.01, 1.0, *(f"{f}.mu" for f in _SM)),
    "sm_rho": _log(0.01, 1.0, *(f"{f}.rho" for f in _SM)),
    "sm_x": _float(-100.0, 100.0),   # the point of the sharpness table (a page computation, no figure)
    "sm_y": _float(-100.0, 100.0),
    # Algorithms race (the page runs zo_core.optimizers itself; these mirror the race figures)
    "ar_budget": _int(100, 5000, "race.budget", "race_loss.budget"),
    "ar_x0": _float(-5.0, 5.0, "race.x0"),
    "ar_y0": _float(-5.0, 5.0, "race.y0"),
    "ar_lr": _log(0.001, 1.0, "race.lr", "basin_map.lr"),
    "ar_mu": _log(0.03, 3.0, "race.mu", "basin_map.mu"),
    "ar_t": _tilt("race.t"),
    "ar_rho": _log(0.005, 5.0, "race.rho"),
    "ar_kl": _log(0.001, 10.0, "race.kl"),
    "ar_n": _int(1, 16, "race.n", "basin_map.n"),
    "ar_bbudget": _int(100, 4000, "basin_map.budget"),
    "ar_shift": _float(0.0, 0.5, "race_shift.delta"),
    # Adversarial attack
    "aa_eps_inf": _float(0.01, 0.5, *(f"{f}.eps" for f in _AA)),
    "aa_eps_l2": _float(0.1, 4.0, *(f"{f}.eps" for f in _AA)),
    "aa_mu": _log(1e-4, 1.0, *(f"{f}.mu" for f in _AA)),
    "aa_q": _int(1, 50, *(f"{f}.q" for f in _AA)),
    "aa_budget": _int(10, 3000, *(f"{f}.budget" for f in _AA)),
    "aa_index": _int(0, 49, "attack_example.index"),
    "aa_n": _int(10, 50, "attack_success.n_images"),
    # Hyperparameter tuning
    "ht_budget": _int(4, 300, "tuning_curves.budget", "tuning_ablation.budget"),
    "ht_lr": _float(0.1, 3.0, "tuning_curves.lr"),
    "ht_mu": _log(1e-4, 3.0, "tuning_curves.mu"),
    "ht_q": _int(1, 10, "tuning_curves.q"),
    # MeZO (the run's own caps live with the MeZO job; the page's ranges are mirrored here)
    "mz_t": _float(-1000.0, 1000.0, scale="symlog"),
    "mz_steps": _int(1, 2000),          # the page lowers the top to its mode's cap (head 1000, all 60)
    "mz_lr": _log(1e-6, 1.0),
    "mz_eps": _log(1e-5, 0.1),
    "mz_n": _int(1, 32),
    "mz_batch": _int(2, 64),
    "mz_eval": _int(20, 1000),
    "mz_k": _int(1, 6),                 # tuned top blocks (MiniLM-L6 has 6)
    "mz_race_t": _float(-1000.0, 1000.0, "mezo_race.t", scale="symlog"),
    "mz_race_budget": _int(200, 4000, "mezo_race.budget"),
    "mz_m": _int(16, 4096, "mezo_two_layer.m"),
    "mz_hid": _int(16, 4096, "mezo_two_layer.n"),
    "mz_b2": _int(1, 512, "mezo_two_layer.batch"),
}


def widget(key: str) -> Range:
    """The range of the page widget ``key`` (KeyError names the table when a widget is missing)."""
    try:
        return WIDGETS[key].bound
    except KeyError:
        raise KeyError(f"widget {key!r} has no entry in zo_core.bounds.WIDGETS") from None

"""Optimizers under one query budget, and what they say about sharp and flat minima.

* :mod:`zo_core.optimizers.methods`: GD, SAM, ZO-SGD, ZEST and SABO, one step function each, one
  budget loop (:func:`run`), the race;
* :mod:`zo_core.optimizers.sharpness`: the basin map, the (mu, t) phase diagram, t*(mu), and the
  train -> test shift of the end points.
"""

from zo_core.optimizers.methods import (BIG, LABELS, METHODS, STEPS, Hyper, Trajectory, cost, gaussian_gradients,
                                        race, run, validate, zest_estimate, zo_sgd_estimate)
from zo_core.optimizers.sharpness import (BASIN_DEFAULTS, basin_map, binomial_se, classify, phase_diagram,
                                          shifted, sweep_fraction, t_star, zest_mean_vs_n)

__all__ = ["BIG", "LABELS", "METHODS", "STEPS", "Hyper", "Trajectory", "cost", "gaussian_gradients", "race", "run",
           "validate", "zest_estimate", "zo_sgd_estimate", "BASIN_DEFAULTS", "basin_map", "binomial_se", "classify",
           "phase_diagram", "shifted", "sweep_fraction", "t_star", "zest_mean_vs_n"]

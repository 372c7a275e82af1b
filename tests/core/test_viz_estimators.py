"""The named figures of the estimator pages build with their defaults (lectures call them so)."""

import numpy as np
import pytest

from zo_core import viz
from zo_core.viz import estimators as figs

NAMES = ["estimator_cloud", "error_vs_mu", "variance_vs_dim", "variance_vs_mu", "variance_vs_q", "cosine_vs_dim", "bounds_vs_dim",
         "coordinate_histogram", "budget_error"]


@pytest.mark.parametrize("name", NAMES)
def test_builds_with_defaults_and_in_projector_mode(name):
    params = viz.parameters(name)
    assert "projector" in params
    assert all(isinstance(v, (str, int, float, bool)) for v in params.values())
    assert viz.build(name).data
    assert viz.build(name, projector=True).layout.font.size == 22


def test_cloud_shows_estimates_mean_and_exact_gradient():
    from zo_core import landscapes

    fig = viz.build("estimator_cloud", landscape="quadratic", method="gaussian", scheme="central", n=50, x=1.0,
                    y=-1.0)
    names = [t.name for t in fig.data]
    assert "50 estimates g" in names and "95% covariance ellipse" in names
    star = next(t for t in fig.data if t.name == "exact ∇f(x)")
    np.testing.assert_allclose([star.x[0], star.y[0]], landscapes.get("quadratic").grad([1.0, -1.0]))


def test_ellipse_covers_the_right_region():
    cov = np.array([[4.0, 1.0], [1.0, 2.0]])
    E = figs.ellipse([1.0, 2.0], cov, scale=1.0)
    d = E - [1.0, 2.0]
    np.testing.assert_allclose(np.einsum("ni,ij,nj->n", d, np.linalg.inv(cov), d), 1.0, rtol=1e-9)


def test_bad_settings_raise_value_errors():
    with pytest.raises(ValueError, match="precision"):
        viz.build("estimator_cloud", precision="float16")
    with pytest.raises(ValueError, match="not finite"):
        viz.build("error_vs_mu", landscape="log(x) + y", x=-1.0)
    with pytest.raises(ValueError, match="coordinate"):
        viz.build("coordinate_histogram", d=5, coordinate=7)

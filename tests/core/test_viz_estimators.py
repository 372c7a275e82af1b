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


@pytest.mark.parametrize("landscape", ["rosenbrock", "himmelblau"])
def test_cloud_landscape_picture_is_placed_on_the_bounds_and_coloured_in_the_order_of_f(landscape):
    import base64
    import io

    from PIL import Image

    from zo_core import expressions

    L = expressions.resolve(landscape)
    fig = viz.build("estimator_cloud", landscape=landscape)
    assert not any(t.type == "contour" for t in fig.data)
    im = fig.layout.images[0]
    assert (im.xref, im.yref, im.layer, im.xanchor, im.yanchor) == ("x", "y", "below", "left", "top")
    rgb = np.asarray(Image.open(io.BytesIO(base64.b64decode(im.source.split(",", 1)[1]))).convert("RGB"), float)
    h, w, _ = rgb.shape
    (x0, x1), (y0, y1) = L.bounds
    # Pixel centres run from one corner of the window to the other.
    np.testing.assert_allclose([im.x + 0.5 * im.sizex / w, im.x + (w - 0.5) * im.sizex / w], [x0, x1])
    np.testing.assert_allclose([im.y - 0.5 * im.sizey / h, im.y - (h - 0.5) * im.sizey / h], [y1, y0])
    # Viridis gets lighter with the value: points far apart in f's order are as far apart in lightness.
    lum = rgb @ np.array([0.2126, 0.7152, 0.0722])
    pts = np.random.default_rng(0).uniform([x0, y0], [x1, y1], size=(300, 2))

    def shade(P):
        j = np.clip(((P[:, 0] - im.x) / im.sizex * w).astype(int), 1, w - 2)
        i = np.clip(((im.y - P[:, 1]) / im.sizey * h).astype(int), 1, h - 2)
        return np.array([lum[a - 1:a + 2, b - 1:b + 2].max() for a, b in zip(i, j)])   # beside a contour line

    s = shade(pts)
    rank = np.argsort(np.argsort(L.f(pts)))
    lower, higher = np.nonzero(rank[None, :] - rank[:, None] > len(pts) // 4)
    assert (s[lower] < s[higher]).all(), f"{(s[lower] >= s[higher]).sum()} pairs out of order"
    # f's minima lie in the darkest band.
    assert shade(np.atleast_2d(L.minima)).max() <= s.min()

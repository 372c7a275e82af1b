"""zo_core.viz.theme: Plotly's plotly_white template (set without re-validating it) and the mode's fonts."""

import json

import plotly.graph_objects as go
import plotly.io as pio
import pytest

from zo_core import viz


def _template(fig) -> dict:
    return json.loads(fig.to_json())["layout"]["template"]


def test_the_template_is_plotlys_own_and_a_copy():
    fig = viz.theme(go.Figure(go.Scatter(x=[0, 1], y=[1, 0])))
    reference = go.Figure(layout=dict(template=viz.TEMPLATE))      # Plotly's validated assignment
    assert _template(fig) == _template(reference)
    before = pio.templates[viz.TEMPLATE].layout.paper_bgcolor
    fig.layout.template.layout.paper_bgcolor = "#123456"
    assert pio.templates[viz.TEMPLATE].layout.paper_bgcolor == before
    assert _template(viz.theme(go.Figure()))["layout"]["paper_bgcolor"] == before


@pytest.mark.parametrize("projector, size", [(False, viz.SCREEN_FONT), (True, viz.PROJECTOR_FONT)])
def test_3d_axes_get_the_modes_font_and_a_2d_figure_gets_no_scene(projector, size):
    fig = viz.theme(go.Figure(go.Surface(z=[[0, 1], [1, 0]])), projector=projector)
    for axis in (fig.layout.scene.xaxis, fig.layout.scene.yaxis, fig.layout.scene.zaxis):
        assert axis.tickfont.size == size and axis.title.font.size == size
    flat = json.loads(viz.theme(go.Figure(go.Scatter(x=[0], y=[0])), projector=projector).to_json())["layout"]
    assert "scene" not in flat and flat["xaxis"]["tickfont"]["size"] == size

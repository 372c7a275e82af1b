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


def test_a_still_leaves_the_shared_figure_playing_and_only_trims_what_it_frees():
    race = viz.build("race")
    before = race.to_plotly_json()
    still = viz.still(race, 987)
    assert race.to_plotly_json() == before                   # the page's (shared) figure is untouched
    assert not still.frames and not still.layout.sliders and not still.layout.updatemenus
    assert [t.to_plotly_json() for t in still.data] == before["data"]       # the same picture: the last frame
    assert still.layout.margin.b < race.layout.margin.b and still.layout.margin.t < race.layout.margin.t
    assert still.layout.title.text.replace("<br>", " ") == race.layout.title.text.replace("<br>", " ")
    contour = viz.build("landscape_contour")
    assert viz.still(contour, 250) is contour                # a phone-wide picture: nothing to free

"""ui.lead (through ui.partial), on a real server: in a part's lone rerun the chart that changed is sent first.

A client that speaks Streamlit's websocket (ui.visitor, as bench.classroom's students) records every
message in the order it came. The reference for what a lone rerun must contain is the same part's deltas
in the page's full run.
"""

import asyncio
import time

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench._wsclient import Session
from devtools import browser as harness
from ui import lead

LABEL = "Descent arrows per axis"


class Recorder(Session):
    """A student (charts as their arrow count) keeping (time, kind, delta path, element type, part) of every
    message of the current run."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.log: list[tuple] = []

    async def _next(self, deadline):
        m = await super()._next(deadline)
        kind = m.WhichOneof("type")
        what = ""
        if kind == "delta":
            what = m.delta.WhichOneof("type")
            if what == "new_element":
                what = m.delta.new_element.WhichOneof("type")
        self.log.append((asyncio.get_running_loop().time(), kind, tuple(m.metadata.delta_path), what,
                         m.delta.fragment_id if kind == "delta" else ""))
        return m

    async def run(self, widgets, page_name: str = ""):
        self.log = []
        sent = await self.rerun(widgets, page_name=page_name)
        run = await self.collect(sent, sent + 60)
        return run, list(self.log)


def _deltas(log, fragment: str):
    """The part's elements and containers in the main area: not the sidebar's share link (a placeholder in a full
    run, by design), nor transients (a first run's spinner while the figure is built)."""
    return [(path, what) for _, kind, path, what, frag in log
            if kind == "delta" and frag == fragment and path[0] == 0 and what != "new_transient"]


def test_the_changed_chart_goes_out_first_and_the_rerun_is_complete():
    async def scenario(url):
        v = Recorder(url, "landscapes", "landscape=himmelblau&arrows=8")
        try:
            v.log = []
            first = await v.open(timeout=120)
            full = list(v.log)
            slider = v.widgets[LABEL]
            part = v.fragments[slider]
            moved, moved_log = await v.run({slider: 9})
            query = v.query
            same, same_log = await v.run({slider: 9})
            return first, full, part, moved, moved_log, query, same, same_log
        finally:
            await v.close()

    with harness.Server(env={"ZOLAB_WARMUP": "0"}) as server:
        first, full, part, moved, moved_log, query, same, same_log = asyncio.run(scenario(server.url))

    assert part and not first.exceptions and moved.alone and same.alone
    assert not moved.exceptions and not same.exceptions
    expected = _deltas(full, part)
    kinds = [what for _, what in expected]
    assert "bidi_component" in kinds and kinds.index("slider") < kinds.index("bidi_component")  # script order

    for log in (moved_log, same_log):    # every delta of the part, at the same places: nothing lost or moved
        assert sorted(_deltas(log, part)) == sorted(expected)

    lead = next(i for i, r in enumerate(moved_log) if r[3] == "bidi_component")
    elements = [what for _, kind, _, what, _ in moved_log if kind == "delta" and what not in ("add_block", "")]
    assert elements[0] == "bidi_component"             # the new arrow field: before the widgets drawn above it
    assert moved.chart_at(81) is not None              # ...and it is the 9 x 9 field
    chart_path = moved_log[lead][2]
    # Before it: only the containers it lies in (or the sidebar's, sent as the part starts). The URL comes after it,
    # and says the new value.
    before = [(kind, path) for _, kind, path, _, _ in moved_log[:lead] if kind in ("delta", "page_info_changed")]
    assert all(kind == "delta" and (chart_path[:len(p)] == p or p[0] != 0) for kind, p in before), before
    assert "arrows=9" in query.split("&")

    # The same value again: the chart is unchanged, so nothing is held and the script's order stays.
    same_elements = [what for _, kind, _, what, _ in same_log if kind == "delta" and what not in ("add_block", "")]
    assert same_elements.index("slider") < same_elements.index("bidi_component")


def _msg(path, block: str | None = None, text: str = "", part: str = "f"):
    m = ForwardMsg()
    m.metadata.delta_path[:] = path
    m.delta.fragment_id = part
    if block:
        getattr(m.delta.add_block, block).SetInParent()
    else:
        m.delta.new_element.markdown.body = text
    return m


class _Ctx:
    def __init__(self):
        self.sent = []
        self._enqueue = self.sent.append


def _one_run(monkeypatch, *, lone=True, before=None, figure=b"new", chart_block="column"):
    """A part's run: columns, a widget in the first, the chart in the second, a caption; what was sent, in order."""
    ctx = _Ctx()
    monkeypatch.setattr(lead.time, "sleep", lambda s: ctx.sent.append(f"gap {s}"))
    run = lead.Run(ctx, lone, lambda part_id: before if part_id == "f" and before else {})
    for m in (_msg((0, 5, 0), "horizontal"), _msg((0, 5, 0, 0), "column"), _msg((0, 5, 0, 0, 0), text="slider"),
              _msg((0, 5, 0, 1), chart_block)):
        ctx._enqueue(m)
    chart = _msg((0, 5, 0, 1, 0), text="chart")
    with lead.first("k", figure):
        pass                                   # lead() outside a part's run: nothing to do
    lead.local.run = run
    try:
        with lead.first("k", figure):
            ctx._enqueue(chart)
        ctx._enqueue(_msg((0, 5, 1), text="caption"))
    finally:
        lead.local.run = None
    run.end()
    order = [m if isinstance(m, str) else (m.delta.new_element.markdown.body or _block_type_name(m)) for m in ctx.sent]
    return order, run.drawn


def _block_type_name(m):
    return m.delta.add_block.WhichOneof("type") + str(tuple(m.metadata.delta_path))


SCRIPT_ORDER = ["horizontal(0, 5, 0)", "column(0, 5, 0, 0)", "slider", "column(0, 5, 0, 1)", "chart", "caption"]


def test_a_changed_chart_at_its_old_place_goes_first_with_its_containers(monkeypatch):
    _, drawn = _one_run(monkeypatch, lone=False, figure=b"old")          # a full run: sent as it comes, recorded
    order, _ = _one_run(monkeypatch, before=drawn, figure=b"new")
    assert order == ["horizontal(0, 5, 0)", "column(0, 5, 0, 1)", "chart", f"gap {lead.LEAD_GAP_S}",
                     "column(0, 5, 0, 0)", "slider", "caption"]


def test_no_lead_without_a_change_or_where_the_place_is_not_known(monkeypatch):
    _, drawn = _one_run(monkeypatch, lone=False, figure=b"old")
    assert _one_run(monkeypatch, lone=False, before=drawn, figure=b"new")[0] == SCRIPT_ORDER   # a full run
    assert _one_run(monkeypatch, before=drawn, figure=b"old")[0] == SCRIPT_ORDER               # the same figure
    assert _one_run(monkeypatch, before={}, figure=b"new")[0] == SCRIPT_ORDER                  # never drawn here
    moved = {"k": (drawn["k"][0], (0, 5, 0, 2, 0), drawn["k"][2])}
    assert _one_run(monkeypatch, before=moved, figure=b"new")[0] == SCRIPT_ORDER               # another place
    other = [t.replace("column(0, 5, 0, 1)", "vertical(0, 5, 0, 1)") for t in SCRIPT_ORDER]
    assert _one_run(monkeypatch, before=drawn, figure=b"new", chart_block="vertical")[0] == other   # new container


def test_contains_means_a_proper_prefix():
    assert lead._contains((0, 1), (0, 1, 2))
    assert not lead._contains((0, 1, 2), (0, 1, 2))      # the element itself is no container of it
    assert not lead._contains((0, 2), (0, 1, 2))
    assert lead._contains((0,), (0, 3))


# --- entering a page: its words first ------------------------------------------------------------------

def _element(path, kind: str):
    """A new element of type ``kind`` ("heading", "markdown", "slider", ...) at ``path``."""
    m = ForwardMsg()
    m.metadata.delta_path[:] = path
    getattr(m.delta.new_element, kind).SetInParent()
    return m


def _names(sent):
    return [m.delta.new_element.WhichOneof("type") + str(tuple(m.metadata.delta_path)) for m in sent]


def test_entering_a_page_sends_its_words_then_the_rest_after_the_gap():
    ctx = _Ctx()
    times = {}
    ctx._enqueue = lambda m: (ctx.sent.append(m), times.setdefault(id(m), time.monotonic()))
    words = lead.Words(ctx, gap=0.2)
    title, intro = _element((0, 1, 0), "heading"), _element((0, 1, 1), "markdown")
    side = _element((1, 4), "slider")
    slider, chart = _element((0, 1, 2), "slider"), _element((0, 1, 3), "bidi_component")
    for m in (title, intro, side):
        ctx._enqueue(m)
    assert _names(ctx.sent) == ["heading(0, 1, 0)", "markdown(0, 1, 1)", "slider(1, 4)"]   # at once: the sidebar too
    ctx._enqueue(slider)
    ctx._enqueue(chart)
    assert len(ctx.sent) == 3                          # what follows the words waits...
    time.sleep(0.35)                                   # ...while the script computes, for the gap only
    assert _names(ctx.sent)[3:] == ["slider(0, 1, 2)", "bidi_component(0, 1, 3)"]
    assert times[id(slider)] - times[id(intro)] >= 0.2
    late = _element((0, 1, 4), "markdown")
    ctx._enqueue(late)                                 # after the gap everything passes at once
    assert ctx.sent[-1] is late
    words.end()
    assert ctx._enqueue == words.send                  # the queue is the context's own again


def test_a_run_shorter_than_the_gap_waits_for_it_and_sends_all_in_order():
    ctx = _Ctx()
    words = lead.Words(ctx, gap=0.15)
    sent = [_element((0, 0), "heading"), _element((0, 1), "slider"), _element((0, 2), "markdown")]
    t0 = time.monotonic()
    for m in sent:
        ctx._enqueue(m)
    words.end()
    assert time.monotonic() - t0 >= 0.15 and ctx.sent == sent


def test_a_page_that_opens_without_words_holds_nothing():
    ctx = _Ctx()
    words = lead.Words(ctx, gap=10.0)
    sent = [_element((0, 0), "slider"), _element((0, 1), "heading"), _element((0, 2), "bidi_component")]
    for m in sent:
        ctx._enqueue(m)
    assert ctx.sent == sent                            # nothing waits: the first element was no text
    t0 = time.monotonic()
    words.end()
    assert time.monotonic() - t0 < 5.0


def test_words_first_only_on_entering_a_page(monkeypatch):
    ctx = _Ctx()
    monkeypatch.setattr(lead, "get_script_run_ctx", lambda: ctx)
    monkeypatch.setattr(lead.st, "session_state", {})
    installed = []
    for page in ("theory", "theory", "landscapes", "theory"):
        with lead.words_first(page):
            installed.append(isinstance(getattr(ctx._enqueue, "__self__", None), lead.Words))
    assert installed == [True, False, True, True]     # a rerun of the same page is sent as it comes
    assert ctx._enqueue == ctx.sent.append

    class Stopped(Exception):                          # as Streamlit's StopException ends a run
        pass

    try:
        with lead.words_first("landscapes"):
            raise Stopped
    except Stopped:
        pass
    assert ctx._enqueue == ctx.sent.append             # the context's own queue again


def test_entering_a_page_on_a_real_server_paints_its_title_first():
    """Home, then Theory in the same session (a click in the menu): Theory's title and introduction reach the
    student LEAD_GAP_S before its first widget; every element of its run arrives."""
    async def scenario(url):
        v = Recorder(url, "")
        try:
            await v.open(timeout=120)
            v.page_hash = ""                           # a click in the menu names the page
            entered, entered_log = await v.run({}, page_name="theory")
            again, again_log = await v.run({})
            return entered, entered_log, again, again_log
        finally:
            await v.close()

    with harness.Server(env={"ZOLAB_WARMUP": "0"}) as server:
        entered, log, again, again_log = asyncio.run(scenario(server.url))

    assert not entered.exceptions and not again.exceptions and not entered.alone
    main = [(t, what) for t, kind, path, what, _ in log if kind == "delta" and path[0] == 0 and what != "add_block"]
    main = main[next(i for i, (_, what) in enumerate(main) if what == "heading"):]   # the router's style comes before
    opening = next(i for i, (_, what) in enumerate(main) if what not in ("heading", "markdown", "new_transient"))
    assert [what for _, what in main[:2]] == ["heading", "markdown"]          # the title, the introduction
    assert main[opening][0] - main[opening - 1][0] >= 0.6 * lead.LEAD_GAP_S   # then the gap (0 ms without it)
    assert sorted(_deltas(log, "")) == sorted(_deltas(again_log, ""))         # nothing lost on entering

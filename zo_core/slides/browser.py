"""One headless Chromium for every static figure image, formula image and printed PDF page.

:func:`shared` is the process's one long-lived browser: started on first use, shared by every export
and thumbnail of a server (calls are serialised), restarted when it died, closed at exit. A
:class:`Chromium` can also be used on its own as a context manager (tests, scripts).

Figures are drawn in figure pages that load plotly.js once each (kaleido reloads its page after
every figure, which cost ~0.5 s a figure), :data:`FIGURE_TABS` of them drawing at once for each
plotly.js bundle: a 2-D figure in a page of the 2-D bundle, a 3-D one in a page of the 3-D bundle, where
they are installed (a third of the full one's size, so a cold page is ready sooner; a cold 13-slide PDF
took 5.1 s with the full bundle for its surface, 4.4 s with the 3-D one), opened only when such a figure
comes (:func:`zo_core.plotlyjs.for_traces`). A job is submitted without waiting, so the
exporter builds the next figure meanwhile. A figure page carries
plotly.js and a small driver inline,
both allowed by sha256 in its Content Security Policy, and receives each figure as JSON data, never
as markup or code. The driver calls ``Plotly.toImage`` with kaleido's options, so 2-D images are
kaleido's exactly; 3-D ones differ only at edges (WebGL at 2 device px a CSS px, not 2 × scale). Deck pages (the printed PDF, formula pictures) are shown in tabs with JavaScript off.
"""

from __future__ import annotations

import asyncio
import atexit
import base64
import json
import os
import shutil
import signal
import tempfile
import threading
from concurrent.futures import Future
from pathlib import Path

from zo_core.slides.deck import Deck

INSTALL_CHROMIUM = ("this export draws figures in a headless Chromium browser, and none was "
                    "found. Install it with `sudo apt-get install chromium` (Debian/Ubuntu) or "
                    "`kaleido_get_chrome`, or set BROWSER_PATH to a Chrome/Chromium executable.")
RELOAD_AFTER = 200        # figures a figure page draws before it is reloaded (bounds what plotly.js may leak)
FIGURE_TABS = 2           # figure pages drawing at once: one renderer process each (the machine has 2+ cores)

# The figure page's driver: kaleido_scopes' options for Plotly.toImage, and its PDF page (the figure
# as an SVG <img>, paper the figure's size, its background colour behind it) for Page.printToPDF.
_DRIVER = """
window.zoDraw = async function (job) {
  const figure = JSON.parse(job.figure);
  // WebGL (3-D) drawn at 2 device px a CSS px, or the image's own scale where that is finer: kaleido's
  // scale * 2 drew a scale-2 PNG at 4, four times the pixels in software GL for a picture one can't tell apart
  const gl = Math.max(job.scale, Math.min(job.scale * 2, 2));
  const config = Object.assign({mapboxAccessToken: null, plotGlPixelRatio: gl}, figure.config);
  const pdf = job.format === 'pdf';
  let bg = null;
  const opts = {format: pdf ? 'svg' : job.format, width: job.width, height: job.height, scale: job.scale,
                imageDataOnly: !pdf,
                setBackground: pdf ? (gd, c) => { if (!bg) bg = c; gd._fullLayout.paper_bgcolor = 'rgba(0,0,0,0)'; } : ''};
  const data = await Plotly.toImage({data: figure.data, layout: figure.layout || {}, config: config}, opts);
  if (!pdf) return data;
  document.getElementById('head-style').textContent =
    `@page { size: ${job.width * job.scale}px ${job.height * job.scale}px; }\\n` +
    `body { margin: 0; padding: 0; background-color: ${bg} }`;
  const img = document.getElementById('kaleido-image');
  await new Promise((resolve, reject) => {
    img.onload = resolve; img.onerror = () => reject(new Error('the figure did not load as an image'));
    img.src = data;
  });
  return '';
};
"""
_PDF_PARAMS = {"printBackground": True, "marginTop": 0.1, "marginBottom": 0.1, "marginLeft": 0.1,
               "marginRight": 0.1, "preferCSSPageSize": True, "pageRanges": "1"}      # kaleido's


def chromium_path() -> str | None:
    """The Chromium/Chrome executable to use, or None."""
    env = os.environ.get("BROWSER_PATH")
    if env:
        return env if Path(env).is_file() else None
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None


class ChromiumMissing(RuntimeError):
    pass


def _sha256(code: str) -> str:
    import hashlib
    return "'sha256-" + base64.b64encode(hashlib.sha256(code.encode()).digest()).decode() + "'"


def figure_page(bundle: Path | None = None) -> str:
    """The figure page: plotly.js (``bundle``, default the full one) and the driver inline (allowed by
    hash), nothing else may load or run."""
    from zo_core import plotlyjs

    plotly_js = plotlyjs.text(bundle or plotlyjs.full())
    csp = (f"default-src 'none'; script-src {_sha256(plotly_js)} {_sha256(_DRIVER)}; style-src 'unsafe-inline'; "
           "img-src data: blob:; font-src data:; base-uri 'none'; form-action 'none'")
    return ('<!DOCTYPE html><html><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
            '<style id="head-style"></style><title>figures</title>'
            f"<script>{plotly_js}</script><script>{_DRIVER}</script></head>"
            '<body style="{margin: 0; padding: 0;}"><img id="kaleido-image" /></body></html>')


class Chromium:
    """One headless Chromium (driven by choreographer, kaleido's driver): figure images, printed PDFs, PNGs.

    Use as a context manager, or :meth:`start` / :meth:`close`. Threads may share one browser: every
    call runs on the browser's own event loop, figure jobs queue for the figure pages, deck pages get
    a tab each. A call that fails because the browser died raises RuntimeError and :meth:`alive`
    turns False.
    """

    def __init__(self, timeout: float = 120, tabs: int | None = None):
        self.timeout = timeout
        self.path: str | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._browser = None
        self.tabs = tabs or FIGURE_TABS
        self._pages: dict = {}        # plotly.js bundle -> asyncio.Queue of its free figure pages (made in the loop)
        self._opened: dict = {}       # plotly.js bundle -> figure pages open (at most ``tabs`` each)
        self._lock = threading.Lock()
        self._broken = False          # a call timed out: the browser hangs, the next shared() replaces it
        self._tmp = tempfile.TemporaryDirectory(prefix="zolab-chromium-")

    # --- life cycle ---------------------------------------------------------------------------

    def start(self) -> "Chromium":
        path = chromium_path()
        if path is None:
            raise ChromiumMissing(INSTALL_CHROMIUM)
        import choreographer

        self.path = path
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name="zolab-chromium")
        self._thread.start()
        try:
            self._browser = choreographer.Browser(path, headless=True)
            self._run(self._browser.open())
        except Exception as err:
            self._kill()
            self._stop_loop()
            raise ChromiumMissing(f"Chromium at {path} did not start ({err}); {INSTALL_CHROMIUM}") from err
        return self

    __enter__ = start

    @property
    def pid(self) -> int | None:
        """The browser's process id (its process group's leader), or None before it started."""
        proc = getattr(self._browser, "subprocess", None)
        return proc.pid if proc is not None else None

    def alive(self) -> bool:
        """Running and answering: False once its process ended or a call to it timed out."""
        proc = getattr(self._browser, "subprocess", None)
        return (proc is not None and proc.poll() is None and not self._broken and self._loop is not None
                and self._loop.is_running())

    def close(self) -> None:
        with self._lock:
            if self._loop is None:
                return
            try:
                if self._browser is not None and self.alive():     # a hung one is killed at once
                    self._run(self._browser.close(), timeout=20)
            except Exception:          # a browser that hangs on close is killed below
                pass
            finally:
                self._kill()
                self._stop_loop()
                self._tmp.cleanup()

    def __exit__(self, *exc) -> None:
        self.close()

    def _kill(self) -> None:
        proc = getattr(self._browser, "subprocess", None)
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)      # choreographer starts it in a session of its own
                proc.wait(timeout=10)
            except (OSError, Exception):
                pass

    def _stop_loop(self) -> None:
        if self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        if not self._loop.is_running():
            self._loop.close()
        self._loop = None

    def _run(self, coro, timeout: float | None = None):
        if self._loop is None:
            raise RuntimeError("Chromium is closed")
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result(timeout or self.timeout)
        except TimeoutError:
            self._broken = True
            future.cancel()
            raise

    # --- figures --------------------------------------------------------------------------------

    def image(self, fig, fmt: str, width: int, height: int, scale: float = 1) -> bytes:
        """The figure as ``fmt`` ("svg", "pdf" or "png") bytes."""
        return self.images([(fig, fmt, width, height, scale)])[0]

    def images(self, jobs) -> list[bytes]:
        """Each ``(figure, fmt, width, height, scale)`` drawn in the figure pages; ``figure`` a Figure or its JSON."""
        futures = [self.submit(*job) for job in jobs]
        return [self.result(f) for f in futures]

    def submit(self, fig, fmt: str, width: int, height: int, scale: float = 1, bundle: Path | None = None) -> Future:
        """Start drawing one figure and return at once: the caller builds the next figure meanwhile.

        The figure pages (:data:`FIGURE_TABS` for each plotly.js bundle) take jobs in order; ``bundle``
        (default :func:`bundle_for` the figure) names the one to draw with.
        """
        import plotly.io as pio

        if self._loop is None:
            raise RuntimeError("Chromium is closed")
        spec = dict(figure=fig if isinstance(fig, str) else pio.to_json(fig, validate=False), format=fmt,
                    width=width, height=height, scale=scale)
        return asyncio.run_coroutine_threadsafe(self._draw(spec, bundle or bundle_for(fig)), self._loop)

    def result(self, future: Future) -> bytes:
        """What :meth:`submit` drew; RuntimeError when it failed (CDP, plotly.js, a dead browser, a timeout)."""
        try:
            return future.result(self.timeout)
        except Exception as err:
            if isinstance(err, TimeoutError):
                self._broken = True
            future.cancel()
            raise RuntimeError(f"Chromium could not draw a figure: {err!r}") from err

    async def _draw(self, spec: dict, bundle: Path) -> bytes:
        if bundle not in self._pages:                 # created in the loop: asyncio objects belong to it
            self._pages[bundle], self._opened[bundle] = asyncio.Queue(), 0
        pages = self._pages[bundle]
        if pages.empty() and self._opened[bundle] < self.tabs:
            self._opened[bundle] += 1
            try:
                await pages.put(await self._open_figures(bundle))
            except BaseException:
                self._opened[bundle] -= 1
                raise
        page = await pages.get()
        done = False
        try:
            if page["drawn"] >= RELOAD_AFTER:
                old, page = page, None
                await self._browser.close_tab(old["tab"].target_id)
                page = await self._open_figures(bundle)
            out = await self._draw_on(page, spec)
            done = True
            return out
        finally:
            if done:
                pages.put_nowait(page)
            else:                     # failed or cancelled mid-draw: the page's state is unknown, drop it
                self._opened[bundle] -= 1
                if page is not None:
                    closing = asyncio.ensure_future(self._browser.close_tab(page["tab"].target_id))
                    closing.add_done_callback(lambda f: f.cancelled() or f.exception())

    async def _draw_on(self, page: dict, spec: dict) -> bytes:
        tab = page["tab"]
        reply = await tab.send_command("Runtime.callFunctionOn", params={
            "functionDeclaration": "function (job) { return zoDraw(job); }", "objectId": page["window"],
            "arguments": [{"value": spec}], "awaitPromise": True, "returnByValue": True})
        _check(reply, "draw a figure")
        page["drawn"] += 1
        data = reply["result"]["result"].get("value")
        if spec["format"] == "pdf":
            pdf = _check(await tab.send_command("Page.printToPDF", params=_PDF_PARAMS), "print a figure")
            return base64.b64decode(pdf["result"]["data"])
        if spec["format"] == "svg":
            return data.encode("utf-8")
        return base64.b64decode(data)

    async def _open_figures(self, bundle: Path) -> dict:
        """A new figure page of plotly.js ``bundle``: ``{"tab", "window" (its object id), "drawn"}``."""
        file = Path(self._tmp.name) / f"figures-{bundle.stem}.html"
        if not file.exists():
            file.write_text(figure_page(bundle), encoding="utf-8")
        tab = await self._browser.create_tab("")
        await tab.send_command("Page.enable")
        loaded = tab.subscribe_once("Page.loadEventFired")
        _check(await tab.send_command("Page.navigate", params={"url": file.as_uri()}), "open the figure page")
        await loaded
        window = _check(await tab.send_command("Runtime.evaluate", params={"expression": "window"}),
                        "open the figure page")
        return {"tab": tab, "window": window["result"]["result"]["objectId"], "drawn": 0}

    # --- deck pages, scripts off ------------------------------------------------------------------

    def print_pdf(self, page_html: str) -> bytes:
        """Print an HTML page (its @page CSS sets the paper) to PDF bytes."""
        with tempfile.TemporaryDirectory(dir=self._tmp.name) as tmp:
            file = Path(tmp) / "deck.html"
            file.write_text(page_html, encoding="utf-8")
            return self._run(self._print(file.as_uri()))

    async def _open_scriptless(self, url: str, transparent: bool = False):
        tab = await self._browser.create_tab("")
        await tab.send_command("Page.enable")
        # The page is deck content: it runs no script at all (its CSP says so too).
        await tab.send_command("Emulation.setScriptExecutionDisabled", params={"value": True})
        if transparent:
            await tab.send_command("Emulation.setDefaultBackgroundColorOverride",
                                   params={"color": {"r": 255, "g": 255, "b": 255, "a": 0}})
        loaded = tab.subscribe_once("Page.loadEventFired")
        await tab.send_command("Page.navigate", params={"url": url})
        await loaded
        return tab

    async def _print(self, url: str) -> bytes:
        tab = await self._open_scriptless(url)
        try:
            reply = await tab.send_command("Page.printToPDF", params={"printBackground": True,
                                                                       "preferCSSPageSize": True})
            if "error" in reply:
                raise RuntimeError(f"Chromium could not print the deck: {reply['error']}")
            return base64.b64decode(reply["result"]["data"])
        finally:
            await self._browser.close_tab(tab.target_id)

    def element_pngs(self, page_html: str, count: int, scale: float) -> list[tuple[bytes, float, float]]:
        """Elements ``#e0`` … ``#e{count-1}`` of a page as transparent PNGs: ``[(png, css width, css height)]``.

        ``scale`` device pixels per CSS pixel (3: ~290 dpi at the element's CSS size). No script runs.
        """
        with tempfile.TemporaryDirectory(dir=self._tmp.name) as tmp:
            file = Path(tmp) / "elements.html"
            file.write_text(page_html, encoding="utf-8")
            return self._run(self._shoot(file.as_uri(), count, scale))

    async def _shoot(self, url: str, count: int, scale: float) -> list[tuple[bytes, float, float]]:
        tab = await self._open_scriptless(url, transparent=True)
        try:
            root = (await tab.send_command("DOM.getDocument"))["result"]["root"]["nodeId"]
            out = []
            for k in range(count):      # boxes from the DOM domain: page scripts stay off
                node = await tab.send_command("DOM.querySelector", params={"nodeId": root, "selector": f"#e{k}"})
                model = (await tab.send_command("DOM.getBoxModel",
                                                params={"nodeId": node["result"]["nodeId"]}))["result"]["model"]
                clip = dict(x=model["border"][0], y=model["border"][1], width=model["width"],
                            height=model["height"], scale=scale)
                shot = await tab.send_command("Page.captureScreenshot", params={"format": "png", "clip": clip,
                                                                               "captureBeyondViewport": True})
                if "error" in shot:
                    raise RuntimeError(f"Chromium could not draw a formula: {shot['error']}")
                out.append((base64.b64decode(shot["result"]["data"]), model["width"], model["height"]))
            return out
        finally:
            await self._browser.close_tab(tab.target_id)


def bundle_for(fig) -> Path:
    """The plotly.js bundle to draw ``fig`` (a Figure or its JSON) with: the 2-D one when it holds every
    trace type and is installed, else the full one (also for JSON that does not parse: drawing it reports why)."""
    from zo_core import plotlyjs

    if isinstance(fig, str):
        try:
            data = json.loads(fig).get("data") or []
            types = {t.get("type", "scatter") for t in data}
        except (ValueError, AttributeError):
            return plotlyjs.full()
    else:
        types = {t.type for t in fig.data}
    return plotlyjs.for_traces(types)


def _check(reply: dict, what: str) -> dict:
    """The CDP reply, or RuntimeError naming what failed (a protocol error or a JavaScript exception)."""
    if "error" in reply:
        raise RuntimeError(f"Chromium could not {what}: {reply['error']}")
    thrown = reply.get("result", {}).get("exceptionDetails")
    if thrown:
        text = thrown.get("exception", {}).get("description") or thrown.get("text") or json.dumps(thrown)[:300]
        raise RuntimeError(f"Chromium could not {what}: {text}")
    return reply


# --- the process's one browser ------------------------------------------------------------------

_SHARED: Chromium | None = None
_SHARED_LOCK = threading.Lock()


def shared() -> Chromium:
    """The process's one long-lived Chromium: started on first use, restarted when it died (or when
    ``BROWSER_PATH`` now names another executable), closed at exit."""
    global _SHARED
    path = chromium_path()
    with _SHARED_LOCK:
        if _SHARED is not None and (not _SHARED.alive() or _SHARED.path != path):
            _SHARED.close()
            _SHARED = None
        if path is None:
            raise ChromiumMissing(INSTALL_CHROMIUM)
        if _SHARED is None:
            _SHARED = Chromium().start()
        return _SHARED


def close_shared() -> None:
    """Close the shared browser (at exit; tests). The next :func:`shared` starts a fresh one."""
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is not None:
            _SHARED.close()
            _SHARED = None


atexit.register(close_shared)

_WARMING: threading.Thread | None = None      # the last warm-up
_WARMED: Chromium | None = None                 # the browser it warmed: a restarted one is warmed again
# Tiny figures of the deck figures' trace types: plotly.js compiles its code for them, WebGL starts. The
# 2-D one in every figure page of its bundle, the 3-D one (the full bundle's page) once.
_WARM_2D = json.dumps({"data": [{"type": "scatter", "x": [0, 1], "y": [0, 1]},
                                {"type": "contour", "z": [[0, 1], [1, 0]]}, {"type": "bar", "x": [0], "y": [1]}]})
_WARM_3D = json.dumps({"data": [{"type": "surface", "z": [[0, 1], [1, 0]]}]})


def warm_up() -> threading.Thread | None:
    """Start the shared Chromium and ready its figure pages in the background, once per browser.

    The Slides page calls this, so the first export finds the browser started, plotly.js loaded
    and compiled (a cold browser adds ~3 s to the first export). None without Chromium.
    """
    global _WARMING
    with _SHARED_LOCK:
        done = _WARMING is not None and not _WARMING.is_alive()
        if (_WARMING is None or (done and (_SHARED is None or _SHARED is not _WARMED))) and chromium_path():
            _WARMING = threading.Thread(target=_warm, daemon=True, name="zolab-chromium-warm-up")
            _WARMING.start()
        return _WARMING


def _warm() -> None:
    global _WARMED
    try:
        b = _WARMED = shared()
        futures = [b.submit(fig, "svg", 240, 150) for fig in [_WARM_3D] + [_WARM_2D] * b.tabs]
        for f in futures:
            b.result(f)
    except Exception:        # only a head start: an export reports its own errors
        pass


def on_shared(call):
    """``call(browser)`` on the shared Chromium; a browser that died during the call is restarted once."""
    b = shared()
    try:
        return call(b)
    except RuntimeError:
        if b.alive():
            raise
        return call(shared())       # it died under us: a fresh browser, one more try


def with_browser(render, deck: Deck, browser: Chromium | None, *, always: bool = False) -> bytes:
    """``render(deck, browser)`` on ``browser``, else on the shared Chromium when one is needed
    (``always``: to print pages)."""
    if browser is not None or not (always or any(not f.error for f in deck.figures)):
        return render(deck, browser)
    return on_shared(lambda b: render(deck, b))

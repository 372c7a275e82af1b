"""One headless Chromium (through kaleido) for every static figure image, formula image and printed PDF page."""

from __future__ import annotations

import asyncio
import base64
import os
import shutil
import tempfile
import threading
from pathlib import Path

from zo_core.slides.deck import Deck

INSTALL_CHROMIUM = ("this export draws figures with kaleido, which needs a Chromium browser, and none was "
                    "found. Install it with `sudo apt-get install chromium` (Debian/Ubuntu) or "
                    "`kaleido_get_chrome`, or set BROWSER_PATH to a Chrome/Chromium executable.")


def chromium_path() -> str | None:
    """The Chromium/Chrome executable kaleido will use, or None."""
    env = os.environ.get("BROWSER_PATH")
    if env:
        return env if Path(env).is_file() else None
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None


class ChromiumMissing(RuntimeError):
    pass


class Chromium:
    """One headless Chromium through kaleido: figure images (svg/pdf/png) and HTML printed to PDF.

    Use as a context manager; the browser starts once and serves every call (kaleido's own
    ``start_sync_server`` cannot print pages, so this runs kaleido's event loop in a thread).
    """

    def __init__(self, timeout: float = 120):
        self.timeout = timeout
        self._loop: asyncio.AbstractEventLoop | None = None

    def __enter__(self) -> "Chromium":
        path = chromium_path()
        if path is None:
            raise ChromiumMissing(INSTALL_CHROMIUM)
        os.environ["BROWSER_PATH"] = path     # where choreographer (kaleido's driver) looks first
        import kaleido
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        try:
            self._kaleido = self._run(self._open(kaleido))
        except Exception as err:
            self._stop_loop()
            raise ChromiumMissing(f"Chromium at {path} did not start ({err}); {INSTALL_CHROMIUM}") from err
        return self

    async def _open(self, kaleido):
        k = kaleido.Kaleido(mathjax=False)    # no MathJax: it would come from a CDN
        await k.open()
        return k

    def _run(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(self.timeout)

    def image(self, fig, fmt: str, width: int, height: int, scale: float = 1) -> bytes:
        """The figure as ``fmt`` ("svg", "pdf" or "png") bytes."""
        try:
            return self._run(self._kaleido.calc_fig(fig, opts=dict(format=fmt, width=width, height=height,
                                                                    scale=scale)))
        except Exception as err:   # kaleido/choreographer errors, timeouts: one clear type for callers
            raise RuntimeError(f"Chromium could not draw a figure as {fmt}: {err!r}") from err

    def print_pdf(self, page_html: str) -> bytes:
        """Print an HTML page (its @page CSS sets the paper) to PDF bytes."""
        with tempfile.TemporaryDirectory() as tmp:
            file = Path(tmp) / "deck.html"
            file.write_text(page_html, encoding="utf-8")
            return self._run(self._print(file.as_uri()))

    async def _print(self, url: str) -> bytes:
        tab = await self._kaleido.create_tab("")
        try:
            await tab.send_command("Page.enable")
            # The printed page is deck content: it runs no script at all (its CSP says so too).
            await tab.send_command("Emulation.setScriptExecutionDisabled", params={"value": True})
            loaded = tab.subscribe_once("Page.loadEventFired")
            await tab.send_command("Page.navigate", params={"url": url})
            await loaded
            reply = await tab.send_command("Page.printToPDF", params={"printBackground": True,
                                                                       "preferCSSPageSize": True})
            if "error" in reply:
                raise RuntimeError(f"Chromium could not print the deck: {reply['error']}")
            return base64.b64decode(reply["result"]["data"])
        finally:
            await self._kaleido.close_tab(tab.target_id)

    def element_pngs(self, page_html: str, count: int, scale: float) -> list[tuple[bytes, float, float]]:
        """Elements ``#e0`` … ``#e{count-1}`` of a page as transparent PNGs: ``[(png, css width, css height)]``.

        ``scale`` device pixels per CSS pixel (3: ~290 dpi at the element's CSS size). No script runs.
        """
        with tempfile.TemporaryDirectory() as tmp:
            file = Path(tmp) / "elements.html"
            file.write_text(page_html, encoding="utf-8")
            return self._run(self._shoot(file.as_uri(), count, scale))

    async def _shoot(self, url: str, count: int, scale: float) -> list[tuple[bytes, float, float]]:
        tab = await self._kaleido.create_tab("")
        try:
            await tab.send_command("Page.enable")
            await tab.send_command("Emulation.setScriptExecutionDisabled", params={"value": True})
            await tab.send_command("Emulation.setDefaultBackgroundColorOverride",
                                   params={"color": {"r": 255, "g": 255, "b": 255, "a": 0}})
            loaded = tab.subscribe_once("Page.loadEventFired")
            await tab.send_command("Page.navigate", params={"url": url})
            await loaded
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
            await self._kaleido.close_tab(tab.target_id)

    def _stop_loop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def __exit__(self, *exc) -> None:
        try:
            self._run(self._kaleido.close())
        finally:
            self._stop_loop()


def with_browser(render, deck: Deck, browser: Chromium | None, *, always: bool = False) -> bytes:
    """``render(deck, browser)``, starting a Chromium only when one is needed (``always``: to print pages)."""
    if browser is not None or not (always or any(not f.error for f in deck.figures)):
        return render(deck, browser)
    with Chromium() as b:
        return render(deck, b)

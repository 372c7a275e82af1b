"""Start `streamlit run` on a free 127.0.0.1 port and drive Debian's Chromium with Playwright.

Shared by tests/browser and bench/ (startup and latency figures measure the same path the tests use).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A `streamlit run app.py` subprocess on 127.0.0.1, stopped by its own PID.

    ``script`` (relative to the repository root) runs another app, e.g. the bench's floor page.
    """

    def __init__(self, port: int | None = None, env: dict | None = None, script: str = "app.py"):
        self.script = script
        self.port = port or free_port()
        self.env = dict(env or {})          # extra environment for the server (e.g. ZOLAB_DB_PATH)
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.log = ARTIFACTS / f"streamlit-{self.port}.log"

    def start(self, timeout: float = 60.0) -> "Server":
        ARTIFACTS.mkdir(exist_ok=True)
        env = dict(os.environ, PYTHONUNBUFFERED="1", **self.env)
        cmd = [sys.executable, "-m", "streamlit", "run", self.script, "--server.address", "127.0.0.1",
               "--server.port", str(self.port), "--server.headless", "true",
               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
        self._logfile = open(self.log, "w")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=self._logfile, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self.proc.returncode}; see {self.log}")
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(self.url + "/_stcore/health", timeout=1) as r:
                    if r.status == 200:
                        return self
            time.sleep(0.1)
        self.stop()
        raise TimeoutError(f"streamlit did not answer on {self.url} within {timeout} s; see {self.log}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if getattr(self, "_logfile", None):
            self._logfile.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def launch(playwright):
    """Debian's Chromium, headless, with the flags this closed network needs."""
    path = chromium_path()
    if path is None:
        raise FileNotFoundError("Chromium not found: install Debian's package with `apt-get install chromium`")
    return playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)


# JS statements for layout probes: ``avail``, the main area's content width (without its padding), and
# ``box(e)``, an element's [left, top, right, bottom] (null when absent or empty).
LAYOUT_PRELUDE = """  const main = document.querySelector('[data-testid=stMainBlockContainer]');
  const cs = getComputedStyle(main);
  const avail = main.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
  const box = e => { if (!e) return null; const b = e.getBoundingClientRect();
                     return b.width && b.height ? [b.left, b.top, b.right, b.bottom] : null; };
"""


IDLE_JS = ("() => { const app = document.querySelector('[data-testid=stApp]');"
           " const status = document.querySelector('[data-testid=stStatusWidget]');"
           " return app.getAttribute('data-test-script-state') !== 'running' &&"
           " !(status && status.innerText.match(/Running/i)); }")


def wait_idle(page, timeout: float = 60_000) -> None:
    """Wait until Streamlit finished the current script run: the app's script state (which a part's lone
    rerun sets too, without showing the running status) is not running, twice 150 ms apart."""
    page.wait_for_selector("[data-testid=stApp]", timeout=timeout)
    page.wait_for_function(IDLE_JS, timeout=timeout)
    page.wait_for_timeout(150)
    page.wait_for_function(IDLE_JS, timeout=timeout)


def exceptions(page) -> list[str]:
    """Texts of Streamlit exception boxes on the page."""
    return [e.inner_text() for e in page.query_selector_all("[data-testid=stException]")]


@contextlib.contextmanager
def opened(browser, url: str, *, width: int = 1400, height: int = 1000,
           ready: str = ".js-plotly-plot .main-svg", settle_ms: int = 0, init_script: str | None = None):
    """A page in a fresh browser context at ``width`` x ``height``, loaded, idle and free of
    exceptions; the context closes on exit. ``init_script`` runs in every document before its own scripts."""
    context = browser.new_context(viewport={"width": width, "height": height})
    if init_script:
        context.add_init_script(init_script)
    try:
        page = context.new_page()
        page.goto(url, timeout=60_000)
        page.wait_for_selector(ready, timeout=90_000)
        wait_idle(page)
        if settle_ms:
            page.wait_for_timeout(settle_ms)
        assert not exceptions(page)
        yield page
    finally:
        context.close()

"""make serve-class for real: 2 replicas + Debian's nginx, health through the proxy, a slider move
in Chromium through the proxy (websocket + sticky cookie), then stop leaves no process behind."""

import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from deploy import serve_class
from devtools import browser as harness

ROOT = Path(__file__).resolve().parents[2]


def _require(what: str, ok: bool):
    if not ok:
        message = f"{what} is not installed"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " — required in CI", pytrace=False)
        pytest.skip(message)


def _free_ports(n: int) -> int:
    """A first port p with p .. p+n-1 all free on 127.0.0.1."""
    rng = random.Random()
    for _ in range(200):
        p = rng.randrange(20000, 60000 - n)
        if all(serve_class.port_free(q) for q in range(p, p + n)):
            return p
    raise RuntimeError("no free port range")


def _get(url: str, headers: dict | None = None) -> tuple[int, str, object]:
    req = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status, r.read().decode(), r.headers


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state == "Z"      # exited; only its parent's reaping is left


def test_two_replicas_behind_nginx(tmp_path):
    _require("nginx (apt-get install nginx)", serve_class.nginx_binary() is not None)
    _require("Chromium (apt-get install chromium)", harness.chromium_path() is not None)
    run = tmp_path / "run"
    base = _free_ports(3)
    port = base
    cmd = [sys.executable, "deploy/serve_class.py", "--run-dir", str(run)]
    pids: dict[str, int] = {}
    started = subprocess.run(cmd + ["start", "--replicas", "2", "--port", str(port), "--backend-port", str(base + 1)],
                             cwd=ROOT, capture_output=True, text=True, timeout=150)
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        pids = {f.name: int(f.read_text()) for f in run.glob("*.pid") if f.name != "nginx.pid"}
        assert set(pids) == {"nginx-master.pid", f"streamlit-{base + 1}.pid", f"streamlit-{base + 2}.pid"}
        front = f"http://127.0.0.1:{port}"

        status, body, headers = _get(front + "/_stcore/health")
        assert (status, body) == (200, "ok")
        assert headers.get("Server") == "nginx"
        assert any(c.startswith("zolab_route=") for c in headers.get_all("Set-Cookie"))

        # Without a cookie each request is a new student: 40 of them reach both replicas
        # (all on one would have probability 2 * 2**-40 with a fair hash).
        for _ in range(40):
            _get(front + "/_stcore/health")
        # With a cookie every request sticks to one replica.
        for _ in range(10):
            _get(front + "/_stcore/health", {"Cookie": "zolab_route=student-7"})

        browser = subprocess.run([sys.executable, "-m", "tests.deploy.browser_check", front], cwd=ROOT,
                                 capture_output=True, text=True, timeout=120)
        assert browser.returncode == 0, browser.stderr[-3000:]
        seen = json.loads(browser.stdout.strip().splitlines()[-1])
        # 5x5 -> 6x6 descent arrows, each drawn with the same number of points
        assert seen["before"] > 0 and seen["after"] * 25 == seen["before"] * 36, seen
        assert "arrows=6" in seen["url"]
        assert seen["exceptions"] == [] and seen["js_errors"] == [], seen
        assert seen["route"], "nginx set no route cookie"

        # nginx logs a websocket when it closes: give the closed browser's line a moment to land
        stream = re.compile(rf'"GET /_stcore/stream HTTP/1.1" 101 route={seen["route"]} ')
        for _ in range(50):
            log = (run / "nginx-access.log").read_text()
            if stream.search(log):
                break
            time.sleep(0.1)
        routes: dict[str, set] = {}
        for line in log.splitlines():
            m = re.search(r'"(\S+) (\S+) [^"]*" \d+ route=(\S+) upstream=(\S+)', line)
            if m and m.group(4) != "-":
                routes.setdefault(m.group(3), set()).add(m.group(4))
        upstreams = set().union(*routes.values())
        assert upstreams == {f"127.0.0.1:{base + 1}", f"127.0.0.1:{base + 2}"}, upstreams
        assert len(routes["student-7"]) == 1
        assert len(routes[seen["route"]]) == 1, routes[seen["route"]]
        # the browser's websocket went through the proxy, to that same replica
        assert stream.search(log), log[-2000:]
    finally:
        stopped = subprocess.run(cmd + ["stop"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert stopped.returncode == 0, stopped.stderr
    assert "stopped 3 process(es)" in stopped.stdout
    for name, pid in pids.items():
        assert _gone(pid), f"{name} (pid {pid}) still running"
    assert not list(run.glob("*.pid"))
    for p in (port, base + 1, base + 2):
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", p), timeout=2).close()
    shutil.rmtree(run, ignore_errors=True)

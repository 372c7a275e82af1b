"""Serve a class from one machine: N `streamlit run app.py` replicas behind nginx on one port.

    python deploy/serve_class.py start [--replicas N] [--port 8080] [--backend-port PORT+1]
    python deploy/serve_class.py status
    python deploy/serve_class.py stop

Several hosts (docs/serving.md): on each app host `start --no-proxy --replica-address 0.0.0.0`;
on the front host `start --backends hostA:8081,hostA:8082,hostB:8081` (nginx only).

Replicas listen on 127.0.0.1 at consecutive ports; nginx (Debian's package) listens on --host:--port,
keeps each browser on one replica with a cookie, and passes the websocket through. Every process
started is recorded in a pid file under the run directory (--run-dir, default .zolab/run), which
`stop` reads; nothing else is ever signalled. All replicas share one store (ui.store: the SQLite
file .zolab/zolab.db, or ZOLAB_DATABASE_URL) and one cookie secret, so any replica can serve a
reconnecting browser.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"
DEFAULT_RUN = ROOT / ".zolab" / "run"


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx")
                                          if os.access(p, os.X_OK)), None)


def render_config(run: Path, listen: str, backends: list[str]) -> str:
    """The nginx config: our template with the run directory, the listen address and the replicas."""
    servers = "\n".join(f"        server {b} max_fails=2 fail_timeout=10s;" for b in backends)
    # As root nginx would hand its workers to `nobody`; keep them as the user who started it.
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};" if os.geteuid() == 0 else "# (not root: no user directive)"
    text = TEMPLATE.read_text()
    for name, value in {"RUN": str(run), "LISTEN": listen, "SERVERS": servers, "USER": user}.items():
        text = text.replace(f"@@{name}@@", value)
    return text


def healthy(url: str, timeout: float = 1.0) -> bool:
    with contextlib.suppress(OSError):
        with urllib.request.urlopen(url + "/_stcore/health", timeout=timeout) as r:
            return r.status == 200 and r.read().strip() == b"ok"
    return False


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        # SO_REUSEADDR as nginx and tornado set it: a port with only TIME_WAIT leftovers is free
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def _pidfiles(run: Path) -> list[Path]:
    return sorted(run.glob("*.pid")) if run.is_dir() else []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of ours has exited already
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    return True


def _ours(pid: int, name: str) -> bool:
    """Is pid still the process we started (not a recycled pid)? Its command line names it."""
    with contextlib.suppress(OSError):
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        return ("nginx" in cmdline) if name == "nginx" else ("streamlit" in cmdline)
    return _alive(pid)


def _spawn(cmd: list[str], log: Path, env: dict | None = None) -> subprocess.Popen:
    # A session of its own: the class keeps running after `make serve-class` returns, and a
    # Ctrl-C in that terminal does not reach the replicas.
    with open(log, "ab") as out:
        return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)


def start(replicas: int, port: int, backend_port: int, run: Path, host: str = "127.0.0.1",
          timeout: float = 120.0, *, backends: list[str] | None = None, proxy: bool = True,
          replica_address: str = "127.0.0.1") -> list[str]:
    """Start the replicas and nginx; return the replicas' URLs. Stops what it started on failure.

    backends: replicas already running elsewhere ("host:port"); then only nginx starts here.
    proxy=False: only the replicas start (an app host behind a front host's nginx).
    """
    nginx = nginx_binary()
    if proxy and nginx is None:
        raise SystemExit("nginx not found: install Debian's package (apt-get install nginx)")
    if any(_alive(int(p.read_text())) for p in _pidfiles(run) if p.read_text().strip().isdigit()):
        raise SystemExit(f"a class is already running from {run}; `make stop-class` first")
    ports = [] if backends else list(range(backend_port, backend_port + replicas))
    busy = [p for p in ports if not port_free(p, replica_address)] + \
           ([port] if proxy and not port_free(port, host) else [])
    if busy:
        raise SystemExit(f"port(s) {busy} in use; choose --port / --backend-port elsewhere")
    run.mkdir(parents=True, exist_ok=True)
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (run / "nginx-tmp" / sub).mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYTHONUNBUFFERED="1",
               # One secret for all replicas: a browser whose websocket lands elsewhere after a
               # replica restart still presents a valid XSRF cookie. Passed by env, not argv (ps).
               STREAMLIT_SERVER_COOKIE_SECRET=os.environ.get("STREAMLIT_SERVER_COOKIE_SECRET")
               or secrets.token_urlsafe(32))
    here = "127.0.0.1" if replica_address in ("0.0.0.0", "") else replica_address
    urls = [f"http://{b}" for b in backends] if backends else [f"http://{here}:{p}" for p in ports]
    try:
        for p in ports:
            proc = _spawn([sys.executable, "-m", "streamlit", "run", "app.py",
                           "--server.address", replica_address, "--server.port", str(p),
                           "--server.headless", "true", "--browser.gatherUsageStats", "false",
                           "--server.fileWatcherType", "none", "--server.runOnSave", "false"],
                          run / f"streamlit-{p}.log", env)
            (run / f"streamlit-{p}.pid").write_text(str(proc.pid))
            (run / f"streamlit-{p}.url").write_text(f"http://{here}:{p}")
        deadline = time.monotonic() + timeout
        for u in urls:
            while not healthy(u):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"replica {u} not healthy within {timeout:.0f} s; see {run}/streamlit-*.log")
                time.sleep(0.2)
        if not proxy:
            return urls
        conf = run / "nginx.conf"
        conf.write_text(render_config(run, f"{host}:{port}", [u.removeprefix("http://") for u in urls]))
        # -e: the error log before the config is read, so Debian's /var/log/nginx is never opened.
        test = subprocess.run([nginx, "-t", "-q", "-p", str(run), "-c", str(conf), "-e", str(run / "nginx-error.log")],
                              capture_output=True, text=True)
        if test.returncode:
            raise RuntimeError(f"nginx rejected {conf}: {test.stderr.strip()}")
        proc = _spawn([nginx, "-p", str(run), "-c", str(conf), "-e", str(run / "nginx-error.log")],
                      run / "nginx-stdout.log")
        (run / "nginx-master.pid").write_text(str(proc.pid))
        front = f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{port}"
        (run / "nginx-master.url").write_text(front)
        while not healthy(front):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"nginx did not answer on {front}; see {run}/nginx-error.log")
            time.sleep(0.1)
    except BaseException:
        stop(run)
        raise
    return urls


def stop(run: Path, timeout: float = 15.0) -> list[int]:
    """SIGTERM every process in the run directory's pid files, SIGKILL after timeout; return the pids."""
    pids: dict[int, Path] = {}
    for f in _pidfiles(run):
        if f.name == "nginx.pid":           # nginx's own copy of the master pid; we keep ours
            continue
        text = f.read_text().strip()
        name = "nginx" if f.name.startswith("nginx") else "streamlit"
        if text.isdigit() and _alive(int(text)) and _ours(int(text), name):
            pids[int(text)] = f
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(text), signal.SIGTERM)   # nginx: fast shutdown; streamlit: clean exit
        else:
            f.unlink(missing_ok=True)
            f.with_suffix(".url").unlink(missing_ok=True)
    deadline = time.monotonic() + timeout
    for pid in pids:
        while _alive(pid) and time.monotonic() < deadline:
            _reap(pid)
            time.sleep(0.05)
        if _alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        _reap(pid)
    for f in pids.values():
        f.unlink(missing_ok=True)
        f.with_suffix(".url").unlink(missing_ok=True)
    (run / "nginx.pid").unlink(missing_ok=True)
    return list(pids)


def _reap(pid: int) -> None:
    """Collect an exited child of this process (when start and stop run in one process, e.g. tests)."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def status(run: Path) -> list[tuple[str, int, bool, str]]:
    """(name, pid, alive, health) for every recorded process; health from /_stcore/health."""
    rows = []
    for f in _pidfiles(run):
        if f.name == "nginx.pid" or not f.read_text().strip().isdigit():   # nginx.pid: nginx's own copy
            continue
        pid, name = int(f.read_text()), f.stem
        url_file = f.with_suffix(".url")       # nginx: /_stcore/health through the proxy
        health = ("ok" if healthy(url_file.read_text()) else "down") if url_file.exists() else "-"
        rows.append((name, pid, _alive(pid), health))
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("command", choices=["start", "stop", "status"])
    ap.add_argument("--replicas", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--port", type=int, default=8080, help="the one port students open")
    ap.add_argument("--host", default="127.0.0.1", help="nginx's listen address (0.0.0.0 for a classroom LAN)")
    ap.add_argument("--backend-port", type=int, default=None, help="first replica port (default port+1)")
    ap.add_argument("--backends", default="", help="host:port,... of replicas on other hosts: start nginx only")
    ap.add_argument("--no-proxy", action="store_true", help="start the replicas only (an app host)")
    ap.add_argument("--replica-address", default="127.0.0.1", help="the replicas' listen address")
    ap.add_argument("--run-dir", type=Path, default=Path(os.environ.get("ZOLAB_RUN_DIR", DEFAULT_RUN)))
    a = ap.parse_args(argv)
    run = a.run_dir.resolve()
    if a.command == "start":
        if a.replicas < 1:
            raise SystemExit("--replicas must be at least 1")
        backends = [b.strip() for b in a.backends.split(",") if b.strip()]
        urls = start(a.replicas, a.port, a.backend_port or a.port + 1, run, host=a.host,
                     backends=backends, proxy=not a.no_proxy, replica_address=a.replica_address)
        if a.no_proxy:
            print(f"ZO Lab replicas (no proxy): {', '.join(urls)}")
        else:
            print(f"ZO Lab class: http://{a.host}:{a.port}  ({len(urls)} replicas: {', '.join(urls)})")
        print(f"logs and pid files in {run}; stop with `make stop-class`")
    elif a.command == "stop":
        pids = stop(run)
        print(f"stopped {len(pids)} process(es)" if pids else "nothing running")
    else:
        rows = status(run)
        for name, pid, alive, health in rows:
            print(f"{name:22s} pid {pid:<8d} {'running' if alive else 'gone':8s} /_stcore/health {health}")
        if not rows:
            print("nothing running")
        return 0 if rows and all(r[2] and r[3] != "down" for r in rows) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

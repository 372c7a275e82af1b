"""The several-hosts recipe of docs/serving.md, with loopback addresses standing in for hosts.

Two "app hosts" (127.0.0.2 and 127.0.0.3, each `start --no-proxy`) and a "front host" running
only nginx (`start --backends ...`), exactly the commands the document gives. Checked: health
through the front reaches both hosts; when one host goes down, the front keeps answering from
the other (nginx's passive health check and next-upstream retry).
"""

import os
import re
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from deploy import serve_class
from tests.deploy.test_serve_class import _free_ports

ROOT = Path(__file__).resolve().parents[2]
HOSTS = ["127.0.0.2", "127.0.0.3"]


def _loopback_alias_works() -> bool:
    with socket.socket() as s:
        try:
            s.bind((HOSTS[1], 0))
        except OSError:
            return False
    return True


def _serve(run: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "deploy/serve_class.py", "--run-dir", str(run), *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=150)


def _health(url: str) -> int:
    with urllib.request.urlopen(url + "/_stcore/health", timeout=10) as r:
        return r.status


def test_front_host_over_two_app_hosts(tmp_path):
    if serve_class.nginx_binary() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("nginx is not installed — required in CI", pytrace=False)
        pytest.skip("nginx is not installed")
    if not _loopback_alias_works():
        pytest.skip("this kernel does not route 127.0.0.0/8 beyond 127.0.0.1")
    app_port = _free_ports(1)
    front_port = _free_ports(1)
    runs = {h: tmp_path / h for h in HOSTS}
    front_run = tmp_path / "front"
    try:
        for h in HOSTS:   # each app host: one replica listening on its own address
            r = _serve(runs[h], "start", "--no-proxy", "--replicas", "1", "--replica-address", h,
                       "--backend-port", str(app_port))
            assert r.returncode == 0, r.stdout + r.stderr
        backends = ",".join(f"{h}:{app_port}" for h in HOSTS)
        r = _serve(front_run, "start", "--backends", backends, "--port", str(front_port))
        assert r.returncode == 0, r.stdout + r.stderr
        assert not list(front_run.glob("streamlit-*.pid"))        # the front host runs nginx only
        front = f"http://127.0.0.1:{front_port}"
        for _ in range(30):
            assert _health(front) == 200
        log = (front_run / "nginx-access.log").read_text()
        assert set(re.findall(r"upstream=(\S+)", log)) == {f"{h}:{app_port}" for h in HOSTS}

        assert _serve(runs[HOSTS[1]], "stop").returncode == 0    # one app host goes away
        for _ in range(30):
            assert _health(front) == 200                          # the other one carries on
        status = _serve(front_run, "status")
        assert "nginx-master" in status.stdout and "running" in status.stdout
    finally:
        for run in [front_run, *runs.values()]:
            _serve(run, "stop")
    for p in [front_port]:
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", p), timeout=2).close()
    for h in HOSTS:
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((h, app_port), timeout=2).close()

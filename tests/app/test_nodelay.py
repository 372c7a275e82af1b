"""ui.nodelay against the kernel: a listening socket made as Streamlit's server makes it (protocol number 0).

tests/app/test_partial_lead.py::test_entering_a_page_on_a_real_server_paints_its_title_first measures what it
is for on a real server: the title's arrival, which Nagle's algorithm delayed behind the run's first messages.
"""

import socket
import sys

import pytest

from ui import nodelay

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ui.nodelay acts on Linux only")


def _nodelay(s: socket.socket) -> int:
    return s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def _pair(listener: socket.socket) -> tuple[socket.socket, socket.socket]:
    client = socket.create_connection(listener.getsockname()[:2])
    accepted, _ = listener.accept()
    return client, accepted


def test_the_listener_and_every_connection_it_accepts_send_at_once(monkeypatch):
    monkeypatch.setattr(nodelay, "_done", False)
    listener = socket.socket(family=socket.AF_INET)        # as streamlit.web.server.starlette makes it
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    unix_a, unix_b = socket.socketpair()
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        client, before = _pair(listener)
        assert listener.proto == 0 and _nodelay(before) == 0     # the premise: Nagle on by default
        assert nodelay.apply() >= 2                             # the listener, the connection (and the client)
        after_client, after = _pair(listener)
        assert _nodelay(listener) == 1
        assert _nodelay(before) == 1                            # a connection open at the first run
        assert _nodelay(after) == 1                             # every later one, by inheritance
        assert udp.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE) == socket.SOCK_DGRAM   # left alone, no error
        unix_a.sendall(b"x")
        assert unix_b.recv(1) == b"x"
        assert nodelay.apply() == 0                             # once per process
        for s in (client, before, after_client, after):
            s.close()
    finally:
        for s in (listener, udp, unix_a, unix_b):
            s.close()

"""The server sends every message at once: Nagle's algorithm off on its TCP sockets (:func:`apply`, run by app.py).

Streamlit's server (uvicorn, in Streamlit 1.67) listens on a socket made by ``socket.socket(family)``, whose
protocol number reads 0, and asyncio turns Nagle's algorithm off (``TCP_NODELAY``) only on sockets whose
protocol reads ``IPPROTO_TCP``: every connection kept it. Under Nagle a small write that follows one the peer
has not acknowledged yet waits for that acknowledgement, which the peer may delay by up to 40 ms, or, over
a network, for a round trip. A run's messages are many small writes: on entering Theory its title reached a
websocket client (:mod:`ui.visitor`, as the warm-up and ``bench.classroom``'s students speak) 33-45 ms after
the script sent it, behind the run's first messages; with ``TCP_NODELAY``, 2-8 ms (4 visits each). In Chromium on
this machine it changed nothing measurable (menu click -> the page's title, 9 pages 3 times, alternated:
median 126 ms with Nagle, 134 ms without); a network's round trip could not be simulated here (no netem).

On Linux an accepted socket inherits the listening socket's ``TCP_NODELAY``, so setting it, once per process,
on every TCP socket the process holds at its first script run covers that run's connection and every later
one. The sockets are found under ``/proc/self/fd``; where there is none (macOS, Windows) nothing is done.
"""

from __future__ import annotations

import os
import socket

_FDS = "/proc/self/fd"
_done = False


def _set(fd: int) -> bool:
    """Turn Nagle off on the TCP socket ``fd`` (a duplicate of it, which shares its options); False where
    ``fd`` is not a TCP socket (any more)."""
    try:
        dup = socket.fromfd(fd, socket.AF_INET, socket.SOCK_STREAM)
    except OSError:
        return False
    with dup:
        try:
            if dup.getsockopt(socket.SOL_SOCKET, socket.SO_DOMAIN) not in (socket.AF_INET, socket.AF_INET6) \
                    or dup.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE) != socket.SOCK_STREAM:
                return False
            dup.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            return False
    return True


def apply() -> int:
    """Once per process: ``TCP_NODELAY`` on every TCP socket it holds (the server's listening socket among
    them); how many were set (0 after the first call, and where the platform has no ``/proc/self/fd``)."""
    global _done
    if _done or not hasattr(socket, "SO_DOMAIN") or not os.path.isdir(_FDS):
        return 0
    _done = True
    count = 0
    for name in os.listdir(_FDS):
        try:
            if not os.readlink(f"{_FDS}/{name}").startswith("socket:"):
                continue
        except OSError:            # closed meanwhile (the listing's own descriptor among them)
            continue
        count += _set(int(name))
    return count

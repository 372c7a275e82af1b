"""The shared store every replica sees: decks under a URL id, follow-mode rooms, monitor heartbeats.

Plain Python, no Streamlit: the pages call it, the tests drive it directly. One SQL text per
operation, parameterised, run against

* SQLite (default): one file, WAL mode and a busy timeout so several `streamlit run` processes on
  one machine read and write it at once. Path: ``ZOLAB_DB_PATH``, else ``<repo>/.zolab/zolab.db``
  (git-ignored).
* PostgreSQL when ``ZOLAB_DATABASE_URL=postgresql://...`` (psycopg 3), for replicas on several hosts.

Capabilities, not accounts: whoever knows a deck id can read and overwrite that deck (the id is
22 random URL-safe characters, as hard to guess as a password); a room's short code lets anyone
follow it, and only the holder of its secret key may publish to it. Only a hash of the key is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = ROOT / ".zolab" / "zolab.db"

MAX_DECK_ITEMS = 200
MAX_DECK_BYTES = 2 * 1024 * 1024       # JSON of the whole deck, UTF-8
MAX_STATE_BYTES = 64 * 1024            # a room's state is a slide index and some widget values
ROOM_TTL_S = 4 * 3600.0                # a room lives this long after its last publish
ROOM_CODE_LEN = 6
# No 0/O, 1/I/L: a code read off a projector and typed on a phone must survive the reading.
ROOM_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_DECK_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")

_SCHEMA = [
    "CREATE TABLE IF NOT EXISTS zolab_decks (id TEXT PRIMARY KEY, body TEXT NOT NULL, updated DOUBLE PRECISION NOT NULL)",
    "CREATE TABLE IF NOT EXISTS zolab_rooms (code TEXT PRIMARY KEY, key_hash TEXT NOT NULL, lecture TEXT NOT NULL,"
    " state TEXT NOT NULL, updated DOUBLE PRECISION NOT NULL)",
    "CREATE TABLE IF NOT EXISTS zolab_monitor (process TEXT PRIMARY KEY, body TEXT NOT NULL,"
    " updated DOUBLE PRECISION NOT NULL)",
]


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _dumps(value: Any) -> str:
    # allow_nan=False: NaN is not JSON and PostgreSQL's JSON readers would refuse it later
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def normalize_code(code: str) -> str:
    """A room code as typed ('  abc 234 ') -> as stored ('ABC234')."""
    return re.sub(r"[\s-]", "", str(code)).upper()


class Store:
    """Decks, rooms and monitor rows in one database.

    Parameters
    ----------
    url : str, optional
        ``postgresql://user@host:port/db`` or a SQLite file path (``sqlite:///abs/path`` also
        works). Default: ``ZOLAB_DATABASE_URL``, else ``ZOLAB_DB_PATH``, else ``.zolab/zolab.db``.
    clock : callable, optional
        Seconds since the epoch; tests inject a fake one to expire rooms.
    """

    def __init__(self, url: str | os.PathLike | None = None, *, clock: Callable[[], float] = time.time):
        if url is None:
            url = os.environ.get("ZOLAB_DATABASE_URL") or os.environ.get("ZOLAB_DB_PATH") or DEFAULT_DB
        url = str(url)
        self.clock = clock
        self.postgres = url.startswith(("postgresql://", "postgres://"))
        self.url = url if self.postgres else url.removeprefix("sqlite://")
        self._idle: list = []                # a small pool: Streamlit runs each rerun in a fresh thread
        self._lock = threading.Lock()
        self._schema_ready = False

    # ---- connections -------------------------------------------------------------------------
    def _connect(self):
        if self.postgres:
            import psycopg  # only needed for several hosts; kept out of the SQLite path

            # autocommit: each `with con.transaction()` below is then exactly one BEGIN ... COMMIT
            return psycopg.connect(self.url, autocommit=True, connect_timeout=10)
        path = Path(self.url)
        path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we issue BEGIN IMMEDIATE ourselves, so a writer takes the lock
        # up front instead of failing half-way through an upgrade from a read lock.
        con = sqlite3.connect(path, timeout=10.0, isolation_level=None, check_same_thread=False)
        con.execute("PRAGMA busy_timeout = 10000")
        con.execute("PRAGMA journal_mode = WAL")   # readers never block the writer, across processes
        con.execute("PRAGMA synchronous = NORMAL")  # WAL + NORMAL: durable at checkpoints, fast commits
        return con

    def _checkout(self):
        with self._lock:
            if self._idle:
                return self._idle.pop()
        con = self._connect()
        if not self._schema_ready:
            self._run(con, _create_schema(self.postgres))
            self._schema_ready = True
        return con

    def _checkin(self, con) -> None:
        with self._lock:
            if len(self._idle) < 8:
                self._idle.append(con)
                return
        con.close()

    def _run(self, con, work: Callable, write: bool = True):
        """work(cursor) in one transaction on con: commit, or roll back and re-raise."""
        if self.postgres:
            with con.transaction():
                with con.cursor() as cur:
                    return work(_Cursor(cur, postgres=True))
        cur = con.cursor()
        # Writers lock up front; readers (a class polling its room) take no write lock at all.
        cur.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            result = work(_Cursor(cur, postgres=False))
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        cur.execute("COMMIT")
        return result

    def _transaction(self, work: Callable, write: bool = True):
        con = self._checkout()
        try:
            result = self._run(con, work, write)
        except Exception:
            if self.postgres and con.closed:     # the server went away: drop this connection
                return self._run_fresh(work, write)
            self._checkin(con)
            raise
        self._checkin(con)
        return result

    def _run_fresh(self, work: Callable, write: bool):
        con = self._connect()
        try:
            return self._run(con, work, write)
        finally:
            self._checkin(con)

    def close(self) -> None:
        """Close the pooled connections (the store stays usable; it reconnects on demand)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for con in idle:
            con.close()

    # ---- decks -------------------------------------------------------------------------------
    def save_deck(self, items: list, deck_id: str | None = None) -> str:
        """Store a deck (a JSON-able list of items) and return its id (new and random if None).

        Raises ValueError for more than MAX_DECK_ITEMS items, JSON over MAX_DECK_BYTES, items
        that are not JSON, or a malformed id.
        """
        if not isinstance(items, (list, tuple)):
            raise ValueError(f"a deck is a list of items, not {type(items).__name__}")
        if len(items) > MAX_DECK_ITEMS:
            raise ValueError(f"a deck holds at most {MAX_DECK_ITEMS} items; this one has {len(items)}")
        try:
            body = _dumps(list(items))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"deck items must be plain JSON data: {exc}") from None
        size = len(body.encode("utf-8"))
        if size > MAX_DECK_BYTES:
            raise ValueError(f"a deck is at most {MAX_DECK_BYTES // 1024 // 1024} MB of JSON; "
                             f"this one is {size / 1024 / 1024:.1f} MB")
        if deck_id is None:
            deck_id = secrets.token_urlsafe(16)
        elif not isinstance(deck_id, str) or not _DECK_ID.fullmatch(deck_id):
            raise ValueError("a deck id is 16-64 characters of letters, digits, '-' and '_'")
        now = self.clock()
        self._transaction(lambda c: c.execute(
            "INSERT INTO zolab_decks (id, body, updated) VALUES (?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated = excluded.updated",
            (deck_id, body, now)))
        return deck_id

    def load_deck(self, deck_id: str) -> list | None:
        """The deck's items, or None if no deck has this id (a malformed id is simply unknown)."""
        if not isinstance(deck_id, str) or not _DECK_ID.fullmatch(deck_id):
            return None
        row = self._transaction(lambda c: c.one("SELECT body FROM zolab_decks WHERE id = ?", (deck_id,)),
                                write=False)
        return None if row is None else json.loads(row[0])

    # ---- rooms -------------------------------------------------------------------------------
    def open_room(self, lecture: str) -> tuple[str, str]:
        """A new follow-mode room for `lecture` -> (code, key).

        The code (6 characters of ROOM_ALPHABET) is what students type; the key (32 random
        URL-safe characters) stays with the lecturer and is needed to publish.
        """
        key = secrets.token_urlsafe(24)
        now = self.clock()
        state = _dumps({"lecture": str(lecture)})
        for _ in range(20):          # 31^6 ~ 9e8 codes: a live collision is rare, retry anyway
            code = "".join(secrets.choice(ROOM_ALPHABET) for _ in range(ROOM_CODE_LEN))

            def claim(c):
                c.execute("DELETE FROM zolab_rooms WHERE updated < ?", (now - ROOM_TTL_S,))
                c.execute("INSERT INTO zolab_rooms (code, key_hash, lecture, state, updated) "
                          "VALUES (?, ?, ?, ?, ?) ON CONFLICT (code) DO NOTHING",
                          (code, _key_hash(key), str(lecture), state, now))
                return c.rowcount == 1

            if self._transaction(claim):
                return code, key
        raise RuntimeError("could not find a free room code")  # pragma: no cover - 20 collisions in a row

    def publish(self, code: str, key: str, state: dict) -> None:
        """Replace the room's state (the lecturer's slide and settings); resets its expiry.

        Raises KeyError for an unknown or expired room, PermissionError for a wrong key and
        ValueError for a state that is not a JSON object of at most MAX_STATE_BYTES.
        """
        if not isinstance(state, dict):
            raise ValueError("a room's state is a dict")
        try:
            body = _dumps(state)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"a room's state must be plain JSON data: {exc}") from None
        if len(body.encode("utf-8")) > MAX_STATE_BYTES:
            raise ValueError(f"a room's state is at most {MAX_STATE_BYTES // 1024} kB of JSON")
        code, now = normalize_code(code), self.clock()
        offered = _key_hash(str(key))

        def write(c):
            row = c.one("SELECT key_hash FROM zolab_rooms WHERE code = ? AND updated >= ?",
                        (code, now - ROOM_TTL_S))
            if row is None:
                raise KeyError(f"no open room {code!r} (rooms expire {ROOM_TTL_S / 3600:g} h after the last publish)")
            if not hmac.compare_digest(row[0], offered):   # constant time: no timing oracle on the key
                raise PermissionError("only the lecturer who opened this room can drive it")
            c.execute("UPDATE zolab_rooms SET state = ?, updated = ? WHERE code = ?", (body, now, code))

        self._transaction(write)

    def current(self, code: str) -> dict | None:
        """The room's last published state ({'lecture': ...} until the first publish), None if no live room."""
        code, now = normalize_code(code), self.clock()
        row = self._transaction(lambda c: c.one(
            "SELECT state FROM zolab_rooms WHERE code = ? AND updated >= ?", (code, now - ROOM_TTL_S)),
            write=False)
        return None if row is None else json.loads(row[0])

    # ---- monitor heartbeats (ui.monitor writes one row per process) ---------------------------
    def put_monitor(self, process: str, body: dict) -> None:
        now, text = self.clock(), _dumps(body)
        self._transaction(lambda c: c.execute(
            "INSERT INTO zolab_monitor (process, body, updated) VALUES (?, ?, ?) "
            "ON CONFLICT (process) DO UPDATE SET body = excluded.body, updated = excluded.updated",
            (process, text, now)))

    def monitors(self, max_age_s: float) -> dict[str, dict]:
        """{process: body} of the heartbeats younger than max_age_s."""
        since = self.clock() - max_age_s
        rows = self._transaction(lambda c: c.all(
            "SELECT process, body FROM zolab_monitor WHERE updated >= ? ORDER BY process", (since,)),
            write=False)
        return {p: json.loads(b) for p, b in rows}


def _create_schema(postgres: bool) -> Callable:
    def create(c):
        if postgres:  # concurrent CREATE TABLE IF NOT EXISTS can still collide in pg_type
            c.execute("SELECT pg_advisory_xact_lock(7413)")
        for sql in _SCHEMA:
            c.execute(sql)
    return create


class _Cursor:
    """One SQL dialect for both drivers: `?` placeholders, rewritten to `%s` for psycopg."""

    def __init__(self, cur, *, postgres: bool):
        self._cur, self._postgres = cur, postgres

    def execute(self, sql: str, params: tuple = ()) -> None:
        # Our SQL texts hold no '?' other than placeholders (no literals), so the rewrite is exact.
        self._cur.execute(sql.replace("?", "%s") if self._postgres else sql, params)

    @property
    def rowcount(self) -> int:
        return self._cur.rowcount

    def one(self, sql: str, params: tuple = ()):
        self.execute(sql, params)
        return self._cur.fetchone()

    def all(self, sql: str, params: tuple = ()):
        self.execute(sql, params)
        return self._cur.fetchall()


_default: Store | None = None
_default_lock = threading.Lock()


def default() -> Store:
    """The process's store, configured from the environment on first use."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Store()
        return _default


def save_deck(items: list, deck_id: str | None = None) -> str:
    return default().save_deck(items, deck_id)


def load_deck(deck_id: str) -> list | None:
    return default().load_deck(deck_id)


def open_room(lecture: str) -> tuple[str, str]:
    return default().open_room(lecture)


def publish(code: str, key: str, state: dict) -> None:
    default().publish(code, key, state)


def current(code: str) -> dict | None:
    return default().current(code)

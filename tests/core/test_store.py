"""ui.store: decks and follow-mode rooms, on SQLite and on a real PostgreSQL, across processes.

Every test runs twice: against a SQLite file and against a PostgreSQL server started on
127.0.0.1 by the fixture (Debian's binaries). Locally a missing PostgreSQL skips the second
run; with CI=true it is a failure.
"""

import multiprocessing as mp
import os
import sqlite3

import pytest

from tests.deploy import postgres
from ui import store


class Clock:
    """A settable clock: rooms expire without waiting four hours."""

    def __init__(self, t: float = 1_800_000_000.0):
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture(scope="module")
def pg_server():
    why = postgres.missing()
    if why:
        if os.environ.get("CI") == "true":
            pytest.fail(why + " — required in CI", pytrace=False)
        pytest.skip(why)
    with postgres.Postgres() as pg:
        yield pg


@pytest.fixture(scope="module")
def pg_url(pg_server):
    return pg_server.url


@pytest.fixture(params=["sqlite", "postgres"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return str(tmp_path / "zolab.db")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def db(url, clock):
    s = store.Store(url, clock=clock)
    yield s
    s.close()


# ---- decks -------------------------------------------------------------------------------------
def test_deck_round_trip_survives_a_new_store(db, url):
    items = [{"kind": "figure", "builder": "landscape_contour", "params": {"mu": 0.05, "t": -2.5}},
             {"kind": "text", "title": "Tilting — μ → 0", "body": "<script>x</script> \"quoted\" 'é'"},
             ["nested", [1, 2.5, None, True]]]
    deck_id = db.save_deck(items)
    assert len(deck_id) >= 16 and deck_id.replace("-", "").replace("_", "").isalnum()
    again = store.Store(url)          # a server restart: a fresh store on the same database
    assert again.load_deck(deck_id) == items
    again.close()


def test_saving_under_an_id_overwrites_and_ids_are_random(db):
    first = db.save_deck([{"a": 1}])
    assert db.save_deck([{"a": 2}, {"b": 3}], deck_id=first) == first
    assert db.load_deck(first) == [{"a": 2}, {"b": 3}]
    ids = {db.save_deck([]) for _ in range(20)}
    assert len(ids) == 20 and first not in ids


def test_unknown_and_malformed_deck_ids(db):
    assert db.load_deck("A" * 22) is None
    for bad in ["", "short", "has space in it!!", "x" * 65, "../../etc/passwd____", None, 12]:
        assert db.load_deck(bad) is None
    with pytest.raises(ValueError, match="deck id"):
        db.save_deck([], deck_id="../../etc/passwd")


def test_deck_limits(db):
    deck_id = db.save_deck([{"i": i} for i in range(store.MAX_DECK_ITEMS)])
    assert len(db.load_deck(deck_id)) == 200
    with pytest.raises(ValueError, match="at most 200 items; this one has 201"):
        db.save_deck([{"i": i} for i in range(201)])
    big = "x" * (store.MAX_DECK_BYTES // 2)
    with pytest.raises(ValueError, match="at most 2 MB"):
        db.save_deck([big, big])
    with pytest.raises(ValueError, match="plain JSON"):
        db.save_deck([object()])
    with pytest.raises(ValueError, match="plain JSON"):
        db.save_deck([float("nan")])
    with pytest.raises(ValueError, match="list of items"):
        db.save_deck({"not": "a list"})
    # a refused save leaves the stored deck as it was
    assert len(db.load_deck(deck_id)) == 200


# ---- rooms -------------------------------------------------------------------------------------
def test_room_code_key_and_publish(db):
    code, key = db.open_room("tilting")
    assert len(code) == 6 and set(code) <= set(store.ROOM_ALPHABET)
    assert not set(code) & set("01OIL")
    assert len(key) >= 32 and key not in code
    assert db.current(code) == {"lecture": "tilting"}
    db.publish(code, key, {"lecture": "tilting", "slide": 3, "params": {"mu": 0.1}})
    assert db.current(code) == {"lecture": "tilting", "slide": 3, "params": {"mu": 0.1}}
    # students type codes in lower case, with spaces
    assert db.current(f" {code[:3].lower()} {code[3:].lower()} ")["slide"] == 3
    assert db.current("ZZZZZZ" if code != "ZZZZZZ" else "YYYYYY") is None


def test_wrong_key_is_refused_and_state_unchanged(db):
    code, key = db.open_room("mezo")
    other_code, other_key = db.open_room("mezo")
    db.publish(code, key, {"slide": 1})
    for wrong in [other_key, key[:-1], key + "x", "", key.upper() if key.upper() != key else key.lower()]:
        with pytest.raises(PermissionError, match="only the lecturer"):
            db.publish(code, wrong, {"slide": 99})
    assert db.current(code) == {"slide": 1}
    with pytest.raises(KeyError):
        db.publish("ABCDEF" if code != "ABCDEF" else "ABCDEG", key, {"slide": 2})


def test_the_key_itself_is_not_stored(db, url):
    code, key = db.open_room("sabo")
    if url.startswith("postgresql"):
        import psycopg

        with psycopg.connect(url) as con:
            rows = con.execute("SELECT * FROM zolab_rooms WHERE code = %s", (code,)).fetchall()
    else:
        with sqlite3.connect(url) as con:
            rows = con.execute("SELECT * FROM zolab_rooms WHERE code = ?", (code,)).fetchall()
    assert len(rows) == 1 and key not in repr(rows)


def test_rooms_expire_four_hours_after_the_last_publish(db, clock):
    code, key = db.open_room("estimators")
    clock.t += store.ROOM_TTL_S - 60           # 3 h 59 min: still open; a publish renews it
    db.publish(code, key, {"slide": 2})
    clock.t += store.ROOM_TTL_S - 60
    assert db.current(code) == {"slide": 2}
    clock.t += 120                              # 4 h 01 min after the last publish
    assert db.current(code) is None
    with pytest.raises(KeyError, match="expire"):
        db.publish(code, key, {"slide": 3})


def test_room_state_limits(db):
    code, key = db.open_room("x")
    with pytest.raises(ValueError, match="dict"):
        db.publish(code, key, ["not", "a", "dict"])
    with pytest.raises(ValueError, match="kB"):
        db.publish(code, key, {"blob": "x" * store.MAX_STATE_BYTES})
    with pytest.raises(ValueError, match="plain JSON"):
        db.publish(code, key, {"f": lambda: 0})
    assert db.current(code) == {"lecture": "x"}


# ---- several processes at once -----------------------------------------------------------------
N_WRITES = 40


def _worker(url, tag, code, key, start, out):
    """One replica: saves decks, publishes to the shared room, opens rooms; reports what it wrote."""
    s = store.Store(url)
    start.wait()                                 # both processes hammer the database together
    ids, codes = [], []
    for i in range(N_WRITES):
        ids.append((s.save_deck([{"writer": tag, "i": i}]), i))
        s.publish(code, key, {"writer": tag, "i": i})
        if i % 8 == 0:
            codes.append(s.open_room(f"{tag}-{i}")[0])
    out.put((tag, ids, codes))
    s.close()


def test_two_processes_write_at_once(url):
    db = store.Store(url)                        # the real clock, as the worker processes have
    code, key = db.open_room("shared")
    ctx = mp.get_context("spawn")                # no fork: the parent has threads and connections
    start, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(url, tag, code, key, start, out)) for tag in ("a", "b")]
    for p in procs:
        p.start()
    start.set()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    all_codes = []
    for tag, ids, codes in results:
        for deck_id, i in ids:
            assert db.load_deck(deck_id) == [{"writer": tag, "i": i}]
        all_codes += codes
    assert len({d for _, ids, _ in results for d, _ in ids}) == 2 * N_WRITES
    assert len(set(all_codes)) == len(all_codes)
    last = db.current(code)
    assert last["i"] == N_WRITES - 1 and last["writer"] in ("a", "b")
    db.close()


def test_a_postgres_restart_is_survived(pg_server):
    db = store.Store(pg_server.url)
    deck_id = db.save_deck([{"kept": True}])
    code, key = db.open_room("restart")
    pg_server.restart()                  # the pooled connection is now dead
    assert db.load_deck(deck_id) == [{"kept": True}]
    db.publish(code, key, {"slide": 5})
    assert db.current(code) == {"slide": 5}
    db.close()


def test_sqlite_runs_in_wal_mode(tmp_path):
    s = store.Store(tmp_path / "z.db")
    s.save_deck([])
    with sqlite3.connect(tmp_path / "z.db") as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    s.close()


def test_default_path_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("ZOLAB_DATABASE_URL", raising=False)
    monkeypatch.setenv("ZOLAB_DB_PATH", str(tmp_path / "env.db"))
    s = store.Store()
    s.save_deck([1])
    assert (tmp_path / "env.db").exists() and not s.postgres
    monkeypatch.setenv("ZOLAB_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    assert store.Store().postgres
    s.close()

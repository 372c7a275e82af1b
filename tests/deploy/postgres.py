"""A throw-away PostgreSQL server on 127.0.0.1 for the store tests, from Debian's binaries.

initdb into a temporary directory, pg_ctl start on a free port, one database, stopped and
removed at the end. PostgreSQL refuses to run as root, so as root it runs as the `postgres`
system user (runuser). Locally a missing PostgreSQL or psycopg skips; with CI=true it fails.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from devtools.browser import free_port


def bindir() -> Path | None:
    """The newest /usr/lib/postgresql/<N>/bin with initdb, or the one on PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def missing() -> str | None:
    """Why a PostgreSQL test cannot run here, or None."""
    if bindir() is None:
        return "PostgreSQL is not installed (apt-get install postgresql)"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install 'psycopg[binary]')"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser: PostgreSQL will not start as root"
    return None


class Postgres:
    """`with Postgres() as pg: pg.url` -> postgresql://zolab@127.0.0.1:<port>/zolab_test"""

    def __init__(self):
        self.bin = bindir()
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="zolab-pg-"))
        self.data = self.dir / "data"
        self.url = f"postgresql://zolab@127.0.0.1:{self.port}/zolab_test"

    def _as_owner(self, *cmd: str, **kw) -> subprocess.CompletedProcess:
        argv = [str(a) for a in cmd]
        if os.geteuid() == 0:
            argv = ["runuser", "-u", "postgres", "--"] + argv
        return subprocess.run(argv, check=True, capture_output=True, text=True, timeout=60, **kw)

    def __enter__(self) -> "Postgres":
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        self._as_owner(self.bin / "initdb", "-D", self.data, "-U", "zolab", "--auth=trust",
                       "--no-sync", "-E", "UTF8")
        # Only 127.0.0.1, a socket in our own directory, and settings for a fast, disposable server.
        opts = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=50")
        try:
            self._as_owner(self.bin / "pg_ctl", "-D", self.data, "-o", opts, "-l", self.dir / "log",
                           "-w", "-t", "60", "start")
            self._as_owner(self.bin / "createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "zolab",
                           "zolab_test")
        except subprocess.CalledProcessError as exc:
            log = (self.dir / "log").read_text() if (self.dir / "log").exists() else ""
            self.__exit__()
            raise RuntimeError(f"PostgreSQL did not start: {exc.stderr}\n{log}") from None
        return self

    def restart(self) -> None:
        """pg_ctl restart: every client connection is cut, the data stays."""
        self._as_owner(self.bin / "pg_ctl", "-D", self.data, "-l", self.dir / "log", "-m", "fast", "-w", "-t", "60",
                       "restart")   # -l: else the new server holds our stdout pipe open

    def __exit__(self, *exc) -> None:
        if (self.data / "postmaster.pid").exists():
            self._as_owner(self.bin / "pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)

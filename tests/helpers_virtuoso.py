"""OpenLink Virtuoso (Debian's virtuoso-opensource) for the tests, on 127.0.0.1.

``virtuoso_serve(directory)`` writes its own ini file and database into
``directory``, starts ``virtuoso-t`` in the foreground, grants SPARQL updates
to the anonymous ``/sparql`` endpoint (as a lab would for a trusted network),
and stops it afterwards. Without the server installed the tests fail, unless
``CARTGRAPH_SKIP_VIRTUOSO=1`` says to skip them (``make virtuoso`` installs it).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from helpers_server import free_port, request

#: the cap Debian's virtuoso.ini ships with; kept so the tests see it cut answers
ROW_CAP = 10000
USER, PASSWORD = "dba", "dba"

_INI = """\
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
Striping = 0
[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
CheckpointInterval = 60
DirsAllowed = ., {d}
NumberOfBuffers = 20000
MaxDirtyBuffers = 15000
ThreadsPerQuery = 2
[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {d}
MaxClientConnections = 5
ServerThreads = 5
EnabledGzipContent = 0
[SPARQL]
ResultSetMaxRows = {cap}
MaxQueryExecutionTime = 60
"""

_GRANTS = """\
GRANT SPARQL_UPDATE TO "SPARQL";
DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 7);
"""


@dataclass(frozen=True)
class Virtuoso:
    """A running server: its anonymous and authenticated endpoints, its SQL port."""

    directory: Path
    http_port: int
    sql_port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql"

    @property
    def auth_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql-auth"

    @property
    def graph_store_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql-graph-crud"

    def isql(self, sql: str, timeout: float = 600) -> str:
        """Run SQL through Virtuoso's isql; its output."""
        script = self.directory / "script.sql"
        script.write_text(sql)
        done = subprocess.run([isql_binary(), f"127.0.0.1:{self.sql_port}", USER, PASSWORD,
                               str(script)], capture_output=True, text=True, timeout=timeout,
                              check=False)
        if done.returncode != 0 or "*** Error" in done.stdout + done.stderr:
            raise RuntimeError(f"isql failed: {done.stdout}{done.stderr}")
        return done.stdout


def virtuoso_binary() -> str | None:
    return shutil.which("virtuoso-t")


def isql_binary() -> str:
    return shutil.which("isql-vt") or shutil.which("isql") or "isql-vt"


def require_virtuoso() -> str:
    binary = virtuoso_binary()
    if binary is None:
        if os.environ.get("CARTGRAPH_SKIP_VIRTUOSO") == "1":
            pytest.skip("virtuoso-opensource is not installed (CARTGRAPH_SKIP_VIRTUOSO=1)")
        pytest.fail("virtuoso-t not found: `make virtuoso` (Debian's virtuoso-opensource) "
                    "installs it; set CARTGRAPH_SKIP_VIRTUOSO=1 to skip these tests")
    return binary


@contextlib.contextmanager
def virtuoso_serve(directory: Path, *, cap: int = ROW_CAP) -> Iterator[Virtuoso]:
    """Start Virtuoso with a fresh database in ``directory``; stop it on exit."""
    binary = require_virtuoso()
    directory.mkdir(parents=True, exist_ok=True)
    server = Virtuoso(directory, free_port(), free_port())
    ini = directory / "virtuoso.ini"
    ini.write_text(_INI.format(d=directory, sql=server.sql_port, http=server.http_port,
                               cap=cap))
    log = (directory / "stdout.log").open("wb")
    proc = subprocess.Popen([binary, "-f", "-c", str(ini)], cwd=directory, stdout=log,
                            stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"virtuoso exited: {(directory / 'stdout.log').read_text()}")
            try:
                if request(f"{server.url}?query=ASK%7B%7D", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("virtuoso did not come up in 60 s")
            time.sleep(0.1)
        server.isql(_GRANTS)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()

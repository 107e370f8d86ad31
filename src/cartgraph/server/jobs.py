"""Answering one query or update against a store, and running answers under a timeout.

:func:`answer` turns every outcome into a status, a media type and a body (so
nothing raises into the HTTP layer); :class:`Runner` answers on the request's
own thread and has a watchdog answer 503 for a job that outlives the timeout.
"""

from __future__ import annotations

import io
import itertools
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .. import formats
from ..errors import CartgraphError, QueryError, QueryTimeout, StoreBusy, StoreError

__all__ = ["MEDIA_TYPE", "Job", "Reply", "Runner", "answer"]

# format name -> the media type served (from the one format table)
MEDIA_TYPE = {f.name: f.media_type for f in formats.FORMATS if f.media_type}


@dataclass(frozen=True)
class Job:
    """A query (``fmt`` is a write_result format name) or an update for the store."""

    kind: str  # select, ask, construct, describe or update
    text: str
    fmt: str = ""
    source: str = "query"
    entailment: str = "rdfs"


Reply = tuple[int, str, bytes]  # status, media type, body


class _RowCounter:
    """A byte sink that stops the serialiser once it has seen more than ``limit`` rows."""

    def __init__(self, limit: int) -> None:
        self.buffer = io.BytesIO()
        self.lines = 0
        self.limit = limit + 1  # the header line
        self.exceeded = False

    def write(self, data: bytes) -> int:
        self.lines += data.count(b"\n")
        if self.lines > self.limit:
            self.exceeded = True
            raise OSError("too many rows")
        return self.buffer.write(data)

    def flush(self) -> None:
        pass


def _too_many(max_rows: int, what: str) -> Reply:
    message = (f"the result has more than {max_rows} {what} (the server's limit, "
               "--max-rows): add a LIMIT or narrow the query")
    return 400, "text/plain", message.encode()


def answer(store: Any, job: Job, max_rows: int) -> Reply:
    """Run ``job`` on ``store``; every failure becomes a status and a message."""
    try:
        if job.kind == "update":
            _update(store, job.text)
            return 204, "", b""
        return _query(store, job, max_rows)
    except StoreBusy as exc:  # its message names the store's path and the writer
        print(f"cartgraph serve: {exc}", file=sys.stderr, flush=True)
        return 503, "text/plain", b"the store is busy: another update is being written; retry"
    except StoreError as exc:
        print(f"cartgraph serve: {exc}", file=sys.stderr, flush=True)
        return 503, "text/plain", b"the store cannot be read just now; retry shortly"
    except CartgraphError as exc:
        return 400, "text/plain", str(exc).encode()
    except Exception:  # a bug or an engine failure: log it, keep serving
        traceback.print_exc(file=sys.stderr)
        return 500, "text/plain", b"the query failed (the details are in the server's log)"


def _query(store: Any, job: Job, max_rows: int) -> Reply:
    import pyoxigraph as ox

    from ..query import write_result

    result = store.query(job.text, source=job.source, entailment=job.entailment)
    out = io.BytesIO()
    if isinstance(result, ox.QueryBoolean):
        write_result(result, job.fmt, out)
    elif isinstance(result, ox.QuerySolutions):
        # Serialise natively to TSV (one line per row) while counting rows, then
        # convert: both steps stay in Rust and the cap never holds a huge result.
        counter = _RowCounter(max_rows)
        try:
            result.serialize(counter, ox.QueryResultsFormat.TSV)  # type: ignore[arg-type]
        except OSError:
            if counter.exceeded:
                return _too_many(max_rows, "rows")
            raise
        tsv = counter.buffer.getvalue()
        if job.fmt == "tsv":
            return 200, MEDIA_TYPE["tsv"], tsv
        parsed = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV)
        write_result(parsed, job.fmt, out)
    else:
        triples = list(itertools.islice(result, max_rows + 1))
        if len(triples) > max_rows:
            return _too_many(max_rows, "triples")
        write_result(triples, job.fmt, out)
    return 200, MEDIA_TYPE[job.fmt], out.getvalue()


def _update(store: Any, text: str) -> None:
    from ..namespaces import PREFIXES
    from ..query import syntax_message

    with store.transaction() as writer:
        try:
            writer.update(text, prefixes=PREFIXES)
        except SyntaxError as exc:
            raise QueryError(syntax_message("update", exc)) from None
        except (OSError, RuntimeError, ValueError) as exc:
            raise QueryError(f"update: {exc}") from None


class _Ticket:
    """One job being answered: its deadline and what to do if it passes."""

    __slots__ = ("answered", "deadline", "expire", "what")

    def __init__(self, what: str, deadline: float, expire: Callable[[QueryTimeout], None]
                 ) -> None:
        self.what, self.deadline, self.expire = what, deadline, expire
        self.answered: threading.Event | None = None  # set by the watchdog on expiry


class Runner:
    """Answers jobs on the calling thread, each bounded by ``timeout``.

    pyoxigraph releases the GIL while it evaluates a query, so queries run in
    parallel with each other and with the HTTP threads. A running query cannot
    be interrupted: when one outlives the timeout, a watchdog thread calls the
    job's ``expire`` callback (which answers 503 on the job's connection) and
    then ``on_timeout`` if given (a worker process then drains and exits, which
    stops the query); without it the query is abandoned and finishes in the
    background. ``refresh`` reopens an on-disk store before each job, so that it
    sees new commits. ``stuck`` counts the jobs that timed out and still run.
    """

    def __init__(self, store: Any, *, timeout: float, max_rows: int, refresh: bool = False,
                 on_timeout: Callable[[], None] | None = None) -> None:
        self._store, self._timeout, self._max_rows = store, timeout, max_rows
        self._refresh, self._on_timeout = refresh, on_timeout
        self._write = threading.Lock()
        self._lock = threading.Lock()
        self._running: dict[int, _Ticket] = {}
        self._closed = threading.Event()
        self.stuck = 0
        threading.Thread(target=self._watch, daemon=True, name="cartgraph-watchdog").start()

    def run(self, job: Job, expire: Callable[[QueryTimeout], None]) -> Reply | None:
        """The reply to ``job``, or None if it timed out and ``expire`` answered instead."""
        what = "update" if job.kind == "update" else "query"
        ticket = _Ticket(what, time.monotonic() + self._timeout, expire)
        with self._lock:
            self._running[id(ticket)] = ticket
        try:
            reply = self._work(job)
        finally:
            with self._lock:
                self._running.pop(id(ticket), None)
        if ticket.answered is not None:  # expired: the watchdog answers (or has answered)
            with self._lock:
                self.stuck -= 1
            ticket.answered.wait(5)
            return None
        return reply

    def _work(self, job: Job) -> Reply:
        if self._refresh:
            try:
                self._store.refresh()
            except Exception as exc:  # the store's directory is gone or broken
                print(f"cartgraph serve: cannot reopen the store: {exc}", file=sys.stderr,
                      flush=True)
                return 503, "text/plain", b"the store cannot be read just now; retry shortly"
        if job.kind == "update":
            with self._write:
                return answer(self._store, job, self._max_rows)
        return answer(self._store, job, self._max_rows)

    def _watch(self) -> None:
        base = f"timed out after {self._timeout:g} s (the server's --timeout)"
        message = {"query": base, "update": base}
        if self._on_timeout is not None:
            message = {"query": f"{base}; it was stopped",
                       "update": f"{base}; it was stopped (unless it had already committed)"}
        while not self._closed.wait(min(0.1, self._timeout / 4)):
            now = time.monotonic()
            with self._lock:
                late = [t for t in self._running.values() if t.deadline <= now]
                for ticket in late:
                    del self._running[id(ticket)]
                    ticket.answered = threading.Event()
                self.stuck += len(late)
            for ticket in late:  # a slow client must not hold up the next timeout
                threading.Thread(target=self._expire, daemon=True, name="cartgraph-503",
                                 args=(ticket, f"{ticket.what} {message[ticket.what]}")).start()

    def stop_all(self, message: str, then: Callable[[], None] | None = None) -> None:
        """Answer 503 with ``message`` for every running job, then call ``then``.

        For a worker that must end now (its memory limit): the watchdog's path,
        for all jobs at once.
        """
        with self._lock:
            late = list(self._running.values())
            self._running.clear()
            for ticket in late:
                ticket.answered = threading.Event()
            self.stuck += len(late)
        writers = [threading.Thread(target=self._expire, daemon=True, args=(t, message),
                                    kwargs={"then": False}) for t in late]
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join(2)
        if then is not None:
            then()

    def _expire(self, ticket: _Ticket, message: str, *, then: bool = True) -> None:
        try:
            ticket.expire(QueryTimeout(message))
        finally:
            assert ticket.answered is not None
            ticket.answered.set()
        if then and self._on_timeout is not None:  # after the 503 is written
            self._on_timeout()

    def close(self) -> None:
        self._closed.set()

"""LocalStore: a store in a directory or in memory. One ``pyoxigraph.Store``.

On disk a store is a directory::

    DIR/cartgraph.json   layout version, pyoxigraph and cartgraph versions, bundle digest
    DIR/lock             write lock (flock) holding the writer's pid and command
    DIR/current          symlink to the committed generation, e.g. gen/000007
    DIR/gen/NNNNNN/      one pyoxigraph (RocksDB) directory per generation

A writer takes the lock, snapshots the committed generation with
``pyoxigraph.Store.backup`` (hard links, well under a second), changes the snapshot,
flushes it and publishes it by renaming a new ``current`` link over the old one.
Readers open the committed generation read-only and never see a write in progress;
a kill -9 at any moment leaves either the old or the new ``current``. The lock is
an ``flock``, so the kernel releases it when its process dies: a stale lock needs
nobody's help.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Self

import pyoxigraph as ox

from .. import __version__
from ..errors import StoreBusy, StoreError
from ..files import write_atomically
from ..sparql import bind_params, check_query, run, solution_dicts
from .base import Capabilities

__all__ = ["LAYOUT", "LocalStore"]

LAYOUT = 1
# what a process killed while creating a store may leave behind (created again)
_CREATION_LEFTOVERS = {"lock", "gen", "current", "current.new", "cartgraph.json.new"}
_KEEP_GENERATIONS = 2
Note = Callable[[str], None]


def _ignore(_: str) -> None:
    pass


def _rmtree(path: Path, *, ignore_errors: bool = True) -> None:
    import shutil  # only when something is removed: a reader never needs it

    shutil.rmtree(path, ignore_errors=ignore_errors)


def _leftover(name: str) -> bool:
    return name in _CREATION_LEFTOVERS or (name.startswith(".cartgraph.json.")
                                           and name.endswith(".tmp"))


class LocalStore:
    """A store in a directory, or in memory: one ``pyoxigraph.Store``.

    Use :meth:`memory` for a throwaway store and :meth:`open` for a directory;
    both are empty until something is imported (``cartgraph.Store`` adds the
    bundled graph). ``store.ox`` is the committed state as a ``pyoxigraph.Store``
    (read it, do not write it); writes go through :meth:`transaction`.
    """

    def __init__(self, ox_store: ox.Store, *, path: Path | None = None) -> None:
        self._ox = ox_store
        self.path = path
        self._generation: Any = self._read_current() if path else 0
        self._link = str(path / "current") if path else ""
        #: data derived from the committed state (the text index), dropped on refresh
        self.derived: dict[str, Any] = {}

    # -- opening ---------------------------------------------------------------

    @classmethod
    def memory(cls) -> Self:
        """A new, empty in-memory store."""
        return cls(ox.Store())

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, create: bool = True, wait: float = 0.0,
             note: Note = _ignore, metadata: dict[str, Any] | None = None) -> Self:
        """Open the store in directory ``path``.

        A directory that does not exist (or is empty) is created when ``create``,
        with ``metadata`` added to its ``cartgraph.json``. A store written by
        another pyoxigraph version is rebuilt from its ``export.nq`` (``note`` is
        told so).
        """
        path = Path(path).absolute()
        meta_file = path / "cartgraph.json"
        if not meta_file.exists():
            if not create:
                raise StoreError(f"{path}: no cartgraph store here")
            if path.exists() and not path.is_dir():
                raise StoreError(f"{path}: exists and is not a directory")
            if path.is_dir() and any(not _leftover(p.name) for p in path.iterdir()):
                raise StoreError(f"{path}: directory is not empty and holds no cartgraph store")
            if not path.parent.is_dir():
                raise StoreError(f"{path.parent}: parent directory does not exist")
            try:
                path.mkdir(exist_ok=True)
            except OSError as exc:
                raise StoreError(f"{path}: cannot create store: {exc.strerror}") from None
            with _lock(path, wait):
                if not meta_file.exists():
                    _initialise(path, metadata or {})
        store = cls(_open_generation(path), path=path)
        meta = store.metadata()
        if meta.get("pyoxigraph") != ox.__version__:
            store.close()
            _migrate(path, meta, wait=wait, note=note)
            store = cls(_open_generation(path), path=path)
        return store

    # -- what it is ------------------------------------------------------------

    @property
    def ox(self) -> ox.Store:
        """The committed state (read-only by contract)."""
        return self._ox

    @property
    def capabilities(self) -> Capabilities:
        return _ON_DISK if self.path is not None else _IN_MEMORY

    @property
    def generation_path(self) -> Path | None:
        """The directory of the committed generation this store reads (None in memory)."""
        return self.path / self._generation if self.path and self._generation else None

    @property
    def location(self) -> str:
        return str(self.path) if self.path else ":memory:"

    @property
    def generation(self) -> Any:
        """The committed generation: changes with every commit."""
        return self._generation

    def metadata(self) -> dict[str, Any]:
        if self.path is None:
            return {"layout": LAYOUT, "pyoxigraph": ox.__version__, "cartgraph": __version__}
        try:
            return dict(json.loads((self.path / "cartgraph.json").read_text()))
        except (OSError, ValueError) as exc:
            raise StoreError(f"{self.path}/cartgraph.json: unreadable: {exc}") from None

    def update_metadata(self, **changes: Any) -> None:
        if self.path is None:
            return
        meta = {**self.metadata(), **changes}
        _write_json(self.path / "cartgraph.json", meta)

    # -- reading ---------------------------------------------------------------

    def refresh(self) -> bool:
        """Reopen if another process committed a new generation. True if it did."""
        if self.path is None:
            return False
        # a server calls this before every query: compare the link's text, no Paths
        with contextlib.suppress(OSError):
            if os.readlink(self._link) == str(self._generation):
                return False
        current = self._read_current()
        if current == self._generation:
            return False
        self._ox = _open_generation(self.path)
        self._generation = current
        self.derived = {}
        return True

    def query(self, text: str, *, params: dict[str, Any] | None = None,
              source: str = "query", entailment: str = "rdfs") -> Any:
        """Run a read-only SPARQL query on the committed state.

        The project's prefixes are predeclared and the default graph is the union
        of all graphs; ``params`` binds variables (see :func:`cartgraph.sparql.bind_params`);
        ``source`` names the query in error messages; ``entailment`` is ``rdfs``
        (the default: see :mod:`cartgraph.entailment`) or ``none``. Returns
        pyoxigraph's lazy result (QuerySolutions, QueryBoolean or QueryTriples).
        """
        check_query(text)
        if entailment != "none":
            from ..entailment import entail, schema_of  # the schema is kept with the index

            text = entail(text, entailment, lambda: schema_of(self))
        return run(self._ox, bind_params(text, params), source=source)

    def select(self, text: str, **params: Any) -> list[dict[str, str]]:
        """Rows of a SELECT as plain dicts: variable name to IRI or literal value."""
        return solution_dicts(self.query(text, params=params or None))

    def quads_for_pattern(self, subject: Any = None, predicate: Any = None, object: Any = None,
                          graph_name: Any = None) -> Iterator[Any]:
        """Committed quads matching a pattern (None: any), as pyoxigraph streams them."""
        return self._ox.quads_for_pattern(subject, predicate, object, graph_name)

    def named_graphs(self) -> Iterator[Any]:
        return self._ox.named_graphs()

    def contains_named_graph(self, graph: Any) -> bool:
        return bool(self._ox.contains_named_graph(graph))

    def __len__(self) -> int:
        return len(self._ox)

    # -- writing ---------------------------------------------------------------

    def _derive(self, writer: Any, previous: Path | None, work: Path | None,
                cache: dict[str, Any]) -> None:
        """Bring data derived from the store up to date before a write is published.

        Nothing here; the store that :mod:`cartgraph.open` hands out keeps its
        text index (and the schema entailment needs) this way, in the same
        atomic write as the data.
        """

    @contextlib.contextmanager
    def transaction(self, *, wait: float = 0.0) -> Iterator[Any]:
        """Yield a writable pyoxigraph store; its changes commit together on exit.

        On disk an exception (or a kill) inside the block leaves the store as it
        was. In memory the changes are made in place: callers check everything
        before writing (``capabilities.atomic_writes`` is False).
        """
        if self.path is None:
            try:
                yield self._ox
                self._derive(self._ox, None, None, self.derived)
            finally:
                self._generation += 1
            return
        with _lock(self.path, wait):
            _remove_unpublished(self.path)
            current = self._read_current()
            final = self.path / "gen" / f"{int(current.name) + 1:06d}"
            # written under a name never used before: a failed writer's handle that a
            # traceback keeps alive in this process cannot collide with the next one
            work = final.with_name(f"{final.name}.{os.urandom(6).hex()}.tmp")
            _snapshot(self.path / current, work)
            writer = _Writer(ox.Store(str(work)))
            try:
                yield writer
                self._derive(writer, self.path / current, work, {})
                writer.close()
                os.rename(work, final)
                _publish(self.path, final)
            except BaseException:
                writer.close()
                _rmtree(work, ignore_errors=True)
                raise
            _remove_old(self.path)
        self.refresh()

    def backup(self, target: str | os.PathLike[str]) -> Path:
        """Write a consistent copy to a new directory ``target``.

        The copy is a store of its own (open it like any store directory) and also
        holds ``export.nq``, an N-Quads dump from which a later cartgraph whose
        engine cannot read this disk format rebuilds it.
        """
        target = Path(target).absolute()
        if target.exists() and (not target.is_dir() or any(target.iterdir())):
            raise StoreError(f"{target}: already exists and is not empty")
        if not target.parent.is_dir():
            raise StoreError(f"{target.parent}: parent directory does not exist")
        target.mkdir(exist_ok=True)
        try:
            (target / "gen").mkdir()
            self._ox.backup(str(target / "gen" / "000000"))
            with (target / "export.nq").open("wb") as out:
                self._ox.dump(out, ox.RdfFormat.N_QUADS)
            _link_current(target, target / "gen" / "000000")
            _write_json(target / "cartgraph.json", {**self.metadata(), "backup_of": self.location})
        except BaseException:
            _rmtree(target, ignore_errors=True)
            raise
        return target

    def close(self) -> None:
        self._ox = None  # type: ignore[assignment]
        gc.collect()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.location!r})"

    def _read_current(self) -> Path:
        assert self.path is not None
        try:
            return Path(os.readlink(self.path / "current"))
        except OSError:
            raise StoreError(f"{self.path}: not a cartgraph store (no current generation)") \
                from None


_ON_DISK = Capabilities(persistent=True, atomic_writes=True, private_writer=True,
                        local_reads=True, multiprocess=True, write_lock=True, backup=True)
_IN_MEMORY = Capabilities(persistent=False, atomic_writes=False, private_writer=False,
                          local_reads=True, multiprocess=False, write_lock=False, backup=True)


class _Writer:
    """The writable snapshot handed to a transaction, closable from our side.

    pyoxigraph closes a store only when the last reference goes; the caller's
    ``with ... as writer`` keeps one while the transaction ends, so it gets
    this proxy and :meth:`close` drops the real store before publishing
    (RocksDB's background compaction must have stopped by then).
    """

    #: transitional: Capabilities.private_writer says this now; kept until every
    #: caller that probed the writer reads the store's capabilities instead
    private_copy = True

    def __init__(self, store: ox.Store) -> None:
        self._store: ox.Store | None = store

    def __getattr__(self, name: str) -> Any:
        if self._store is None:
            raise StoreError("the transaction is over")
        return getattr(self._store, name)

    def close(self) -> None:
        if self._store is not None:
            self._store.flush()
            self._store = None
            gc.collect()


# -- the on-disk layout -----------------------------------------------------------


def _initialise(path: Path, extra: dict[str, Any]) -> None:
    (path / "gen").mkdir(exist_ok=True)
    first = path / "gen" / "000000"
    _rmtree(first, ignore_errors=True)
    empty = ox.Store(str(first))
    empty.flush()
    del empty
    gc.collect()
    _link_current(path, first)
    _write_json(path / "cartgraph.json",
                {**extra, "layout": LAYOUT, "pyoxigraph": ox.__version__, "cartgraph": __version__})


def _open_generation(path: Path) -> ox.Store:
    try:
        return ox.Store.read_only(str(path / os.readlink(path / "current")))
    except OSError as exc:
        raise StoreError(f"{path}: cannot open store: {exc}") from None


def _snapshot(source: Path, target: Path) -> None:
    _rmtree(target, ignore_errors=True)
    reader = ox.Store.read_only(str(source))
    reader.backup(str(target))
    del reader


def _link_current(path: Path, generation: Path) -> None:
    tmp = path / "current.new"
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    os.symlink(generation.relative_to(path), tmp)
    os.replace(tmp, path / "current")
    _fsync_dir(path)


def _publish(path: Path, generation: Path) -> None:
    for root, _dirs, files in os.walk(generation):
        for name in files:
            fd = os.open(os.path.join(root, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    _fsync_dir(generation)
    _link_current(path, generation)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _generations(path: Path) -> list[Path]:
    gen = path / "gen"
    return sorted(p for p in gen.iterdir() if p.name.isdigit()) if gen.is_dir() else []


def _remove_unpublished(path: Path) -> None:
    """Remove generations newer than ``current``: what a killed writer left."""
    current = int(os.readlink(path / "current").rsplit("/", 1)[-1])
    for gen in _generations(path):
        if int(gen.name) > current:
            _rmtree(gen, ignore_errors=True)
    for work in (path / "gen").glob("*.tmp"):
        _rmtree(work, ignore_errors=True)


def _remove_old(path: Path) -> None:
    current = int(os.readlink(path / "current").rsplit("/", 1)[-1])
    for gen in _generations(path):
        if int(gen.name) <= current - _KEEP_GENERATIONS:
            _rmtree(gen, ignore_errors=True)


def _write_json(file: Path, data: dict[str, Any]) -> None:
    write_atomically(file, json.dumps(data, indent=2, sort_keys=True) + "\n")


def _migrate(path: Path, meta: dict[str, Any], *, wait: float, note: Note) -> None:
    """Rebuild a store written by another pyoxigraph version from its export.nq."""
    dump = path / "export.nq"
    if not dump.exists():
        raise StoreError(
            f"{path}: written by pyoxigraph {meta.get('pyoxigraph')}, this cartgraph uses "
            f"{ox.__version__}; restore it from a `cartgraph backup` or re-import its sources")
    with _lock(path, wait):
        current = int(os.readlink(path / "current").rsplit("/", 1)[-1])
        target = path / "gen" / f"{current + 1:06d}"
        _rmtree(target, ignore_errors=True)
        fresh = ox.Store(str(target))
        fresh.bulk_load(path=str(dump), format=ox.RdfFormat.N_QUADS)
        fresh.flush()
        del fresh
        gc.collect()
        _publish(path, target)
        _write_json(path / "cartgraph.json", {**meta, "pyoxigraph": ox.__version__})
    note(f"rebuilt {path} from export.nq for pyoxigraph {ox.__version__}")


@contextlib.contextmanager
def _lock(path: Path, wait: float) -> Iterator[None]:
    """Hold the store's write lock; fail with StoreBusy, or wait up to ``wait`` s."""
    fd = os.open(path / "lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 4096, 0).decode(errors="replace").strip()
                    raise StoreBusy(f"{path}: store is busy: "
                                    f"{holder or 'another process'} is writing to it") from None
                time.sleep(0.05)
        os.ftruncate(fd, 0)
        command = " ".join(Path(sys.argv[0]).name.split() + sys.argv[1:])[:200]
        os.pwrite(fd, f"process {os.getpid()} ({command})".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


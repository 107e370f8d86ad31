"""Inputs: paths (and directories, and ``-``) to hashed, re-readable byte streams.

The sha256 of the decompressed bytes is computed while streaming them; a regular
file is read again for parsing, anything else (stdin, a pipe) is spooled.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import stat
import sys
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from .. import formats
from ..errors import InputError, UsageError
from ..namespaces import source_iri
from .model import ImportOptions

# from the one format table (cartgraph.formats)
EXTENSIONS: dict[str, ox.RdfFormat] = {
    e: f.engine for f in formats.FORMATS if f.fits("import") for e in f.extensions}
FORMATS: dict[str, ox.RdfFormat] = {
    n: f.engine for f in formats.FORMATS if f.fits("import") for n in (f.name, *f.aliases)}
_BOM = b"\xef\xbb\xbf"
_SPOOL = 32 << 20



@dataclass
class Input:
    """One input: where its bytes are, how to parse them, which source it is."""

    location: str
    format: ox.RdfFormat
    source: str
    graph: str
    base: str | None
    sha256: str
    size: int
    path: Path | None = None  # a regular file, read again for parsing
    gz: bool = False
    spool: Any = None  # stdin or a non-regular file, kept in a temporary file
    _content: bytes | None = None

    def open(self) -> IO[bytes]:
        """A fresh stream of the (decompressed) bytes, a leading BOM skipped."""
        if self.spool is not None:
            self.spool.seek(0)
            raw: IO[bytes] = io.BufferedReader(_Unclosing(self.spool), buffer_size=1 << 20)
        else:
            assert self.path is not None
            raw = (gzip.open(self.path, "rb") if self.gz  # type: ignore[assignment]  # noqa: SIM115
                   else self.path.open("rb"))
        if raw.peek(3)[:3] == _BOM:  # type: ignore[attr-defined]
            raw.read(3)
        return raw

    def content(self) -> bytes:
        """All the bytes, read on demand to locate a problem's line (then kept)."""
        if self._content is None:
            with self.open() as stream:
                self._content = stream.read()
        return self._content

    def close(self) -> None:
        if self.spool is not None:
            self.spool.close()
        self._content = None


class _Unclosing(io.RawIOBase):
    """A read-only view of a file that closing does not close."""

    def __init__(self, f: Any) -> None:
        self._f = f

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, pos: int, whence: int = 0) -> int:
        return int(self._f.seek(pos, whence))

    def readinto(self, b: Any) -> int:
        data = self._f.read(len(b))
        b[: len(data)] = data
        return len(data)


def _format_for(name: str, explicit: str | None) -> ox.RdfFormat:
    if explicit:
        try:
            return FORMATS[explicit.lower()]
        except KeyError:
            raise InputError(f"unknown input format {explicit!r} "
                             f"(known: {', '.join(sorted(FORMATS))})") from None
    lower = name.lower().removesuffix(".gz")
    fmt = EXTENSIONS.get(Path(lower).suffix)
    if fmt is None:
        known = " ".join(sorted(EXTENSIONS))
        raise InputError(f"{name}: unknown file extension (known: {known}, optionally .gz; "
                         "or give --input-format)")
    return fmt


def _expand_paths(paths: list[str], recursive: bool, follow_symlinks: bool) -> list[str]:
    out: list[str] = []
    for p in paths:
        path = Path(p)
        if p != "-" and path.is_dir():
            if not recursive:
                raise InputError(f"{p}: is a directory (use --recursive to import its files)")
            found = sorted(_walk(path, follow_symlinks))
            if not found:
                raise InputError(f"{p}: directory holds no RDF files "
                                 f"({' '.join(sorted(EXTENSIONS))}, optionally .gz)")
            out.extend(found)
        else:
            out.append(p)
    return out


def _walk(root: Path, follow_symlinks: bool) -> Iterator[str]:
    """The RDF files under ``root``. A symbolic link that leads out of ``root`` is an
    error unless ``follow_symlinks``; one that stays inside is skipped (its target is
    found on its own), so that nothing is imported twice."""
    top = root.resolve()
    seen = {top}
    for folder, dirs, files in os.walk(root, followlinks=follow_symlinks):
        skip: set[str] = set()
        for name in [*dirs, *files]:
            entry = Path(folder, name)
            if not entry.is_symlink():
                continue
            target = entry.resolve()
            inside = target == top or top in target.parents
            if not inside and not follow_symlinks:
                raise InputError(f"{entry}: symbolic link leads out of {root}; not followed "
                                 "(give --follow-symlinks to import what it points to)")
            if inside or target in seen:
                skip.add(name)  # found on its own, or already: never twice, never a loop
            seen.add(target)
        dirs[:] = [d for d in dirs if d not in skip]
        for name in files:
            entry = Path(folder, name)
            if name not in skip and entry.is_file() \
                    and Path(name.lower().removesuffix(".gz")).suffix in EXTENSIONS:
                yield str(entry)


def _digest(stream: IO[bytes], *, spool: Any = None) -> tuple[str, int]:
    """sha256 and length of a stream, copying it into ``spool`` when given."""
    digest = hashlib.sha256()
    size = 0
    while chunk := stream.read(1 << 20):
        digest.update(chunk)
        size += len(chunk)
        if spool is not None:
            spool.write(chunk)
    return digest.hexdigest(), size


def _read(location: str, fmt: ox.RdfFormat, source: str, graph: str,
          base: str | None) -> Input:
    """Hash one input's bytes (streaming) and remember where to read them again."""
    gz = location != "-" and location.lower().endswith(".gz")
    try:
        if location == "-":
            spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL)  # noqa: SIM115
            sha, size = _digest(sys.stdin.buffer, spool=spool)
            return Input(location, fmt, source, graph, base, sha, size, spool=spool)
        path = Path(location)
        mode = path.stat().st_mode
        if stat.S_ISDIR(mode):
            raise InputError(f"{location}: is a directory (use --recursive)")
        regular = stat.S_ISREG(mode)
        with path.open("rb") as raw:
            stream: IO[bytes] = gzip.GzipFile(fileobj=raw) if gz else raw  # type: ignore[assignment]
            copy = None if regular else tempfile.SpooledTemporaryFile(  # noqa: SIM115
                max_size=_SPOOL)
            sha, size = _digest(stream, spool=copy)
        return Input(location, fmt, source, graph, base, sha, size,
                      path=path if regular else None, gz=gz and regular, spool=copy)
    except FileNotFoundError:
        raise InputError(f"{location}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{location}: is a directory (use --recursive)") from None
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise InputError(f"{location}: not a valid gzip file ({exc or 'truncated'})") from None
    except OSError as exc:
        raise InputError(f"{location}: cannot read: {exc.strerror or exc}") from None


def read_inputs(paths: list[str], options: ImportOptions, *,
                errors: list[InputError] | None = None) -> list[Input]:
    """Every input, hashed. With ``errors``, a file that cannot be read (or has an
    unknown extension) is listed there and left out instead of stopping the run."""
    if not paths:
        raise InputError("no input files given")
    locations = _expand_paths(paths, options.recursive, options.follow_symlinks)
    if options.graph and len(locations) > 1:
        raise UsageError(f"one graph name ({options.graph}) for {len(locations)} files: "
                         "each file is a source with a graph of its own")
    if "-" in locations and not (options.graph or options.source_id or options.sources):
        raise InputError("-: standard input needs --graph IRI (or --source-id) to name its source")
    if options.sources is not None and len(options.sources) != len(locations):
        raise InputError("sources: one source IRI is needed per input")
    named: list[tuple[str, ox.RdfFormat, str, str, str | None]] = []
    for i, location in enumerate(locations):
        if location == "-" and not options.input_format:
            raise InputError("-: standard input needs --input-format")
        try:
            fmt = _format_for(location, options.input_format)
        except InputError as exc:
            if errors is None:
                raise
            errors.append(exc)
            continue
        file_iri = Path(location).absolute().as_uri() if location != "-" else None
        if options.sources:
            source = options.sources[i]
        elif options.source_id:
            source = _iri(source_iri(options.source_id), "--source-id")
        elif options.graph:
            source = _iri(options.graph, "--graph")
        else:
            assert file_iri is not None
            source = file_iri
        graph = _iri(options.graph, "--graph") if options.graph else source
        base = _iri(options.base, "--base") if options.base else (file_iri or source)
        named.append((location, fmt, source, graph, base))
    seen: dict[str, str] = {}
    for location, _fmt, source, _graph, _base in named:
        if source in seen:
            raise InputError(f"{location}: names the same source as {seen[source]} ({source})")
        seen[source] = location
    inputs: list[Input] = []
    try:
        for args in named:
            try:
                inputs.append(_read(*args))
            except InputError as exc:
                if errors is None:
                    raise
                errors.append(exc)
    except BaseException:
        for inp in inputs:
            inp.close()
        raise
    return inputs


def _iri(text: str, what: str) -> str:
    from ..namespaces import expand

    try:
        iri = expand(text)
        ox.NamedNode(iri)
    except ValueError as exc:
        raise InputError(f"{what}: {exc}") from None
    return iri


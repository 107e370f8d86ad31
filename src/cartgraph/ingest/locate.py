"""Where a problem is: file, line and column for messages that name none."""

from __future__ import annotations

import io
import re
from typing import Any

import pyoxigraph as ox

from ..errors import InputError, ParseError
from .inputs import Input


def printable(text: str) -> str:
    """A message on one line: control characters escaped, at most 300 characters."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return text if len(text) <= 300 else text[:297] + "..."


def _locate(data: bytes, needles: list[str]) -> tuple[int, int] | None:
    """Line and column (1-based) of the first needle found in the document."""
    pos = _find(data, needles)
    return None if pos is None else _line_col(data, pos)


def _line_col(data: bytes, pos: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, pos) + 1
    return line, pos - (data.rfind(b"\n", 0, pos) + 1) + 1


def _pattern(needle: str) -> bytes:
    """A needle starting with ``:`` is a local name: it matches ``prefix:local`` for
    any prefix, as a whole token; any other needle matches as written."""
    if needle.startswith(":"):
        return (rb"(?<![\w.:/#<-])(?:[A-Za-z][\w.-]*)?" + re.escape(needle.encode())
                + rb"(?![\w-])")
    return re.escape(needle.encode())


def _find(data: bytes, needles: list[str], start: int = 0, *,
          line_start: bool = False) -> int | None:
    """Where the first of ``needles`` (in order of preference) occurs from ``start``;
    with ``line_start`` only as the first thing on a line (a subject, mostly)."""
    for needle in needles:
        if not needle:
            continue
        pattern = _pattern(needle)
        if line_start:
            pattern = rb"(?m)^[ \t]*(" + pattern + rb")"
        m = re.compile(pattern).search(data, start)
        if m:
            return m.start(1) if line_start else m.start()
    return None


def where_statement(inp: Input, focus: str, path: str | None, value: str | None) -> str:
    """``file:line:col`` of the statement a SHACL result is about.

    The focus node's description is found first (preferably where it starts a
    line, as a subject does); then the path after it and, when the result names
    a value, that value after the path (unless the path occurs again first). A
    result without a value (a missing property) is placed at the focus node.
    """
    data = inp.content()
    start = _find(data, spellings(focus), line_start=True)
    if start is None:
        start = _find(data, spellings(focus))
    if start is None:
        return inp.location
    pos = start
    if value is not None:
        at = _find(data, spellings(path), start) if path is not None else start
        if at is not None:
            pos = at
            again = _find(data, spellings(path), at + 1) if path is not None else None
            found = _find(data, [*spellings(value), f'"{value}', value], at)
            if found is not None and (again is None or found < again):
                pos = found
    line, col = _line_col(data, pos)
    return f"{inp.location}:{line}:{col}"


def spellings(iri: str) -> list[str]:
    """How an IRI is likely written in a document: in full, or as prefix:local."""
    local = re.split(r"[#/]", iri)[-1]
    return [f"<{iri}>", f'"{iri}"', f":{local}" if local else ""]


def where(inp: Input, needles: list[str]) -> str:
    found = _locate(inp.content(), needles)
    return f"{inp.location}:{found[0]}:{found[1]}" if found else inp.location


_CONTEXT_RE = re.compile(r'"@(?:context|import)"\s*:\s*("(?:[^"\\]|\\.)*"|\[[^\]]*\])')
_VALUE_RE = re.compile(r'"((?:[^"\\]|\\.)*)"(?!\s*:)')


def _remote_contexts(data: bytes) -> list[str]:
    """Every remote (string) @context or @import a JSON-LD document names."""
    import json

    try:
        doc = json.loads(data)
    except (ValueError, RecursionError):  # a regular expression does as a fallback
        text = data.decode("utf-8", errors="replace")
        return [v for m in _CONTEXT_RE.finditer(text) for v in _VALUE_RE.findall(m.group(1))]
    found: list[str] = []
    stack: list[Any] = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key in ("@context", "@import"):
                value = node.get(key)
                found += [v for v in (value if isinstance(value, list) else [value])
                          if isinstance(v, str)]
            stack.extend(reversed(list(node.values())))
        elif isinstance(node, list):
            stack.extend(reversed(node))
    return found


def parse_error(inp: Input, exc: SyntaxError) -> InputError:
    message = str(exc.msg)
    if inp.format == ox.RdfFormat.JSON_LD and "LoadDocumentCallback" in message:
        contexts = _remote_contexts(inp.content())
        name = contexts[0] if contexts else "a remote document"
        place = where(inp, ['"' + name + '"'])
        return InputError(f"{place}: remote JSON-LD @context {name} is not fetched "
                          "(nothing is); inline the context instead")
    message = re.sub(r"^Parser error at line \d+ (between columns \d+ and \d+|column \d+): ",
                     "", message)
    message = re.sub(r"^error at \d+:\d+: ", "", message)
    line = exc.lineno or None
    if line is None and inp.format == ox.RdfFormat.RDF_XML:
        line = line_reached(inp.content(), inp.format)
    return ParseError(inp.location, printable(message), line=line,
                      column=exc.offset or None)


class _OneLineAtATime(io.RawIOBase):
    """A byte stream that hands out at most one line per read."""

    def __init__(self, data: bytes) -> None:
        self._data, self._pos, self.lines = data, 0, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        end = self._data.find(b"\n", self._pos)
        end = len(self._data) if end < 0 else end + 1
        end = min(end, self._pos + len(buffer))
        chunk = self._data[self._pos:end]
        buffer[:len(chunk)] = chunk
        self._pos = end
        self.lines += chunk.endswith(b"\n")
        return len(chunk)

    @property
    def line(self) -> int:
        """The number of the line the last byte handed out is on."""
        return self.lines + (self._pos > 0 and self._data[self._pos - 1:self._pos] != b"\n")


def line_reached(data: bytes, fmt: ox.RdfFormat) -> int | None:
    """The line on which a streaming parser stops with an error that names no line.

    pyoxigraph's RDF/XML parser reports none for errors such as an unknown
    prefix, but it reads as it goes: fed one line at a time, the lines it has
    read when it fails end with the faulty one.
    """
    stream = _OneLineAtATime(data)
    try:
        for _ in ox.parse(stream, format=fmt):  # type: ignore[arg-type]  # a raw stream
            pass
    except SyntaxError:
        return stream.line or None
    except Exception:  # only a hint: no line rather than a new error
        return None
    return None




def quoted(problem: str) -> str:
    """The quoted lexical form inside an ill-typed literal message."""
    m = re.match(r'ill-typed literal ("[^"]*)', problem)
    return m.group(1) if m else ""


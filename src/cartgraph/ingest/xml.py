"""RDF/XML read safely: one streaming pass with expat before pyoxigraph parses.

pyoxigraph expands the internal entities of a DTD and its RDF/XML parser costs
time proportional to the nesting depth for every element. This pass reads the
whole (decompressed) input once and refuses, with the line:

* external, parameter and unparsed entities (never resolved: nothing is read or
  fetched) and entities built from other entities (the "billion laughs");
* entity references that would grow the document more than ``GROWTH``-fold
  (the quadratic blow-up: one long entity used many times);
* elements nested deeper than ``MAX_DEPTH``;
* XML that is not well-formed (expat's message, with line and column).

Plain internal entities (``<!ENTITY owl "http://www.w3.org/2002/07/owl#">``, as
Protégé writes them) stay accepted.
"""

from __future__ import annotations

import pyexpat
from typing import IO, Any

from ..errors import InputError, ParseError

MAX_DEPTH = 256  # XML elements; each level of RDF/XML node nesting is two
GROWTH = 4  # entities may make the document at most this many times larger (+1 MiB)
_CHUNK = 1 << 20
_GREW = f"XML entities would make the document more than {GROWTH} times larger; refused"


class _Refused(Exception):
    def __init__(self, message: str) -> None:
        self.message = message


def check_xml(stream: IO[bytes], location: str) -> None:
    """Read all of ``stream``; raise InputError (or ParseError) if it is unsafe or malformed."""
    parser = pyexpat.ParserCreate()
    refs: dict[bytes, int] = {}  # b"&name;" -> bytes its value adds per use
    stack: list[str] = []

    def entity(name: str, parameter: int, value: str | None, _base: Any, system: str | None,
               public: str | None, notation: str | None) -> None:
        if parameter:
            raise _Refused(f"XML parameter entity %{name} is not supported")
        if system is not None or public is not None or notation is not None or value is None:
            raise _Refused(f"XML external entity {name} is never resolved (nothing is read "
                           "or fetched); inline its value")
        if "&" in value:
            raise _Refused(f"XML entity {name} refers to other entities; nested entities "
                           "are refused (they can expand without bound)")
        refs[f"&{name};".encode()] = max(0, len(value.encode()) - len(name) - 2)

    def deeper() -> None:
        raise _Refused(f"XML elements nested deeper than {MAX_DEPTH} levels are refused "
                       "(parsing time grows with the depth)")

    parser.EntityDeclHandler = entity
    parser.StartElementHandler = (  # a lambda: this runs for every element
        lambda name, _attrs: stack.append(name) if len(stack) < MAX_DEPTH else deeper())
    parser.EndElementHandler = lambda _name: stack.pop()
    read = grown = 0
    tail = b""
    try:
        with stream:
            while chunk := stream.read(_CHUNK):
                read += len(chunk)
                parser.Parse(chunk, False)
                if refs:
                    window = tail + chunk
                    grown += sum(window.count(ref) * n for ref, n in refs.items())
                    if grown > (GROWTH - 1) * read + (1 << 20):
                        raise _Refused(_GREW)
                    tail = window[-max(len(r) for r in refs) + 1:]
            parser.Parse(b"", True)
    except _Refused as exc:
        raise InputError(f"{location}:{parser.CurrentLineNumber}: {exc.message}") from None
    except pyexpat.ExpatError as exc:
        if "amplification" in pyexpat.ErrorString(exc.code):  # expat's own guard came first
            raise InputError(f"{location}:{exc.lineno}: {_GREW}") from None
        raise ParseError(location, f"not well-formed XML: {pyexpat.ErrorString(exc.code)}",
                         line=exc.lineno, column=exc.offset + 1) from None

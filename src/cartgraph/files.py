"""Writing files atomically: the one routine every writer of a file uses.

A temporary file beside the target is written, flushed to disk and renamed over
the target, so that a reader (or a crash) sees the old file or the new one,
never half of one. ``-`` is standard output, written as it comes.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from .errors import CartgraphError

__all__ = ["atomic_output", "write_atomically"]


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str], *, mode: int = 0o644) -> Iterator[IO[bytes]]:
    """A binary stream that replaces ``path`` when the block ends without an error.

    An error in the block leaves ``path`` as it was. A file that cannot be
    written is a :class:`~cartgraph.errors.CartgraphError` naming it.
    """
    if str(path) == "-":
        sys.stdout.flush()
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    import tempfile

    target = Path(path)
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                   dir=str(target.parent) or ".")
        with os.fdopen(fd, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
        tmp = None
    except IsADirectoryError:
        raise CartgraphError(f"{path}: is a directory") from None
    except OSError as exc:
        if target.is_dir():
            raise CartgraphError(f"{path}: is a directory") from None
        raise CartgraphError(f"{path}: cannot write: {exc.strerror or exc}") from None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def write_atomically(path: str | os.PathLike[str], data: str | bytes) -> None:
    """Replace ``path`` with ``data`` (text is written as UTF-8)."""
    with atomic_output(path) as out:
        out.write(data.encode() if isinstance(data, str) else data)

"""``python -m cartgraph`` and the ``cartgraph`` console script.

``cartgraph --version`` is answered here, before the command line (and click)
is loaded, so that it costs little more than starting Python.
"""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        from . import __version__

        sys.stdout.write(f"cartgraph, version {__version__}\n")
        return
    from .cli import main as run

    run()


if __name__ == "__main__":
    main()

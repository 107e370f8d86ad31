"""Where the view's generation time goes, phase by phase, on the synthetic graph.

Run: ``python benchmarks/view_profile.py [--nodes 20000] [--repeats 3] [--profile]
[--dump DIR]``. Prints the seconds of each phase of ``cartgraph.viz.view`` (collect,
payload, layout, render) and the whole call; ``--profile`` adds the top of a
cProfile of one call; ``--dump DIR`` writes the pages, for comparing two versions.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_view

from cartgraph.viz import data, layout, page, view


@contextmanager
def _timed(phases: dict[str, float]) -> Iterator[None]:
    """Wrap the phase functions so that each call adds its seconds to ``phases``."""
    saved = []

    def wrap(owner: Any, name: str, label: str) -> None:
        original: Callable[..., Any] = getattr(owner, name)
        saved.append((owner, name, original))

        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                phases[label] = phases.get(label, 0.0) + time.perf_counter() - t0

        setattr(owner, name, timed)

    wrap(data, "collect", "collect")
    wrap(data, "payload", "payload")
    wrap(layout, "positions", "layout")
    wrap(page, "render", "render")
    try:
        yield
    finally:
        for owner, name, original in saved:
            setattr(owner, name, original)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--nodes", type=int, nargs="*", default=[20000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--dump", help="write each page to DIR/view-N.html")
    args = parser.parse_args(argv)
    store = bench_view._store()
    for size in args.nodes:
        runs: list[dict[str, float]] = []
        for _ in range(args.repeats):
            phases: dict[str, float] = {}
            with _timed(phases):
                t0 = time.perf_counter()
                v = view(store, max_nodes=size)
                phases["total"] = time.perf_counter() - t0
            runs.append(phases)
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        print(f"{size:>6} nodes: " + "  ".join(f"{k} {med[k]:.3f}" for k in med) +
              "  (total of each run: " + ", ".join(f"{r['total']:.2f}" for r in runs) + ")",
              flush=True)
        if args.dump:
            Path(args.dump, f"view-{size}.html").write_text(v.html, encoding="utf-8")
        if args.profile:
            prof = cProfile.Profile()
            prof.enable()
            view(store, max_nodes=size)
            prof.disable()
            pstats.Stats(prof).sort_stats("cumulative").print_stats(35)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Replacing a large source: the importer's rewrite of what stays against deleting the graph.

Imports N synthetic triples (benchmarks/synthetic.py) into a fresh on-disk store
(seeded with the bundled graph), then imports a changed copy of the same file
twice in the same run: once as cartgraph does it (the old graph outweighs the rest
of the store, so the rest is set aside, the snapshot cleared and the rest written
back) and once with that switched off (pyoxigraph's remove_graph, the baseline).
Prints wall and CPU seconds for each replace.

    .venv/bin/python benchmarks/bench_replace.py [--triples 1000000]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _replace(store_dir: Path, data: Path, *, rewrite: bool) -> tuple[float, float]:
    import cartgraph.ingest as ingest
    import cartgraph.ingest.provenance as provenance
    from cartgraph.store import Store

    saved = provenance._REWRITE_FROM
    provenance._REWRITE_FROM = saved if rewrite else 1 << 62
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        with Store.open(store_dir) as store:
            report = ingest.import_files(store, [str(data)],
                                         ingest.ImportOptions(shacl=False))
        assert [r.status for r in report.results] == ["replaced"], report.results
        return time.perf_counter() - wall, time.process_time() - cpu
    finally:
        provenance._REWRITE_FROM = saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    import synthetic

    from cartgraph.ingest import ImportOptions, import_files
    from cartgraph.store import Store

    source = synthetic.generate(args.triples)
    with tempfile.TemporaryDirectory(prefix="cartgraph-replace-") as tmp:
        data = Path(tmp) / "data.nt"
        shutil.copyfile(source, data)
        first = Path(tmp) / "first"
        with Store.open(first) as store:
            import_files(store, [str(data)], ImportOptions(shacl=False))
        with data.open("ab") as out:  # changed bytes: one more statement
            out.write(b'<https://example.org/x> <https://example.org/p> "changed" .\n')
        rows = []
        for name, rewrite in (("remove_graph (baseline)", False), ("cartgraph", True)):
            copy = Path(tmp) / name.split()[0]
            shutil.copytree(first, copy, symlinks=True)
            wall, cpu = _replace(copy, data, rewrite=rewrite)
            rows.append(f"| {name} | {wall:.1f} | {cpu:.1f} |")
            shutil.rmtree(copy)
    print(f"replacing a source of {args.triples:,} triples on disk\n\n"
          "| how | wall s | CPU s |\n|---|---:|---:|\n" + "\n".join(rows))


if __name__ == "__main__":
    main()

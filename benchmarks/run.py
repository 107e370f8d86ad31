"""Run every cartgraph benchmark and print the results as markdown tables.

    python benchmarks/run.py                 # 1M triples (and 100k), about 10 minutes
    python benchmarks/run.py --quick         # 100k triples, under 3 minutes
    python benchmarks/run.py --output benchmarks/RESULTS.md

The baselines (pyoxigraph's own on-disk store, rdflib in memory, ``python -c
pass``) are measured in the same run, on the same seeded synthetic graph
(benchmarks/synthetic.py). Each measurement runs in its own child process;
times are medians of the repeats, CPU time counts every thread of the process.
Progress goes to stderr, the tables to stdout.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_import
import bench_query
import bench_startup
import synthetic

SMALL = 100_000
E2E_QUERIES = ("count", "join")


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- formatting ---------------------------------------------------------------------


def _s(value: Any, digits: int = 3) -> str:
    if not isinstance(value, int | float) or value != value:
        return "-"
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.{digits}f}"


def _ms(value: Any) -> str:
    return "-" if not isinstance(value, int | float) or value != value else f"{value * 1000:.0f}"


def _ratio(row: dict[str, Any], key: str = "cpu") -> float | None:
    base = row.get("baseline") or {}
    if "error" in row or "error" in base or not base.get(key) or key not in row:
        return None
    return float(row[key]) / float(base[key])


def _verdict(ratio: float | None, target: float | None) -> str:
    if target is None:
        return ""
    if ratio is None:
        return "n/a"
    return f"{'yes' if ratio <= target else 'NO'} (< {target:g}x)"


def import_table(rows: list[dict[str, Any]]) -> list[str]:
    out = ["| import (N-Triples file) | triples | CPU s | wall s | peak RSS MB | triples/s "
           "(wall) | ratio CPU / wall | baseline | target met |",
           "|---|---:|---:|---:|---:|---:|---:|---|---|"]
    for r in rows:
        if "error" in r and not r.get("runs"):
            out.append(f"| {r['name']} | {r['n']:,} | error: {r['error']} | | | | | | |")
            continue
        cpu, wall = _ratio(r, "cpu"), _ratio(r, "wall")
        ratio = f"{cpu:.2f} / {wall:.2f}" if cpu is not None and wall is not None else ""
        judged = wall if r.get("ratio_key") == "wall" else cpu
        per_s = f"{r['n'] / r['wall']:,.0f}" if r.get("wall") and r.get("status") != "unchanged" \
            else ""
        base = r.get("baseline_name", "bulk_load (default graph)") if r.get("baseline") else ""
        name = r["name"] + (f" ({r['error']})" if "error" in r else "")
        if r.get("ratio_only"):
            out.append(f"| {name} | {r['n']:,} | | | | | {ratio} | {base} | "
                       f"{_verdict(judged, r.get('target'))} |")
            continue
        out.append(f"| {name} | {r['n']:,} | {_s(r.get('cpu'))} | {_s(r.get('wall'))} | "
                   f"{_s(r.get('rss_mb'), 0)} | {per_s} | {ratio} | {base} | "
                   f"{_verdict(judged, r.get('target'))} |")
    return out


def query_table(rows: list[dict[str, Any]], n: int) -> list[str]:
    rd_n = next((r.get("rdflib_n") for r in rows if r.get("rdflib_n")), None)
    rd_head = f"rdflib ({rd_n:,}, memory)" if rd_n else "rdflib"
    out = [f"| query ({n:,} triples; to JSON bytes) | rows | cartgraph CPU s | pyoxigraph CPU s "
           "| ratio | target met (< 1.5x) | pyoxigraph named graph + union CPU s | ratio | "
           f"{rd_head} CPU s | cartgraph wall s | pyoxigraph wall s | rdflib wall s |",
           "|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|"]

    def ratio(a: dict[str, Any], b: dict[str, Any]) -> float | None:
        ok = "error" not in a and "error" not in b and a.get("cpu") is not None
        return a["cpu"] / b["cpu"] if ok and b.get("cpu") else None

    def fmt(value: float | None) -> str:
        return "" if value is None else f"{value:.2f}"

    for r in rows:
        cg, ox, rd = r["cartgraph"], r["pyoxigraph"], r.get("rdflib", {})
        named = r.get("pyoxigraph-named", {})
        counts = [str(e["rows"]) for e in (cg, ox, named, rd) if "rows" in e]
        rows_text = counts[0] if len(set(counts)) == 1 else " / ".join(counts)
        errors = "; ".join(f"{k}: {e['error']}" for k, e in
                           (("cartgraph", cg), ("pyoxigraph", ox), ("named", named),
                            ("rdflib", rd)) if "error" in e)
        title = r["title"] + (f" ({errors})" if errors else "")
        vs_ox = ratio(cg, ox)
        out.append(f"| {title} | {rows_text} | {_s(cg.get('cpu'))} | {_s(ox.get('cpu'))} | "
                   f"{fmt(vs_ox)} | {_verdict(vs_ox, 1.5)} | {_s(named.get('cpu'))} | "
                   f"{fmt(ratio(cg, named))} | {_s(rd.get('cpu'))} | {_s(cg.get('wall'))} | "
                   f"{_s(ox.get('wall'))} | {_s(rd.get('wall'))} |")
    return out


def startup_table(rows: list[dict[str, Any]]) -> list[str]:
    out = ["| command | wall ms | CPU ms | baseline | baseline wall ms | ratio wall | "
           "difference ms | target met |",
           "|---|---:|---:|---|---:|---:|---:|---|"]
    for r in rows:
        if "error" in r:
            out.append(f"| {r['name']} | error: {r['error']} | | | | | | |")
            continue
        ratio = _ratio(r, "wall")
        base = r.get("baseline") or {}
        diff = r["wall"] - base["wall"] if base.get("wall") is not None else None
        if r.get("target_ms") is not None:  # a difference, not a ratio
            verdict = "n/a" if diff is None else (
                f"{'yes' if diff * 1000 <= r['target_ms'] else 'NO'} (< +{r['target_ms']} ms)")
        else:
            verdict = _verdict(ratio, r.get("target"))
        out.append(f"| {r['name']} | {_ms(r['wall'])} | {_ms(r['cpu'])} | "
                   f"{r.get('baseline_name', '')} | {_ms(base.get('wall'))} | "
                   f"{'' if ratio is None else f'{ratio:.2f}'} | {_ms(diff)} | {verdict} |")
    return out


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in ("cartgraph", "pyoxigraph", "rdflib", "pyshacl"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
        memory = f", {mem:.0f} GB RAM"
    except (ValueError, OSError):
        memory = ""
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({cpu}){memory}"


def _load() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "?"


def report(results: dict[str, Any]) -> str:
    v = results["versions"]
    lines = [
        f"# cartgraph benchmarks, {results['date']}",
        "",
        f"- Machine: {results['machine']}; load average {results['load_start']} at the start, "
        f"{results['load_end']} at the end (other work on the machine inflates wall times; "
        "compare ratios).",
        f"- Python {platform.python_version()}; cartgraph {v['cartgraph']}, pyoxigraph "
        f"{v['pyoxigraph']}, rdflib {v['rdflib']}, pyshacl {v['pyshacl']}.",
        f"- Data: benchmarks/synthetic.py, seed {results['seed']}, N-Triples. Medians of "
        f"{results['repeats']} runs (imports), {results['query_repeats']} runs after a warm-up "
        f"(queries), {results['startup_repeats']} runs after a warm-up (start-up); rdflib and "
        "SHACL-on imports run once. Every measurement in its own process; CPU time counts all "
        "threads; peak RSS is the whole process's.",
        f"- Total run time {results['elapsed']:.0f} s: `python benchmarks/run.py "
        f"{' '.join(results['argv'])}`".rstrip() + ".",
        "",
        "## Import",
        "",
        *import_table(results["import"]),
        "",
        "## Queries",
        "",
        *query_table(results["query"], results["n"]),
        "",
        "## Start-up and CLI overhead",
        "",
        *startup_table(results["startup"]),
        "",
    ]
    return "\n".join(lines)


# -- running ------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Run the cartgraph benchmarks.")
    p.add_argument("--triples", type=int, help="size of the large graph (default 1,000,000; "
                   "100,000 with --quick)")
    p.add_argument("--quick", action="store_true",
                   help="100k triples, rdflib queries at that size: a few minutes")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--repeats", type=int, help="runs per import measurement (default 3)")
    p.add_argument("--query-repeats", type=int, help="runs per query after a warm-up "
                   "(default 5)")
    p.add_argument("--startup-repeats", type=int, help="runs per command (default 10)")
    p.add_argument("--rdflib-queries-at", type=int,
                   help="graph size for the rdflib queries (default: the large graph)")
    p.add_argument("--no-rdflib-large", action="store_true",
                   help="skip rdflib's parse of the large graph (about 60 s at 1M)")
    p.add_argument("--shacl-at", type=int, help=f"size for the SHACL-on import "
                   f"(default {SMALL:,} or the large size if smaller; 0 to skip)")
    p.add_argument("--workdir", help="where stores are built (default: a temporary directory, "
                   "removed afterwards)")
    p.add_argument("--data-dir", help="where generated data files are cached (default "
                   "$CARTGRAPH_BENCH_DATA or TMPDIR/cartgraph-bench)")
    p.add_argument("--output", action="append", default=[], metavar="FILE",
                   help="also write the report to FILE (repeatable)")
    p.add_argument("--before", metavar="SRC", help="another cartgraph source tree (its src/ "
                   "folder, e.g. a worktree of the last release) to measure in the same run: "
                   "import, start-up and CLI query, before and after")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    n = args.triples or (SMALL if args.quick else 1_000_000)
    repeats = args.repeats or 3
    query_repeats = args.query_repeats or (3 if args.quick else 5)
    startup_repeats = args.startup_repeats or 10
    small = min(SMALL, n)
    sizes = sorted({small, n})
    shacl_at = small if args.shacl_at is None else args.shacl_at
    rdflib_sizes = [s for s in sizes if s <= SMALL or not (args.no_rdflib_large or args.quick)]
    rdflib_q = args.rdflib_queries_at or (small if args.quick or args.no_rdflib_large else n)
    if rdflib_q not in sizes:
        sizes = sorted({*sizes, rdflib_q})

    results: dict[str, Any] = {
        "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "machine": _machine(), "versions": _versions(), "load_start": _load(), "n": n,
        "seed": args.seed, "repeats": repeats, "query_repeats": query_repeats,
        "startup_repeats": startup_repeats, "argv": list(argv if argv is not None
                                                         else sys.argv[1:]),
    }
    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="cartgraph-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        files = {}
        for size in sizes:
            _log(f"data: {size:,} triples (seed {args.seed})")
            files[size] = synthetic.generate(size, args.seed, directory=args.data_dir)
        import_files = {s: files[s] for s in sorted({small, n})}
        before = Path(args.before).resolve() if args.before else None
        results["import"], stores = bench_import.run(
            import_files, work, repeats=repeats, rdflib_sizes=rdflib_sizes,
            shacl_sizes=[shacl_at] if shacl_at else [], log=_log, before=before)
        results["query"] = bench_query.run(stores, files[rdflib_q], rdflib_q,
                                           repeats=query_repeats, log=_log)
        in_process = {r["name"]: r["cartgraph"] for r in results["query"]}
        e2e = {name: bench_query.text(name) for name in E2E_QUERIES}
        results["startup"] = bench_startup.run(stores["cartgraph"], e2e, in_process,
                                               repeats=startup_repeats, log=_log, before=before)
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    results["load_end"] = _load()
    results["elapsed"] = time.perf_counter() - started
    text = report(results)
    sys.stdout.write(text)
    for out in args.output:
        Path(out).write_text(text, encoding="utf-8")
        _log(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

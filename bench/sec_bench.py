"""SEC companyfacts benchmark: parse + derivation throughput and peak memory, ours vs pandas.

    python bench/sec_bench.py                       # default: 1,000 companies x 40 q x 20 concepts
    python bench/sec_bench.py --companies 10000     # the large case (about 3.3 GB of JSON)
    python bench/sec_bench.py --data /tmp/sec10k    # reuse files written by sec_generate.py

Each implementation runs in its own fresh Python process (so its peak RSS, ``ru_maxrss``, is
its own) on the same synthetic files (``bench/sec_generate.py``, generated once and cached in
the temp folder) and does the same work: read every fact of every companyfacts file into the
long facts table, then derive the discrete quarters of capex and revenue (``--derive-all``:
of every concept), both vintages (latest filed, as first reported), with fiscal and calendar
quarters.

* ``ours``: the project's code: ``pipelines.sec.parse.facts_arrow`` (DuckDB ``read_json``,
  ``sql/sec/facts.sql``, streamed to an Arrow table) and ``derive``
  (``sql/sec/quarterly.sql`` run by DuckDB over that table).
* ``asset`` (``--with-asset``): what the ``sec/facts`` and ``sec/quarterly`` assets do on top:
  hand the facts to polars, validate them with the pandera ``FactsModel``, write them into a
  DuckDB file with ``write_table``, derive from there.
* ``pandas``: ``bench/sec_pandas.py``, straightforward pandas: ``json.load``, one DataFrame
  per concept list, ``pd.concat``, then sort / groupby / merge for the derivation.
* ``pandas_tuned``: the same with a faster parse (one list of tuples, one DataFrame).

Afterwards every row of both output tables is compared across implementations for a sample of
100 companies, and a table is printed. Throughput = facts read / wall time of parse +
derivation; CPU s = user + system time of the process (DuckDB uses every core, pandas one).
Memory: peak RSS of the process; "net" subtracts the RSS right after the imports.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

SAMPLE_COMPANIES = 100
KEY = ["ticker", "metric", "period_end"]


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _inputs(data: Path) -> tuple[list[Path], dict, dict[int, str]]:
    manifest = json.loads((data / "manifest.json").read_text())
    files = sorted(data.glob("CIK*.json"))
    companies = {int(cik): ticker for cik, ticker in manifest["tickers"].items()}
    return files, manifest, companies


def _concepts(manifest: dict, companies: dict[int, str], derive_all: bool):
    """The concepts to derive, as ``config.concept_map`` builds them: by default capex and
    revenue (the generator's concepts 0 and 1, the connector's default concepts); with
    ``derive_all`` every concept of every company."""
    import polars as pl

    names = manifest["concepts"]
    metrics = (
        [(c, c) for c in names] if derive_all else [("capex", names[0]), ("revenue", names[1])]
    )
    rows = []
    for ticker in sorted(companies.values()):
        for metric, concept in metrics:
            n = len(rows) + 1
            rows.append((n, n, ticker, metric, "us-gaap", concept, "USD", 1))
    schema = {
        "sid": pl.Int32, "gid": pl.Int32, "ticker": pl.Utf8, "metric": pl.Utf8,
        "taxonomy": pl.Utf8, "concept": pl.Utf8, "unit": pl.Utf8, "priority": pl.Int32,
    }  # fmt: skip
    return pl.DataFrame(rows, schema=schema, orient="row")


def _sample(companies: dict[int, str]) -> list[str]:
    tickers = sorted(companies.values())
    step = max(1, len(tickers) // SAMPLE_COMPANIES)
    return tickers[::step][:SAMPLE_COMPANIES]


# ------------------------------------------------------------------------- children
def child(impl: str, data: Path, out: Path, trace: bool, derive_all: bool) -> None:
    import polars as pl

    if impl.startswith("pandas"):
        import sec_pandas
    else:
        import duckdb

        from pipelines.sec.derive import FACTS_VIEW, derive, parse_and_derive_all
        from pipelines.sec.models import FactsModel
        from pipelines.sec.parse import parse_files
        from pipelines.warehouse.tables import write_table

    files, manifest, companies = _inputs(data)
    concepts = _concepts(manifest, companies, derive_all)
    rss_imports = _rss_mb()
    if trace:
        tracemalloc.start()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    cpu_started = time.process_time()
    if impl.startswith("pandas"):
        parse = sec_pandas.parse_tuned if impl == "pandas_tuned" else sec_pandas.parse
        facts = parse(files, companies)
        n_facts = len(facts)
        timings["parse_s"] = time.perf_counter() - started
        t = time.perf_counter()
        latest, first = sec_pandas.derive(facts, concepts.to_pandas())
        timings["derive_s"] = time.perf_counter() - t
        latest, first = pl.from_pandas(latest), pl.from_pandas(first)
    elif impl == "ours":  # facts as an Arrow table in memory; derivation by DuckDB, by chunk
        facts, (latest, first, _) = parse_and_derive_all(
            files, companies, concepts, timings=timings
        )
        n_facts = facts.num_rows
    else:  # the sec/facts + sec/quarterly assets: polars, pandera, DuckDB file (warehouse)
        db = out.with_suffix(".duckdb")
        db.unlink(missing_ok=True)
        con = duckdb.connect(str(db))
        facts = parse_files(files, companies)
        n_facts = facts.height
        t = time.perf_counter()
        FactsModel.validate(facts, lazy=True)
        timings["validate_s"] = time.perf_counter() - t
        write_table(con, "sec.facts", facts)
        del facts
        timings["parse_s"] = time.perf_counter() - started
        t = time.perf_counter()
        con.execute(f"CREATE TEMP VIEW {FACTS_VIEW} AS SELECT * FROM sec.facts")
        latest, first, _ = derive(con, concepts)
        timings["derive_s"] = time.perf_counter() - t
        con.close()
        db.unlink(missing_ok=True)
    total = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    traced = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
    peak = _rss_mb()
    sample = set(_sample(companies))
    for name, frame in (("latest", latest), ("first", first)):
        frame.filter(pl.col("ticker").is_in(sample)).write_parquet(
            out.with_name(f"{out.stem}_{name}.parquet")
        )
    result = {
        "impl": impl,
        "facts": n_facts,
        "quarters": latest.height,
        "seconds": total,
        **timings,
        "facts_per_s": n_facts / total,
        "cpu_s": cpu,
        "peak_rss_mb": peak,
        "rss_after_imports_mb": rss_imports,
        "tracemalloc_peak_mb": traced,
    }
    out.write_text(json.dumps(result))


# --------------------------------------------------------------------------- parent
def machine() -> dict:
    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="utf-8") as handle:
        total_kb = int(next(line for line in handle if line.startswith("MemTotal")).split()[1])
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gb": round(total_kb / 2**20, 1),
        "python": platform.python_version(),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


def compare(work: Path, impls: list[str]) -> list[str]:
    import polars as pl
    from polars.testing import assert_frame_equal

    problems = []
    reference = impls[0]
    for name in ("latest", "first"):
        expected = pl.read_parquet(work / f"{reference}_{name}.parquet").sort(KEY)
        for impl in impls[1:]:
            got = pl.read_parquet(work / f"{impl}_{name}.parquet").sort(KEY)
            got = got.select(expected.columns).cast(expected.schema)  # pandas gives other dtypes
            try:
                assert_frame_equal(got, expected, check_exact=False, rel_tol=1e-9, abs_tol=1e-6)
            except AssertionError as error:
                problems.append(f"{impl} vs {reference} ({name}): {str(error)[:500]}")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--companies", type=int, default=1000, help="scale (default 1000)")
    parser.add_argument("--quarters", type=int, default=40)
    parser.add_argument("--concepts", type=int, default=20)
    parser.add_argument(
        "--data", type=Path, help="folder of sec_generate.py output (else generated)"
    )
    parser.add_argument("--skip-pandas", action="store_true", help="only our implementation")
    parser.add_argument(
        "--skip-tuned-pandas", action="store_true", help="skip the tuned pandas parse"
    )
    parser.add_argument(
        "--derive-all", action="store_true", help="derive every concept, not only capex and revenue"
    )
    parser.add_argument("--with-asset", action="store_true", help="also time the asset path")
    parser.add_argument(
        "--tracemalloc", action="store_true", help="also trace Python allocations (slower)"
    )
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument(
        "--child", choices=["ours", "asset", "pandas", "pandas_tuned"], help=argparse.SUPPRESS
    )
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        child(args.child, args.data, args.out, args.tracemalloc, args.derive_all)
        return

    from sec_generate import generate

    data = args.data
    if data is None:
        data = (
            Path(tempfile.gettempdir())
            / f"ledger_sec_bench_{args.companies}x{args.quarters}x{args.concepts}"
        )
        if not (data / "manifest.json").exists():
            print(f"generating {args.companies:,} companies into {data} ...", flush=True)
            generate(data, args.companies, args.quarters, args.concepts)
    files, manifest, _ = _inputs(data)
    input_mb = sum(p.stat().st_size for p in files) / 2**20
    impls = ["ours"] + (["asset"] if args.with_asset else [])
    if not args.skip_pandas:
        impls += ["pandas"] + ([] if args.skip_tuned_pandas else ["pandas_tuned"])
    results = []
    with tempfile.TemporaryDirectory(prefix="sec_bench_") as tmp:
        work = Path(tmp)
        for impl in impls:
            print(f"running {impl} ...", flush=True)
            command = [
                sys.executable,
                __file__,
                "--child",
                impl,
                "--data",
                str(data),
                "--out",
                str(work / f"{impl}.json"),
            ]
            command += ["--tracemalloc"] if args.tracemalloc else []
            command += ["--derive-all"] if args.derive_all else []
            subprocess.run(command, check=True)
            results.append(json.loads((work / f"{impl}.json").read_text()))
        problems = compare(work, impls)

    info = machine()
    print()
    derived = "every concept" if args.derive_all else "capex and revenue (2 concepts)"
    print(
        f"input: {manifest['companies']:,} companies x {manifest['quarters']} quarters x "
        f"{len(manifest['concepts'])} concepts = {results[0]['facts']:,} facts, "
        f"{input_mb:,.0f} MiB of JSON ({len(files):,} files); derived: {derived}"
    )
    print(
        f"machine: {info['nproc']} CPUs ({info['cpu']}), {info['ram_gb']} GiB RAM, Python "
        f"{info['python']}, load average {info['load_average_1m']} at the end"
    )
    print(
        "| implementation | parse s | derive s | total s | CPU s | facts/s | vs pandas | "
        "vs tuned pandas | peak RSS MiB | net of imports MiB | peak / input |"
    )
    print("|" + "---|" * 11)
    by_impl = {r["impl"]: r for r in results}

    def ratio(r: dict, baseline: str) -> str:
        other = by_impl.get(baseline)
        return f"{r['facts_per_s'] / other['facts_per_s']:.1f}x" if other else "n/a"

    for r in results:
        net = r["peak_rss_mb"] - r["rss_after_imports_mb"]
        print(
            f"| {r['impl']} | {r['parse_s']:.1f} | {r['derive_s']:.1f} | {r['seconds']:.1f} | "
            f"{r['cpu_s']:.1f} | {r['facts_per_s']:,.0f} | {ratio(r, 'pandas')} | "
            f"{ratio(r, 'pandas_tuned')} | {r['peak_rss_mb']:,.0f} | {net:,.0f} | "
            f"{r['peak_rss_mb'] / input_mb:.2f} |"
        )
    if args.tracemalloc:
        print(
            "tracemalloc peak MiB: "
            + ", ".join(f"{r['impl']} {r['tracemalloc_peak_mb']:,.0f}" for r in results)
        )
    sample = min(SAMPLE_COMPANIES, manifest["companies"])
    if problems:
        print(f"\nRESULTS DIFFER on the {sample}-company sample:")
        for problem in problems:
            print("  " + problem)
    elif len(impls) == 1:
        print("\nonly one implementation ran: nothing to compare")
    else:
        print(
            f"\nsame result: every row of both vintages for a sample of {sample} companies agrees"
        )
    if args.json:
        args.json.write_text(
            json.dumps(
                {"machine": info, "input_mib": input_mb, "results": results, "problems": problems},
                indent=1,
            )
        )
    if problems:
        raise SystemExit(1)


if __name__ == "__main__":
    main()

"""SEC bulk benchmark: the project's bulk mode vs edgartools 5.62 vs a pandas baseline.

    make bench-sec-bulk                                  # 10,000 filers; 300 for the slow ones
    python bench/sec_bulk_bench.py --filers 10000 --slow-filers 300 --results /tmp/r.json

In one run, on archives built by ``bench/sec_bulk_generate.py`` from the real files (cached in
the temp folder; the first ``--slow-filers`` members of both archives are the same bytes):

* ``project``: ``pipelines.sec.bulk.ingest``, the whole bulk mode: stream the zip member by
  member, check each member, parse and derive with ``parse_and_derive_all``, validate with the
  pandera models, write the SEC store (a DuckDB file) and swap it in.
* ``project_core``: only ``parse_and_derive_all`` on chunks of 100 members extracted from the zip
  (no member checks, no validation, no store): the same scope as edgartools below.
* ``edgartools``: edgartools 5.62's own offline path, one member at a time from the same zip:
  ``json.loads``, ``EntityFactsParser.parse_company_facts`` (every fact becomes a
  ``FinancialFact``), then ``TTMCalculator(facts).quarterize()`` per capex / revenue concept
  (its quarterly derivation: Q2 = 6M - Q1, Q3 = 9M - 6M, Q4 = FY - 9M). Runs in ``.venv-bench``
  (dependency group ``bench``, never installed by ``make test`` / ``make refresh``).
* ``pandas``: ``bench/sec_pandas.py`` (``json.load`` + DataFrames, sort / groupby / merge),
  fed chunks of 100 members extracted from the same zip.

Each runs in its own fresh process (peak RSS ``ru_maxrss`` is its own). Throughput = facts read
/ wall time. The project also runs on the full archive (memory must not grow with it).

Then, on the real files only, every quarter where the project (latest filed) and edgartools
differ by more than 0.5 % is listed, with which side matches the filing: a three-month fact
reported for exactly that period (its latest filed value); else, for a derived quarter, the
longer leg as filed in the project row's filing minus the shorter leg as it stood on that
filing date (figures known together, one accounting basis).
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
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

BENCH_PYTHON = ROOT / ".venv-bench" / "bin" / "python"
TOLERANCE = 0.005


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _archive(real: Path, filers: int) -> Path:
    from sec_bulk_generate import generate

    path = Path(tempfile.gettempdir()) / f"sec-bulk-{filers}.zip"
    manifest = path.with_name(path.name + ".manifest.json")
    if not (path.exists() and manifest.exists()):
        print(f"generating {path} ...", file=sys.stderr)
        generate(real, path, filers)
    return path


# ------------------------------------------------------------------------------ workers
def _concepts_of(cik: int) -> tuple[str, ...]:
    from pipelines.sec.bulk_config import load_bulk_settings

    company = load_bulk_settings({}).company(cik, None)
    return tuple(concept for _, _, _, concept, _, _ in company.concepts)


def work_project(archive: Path) -> dict:
    from pipelines.sec.bulk import ingest
    from pipelines.sec.bulk_config import load_bulk_settings

    base = _rss_mb()
    with tempfile.TemporaryDirectory() as tmp:
        config = load_bulk_settings({"SEC_BULK_STORE": str(Path(tmp) / "store.duckdb")})
        t0 = time.perf_counter()
        result = ingest(config, archive, force=True, log=lambda _: None)
        seconds = time.perf_counter() - t0
        store_mb = config.store.stat().st_size / 1e6
    return {
        "facts": result.facts, "quarters": result.quarters, "seconds": seconds,
        "members": len(result.outcomes), "quarantined": len(result.quarantined),
        "base_rss_mb": base, "store_mb": store_mb,
    }  # fmt: skip


def work_project_core(archive: Path, chunk: int = 100) -> dict:
    """Only the project's parse + derivation (``parse_and_derive_all``) on chunks of members
    extracted from the zip: no member checks, no validation, no store (edgartools' scope)."""
    from pipelines.sec.bulk_config import load_bulk_settings
    from pipelines.sec.config import concept_map
    from pipelines.sec.derive import parse_and_derive_all

    base = _rss_mb()
    config = load_bulk_settings({})
    facts = quarters = members = 0
    t0 = time.perf_counter()
    with zipfile.ZipFile(archive) as zf, tempfile.TemporaryDirectory() as tmp:
        infos = zf.infolist()
        for start in range(0, len(infos), chunk):
            files, companies = [], {}
            for info in infos[start : start + chunk]:
                path = Path(tmp) / info.filename
                with zf.open(info) as src, open(path, "wb") as dst:
                    while block := src.read(1 << 20):
                        dst.write(block)
                files.append(path)
                cik = int(info.filename[3:13])
                companies[cik] = config.company(cik, None)
            table, (latest, *_) = parse_and_derive_all(
                files, {c: co.ticker for c, co in companies.items()},
                concept_map(list(companies.values())), chunk_files=chunk,
            )  # fmt: skip
            facts += table.num_rows
            quarters += latest.height
            members += len(files)
            for path in files:
                path.unlink()
    seconds = time.perf_counter() - t0
    return {"facts": facts, "quarters": quarters, "seconds": seconds, "members": members,
            "base_rss_mb": base}  # fmt: skip


def _edgar_quarters(facts: list, concepts: tuple[str, ...]) -> dict[str, list]:
    from edgar.ttm.calculator import TTMCalculator

    wanted = set(concepts)
    by_concept: dict[str, list] = {}
    for fact in facts:
        name = fact.concept.split(":")[-1]
        if name in wanted and fact.unit == "USD" and fact.numeric_value is not None:
            by_concept.setdefault(name, []).append(fact)
    return {c: TTMCalculator(fs).quarterize() for c, fs in by_concept.items()}


def work_edgartools(archive: Path) -> dict:
    from edgar.entity.parser import EntityFactsParser

    base = _rss_mb()
    facts = quarters = members = 0
    t0 = time.perf_counter()
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            data = json.loads(zf.read(info))
            entity = EntityFactsParser.parse_company_facts(data)
            members += 1
            if entity is None:
                continue
            all_facts = entity.get_all_facts()
            facts += len(all_facts)
            derived = _edgar_quarters(all_facts, _concepts_of(int(data["cik"])))
            quarters += sum(len(q) for q in derived.values())
    seconds = time.perf_counter() - t0
    return {"facts": facts, "quarters": quarters, "seconds": seconds, "members": members,
            "base_rss_mb": base}  # fmt: skip


def work_pandas(archive: Path, chunk: int = 100) -> dict:
    import sec_pandas

    from pipelines.sec.bulk_config import load_bulk_settings
    from pipelines.sec.config import concept_map

    base = _rss_mb()
    config = load_bulk_settings({})
    facts = quarters = members = 0
    t0 = time.perf_counter()
    with zipfile.ZipFile(archive) as zf, tempfile.TemporaryDirectory() as tmp:
        infos = zf.infolist()
        for start in range(0, len(infos), chunk):
            files, companies = [], {}
            for info in infos[start : start + chunk]:
                path = Path(tmp) / info.filename
                path.write_bytes(zf.read(info))
                files.append(path)
                cik = int(info.filename[3:13])
                companies[cik] = config.company(cik, None)
            parsed = sec_pandas.parse(files, {c: co.ticker for c, co in companies.items()})
            latest, _ = sec_pandas.derive(parsed, concept_map(list(companies.values())).to_pandas())
            facts += len(parsed)
            quarters += len(latest)
            members += len(files)
            for path in files:
                path.unlink()
    seconds = time.perf_counter() - t0
    return {"facts": facts, "quarters": quarters, "seconds": seconds, "members": members,
            "base_rss_mb": base}  # fmt: skip


def work_compare(real: Path) -> dict:
    """Project vs edgartools on the real files; runs in the bench venv (both importable)."""
    import polars as pl
    from edgar.entity.parser import EntityFactsParser

    from pipelines.sec.config import concept_map, load_settings
    from pipelines.sec.derive import parse_and_derive_all

    files = sorted([*real.glob("CIK*.json"), *real.glob("excerpts/CIK*.json")])
    companies = load_settings({}).companies
    facts_arrow, (latest, *_) = parse_and_derive_all(
        files, {c.cik: c.ticker for c in companies}, concept_map(companies)
    )
    facts = pl.from_arrow(facts_arrow)
    assert isinstance(facts, pl.DataFrame)
    edgar: dict[tuple[int, str, str], float] = {}
    for path in files:
        data = json.loads(path.read_bytes())
        entity = EntityFactsParser.parse_company_facts(data)
        cik = int(data["cik"])
        company = next((c for c in companies if c.cik == cik), None)
        if entity is None or company is None:
            continue
        concepts = tuple(concept for _, _, _, concept, _, _ in company.concepts)
        for concept, quarters in _edgar_quarters(entity.get_all_facts(), concepts).items():
            for q in quarters:
                edgar[(cik, concept, str(q.period_end))] = float(q.numeric_value)
    rows = []
    compared = 0
    for row in latest.iter_rows(named=True):
        key = (row["cik"], row["concept"], str(row["period_end"]))
        if key not in edgar:
            continue
        compared += 1
        ours, theirs = row["value"], edgar[key]
        if abs(ours - theirs) <= TOLERANCE * max(abs(ours), abs(theirs)):
            continue
        filing, how = _filing_figure(facts, row)
        rows.append({
            "ticker": row["ticker"], "metric": row["metric"], "concept": row["concept"],
            "period": f"{row['period_start']}..{row['period_end']}",
            "fiscal": f"FY{row['fiscal_year']} Q{row['fiscal_quarter']}",
            "project_m": ours / 1e6, "edgartools_m": theirs / 1e6,
            "filing_m": None if filing is None else filing / 1e6, "filing_rule": how,
            "matches": _verdict(ours, theirs, filing),
        })  # fmt: skip
    ours_quarters = {(r["cik"], str(r["period_end"])) for r in latest.iter_rows(named=True)}
    ours_keys = {
        (r["cik"], r["concept"], str(r["period_end"])) for r in latest.iter_rows(named=True)
    }
    extra = [k for k in edgar if k not in ours_keys]
    other_concept = sum((cik, end) in ours_quarters for cik, _, end in extra)
    only_project = sum(
        (r["cik"], r["concept"], str(r["period_end"])) not in edgar
        for r in latest.iter_rows(named=True)
    )
    return {"project_quarters": latest.height, "edgartools_quarters": len(edgar),
            "compared": compared, "only_project": only_project,
            "only_edgartools": len(edgar) - compared,
            "only_edgartools_quarter_given_by_project_with_other_concept": other_concept,
            "disagreements": rows}  # fmt: skip


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= TOLERANCE * max(abs(a), abs(b), 1.0)


def _verdict(ours: float, theirs: float, filing: float | None) -> str:
    if filing is None:
        return "undetermined"
    if _close(ours, filing) and _close(theirs, filing):
        return "both"
    if _close(ours, filing):
        return "project"
    if _close(theirs, filing):
        return "edgartools"
    return "neither"


def _filing_figure(facts, row: dict) -> tuple[float | None, str]:  # type: ignore[no-untyped-def]
    import datetime as dt

    import polars as pl

    same = facts.filter(
        (pl.col("cik") == row["cik"]) & (pl.col("concept") == row["concept"])
        & (pl.col("unit") == row["unit"]) & pl.col("start").is_not_null()
    )  # fmt: skip
    start, end = row["period_start"], row["period_end"]
    discrete = same.filter(
        (pl.col("end") == end) & ((pl.col("start") - pl.lit(start)).dt.total_days().abs() <= 7)
    ).sort("filed", "accn")
    if discrete.height:
        return float(discrete["val"][-1]), "three-month fact, latest filed"
    longer = same.filter((pl.col("end") == end) & (pl.col("accn") == row["accn"]))
    longer = longer.filter((pl.col("end") - pl.col("start")).dt.total_days() > 98).sort("start")
    if longer.is_empty():
        return None, "no leg found"
    leg = longer.row(0, named=True)
    shorter = same.filter(
        (pl.col("start") == leg["start"]) & (pl.col("end") == start - dt.timedelta(days=1))
        & (pl.col("filed") <= leg["filed"])
    ).sort("filed", "accn")  # fmt: skip
    if shorter.is_empty():
        return None, "shorter leg not public on the longer leg's filing date"
    value = float(leg["val"]) - float(shorter["val"][-1])
    return value, "longer leg in the row's filing minus shorter leg as of that date"


WORKERS = {
    "project": work_project,
    "project_core": work_project_core,
    "edgartools": work_edgartools,
    "pandas": work_pandas,
}


def _worker(name: str, target: Path) -> None:
    result = work_compare(target) if name == "compare" else WORKERS[name](target)
    result["peak_rss_mb"] = _rss_mb()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result["cpu_s"] = usage.ru_utime + usage.ru_stime  # every thread of the process
    print(json.dumps(result, default=str))


# --------------------------------------------------------------------------------- main
def _run(name: str, target: Path) -> dict:
    python = BENCH_PYTHON if name in ("edgartools", "compare") else Path(sys.executable)
    if not python.exists():
        return {"error": f"{python} missing: run `make bench-sec-bulk` (installs group bench)"}
    print(f"running {name} on {target.name} ...", file=sys.stderr)
    proc = subprocess.run(
        [str(python), __file__, "--worker", name, "--target", str(target)],
        capture_output=True, text=True, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _machine() -> dict:
    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    keep = ("Model name", "CPU(s)", "Thread(s) per core", "CPU max MHz", "L3 cache")
    cpu = {k.strip(): v.strip() for k, _, v in (ln.partition(":") for ln in lscpu.splitlines())}
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    mem_kb = next(int(ln.split()[1]) for ln in meminfo if ln.startswith("MemTotal"))
    return {**{k: cpu[k] for k in keep if k in cpu}, "MemTotal_GiB": round(mem_kb / 2**20, 1),
            "python": platform.python_version()}  # fmt: skip


def main() -> None:
    from pipelines.sec.config import real_files_dir

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--filers", type=int, default=10_000, help="0: skip the large run")
    parser.add_argument("--slow-filers", type=int, default=300)
    parser.add_argument("--real", type=Path, default=real_files_dir())
    parser.add_argument("--only", help="comma-separated implementations (default: all)")
    parser.add_argument("--results", type=Path, help="also write the results here (JSON)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--target", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _worker(args.worker, args.target)
        return
    small = _archive(args.real, args.slow_filers)
    names = args.only.split(",") if args.only else list(WORKERS)
    runs = {f"{name} ({args.slow_filers} filers)": _run(name, small) for name in names}
    if args.filers and "project" in names:  # --filers 0: skip the large archive
        runs[f"project ({args.filers} filers)"] = _run("project", _archive(args.real, args.filers))
    comparison = _run("compare", args.real)
    print(
        "\n| implementation | facts | quarters | wall s | facts/s | CPU s | facts/CPU s "
        f"| peak RSS MB |\n|{'---|' * 8}"
    )
    for label, r in runs.items():
        if "error" in r:
            print(f"| {label} | error: {r['error']} | | | | |")
            continue
        rate, cpu_rate = r["facts"] / r["seconds"], r["facts"] / r["cpu_s"]
        print(f"| {label} | {r['facts']:,} | {r['quarters']:,} | {r['seconds']:.1f} | "
              f"{rate:,.0f} | {r['cpu_s']:.1f} | {cpu_rate:,.0f} | "
              f"{r['peak_rss_mb']:,.0f} |")  # fmt: skip
    if "error" not in comparison:
        print(
            f"\nreal files: project {comparison['project_quarters']} quarters, edgartools "
            f"{comparison['edgartools_quarters']}, compared {comparison['compared']}, "
            f"disagreements > 0.5 %: {len(comparison['disagreements'])}"
        )
        for d in comparison["disagreements"]:
            print(f"  {d}")
    else:
        print(f"comparison: {comparison['error']}")
    results = {"machine": _machine(), "runs": runs, "comparison": comparison}
    if args.results:
        args.results.write_text(json.dumps(results, indent=1, default=str))
    print(json.dumps(results["machine"]), f"load average {os.getloadavg()}")


if __name__ == "__main__":
    main()

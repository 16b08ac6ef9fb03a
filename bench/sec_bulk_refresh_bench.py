"""Refresh time with and without the SEC store of 10,000 filers beside the warehouse.

    python bench/sec_bulk_refresh_bench.py --store /tmp/secbulk/store10k/sec_bulk.duckdb \
        [--runs 5] [--naive]

Times (median of ``--runs``, after one warm-up run, in one process so imports are not
counted) the refresh the raw-file sensor starts when one curated file changes: ``raw/financials``
and everything downstream of it (``pipelines.automation``), on

* ``small``: today's warehouse, built from the shipped raw files (no SEC data);
* ``store``: the same warehouse beside a store already built from the 10,000-filer archive
  (``python -m pipelines.sec.bulk``), with the ``sec.bulk_*`` views ``sec/bulk`` creates over
  it (``expose_views``): what the warehouse holds once bulk mode has run. ``sec/bulk`` itself is
  not downstream of any raw file, so the triggered refresh does not run it (a full refresh
  would, and would keep the store when the archive is unchanged: tests/test_sec_store.py);
* ``naive`` (``--naive``): what the design avoids: the store's facts copied into the warehouse
  as a table, so every refresh copies (and ``snapshot_tables`` hashes) them.

The store and warehouses are used in a temporary folder; the store file is only read.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

TRIGGER = "raw/financials"


def _downstream(key: str) -> list[str]:
    import dagster as dg

    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    selection = dg.AssetSelection.assets(dg.AssetKey.from_user_string(key)).downstream()
    return sorted(k.to_user_string() for k in selection.resolve(graph))


def _time(selection: list[str] | None, runs: int) -> list[float]:
    from pipelines.refresh import failure_messages, run_refresh

    times = []
    for i in range(runs + 1):
        t0 = time.perf_counter()
        result = run_refresh(selection, log_level="ERROR")
        elapsed = time.perf_counter() - t0
        if not result.success:
            raise SystemExit(f"refresh failed: {failure_messages(result)}")
        if i:  # the first run is a warm-up
            times.append(elapsed)
    return times


def _case(
    name: str, root: Path, runs: int, views_of: Path | None = None, naive_store: Path | None = None
) -> dict:
    import duckdb

    from pipelines import settings
    from pipelines.sec.store import expose_views

    folder = root / name
    raw = folder / "raw"
    shutil.copytree(REPO / "raw", raw, ignore=shutil.ignore_patterns("sec"))
    warehouse = folder / "warehouse.duckdb"
    saved = dict(os.environ)
    os.environ.update({settings.RAW_DIR_ENV: str(raw), settings.WAREHOUSE_ENV: str(warehouse)})
    os.environ.pop("DAGSTER_HOME", None)
    try:
        _time(None, 0)  # build the warehouse
        if views_of is not None:  # what sec/bulk leaves in the warehouse: views on the store
            with duckdb.connect(str(warehouse)) as con:
                expose_views(con, views_of)
        if naive_store is not None:
            with duckdb.connect(str(warehouse)) as con:
                con.execute(f"ATTACH '{naive_store}' AS s (READ_ONLY)")
                con.execute("CREATE TABLE sec.bulk_facts_inline AS SELECT * FROM s.main.facts")
        selection = _downstream(TRIGGER)
        triggered = _time(selection, runs)
        full = _time(None, max(1, runs // 2))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return {
        "case": name,
        "triggered_s": statistics.median(triggered),
        "triggered_runs": triggered,
        "full_s": statistics.median(full),
        "warehouse_mb": warehouse.stat().st_size / 1e6,
        "selection": len(selection),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, required=True, help="a built SEC store")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--naive", action="store_true", help="also time facts inside the warehouse")
    args = parser.parse_args()
    for name in [n for n in os.environ if n.startswith("SEC_")]:
        os.environ.pop(name)
    with tempfile.TemporaryDirectory(prefix="sec-bulk-refresh-") as tmp:
        root = Path(tmp)
        cases = [_case("small", root, args.runs), _case("store", root, args.runs, args.store)]
        if args.naive:
            cases.append(_case("naive", root, args.runs, naive_store=args.store))
    store_mb = args.store.stat().st_size / 1e6
    print(f"SEC store {args.store}: {store_mb:,.0f} MB; load average {os.getloadavg()}")
    print("| case | warehouse MB | triggered refresh s (median) | full refresh s | ratio |")
    print("| --- | --- | --- | --- | --- |")
    base = cases[0]["triggered_s"]
    for c in cases:
        print(
            f"| {c['case']} | {c['warehouse_mb']:,.1f} | {c['triggered_s']:.2f} | "
            f"{c['full_s']:.2f} | {c['triggered_s'] / base:.2f} |"
        )
    print(f"triggered = {TRIGGER} and its {cases[0]['selection'] - 1} downstream assets")


if __name__ == "__main__":
    main()

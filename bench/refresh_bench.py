"""Benchmark: full refresh vs the import floor, and a typical CLI query.

    .venv/bin/python bench/refresh_bench.py [--runs 5] [--recorded]

Each measurement is the wall time of a fresh process, taken ``--runs`` times (interleaved,
after one warm-up round that is not counted), and the medians are printed:

- refresh: ``python -m pipelines.refresh`` — a full refresh of the shipped raw files in one
  process, exactly what ``make refresh`` runs (ephemeral Dagster instance), into the same
  warehouse each time: the charts asset reuses a PNG whose data and drawing code did not
  change (``pipelines.reports.assets``), as it does on a real repeated refresh;
- refresh, charts redrawn: the same, after deleting the charts' render cache, so all three
  charts are drawn (matplotlib imported): what a refresh costs when the charted data changed;
- floor: ``python -c "import dagster, duckdb, polars, pandera.polars"`` — just importing the
  libraries the refresh uses, the least any refresh process can cost;
- query: ``python -m pipelines.cli query --format csv "<typical query>"`` — the ``ledger``
  CLI on the refreshed warehouse.

``--recorded`` also times ``python -m pipelines.refresh --record``: the same refresh with a
persistent SQLite Dagster instance (a throw-away ``DAGSTER_HOME`` with the repository's
``dagster.yaml``), to show what recording the run costs.

The warehouse is built in a temporary folder: ``data/`` is never touched. Nothing here is a
timed test: the numbers depend on the machine and its load, which the script prints.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# = pipelines.reports.assets.CACHE_DIR_NAME (not imported: this script loads no Dagster)
CACHE_DIR_NAME = ".render-cache"
FLOOR_IMPORTS = "import dagster, duckdb, polars, pandera.polars"
TYPICAL_QUERY = (
    "SELECT c.group_name, f.ticker, f.fiscal_year, count(*) AS quarters, "
    "sum(f.value) AS revenue_usd_m "
    "FROM raw.financials AS f JOIN raw.companies AS c USING (ticker) "
    "WHERE f.metric = 'revenue' AND f.basis = 'discrete' AND f.value_kind = 'actual' "
    "GROUP BY ALL ORDER BY ALL"
)


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or "unknown"
    ram = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return {
        "cpus (nproc)": str(os.cpu_count()),
        "cpu model": cpu,
        "ram": ram,
        "python": platform.python_version(),
        "os": platform.platform(),
        "load average at start": load,
    }


def timed(command: list[str], env: dict[str, str], before: Path | None = None) -> float:
    if before is not None:
        shutil.rmtree(before, ignore_errors=True)  # not timed
    started = time.perf_counter()
    proc = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
        raise SystemExit(f"benchmark command failed ({proc.returncode}): {' '.join(command)}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="measured runs of each (default 5)")
    parser.add_argument(
        "--recorded", action="store_true", help="also time a refresh recorded in DAGSTER_HOME"
    )
    args = parser.parse_args(argv)

    py = sys.executable
    with tempfile.TemporaryDirectory(prefix="ledger-bench-") as tmp:
        env = dict(os.environ)
        env.pop("DAGSTER_HOME", None)
        env.pop("SEC_USER_AGENT", None)  # the SEC connector stays off: shipped data only
        env["LEDGER_WAREHOUSE"] = str(Path(tmp) / "warehouse.duckdb")
        env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
        recorded_env = dict(env)
        home = Path(tmp) / "dagster_home"
        home.mkdir()
        shutil.copyfile(REPO / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
        recorded_env["DAGSTER_HOME"] = str(home)

        # The charts of a LEDGER_WAREHOUSE warehouse go to reports/ next to it.
        render_cache = Path(tmp) / "reports" / CACHE_DIR_NAME
        commands: dict[str, tuple[list[str], dict[str, str], Path | None]] = {
            "floor": ([py, "-c", FLOOR_IMPORTS], env, None),
            "refresh": ([py, "-m", "pipelines.refresh"], env, None),
            "refresh, charts redrawn": ([py, "-m", "pipelines.refresh"], env, render_cache),
            "query": (
                [py, "-m", "pipelines.cli", "query", "--format", "csv", TYPICAL_QUERY],
                env,
                None,
            ),
        }
        if args.recorded:
            commands["refresh --record"] = (
                [py, "-m", "pipelines.refresh", "--record"],
                recorded_env,
                None,
            )

        info = machine()
        for key, value in info.items():
            print(f"{key:<22} {value}")
        print(f"{'runs':<22} {args.runs} (+1 warm-up)\n")

        times: dict[str, list[float]] = {name: [] for name in commands}
        for round_ in range(args.runs + 1):
            for name, (command, command_env, before) in commands.items():
                elapsed = timed(command, command_env, before)
                if round_:  # round 0 warms caches (and builds the warehouse for the query)
                    times[name].append(elapsed)
            if round_:
                line = "  ".join(f"{n} {times[n][-1]:.2f}s" for n in commands)
                print(f"run {round_}: {line}", flush=True)

    medians = {name: statistics.median(values) for name, values in times.items()}
    print("\nmedian wall time (fresh process each)")
    for name, value in medians.items():
        spread = f"min {min(times[name]):.2f} s, max {max(times[name]):.2f} s"
        print(f"  {name:<24} {value:6.2f} s   ({spread})")
    ratio = medians["refresh"] / medians["floor"]
    print(f"\nrefresh / floor = {ratio:.2f}  (target < 3)")
    redrawn = medians["refresh, charts redrawn"] / medians["floor"]
    print(f"refresh, charts redrawn / floor = {redrawn:.2f}")
    if "refresh --record" in medians:
        print(f"refresh --record / floor = {medians['refresh --record'] / medians['floor']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

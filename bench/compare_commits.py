"""Benchmark two commits in one run, in turn: test-suite wall time, refresh wall time and the
import floor, each in a fresh clone of its commit with its own locked environment.

    python3 bench/compare_commits.py [--old 675523c] [--new HEAD] [--refresh-runs 5]
        [--test-runs 1] [--keep DIR]

For each commit: ``git clone`` of this repository into a temporary folder (``../shared``
beside it is linked when this checkout has one, as CI has it), ``make install``, one warm-up
refresh; then, alternating old / new so both see the same machine load: ``make refresh``
(``python -m pipelines.refresh``: a full refresh of the shipped raw files) ``--refresh-runs``
times, the import floor (``python -c "import dagster, duckdb, polars, pandera.polars"``) as
often, and the test suite (``make test``: each commit's own command) ``--test-runs`` times.
Prints every run and the medians, with the machine. Nothing of this checkout is touched.
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
FLOOR = "import dagster, duckdb, polars, pandera.polars"


def sh(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    """Wall time of ``cmd``; raises with its output when it fails."""
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    took = time.perf_counter() - start
    if done.returncode != 0:
        tail = (done.stdout + done.stderr)[-3000:]
        raise SystemExit(f"{' '.join(cmd)} failed in {cwd} ({done.returncode}):\n{tail}")
    return took


def suite(cwd: Path, env: dict[str, str]) -> tuple[float, str]:
    """Wall time of ``make test`` and pytest's summary line. A failed test does not stop the
    benchmark (the time is still the suite's); the summary says how many failed."""
    start = time.perf_counter()
    done = subprocess.run(["make", "test"], cwd=cwd, env=env, capture_output=True, text=True)
    took = time.perf_counter() - start
    lines = [x for x in done.stdout.splitlines() if " passed" in x or " failed" in x]
    return took, (lines[-1].strip("= ") if lines else f"exit {done.returncode}")


def clone(commit: str, root: Path, name: str) -> Path:
    path = root / name / "main"
    path.parent.mkdir(parents=True)
    subprocess.run(["git", "clone", "-q", str(REPO), str(path)], check=True)
    subprocess.run(["git", "-C", str(path), "checkout", "-q", commit], check=True)
    shared = REPO.parent / "shared"
    if shared.is_dir():
        (path.parent / "shared").symlink_to(shared)
    sh(["make", "install"], path)
    return path


def machine() -> list[tuple[str, str]]:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = Path("/proc/meminfo").read_text().split()[1]
    return [
        ("cpus (nproc)", str(os.cpu_count())),
        ("cpu model", cpu),
        ("ram", f"{int(mem) / 1024 / 1024:.1f} GiB"),
        ("python", platform.python_version()),
        ("load average at start", " ".join(f"{x:.2f}" for x in os.getloadavg())),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--old", default="675523c")
    parser.add_argument("--new", default="HEAD")
    parser.add_argument("--refresh-runs", type=int, default=5)
    parser.add_argument("--test-runs", type=int, default=1)
    parser.add_argument("--keep", help="build the clones here and keep them")
    args = parser.parse_args(argv)
    commits = {
        label: subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", ref],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        for label, ref in (("old", args.old), ("new", args.new))
    }
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-commits-"))
    for key, value in machine():
        print(f"{key:<24}{value}")
    print(f"{'old':<24}{commits['old']}\n{'new':<24}{commits['new']}")
    try:
        clones = {label: clone(commit, root, label) for label, commit in commits.items()}
        python = {label: str(path / ".venv" / "bin" / "python") for label, path in clones.items()}
        env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
        for label, path in clones.items():  # warm-up: the first refresh builds the warehouse
            sh([python[label], "-m", "pipelines.refresh"], path, env)
        times: dict[tuple[str, str], list[float]] = {}
        for run in range(max(args.refresh_runs, args.test_runs)):
            line = [f"run {run + 1}:"]
            for label, path in clones.items():
                if run < args.refresh_runs:
                    floor = sh([python[label], "-c", FLOOR], path, env)
                    refresh = sh([python[label], "-m", "pipelines.refresh"], path, env)
                    times.setdefault((label, "floor"), []).append(floor)
                    times.setdefault((label, "refresh"), []).append(refresh)
                    line.append(f"{label} floor {floor:.2f}s refresh {refresh:.2f}s")
                if run < args.test_runs:
                    tests, summary = suite(path, env)  # each commit's own test command
                    times.setdefault((label, "tests"), []).append(tests)
                    line.append(f"{label} tests {tests:.0f}s ({summary})")
            print("  ".join(line), flush=True)
        print("\nmedian wall time (s)      old        new     new/old")
        for what in ("tests", "refresh", "floor"):
            if (("old", what) in times) and (("new", what) in times):
                old = statistics.median(times[("old", what)])
                new = statistics.median(times[("new", what)])
                print(f"  {what:<20}{old:>9.2f}  {new:>9.2f}  {new / old:>9.2f}")
        for label in clones:
            if (label, "refresh") in times:
                ratio = statistics.median(times[(label, "refresh")]) / statistics.median(
                    times[(label, "floor")]
                )
                print(f"  refresh / floor, {label}: {ratio:.1f}x")
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

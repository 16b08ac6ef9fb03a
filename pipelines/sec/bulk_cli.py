"""The command line of SEC bulk mode: ``python -m pipelines.sec.bulk`` (which imports this
module when run) ingests an archive or folder into the store (:func:`pipelines.sec.bulk.ingest`)
or lists the live store's quarantined members.

    python -m pipelines.sec.bulk companyfacts.zip              # every filer
    python -m pipelines.sec.bulk companyfacts.zip --ciks 1045810,1652044
    python -m pipelines.sec.bulk ./folder --store /tmp/sec_bulk.duckdb --quarantine

Everything printed from the archive (member names, reasons) is escaped: no raw control
character reaches the terminal.
"""

from __future__ import annotations

import argparse
import json
import sys
import zipfile
from pathlib import Path

from pipelines.cli_format import escape_controls
from pipelines.sec import bulk
from pipelines.sec import store as sec_store
from pipelines.sec.bulk_config import load_bulk_settings
from pipelines.sec.config import SecConfigError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.sec.bulk",
        description="Ingest an SEC companyfacts.zip (or a folder of CIK##########.json files) "
        "into the SEC store, a DuckDB file swapped in atomically. Settings not given here come "
        "from the SEC_BULK_* environment variables (pipelines/sec/bulk_config.py).",
    )
    parser.add_argument(
        "source", nargs="?", type=Path, help="archive or folder (default $SEC_BULK_SOURCE)"
    )
    parser.add_argument(
        "--store",
        type=Path,
        help="store file (default $SEC_BULK_STORE, else sec_bulk.duckdb beside the warehouse)",
    )
    parser.add_argument("--ciks", help="comma-separated CIKs to ingest (default: all)")
    parser.add_argument("--tickers", help="comma-separated tickers to ingest")
    parser.add_argument("--chunk", type=int, help="members per chunk (default 100)")
    parser.add_argument("--force", action="store_true", help="ingest even if unchanged")
    parser.add_argument(
        "--quarantine",
        action="store_true",
        help="only list the quarantined members of the live store",
    )
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    return parser


def main(argv: list[str] | None = None) -> int:
    import os

    args = build_parser().parse_args(argv)
    env = dict(os.environ)
    for name, value in (
        ("SEC_BULK_STORE", args.store),
        ("SEC_BULK_CIKS", args.ciks),
        ("SEC_BULK_TICKERS", args.tickers),
        ("SEC_BULK_CHUNK", args.chunk),
    ):
        if value is not None:
            env[name] = str(value)
    try:
        config = load_bulk_settings(env)
        if args.quarantine:
            for row in bulk.quarantine_rows(config.store):  # member names come from the archive
                print("\t".join("" if v is None else escape_controls(str(v)) for v in row))
            return 0
        result = bulk.ingest(
            config,
            args.source,
            force=args.force,
            log=lambda m: print(escape_controls(m, "\n"), file=sys.stderr),
        )
    except (SecConfigError, sec_store.StoreBusyError, OSError, zipfile.BadZipFile) as error:
        print(escape_controls(f"error: {error}", "\n"), file=sys.stderr)
        return 2
    summary = {
        "store": str(result.store),
        "unchanged": result.unchanged,
        "members": len(result.outcomes),
        "ingested": result.ingested,
        "quarantined": len(result.quarantined),
        "skipped": result.skipped,
        "facts": result.facts,
        "quarters": result.quarters,
        "seconds": round(result.seconds, 2),
        "peak_rss_mb": round(result.peak_rss_mb),
        "quarantine": [[o.member, o.stage, o.reason] for o in result.quarantined],
    }
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        for key, value in summary.items():
            if key != "quarantine":
                print(escape_controls(f"{key}: {value}"))
        for member, stage, reason in summary["quarantine"]:  # type: ignore[misc]
            print(escape_controls(f"quarantined {member} [{stage}]: {reason}"))
    return 0

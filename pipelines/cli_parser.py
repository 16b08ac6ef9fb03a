"""The argument parser of ``ledger`` (``pipelines.cli``): its commands, options and defaults.

Standard library only (and the warehouse defaults of ``pipelines.settings`` and
``pipelines.warehouse.readonly``), like ``pipelines.cli``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pipelines import settings
from pipelines.warehouse import readonly

DEFAULT_WAIT_S = 10.0
DEFAULT_TIMEOUT_S = 60.0
DEFAULT_MAX_ROWS = 1_000_000
DEFAULT_MAX_BYTES = 200_000_000


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--warehouse",
        type=Path,
        default=None,
        help=f"warehouse file (default ${settings.WAREHOUSE_ENV} or data/warehouse.duckdb)",
    )
    common.add_argument(
        "--wait",
        type=float,
        default=DEFAULT_WAIT_S,
        metavar="S",
        help="seconds to retry while another process holds the file for writing "
        f"(default {DEFAULT_WAIT_S:g})",
    )
    common.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_S,
        metavar="S",
        help=f"stop the command after S seconds (default {DEFAULT_TIMEOUT_S:g}; 0: no limit)",
    )
    common.add_argument(
        "--max-memory",
        default=readonly.DEFAULT_MEMORY_LIMIT,
        metavar="SIZE",
        help=f"DuckDB's memory limit, e.g. 512MB (default {readonly.DEFAULT_MEMORY_LIMIT})",
    )
    output = argparse.ArgumentParser(add_help=False)
    output.add_argument("--format", choices=("table", "csv", "json"), default="table")
    output.add_argument(
        "--max-width", type=int, default=60, metavar="N", help="cut table cells to N characters"
    )

    parser = argparse.ArgumentParser(
        prog="ledger",
        description="Query the AI-compute ledger warehouse (read-only), or refresh it.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    query = sub.add_parser(
        "query", parents=[common, output], help="run SQL read-only and print the result"
    )
    query.add_argument("sql", help='SQL, e.g. "SELECT * FROM raw.companies"; "-" reads stdin')
    query.add_argument(
        "--max-rows",
        type=int,
        default=DEFAULT_MAX_ROWS,
        metavar="N",
        help=f"fetch at most N rows of a result (default {DEFAULT_MAX_ROWS:,})",
    )
    query.add_argument(
        "--max-bytes",
        type=int,
        default=DEFAULT_MAX_BYTES,
        metavar="N",
        help=f"fetch at most N bytes of a result (default {DEFAULT_MAX_BYTES:,})",
    )
    sub.add_parser(
        "tables", parents=[common, output], help="every table and view: rows and description"
    )
    desc = sub.add_parser(
        "describe", parents=[common, output], help="columns of a table: types and descriptions"
    )
    desc.add_argument("table", help="schema.table, or a table name that is unique")
    recover = sub.add_parser(
        "recover",
        help="put back the last good warehouse (<warehouse>.previous) if the live one is damaged",
    )
    recover.add_argument(
        "--warehouse", type=Path, default=None, help="warehouse file (default as for query)"
    )
    recover.add_argument(
        "--force", action="store_true", help="recover even if the live file opens fine"
    )
    refresh = sub.add_parser(
        "refresh",
        help="rebuild the warehouse in this process (same as make refresh)",
        add_help=False,
    )
    refresh.add_argument("args", nargs=argparse.REMAINDER)
    return parser

"""Paths and environment settings. Nothing here touches the warehouse."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SQL_DIR = REPO_ROOT / "sql"

#: Environment variable that overrides the warehouse file.
WAREHOUSE_ENV = "LEDGER_WAREHOUSE"
#: Environment variable that overrides the folder of raw CSV files.
RAW_DIR_ENV = "LEDGER_RAW_DIR"

DEFAULT_WAREHOUSE = REPO_ROOT / "data" / "warehouse.duckdb"
DEFAULT_RAW_DIR = REPO_ROOT / "raw"


def warehouse_path() -> Path:
    """The live warehouse file (``data/warehouse.duckdb`` unless ``LEDGER_WAREHOUSE`` is set)."""
    return Path(os.environ.get(WAREHOUSE_ENV) or DEFAULT_WAREHOUSE).resolve()


def raw_dir() -> Path:
    """The folder holding the raw CSV files (``raw/`` unless ``LEDGER_RAW_DIR`` is set)."""
    return Path(os.environ.get(RAW_DIR_ENV) or DEFAULT_RAW_DIR).resolve()


def read_sql(relative: str) -> str:
    """Text of a file under ``sql/``, e.g. ``read_sql("marts/capex_quarterly.sql")``."""
    return (SQL_DIR / relative).read_text(encoding="utf-8")

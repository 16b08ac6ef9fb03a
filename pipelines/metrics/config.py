"""``staging.metrics_config``: the metrics domain's configuration as a table the SQL reads.

``pipelines/metrics/config.toml`` (or the file ``$LEDGER_METRICS_CONFIG`` names) becomes one
row per configured value: ``section`` (the TOML table), ``key``, ``position`` (1-based place in
the key's list; a single name is 1) and ``value``. The SQL models resolve the names against
the data (``sql/metrics/supplier_capture.sql``); a malformed file fails the build with its
path and key.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import duckdb
import polars as pl

CONFIG_ENV = "LEDGER_METRICS_CONFIG"
DEFAULT_CONFIG = Path(__file__).with_name("config.toml")
#: Keys each section must have: a name or a non-empty list of names.
REQUIRED = {"supplier_capture": ("supplier_group", "spender_groups", "supplier_metrics")}


class ConfigError(ValueError):
    """The configuration file is malformed."""


def config_path() -> Path:
    return Path(os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG)


def config_rows(path: Path) -> list[dict[str, object]]:
    """The rows of ``staging.metrics_config`` from the TOML file at ``path``."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: cannot read the metrics configuration: {error}") from error
    rows: list[dict[str, object]] = []
    for section, keys in REQUIRED.items():
        table = data.get(section)
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: no [{section}] table")
        for key in keys:
            value = table.get(key)
            values = [value] if isinstance(value, str) else value
            if (
                not isinstance(values, list)
                or not values
                or not all(isinstance(v, str) and v.strip() for v in values)
            ):
                raise ConfigError(
                    f"{path}: [{section}] {key} = {value!r}: expected a name or a non-empty "
                    "list of names"
                )
            rows += [
                {"section": section, "key": key, "position": i, "value": v}
                for i, v in enumerate(values, start=1)
            ]
    return rows


def build(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The Python model of ``staging.metrics_config``."""
    schema = {"section": pl.Utf8, "key": pl.Utf8, "position": pl.Int64, "value": pl.Utf8}
    return pl.DataFrame(config_rows(config_path()), schema=schema)

"""The metrics domain's configuration (``pipelines/metrics/config.toml``)."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

CONFIG_ENV = "LEDGER_METRICS_CONFIG"
DEFAULT_CONFIG = Path(__file__).with_name("config.toml")


class ConfigError(ValueError):
    """The configuration file is malformed or names something that does not exist."""


@dataclass(frozen=True)
class SupplierCapture:
    supplier_group: str
    spender_groups: tuple[str, ...]
    supplier_metrics: tuple[str, ...]


def config_path() -> Path:
    return Path(os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG)


def supplier_capture_config(path: Path | None = None) -> SupplierCapture:
    """The ``[supplier_capture]`` table; a clear error naming the file and key otherwise."""
    path = path or config_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: cannot read the metrics configuration: {error}") from error
    table = data.get("supplier_capture")
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: no [supplier_capture] table")

    def text(key: str) -> str:
        value = table.get(key)
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{path}: [supplier_capture] {key} = {value!r}: expected a name")
        return value

    def names(key: str) -> tuple[str, ...]:
        value = table.get(key)
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise ConfigError(
                f"{path}: [supplier_capture] {key} = {value!r}: expected a non-empty list of names"
            )
        return tuple(value)

    return SupplierCapture(
        text("supplier_group"), names("spender_groups"), names("supplier_metrics")
    )


def check_groups(config: SupplierCapture, known: Iterable[str], path: Path | None = None) -> None:
    """Raises :class:`ConfigError` when a configured group is not a group of raw.groups."""
    known_set = set(known)
    unknown = [
        (key, name)
        for key, names in (
            ("supplier_group", (config.supplier_group,)),
            ("spender_groups", config.spender_groups),
        )
        for name in names
        if name not in known_set
    ]
    if unknown:
        where = path or config_path()
        listed = ", ".join(f"{key} = {name!r}" for key, name in unknown)
        raise ConfigError(
            f"{where}: [supplier_capture] {listed}: not a group of raw.groups "
            f"(groups: {', '.join(sorted(known_set)) or 'none'})"
        )

"""The metrics domain's configuration (``pipelines/metrics/config.toml``)."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

CONFIG_ENV = "LEDGER_METRICS_CONFIG"
DEFAULT_CONFIG = Path(__file__).with_name("config.toml")


class ConfigError(ValueError):
    """The configuration file is malformed or names nothing that exists."""


@dataclass(frozen=True)
class SupplierCapture:
    """``supplier_group``: candidate groups, the first defined one is used;
    ``spender_groups``: every defined one is used; ``skipped``: configured, not defined."""

    supplier_group: str
    spender_groups: tuple[str, ...]
    supplier_metrics: tuple[str, ...]
    supplier_candidates: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()


def config_path() -> Path:
    return Path(os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG)


def supplier_capture_config(path: Path | None = None) -> SupplierCapture:
    """The ``[supplier_capture]`` table as written (groups not yet resolved against
    raw.groups: see :func:`resolve_groups`); a clear error naming the file and key otherwise."""
    path = path or config_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: cannot read the metrics configuration: {error}") from error
    table = data.get("supplier_capture")
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: no [supplier_capture] table")

    def names(key: str) -> tuple[str, ...]:
        value = table.get(key)
        if isinstance(value, str):
            value = [value]
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(v, str) and v.strip() for v in value)
        ):
            raise ConfigError(
                f"{path}: [supplier_capture] {key} = {value!r}: expected a name or a "
                "non-empty list of names"
            )
        return tuple(value)

    candidates = names("supplier_group")
    return SupplierCapture(
        supplier_group=candidates[0],
        spender_groups=names("spender_groups"),
        supplier_metrics=names("supplier_metrics"),
        supplier_candidates=candidates,
    )


def resolve_groups(
    config: SupplierCapture, known: Iterable[str], path: Path | None = None
) -> SupplierCapture:
    """The configuration against the groups raw.groups defines: the first defined supplier
    candidate; the defined spender groups (the others in ``skipped``). Raises
    :class:`ConfigError` when no supplier candidate or no spender group is defined."""
    known_set = set(known)
    where = path or config_path()
    groups = ", ".join(sorted(known_set)) or "none"
    candidates = config.supplier_candidates or (config.supplier_group,)
    supplier = next((g for g in candidates if g in known_set), None)
    if supplier is None:
        raise ConfigError(
            f"{where}: [supplier_capture] supplier_group = {list(candidates)!r}: none is a "
            f"group of raw.groups (groups: {groups})"
        )
    spenders = tuple(g for g in config.spender_groups if g in known_set)
    if not spenders:
        raise ConfigError(
            f"{where}: [supplier_capture] spender_groups = {list(config.spender_groups)!r}: "
            f"none is a group of raw.groups (groups: {groups})"
        )
    skipped = tuple(g for g in (*candidates, *config.spender_groups) if g not in known_set)
    return replace(config, supplier_group=supplier, spender_groups=spenders, skipped=skipped)

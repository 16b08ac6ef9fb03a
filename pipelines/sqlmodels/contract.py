"""Contracts: one YAML file per computed table, beside its SQL (``sql/<schema>/<table>.yml``).

A contract names the table and describes it, lists its columns (type, description, and the
rules the data must keep: ``nullable``, ``accepted_values``, ``regex``, ``min``/``max``,
``unique``), its ``unique_key`` and ``order_by``, and data ``tests`` (SQL returning the
offending rows). ``point_in_time: true`` says the SQL computes every vintage of the table (a
first column ``as_of``: the date the figures were known on, ``9999-12-31`` for everything
known today): the whole result goes to ``as_of.<table>``, today's slice to the table itself.
``python: module:function`` instead of a SQL file: the function (a connection in, a frame
out) computes the table; the contract still rules it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

TODAY = "9999-12-31"
ASOF_SCHEMA = "as_of"

#: libyaml's safe loader when PyYAML was built with it (ten times faster), else PyYAML's own.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_NAME = re.compile(r"^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$")


class ContractError(ValueError):
    """A contract file that cannot be read, or a table that breaks its contract."""


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str = ""
    nullable: bool = False
    unique: bool = False
    accepted_values: tuple[Any, ...] | None = None
    regex: str | None = None
    min: float | None = None
    max: float | None = None
    greater_than: float | None = None
    less_than: float | None = None


@dataclass(frozen=True)
class DataTest:
    name: str
    sql: str
    description: str = ""
    severity: str = "error"  # error or warn: how a failure is reported
    #: A failed blocking test fails the run (nothing is published); by default an error
    #: blocks and a warning does not.
    blocking: bool = True


@dataclass(frozen=True)
class Contract:
    name: str
    description: str
    columns: tuple[Column, ...]
    path: Path
    unique_key: tuple[str, ...] = ()
    order_by: tuple[str, ...] = ()
    point_in_time: bool = False
    python: str | None = None
    tests: tuple[DataTest, ...] = field(default_factory=tuple)
    group: str | None = None
    #: A Python model's upstream tables (a SQL model's come from its SQL).
    depends_on: tuple[str, ...] = ()

    @property
    def schema(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def table(self) -> str:
        return self.name.split(".", 1)[1]

    @property
    def sql_path(self) -> Path:
        return self.path.with_suffix(".sql")

    @property
    def has_model(self) -> bool:
        """Its SQL file exists, or it names a Python function."""
        return bool(self.python) or self.sql_path.exists()

    def sql(self) -> str | None:
        """The model's SQL text (None for a Python model)."""
        if self.python:
            return None
        return self.sql_path.read_text(encoding="utf-8").strip().rstrip(";")


def _column(raw: dict[str, Any], where: str) -> Column:
    known = {f for f in Column.__dataclass_fields__}
    extra = set(raw) - known
    if extra:
        raise ContractError(f"{where}: unknown key(s) {sorted(extra)}; allowed: {sorted(known)}")
    if not raw.get("name") or not raw.get("type"):
        raise ContractError(f"{where}: every column needs a name and a type")
    values = raw.get("accepted_values")
    return Column(
        name=str(raw["name"]),
        type=str(raw["type"]).upper(),
        description=" ".join(str(raw.get("description") or "").split()),
        nullable=bool(raw.get("nullable", False)),
        unique=bool(raw.get("unique", False)),
        accepted_values=tuple(values) if values is not None else None,
        regex=raw.get("regex"),
        min=raw.get("min"),
        max=raw.get("max"),
        greater_than=raw.get("greater_than"),
        less_than=raw.get("less_than"),
    )


def load_contract(path: Path, *, require_sql: bool = True) -> Contract:
    """One contract file; :class:`ContractError` naming the file and the problem."""
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
    except yaml.YAMLError as error:
        raise ContractError(f"{path}: not valid YAML: {error}") from error
    if not isinstance(raw, dict):
        raise ContractError(f"{path}: expected a mapping at the top")
    name = str(raw.get("name") or "")
    expected = f"{path.parent.name}.{path.stem}"
    if name != expected or not _NAME.match(name):
        raise ContractError(f"{path}: name must be {expected!r} (schema folder . file name)")
    columns = tuple(
        _column(c, f"{path} column {i + 1}") for i, c in enumerate(raw.get("columns") or [])
    )
    if not columns:
        raise ContractError(f"{path}: no columns")
    names = [c.name for c in columns]
    for key in ("unique_key", "order_by"):
        unknown = [c for c in raw.get(key) or [] if c not in names]
        if unknown:
            raise ContractError(f"{path}: {key} names unknown column(s) {unknown}")
    tests = tuple(
        DataTest(
            name=str(t["name"]),
            sql=str(t["sql"]),
            description=" ".join(str(t.get("description") or "").split()),
            severity=str(t.get("severity") or "error"),
            blocking=bool(t.get("blocking", str(t.get("severity") or "error") == "error")),
        )
        for t in raw.get("tests") or []
    )
    contract = Contract(
        name=name,
        description=" ".join(str(raw.get("description") or "").split()),
        columns=columns,
        path=path,
        unique_key=tuple(raw.get("unique_key") or ()),
        order_by=tuple(raw.get("order_by") or raw.get("unique_key") or ()),
        point_in_time=bool(raw.get("point_in_time", False)),
        python=raw.get("python"),
        tests=tests,
        group=raw.get("group"),
        depends_on=tuple(raw.get("depends_on") or ()),
    )
    if contract.depends_on and not contract.python:
        raise ContractError(
            f"{path}: depends_on is for Python models; a SQL model's "
            "dependencies are the tables its SQL names"
        )
    if require_sql and not contract.has_model:
        raise ContractError(f"{path}: no SQL file {contract.sql_path.name} beside it")
    return contract


def table_contract(name: str) -> Contract:
    """The contract of the table ``name`` (``schema.table``) under the project's ``sql/``."""
    from pipelines.settings import SQL_DIR

    schema, table = name.split(".", 1)
    return load_contract(SQL_DIR / schema / f"{table}.yml", require_sql=False)


def load_contracts(sql_dir: Path, *, require_sql: bool = True) -> dict[str, Contract]:
    """Every contract under ``sql_dir`` (``<schema>/<table>.yml``), by table name; with
    ``require_sql=False`` also those whose model is not written yet (``has_model``)."""
    contracts = {}
    for path in sorted(sql_dir.glob("*/*.yml")):
        contract = load_contract(path, require_sql=require_sql)
        contracts[contract.name] = contract
    return contracts


_REFERENCE = re.compile(r"\b([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)\b")


def asof_owners(known: set[str]) -> dict[str, str]:
    """The table each ``as_of.<table>`` belongs to: the model named ``<schema>.<table>``. A raw
    table is never point-in-time, so it never owns one (``raw.capex_guidance`` and
    ``marts.capex_guidance`` share a name: ``as_of.capex_guidance`` is the mart's)."""
    owners: dict[str, str] = {}
    for name in sorted(known):
        schema, table = name.split(".", 1)
        if schema != "raw":
            owners.setdefault(table, name)
    return owners


def references(contract: Contract, known: set[str]) -> list[str]:
    """Tables of ``known`` the model's SQL names (``as_of.x`` counts as the model of ``x``)."""
    text = (contract.sql() if contract.has_model else None) or ""
    text = re.sub(r"--[^\n]*", "", text)
    found: list[str] = []
    by_table = asof_owners(known)
    for schema, table in _REFERENCE.findall(text):
        name = f"{schema}.{table}"
        if schema == ASOF_SCHEMA and table in by_table:
            name = by_table[table]
        if name in known and name != contract.name and name not in found:
            found.append(name)
    found += [n for n in contract.depends_on if n in known and n not in found]
    return found


def build_order(contracts: dict[str, Contract], extra_deps: dict[str, list[str]]) -> list[str]:
    """Model names in dependency order (deps from the SQL text plus ``extra_deps``)."""
    known = set(contracts)
    deps = {
        name: set(references(c, known)) | set(extra_deps.get(name, []))
        for name, c in contracts.items()
    }
    order: list[str] = []
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in done:
            return
        if name in path:
            raise ContractError(f"dependency cycle: {' -> '.join((*path, name))}")
        for dep in sorted(deps.get(name, ())):
            if dep in contracts:
                visit(dep, (*path, name))
        done.add(name)
        order.append(name)

    for name in sorted(contracts):
        visit(name, ())
    return order

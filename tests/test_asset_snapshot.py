"""The asset graph as code defines it: a snapshot, and the metadata every asset must carry
(on its definition, and on each materialization of a real refresh).

``tests/snapshots/asset_specs.json`` holds every asset's key, group, upstream keys, owners,
kinds, tags and check names. Any change to the graph (a new asset, a lost dependency, a
renamed check) fails ``test_asset_specs_match_snapshot`` with a diff. If the change is
intended, regenerate the file and commit it with the change::

    UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/test_asset_snapshot.py
"""

import difflib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest

from pipelines import settings
from pipelines.lineage import column_lineage, lineage_problems, passthrough
from pipelines.metadata import OWNERS

SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_specs.json"
GROUPS = {"raw", "staging", "marts", "metrics", "coverage", "tco", "sec", "reports"}
#: Assets that are not warehouse tables, and why (all others must document their columns).
NOT_TABLES = {
    "reports/charts": "writes PNG files, no table",
    "sec/companyfacts": "lands SEC JSON files on disk, no table",
}
MIN_DESCRIPTION = 60  # characters: a sentence a newcomer can act on


def _graph() -> Any:
    from pipelines.definitions import defs

    return defs.resolve_asset_graph()


def asset_specs() -> dict[str, Any]:
    """The snapshot: one entry per asset, sorted, JSON-ready."""
    graph = _graph()
    assets: dict[str, Any] = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        assets[key.to_user_string()] = {
            "group": node.group_name,
            "deps": sorted(p.to_user_string() for p in node.parent_keys),
            "owners": sorted(node.owners),
            "kinds": sorted(node.kinds),
            "tags": {k: v for k, v in sorted(node.tags.items()) if not k.startswith("dagster/")},
            "checks": sorted(c.name for c in node.check_keys),
        }
    return {
        "summary": {
            "assets": len(assets),
            "edges": sum(len(a["deps"]) for a in assets.values()),
            "checks": sum(len(a["checks"]) for a in assets.values()),
            "groups": {
                g: sum(1 for a in assets.values() if a["group"] == g)
                for g in sorted({a["group"] for a in assets.values()})
            },
        },
        "assets": assets,
    }


def _dump(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def test_asset_specs_match_snapshot() -> None:
    current = _dump(asset_specs())
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
        SNAPSHOT.write_text(current, encoding="utf-8")
        pytest.skip(f"snapshot rewritten: {SNAPSHOT}")
    assert SNAPSHOT.exists(), f"no snapshot yet: run with UPDATE_SNAPSHOTS=1 to create {SNAPSHOT}"
    stored = SNAPSHOT.read_text(encoding="utf-8")
    if stored != current:
        diff = "".join(
            difflib.unified_diff(
                stored.splitlines(keepends=True),
                current.splitlines(keepends=True),
                fromfile="tests/snapshots/asset_specs.json (committed)",
                tofile="asset specs (code)",
            )
        )
        pytest.fail(
            "The asset graph changed. If intended, regenerate with\n"
            "  UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/test_asset_snapshot.py\n"
            f"and commit the file.\n{diff}"
        )


def test_snapshot_summary_counts_are_consistent() -> None:
    """The summary is what the entries add up to (guards hand edits of the file)."""
    stored = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assets = stored["assets"]
    assert stored["summary"]["assets"] == len(assets)
    assert stored["summary"]["edges"] == sum(len(a["deps"]) for a in assets.values())
    assert stored["summary"]["checks"] == sum(len(a["checks"]) for a in assets.values())
    every_dep = {d for a in assets.values() for d in a["deps"]}
    assert every_dep <= set(assets), f"deps on undefined assets: {sorted(every_dep - set(assets))}"


def test_snapshot_regeneration_reports_a_change(tmp_path: Path) -> None:
    """A changed graph gives a non-empty diff (the snapshot test can fail)."""
    specs = asset_specs()
    changed = json.loads(_dump(specs))
    first = next(iter(changed["assets"]))
    changed["assets"][first]["deps"].append("raw/does_not_exist")
    assert _dump(changed) != _dump(specs)


# ------------------------------------------------------------------- metadata rules
def metadata_problems(graph: Any) -> dict[str, list[str]]:
    """Per asset, what it lacks for the UI to explain it and its columns."""
    problems: dict[str, list[str]] = {}
    for key in graph.get_all_asset_keys():
        name = key.to_user_string()
        node = graph.get(key)
        found = []
        if node.group_name not in GROUPS:
            found.append(f"group {node.group_name!r} is not one of {sorted(GROUPS)}")
        if len((node.description or "").strip()) < MIN_DESCRIPTION:
            found.append(f"description shorter than {MIN_DESCRIPTION} characters")
        if not node.kinds:
            found.append("no kinds")
        if sorted(node.owners) != sorted(OWNERS):
            found.append(f"owners {sorted(node.owners)} != {OWNERS}")
        for tag in ("domain", "layer"):
            if not node.tags.get(tag):
                found.append(f"no {tag!r} tag")
        if name not in NOT_TABLES:
            schema = node.metadata.get("dagster/column_schema")
            if not isinstance(schema, dg.TableSchema):
                found.append("no dagster/column_schema")
            else:
                undocumented = [c.name for c in schema.columns if not (c.description or "").strip()]
                if undocumented:
                    found.append(f"columns without description: {undocumented}")
            if not node.metadata.get("dagster/table_name"):
                found.append("no dagster/table_name")
        if found:
            problems[name] = found
    return problems


def test_every_asset_explains_itself() -> None:
    """Group by layer, description, kinds, owners, domain/layer tags, and for tables a column
    schema with every column described and the table name."""
    problems = metadata_problems(_graph())
    report = "\n".join(f"{name}: {'; '.join(p)}" for name, p in sorted(problems.items()))
    assert not problems, f"assets lacking metadata:\n{report}"


def test_every_check_is_attached_and_described() -> None:
    graph = _graph()
    missing = []
    for check_key in graph.asset_check_keys:
        spec = graph.get_check_spec(check_key)
        assert graph.has(check_key.asset_key), f"{check_key} targets an unknown asset"
        if len((spec.description or "").strip()) < 20:
            missing.append(f"{check_key.asset_key.to_user_string()}:{check_key.name}")
    assert not missing, f"checks without a description: {missing}"


def test_metadata_rules_can_fail() -> None:
    """The rules catch a bare asset and an undocumented column; a documented one passes."""
    documented = dg.TableSchema(
        columns=[dg.TableColumn("ticker", "str", description="Stock ticker")]
    )
    half = dg.TableSchema(
        columns=[dg.TableColumn("ticker", "str", description="Stock ticker"), dg.TableColumn("x")]
    )
    good = {
        "group_name": "marts",
        "description": "A table a newcomer understands: one row per company and quarter, USD m.",
        "kinds": {"duckdb"},
        "owners": OWNERS,
        "tags": {"domain": "capex", "layer": "mart"},
    }
    defs = dg.Definitions(
        assets=[
            dg.AssetSpec("bare"),
            dg.AssetSpec(
                "good",
                metadata={"dagster/column_schema": documented, "dagster/table_name": "marts.good"},
                **good,
            ),
            dg.AssetSpec(
                "half",
                metadata={"dagster/column_schema": half, "dagster/table_name": "marts.half"},
                **good,
            ),
        ]
    )
    problems = metadata_problems(defs.resolve_asset_graph())
    assert set(problems) == {"bare", "half"}
    assert problems["half"] == ["columns without description: ['x']"]
    assert len(problems["bare"]) == 8  # group, description, kinds, owners, 2 tags, schema, name


# ------------------------------------------------------- metadata of a real refresh
#: Groups whose tables must say, column by column, which upstream columns they come from.
LINEAGE_GROUPS = {"marts", "metrics", "tco"}


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict, Path]]:
    """One refresh of every asset but the SEC connector (off in tests: it would reach the
    network) into a scratch warehouse; yields (metadata by asset, warehouse file)."""
    from pipelines.refresh import run_refresh

    tmp = tmp_path_factory.mktemp("refresh_metadata")
    warehouse = tmp / "warehouse.duckdb"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(settings.WAREHOUSE_ENV, str(warehouse))
        patch.setenv("LEDGER_REPORTS_DIR", str(tmp / "reports"))
        patch.delenv("DAGSTER_HOME", raising=False)
        patch.delenv("SEC_USER_AGENT", raising=False)
        selection = [
            k.to_user_string() for k in _graph().get_all_asset_keys() if k.path[0] != "sec"
        ]
        result = run_refresh(selection)
        assert result.success, "refresh failed"
        metadata = {
            event.materialization.asset_key.to_user_string(): event.materialization.metadata
            for event in result.get_asset_materialization_events()
        }
        yield metadata, warehouse


def _table_assets() -> list[str]:
    graph = _graph()
    return sorted(
        k.to_user_string()
        for k in graph.get_all_asset_keys()
        if k.to_user_string() not in NOT_TABLES and k.path[0] != "sec"
    )


def test_every_table_reports_its_row_count_and_a_preview(refreshed: tuple[dict, Path]) -> None:
    metadata, warehouse = refreshed
    graph = _graph()
    problems = []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for name in _table_assets():
            entries = metadata.get(name)
            if entries is None:
                problems.append(f"{name}: not materialized")
                continue
            table = graph.get(dg.AssetKey.from_user_string(name)).metadata["dagster/table_name"]
            (rows,) = con.execute(f"SELECT count(*) FROM {table}").fetchone()  # type: ignore[misc]
            reported = entries.get("dagster/row_count")
            if reported is None or reported.value != rows:
                problems.append(f"{name}: dagster/row_count {reported} != {rows} rows in {table}")
            previews = [v for v in entries.values() if isinstance(v, dg.MarkdownMetadataValue)]
            if not any("| --- |" in (v.value or "") for v in previews):
                problems.append(f"{name}: no markdown preview of the first rows")
    assert not problems, "\n".join(problems)


def test_every_mart_and_tco_column_has_lineage(refreshed: tuple[dict, Path]) -> None:
    """dagster/column_lineage covers every column of the table's column schema, and every
    input it names is a column of an upstream asset."""
    metadata, _ = refreshed
    graph = _graph()
    problems = []
    for name in _table_assets():
        key = dg.AssetKey.from_user_string(name)
        node = graph.get(key)
        if node.group_name not in LINEAGE_GROUPS:
            continue
        columns = [c.name for c in node.metadata["dagster/column_schema"].columns]
        upstream = {
            parent: [c.name for c in graph.get(parent).metadata["dagster/column_schema"].columns]
            for parent in node.parent_keys
            if isinstance(graph.get(parent).metadata.get("dagster/column_schema"), dg.TableSchema)
        }
        entry = metadata.get(name, {}).get("dagster/column_lineage")
        lineage = entry.value if entry is not None else None
        problems += [f"{name}: {p}" for p in lineage_problems(lineage, columns, upstream)]
    assert not problems, "column lineage problems:\n" + "\n".join(problems)


# ------------------------------------------------------------ lineage helpers
def test_column_lineage_helper_builds_dagster_lineage() -> None:
    lineage = column_lineage(
        {
            "capex_usd_m": [("raw/financials", "value"), (["raw", "financials"], "value")],
            **passthrough("raw/companies", ["ticker"]),
        }
    )
    fin, comp = dg.AssetKey(["raw", "financials"]), dg.AssetKey(["raw", "companies"])
    assert lineage == dg.TableColumnLineage(
        deps_by_column={
            "capex_usd_m": [dg.TableColumnDep(fin, "value")],  # duplicate dropped
            "ticker": [dg.TableColumnDep(comp, "ticker")],
        }
    )
    upstream = {fin: ["value", "metric"], comp: ["ticker"]}
    assert lineage_problems(lineage, ["capex_usd_m", "ticker"], upstream) == []


def test_lineage_problems_names_each_gap() -> None:
    fin = dg.AssetKey(["raw", "financials"])
    lineage = column_lineage(
        {
            "a": [("raw/financials", "value")],
            "b": [],
            "c": [("raw/financials", "nope")],
            "d": [("raw/claims", "claim_id")],
            "gone": [("raw/financials", "value")],
        }
    )
    problems = lineage_problems(lineage, ["a", "b", "c", "d", "e"], {fin: ["value"]})
    assert problems == [  # 'b' (explicitly no upstream column) is fine
        "column 'e' has no lineage",
        "lineage for 'gone', which the table does not have",
        "'c' ← raw/financials.nope: raw/financials has no such column",
        "'d' ← raw/claims.claim_id: raw/claims is not upstream",
    ]
    assert lineage_problems(None, ["a"], {}) == ["no dagster/column_lineage"]

"""The lineage a user sees: start the real Dagster webserver on loopback against
``workspace.yaml`` and compare what its GraphQL API serves with the expected lineage.

One webserver for the module (a private DAGSTER_HOME, warehouse and reports folder in tmp),
stopped — with its code server, as a process group — when the module ends, also when a test
fails. The expected graph is the one the code defines (from the SQL models' contracts and the
Python assets); a few lineage paths a reader relies on are asserted by name.
"""

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines.reports.webserver import (
    ASSET_GRAPH_QUERY,
    Webserver,
    running_webserver,
    stop_process_group,
)


def _expected() -> tuple[dict[str, tuple[str, set[str]]], set[tuple[str, str]]]:
    """The graph as the code defines it (generated from the SQL models' contracts and the
    Python assets): asset key -> (group, upstream keys), and (asset key, check name)."""
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    lineage, checks = {}, set()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        name = key.to_user_string()
        lineage[name] = (node.group_name, {p.to_user_string() for p in node.parent_keys})
        checks |= {(name, c.name) for c in node.check_keys}
    return lineage, checks


EXPECTED_LINEAGE, EXPECTED_CHECKS = _expected()

#: Assets that are not warehouse tables (no column schema expected).
NOT_TABLES = {"reports/charts", "sec/companyfacts"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Webserver]:
    tmp = tmp_path_factory.mktemp("live_webserver")
    env = {
        "LEDGER_WAREHOUSE": str(tmp / "warehouse.duckdb"),
        "LEDGER_REPORTS_DIR": str(tmp / "reports"),
    }
    with running_webserver(dagster_home=tmp / "dagster_home", env=env, ready_timeout_s=90) as s:
        yield s
    assert s.process.poll() is not None, "webserver still running after the fixture ended"


@pytest.fixture(scope="module")
def nodes(server: Webserver) -> dict[str, dict]:
    data = server.graphql(ASSET_GRAPH_QUERY)
    return {"/".join(n["assetKey"]["path"]): n for n in data["assetNodes"]}


def test_asset_keys_and_groups(nodes: dict[str, dict]) -> None:
    served = {key: node["groupName"] for key, node in nodes.items()}
    expected = {key: group for key, (group, _) in EXPECTED_LINEAGE.items()}
    assert sorted(set(expected) - set(served)) == [], "expected assets missing from the server"
    assert sorted(set(served) - set(expected)) == [], "assets the expected lineage lacks"
    assert served == expected


def test_dependency_edges(nodes: dict[str, dict]) -> None:
    served = {
        ("/".join(dep["path"]), key)
        for key, node in nodes.items()
        for dep in node["dependencyKeys"]
    }
    expected = {(dep, key) for key, (_, deps) in EXPECTED_LINEAGE.items() for dep in deps}
    missing, unexpected = expected - served, served - expected
    assert not missing and not unexpected, (
        f"edges missing from the server: {sorted(missing)}; unexpected edges: {sorted(unexpected)}"
    )


def test_named_lineage_paths(nodes: dict[str, dict]) -> None:
    """The issue's examples, as the UI serves them."""

    def upstream(key: str) -> set[str]:
        return {"/".join(d["path"]) for d in nodes[key]["dependencyKeys"]}

    def ancestors(key: str) -> set[str]:
        seen: set[str] = set()
        todo = [key]
        while todo:
            for parent in upstream(todo.pop()):
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        return seen

    assert {"raw/financials", "raw/companies"} <= ancestors("marts/capex_quarterly")
    assert "marts/company_quarterly" in upstream("marts/group_member_quarterly")
    assert "raw/group_members" in upstream("marts/group_member_quarterly")
    assert "marts/group_member_quarterly" in upstream("marts/group_quarterly")
    assert "marts/claim_facts" in upstream("marts/claim_checks")
    assert {"raw/accelerators", "raw/tco_assumptions"} <= upstream("tco/chip_tco")
    assert "tco/chip_tco" in upstream("reports/charts")


def test_asset_checks_are_attached(nodes: dict[str, dict]) -> None:
    served = set()
    for key, node in nodes.items():
        checks = node["assetChecksOrError"]
        assert checks["__typename"] == "AssetChecks", f"{key}: {checks}"
        for check in checks["checks"]:
            assert (check["description"] or "").strip(), f"{key}:{check['name']} has no description"
            served.add((key, check["name"]))
    assert sorted(EXPECTED_CHECKS - served) == [], "expected checks missing from the server"
    assert sorted(served - EXPECTED_CHECKS) == [], "checks the expected lineage lacks"


def test_every_asset_explains_itself_in_the_ui(nodes: dict[str, dict]) -> None:
    for key, node in nodes.items():
        assert len((node["description"] or "").strip()) >= 60, key
        assert node["kinds"], key
        assert {"team": "ai-compute-ledger", "__typename": "TeamAssetOwner"} in node["owners"], key
        tags = {t["key"]: t["value"] for t in node["tags"]}
        assert tags.get("domain") and tags.get("layer"), key
        if key not in NOT_TABLES:
            labels = {e["label"]: e["__typename"] for e in node["metadataEntries"]}
            assert labels.get("dagster/column_schema") == "TableSchemaMetadataEntry", key


def test_stop_process_group_kills_children(tmp_path: Path) -> None:
    """What the fixture relies on: stopping the group also ends grandchildren."""
    pid_file = tmp_path / "child.pid"
    process = subprocess.Popen(
        ["sh", "-c", f"sleep 300 & echo $! > {pid_file}; wait"], start_new_session=True
    )
    deadline = time.monotonic() + 10
    while not (pid_file.exists() and pid_file.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.05)
    child = int(pid_file.read_text())
    stop_process_group(process, grace_s=5)
    assert process.poll() is not None
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if not _alive(child):
            return
        time.sleep(0.05)
    os.kill(child, signal.SIGKILL)
    pytest.fail(f"grandchild {child} survived stop_process_group")


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for its reaper counts as dead)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"

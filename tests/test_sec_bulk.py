"""SEC bulk mode on a small archive built from the real companyfacts files plus corrupt members.

The real files are read from ``SEC_REAL_DIR`` (default ``../shared/sec-real``); tests that
need them skip with the reason where the folder is absent. Expected fact counts come from the
generator's manifest, counted with Python's ``json`` (independent of DuckDB's reader).
"""

import importlib.util
import json
import os
import zipfile
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines import settings
from pipelines.sec import store as sec_store
from pipelines.sec.bulk import ingest, main, open_members
from pipelines.sec.bulk_assets import BULK_KEY, sec_bulk
from pipelines.sec.bulk_config import ALL_ENV, OFF_MESSAGE, load_bulk_settings
from pipelines.sec.config import SecConfigError, real_files_dir, real_files_missing

REAL = real_files_dir()
needs_real = pytest.mark.skipif(
    not any(REAL.glob("CIK*.json")),
    reason=real_files_missing(REAL),
)
GENERATOR = settings.REPO_ROOT / "bench" / "sec_bulk_generate.py"
FILERS = 12  # the 5 real files and 7 copies under new CIKs (2000000005..2000000011)
LIMIT_MB = 8  # above the largest real file (4 MB), below the generator's 9 MB huge member


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("sec_bulk_generate", GENERATOR)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def _bulk_env_clean(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ALL_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    if not any(REAL.glob("CIK*.json")):
        pytest.skip(real_files_missing(REAL))
    out = tmp_path_factory.mktemp("bulk") / "companyfacts.zip"
    manifest = _generator().generate(REAL, out, FILERS, corrupt=True)
    return out, manifest


def _config(store: Path, **extra: str):  # type: ignore[no-untyped-def]
    env = {"SEC_BULK_STORE": str(store), "SEC_BULK_MAX_MEMBER_MB": str(LIMIT_MB), **extra}
    return load_bulk_settings(env)


@pytest.fixture(scope="module")
def ingested(archive, tmp_path_factory) -> tuple[Path, dict, object]:  # type: ignore[no-untyped-def]
    path, manifest = archive
    store = tmp_path_factory.mktemp("store") / "sec_bulk.duckdb"
    result = ingest(_config(store, SEC_BULK_CHUNK="7"), path, log=lambda _: None)
    return store, manifest, result


def _members(store: Path) -> dict[str, tuple]:
    with sec_store.open_store(store) as con:
        rows = con.execute(
            "SELECT member, status, stage, reason, facts, quarters FROM members"
        ).fetchall()
    return {r[0]: r[1:] for r in rows}


@needs_real
def test_every_good_member_is_ingested_with_all_its_facts(ingested) -> None:
    store, manifest, result = ingested
    members = _members(store)
    good = [m for m in manifest["members"] if m["stage"] is None]
    assert len(good) == FILERS and result.ingested == FILERS
    for m in good:
        status, stage, reason, facts, _ = members[m["member"]]
        assert (status, stage, reason) == ("ingested", None, None), m["member"]
        assert facts == m["facts"], m["member"]
    with sec_store.open_store(store) as con:
        per_cik = dict(con.execute("SELECT cik, count(*) FROM facts GROUP BY cik").fetchall())
        total = con.execute("SELECT count(*) FROM facts").fetchone()
    assert per_cik == {m["cik"]: m["facts"] for m in good}
    assert total == (sum(m["facts"] for m in good),)


@needs_real
def test_corrupt_members_are_quarantined_with_stage_and_reason(ingested) -> None:
    store, manifest, result = ingested
    members = _members(store)
    expected = {m["member"]: m["stage"] for m in manifest["members"] if m["stage"]}
    quarantined = {name: row for name, row in members.items() if row[0] == "quarantined"}
    assert {name: row[1] for name, row in quarantined.items()} == expected
    assert len(result.quarantined) == len(expected) == 9
    reasons = {name: row[2] for name, row in quarantined.items()}
    assert "Malformed JSON" in reasons["CIK1999999002.json"]
    assert reasons["CIK1999999003.json"] == "'facts' is ARRAY, expected an object"
    assert reasons["CIK1999999004.json"] == "'facts' is missing, expected an object"
    assert (
        reasons["CIK1999999005.json"] == "cik 1999999099 in the file, 1999999005 in the member name"
    )
    assert reasons["CIK1999999006.json"] == "empty member (0 bytes)"
    assert "more than the limit 8,388,608" in reasons["CIK1999999007.json"]
    assert "Expected OBJECT" in reasons["CIK1999999008.json"]
    assert reasons["README.txt"] == "not a companyfacts member (CIK##########.json)"
    # reasons name the member, never the temporary file it was extracted to
    assert not any("sec-bulk-" in r for r in reasons.values())
    assert all(row[3] == 0 for row in quarantined.values())  # no rows of a quarantined member


@needs_real
def test_quarters_are_derived_per_member_and_ifrs_gives_none(ingested) -> None:
    store, manifest, _ = ingested
    members = _members(store)
    known = {c.cik: c.ticker for c in load_bulk_settings({}).known.values()}
    by_source: dict[str, set[int]] = {}
    ledger: dict[str, int] = {}  # the ledger's own companies, derived with their own concepts
    for m in manifest["members"]:
        if m["source"]:
            count = members[m["member"]][4]
            if int(m["member"][3:13]) in known:
                ledger[m["source"]] = count
            else:
                by_source.setdefault(m["source"], set()).add(count)
    # copies of one real file (new CIKs, same content, bulk.toml's capex and revenue concepts)
    # give the same number of quarters; a ledger company (raw/filing_concepts.csv) at least as
    # many: NVIDIA, Alphabet and Marvell also have operating cash flow (and D&A)
    assert all(len(counts) == 1 for counts in by_source.values()), by_source
    assert all(ledger[s] >= min(by_source[s]) for s in ledger if s in by_source), ledger
    assert ledger["CIK0001045810.json"] > min(by_source["CIK0001045810.json"])
    assert by_source["CIK0001046179.json"] == {0}  # TSMC: annual IFRS 20-F only
    assert min(by_source["CIK0001045810.json"]) > 0  # NVIDIA
    with sec_store.open_store(store) as con:
        labels = dict(con.execute("SELECT DISTINCT cik, ticker FROM quarterly").fetchall())
    assert labels[2_000_000_000 + 8 + 2] == "CIK2000000010"  # a filer outside raw/companies.csv
    assert labels[1652044] == known[1652044]  # a configured company keeps its ticker


@needs_real
def test_subset_by_cik_and_ticker(archive, tmp_path: Path) -> None:
    path, _ = archive
    google = next(c for c in load_bulk_settings({}).known.values() if c.cik == 1652044)
    config = _config(
        tmp_path / "s.duckdb", SEC_BULK_CIKS="1045810,CIK2000000010", SEC_BULK_TICKERS=google.ticker
    )
    result = ingest(config, path, log=lambda _: None)
    assert sorted(o.cik for o in result.outcomes if o.cik) == [1045810, 1652044, 2000000010]
    assert [o.member for o in result.quarantined] == ["README.txt"]  # not a CIK: always listed
    assert result.ingested == 3
    assert result.skipped == FILERS - 3 + 8  # the named corrupt members are not selected either
    with pytest.raises(SecConfigError, match="NOSUCHTICKER"):
        load_bulk_settings({"SEC_BULK_TICKERS": "NOSUCHTICKER"})


@needs_real
def test_folder_source_gives_the_same_rows_as_the_archive(archive, ingested, tmp_path) -> None:
    _, manifest = archive
    folder = tmp_path / "folder"
    _generator().generate(REAL, folder, FILERS, corrupt=True, folder=True)
    result = ingest(_config(tmp_path / "s.duckdb"), folder, log=lambda _: None)
    store, _, zipped = ingested
    assert (result.facts, result.quarters, result.ingested) == (
        zipped.facts,
        zipped.quarters,
        FILERS,
    )
    stages = {o.member: o.stage for o in result.quarantined}
    assert stages == {m["member"]: m["stage"] for m in manifest["members"] if m["stage"]}


def _write_zip(path: Path, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def test_a_damaged_archive_member_is_quarantined_and_the_rest_read(tmp_path: Path) -> None:
    good = b'{"cik": 1, "entityName": "A", "facts": {"dei": {"X": {"units": {"USD": []}}}}}'
    damaged = b'{"cik": 2, "entityName": "B", "facts": {}}' + b" " * 64
    path = tmp_path / "a.zip"
    _write_zip(path, {"CIK0000000001.json": good, "CIK0000000002.json": damaged})
    raw = bytearray(path.read_bytes())
    at = raw.index(b'"B"')
    raw[at + 1] = ord("C")  # the stored bytes no longer match the CRC-32
    path.write_bytes(bytes(raw))
    result = ingest(_config(tmp_path / "s.duckdb"), path, log=lambda _: None)
    assert [(o.member, o.status, o.stage) for o in result.outcomes] == [
        ("CIK0000000001.json", "ingested", None),
        ("CIK0000000002.json", "quarantined", "read"),
    ]
    assert "CRC" in (result.outcomes[1].reason or "")


def test_duplicate_cik_and_bad_facts_rows(tmp_path: Path) -> None:
    fact = {"end": "2024-03-31", "val": 5, "accn": "0000000001-24-000001", "fy": 2024}
    fact |= {"fp": "Q1", "form": "10-Q", "filed": "2024-04-30"}
    bad = dict(fact, accn="not-an-accession")

    def body(cik: int, facts: list[dict]) -> bytes:
        units = {"us-gaap": {"Cash": {"units": {"USD": facts}}}}
        return json.dumps({"cik": cik, "entityName": "E", "facts": units}).encode()

    path = tmp_path / "a.zip"
    _write_zip(
        path,
        {
            "CIK0000000001.json": body(1, [fact]),
            "sub/CIK0000000001.json": body(1, [fact]),
            "CIK0000000003.json": body(3, [fact, bad]),
        },
    )
    result = ingest(_config(tmp_path / "s.duckdb"), path, log=lambda _: None)
    got = {o.member: (o.status, o.stage, o.facts) for o in result.outcomes}
    assert got == {
        "CIK0000000001.json": ("ingested", None, 1),
        "sub/CIK0000000001.json": ("quarantined", "name", 0),
        "CIK0000000003.json": ("quarantined", "facts", 0),
    }
    reason = next(o.reason for o in result.outcomes if o.member == "CIK0000000003.json")
    assert "column accn" in (reason or "") and "not-an-accession" in (reason or "")


def test_unchanged_archive_keeps_the_store(tmp_path: Path) -> None:
    path = tmp_path / "a.zip"
    _write_zip(path, {"CIK0000000001.json": b'{"cik": 1, "entityName": "A", "facts": {}}'})
    config = _config(tmp_path / "s.duckdb")
    first = ingest(config, path, log=lambda _: None)
    before = os.stat(config.store)
    again = ingest(config, path, log=lambda _: None)
    assert not first.unchanged and again.unchanged
    assert os.stat(config.store).st_ino == before.st_ino
    forced = ingest(config, path, force=True, log=lambda _: None)
    assert not forced.unchanged and os.stat(config.store).st_ino != before.st_ino


def test_members_are_streamed_not_read_up_front(tmp_path: Path) -> None:
    path = tmp_path / "a.zip"
    _write_zip(path, {f"CIK{i:010d}.json": b"{}" for i in range(1, 4)})
    with open_members(path) as members:
        refs = list(members)
        assert [r.size for r in refs] == [2, 2, 2]
        with refs[1].open() as handle:
            assert handle.read() == b"{}"


@needs_real
def test_cli_ingests_and_lists_the_quarantine(archive, tmp_path, capsys) -> None:
    path, _ = archive
    store = tmp_path / "cli.duckdb"
    os.environ["SEC_BULK_MAX_MEMBER_MB"] = str(LIMIT_MB)
    try:
        assert main([str(path), "--store", str(store), "--json"]) == 0
        summary = json.loads(capsys.readouterr().out)
        assert (summary["members"], summary["ingested"], summary["quarantined"]) == (
            FILERS + 9,
            FILERS,
            9,
        )
        assert main(["--store", str(store), "--quarantine"]) == 0
        lines = capsys.readouterr().out.strip().splitlines()
    finally:
        del os.environ["SEC_BULK_MAX_MEMBER_MB"]
    assert len(lines) == 9 and lines[-1].startswith("README.txt\t")
    assert main([str(tmp_path / "missing.zip"), "--store", str(store)]) == 2


def test_asset_is_off_unless_configured(warehouse_file: Path) -> None:
    result = dg.materialize([sec_bulk], resources={"warehouse": _resource()})
    metadata = result.asset_materializations_for_node("sec__bulk")[0].metadata
    assert metadata["status"].value == OFF_MESSAGE
    assert not warehouse_file.with_name("sec_bulk.duckdb").exists()


def _resource():  # type: ignore[no-untyped-def]
    from pipelines.warehouse import WarehouseResource

    return WarehouseResource()


@needs_real
def test_asset_ingests_and_exposes_views(archive, warehouse_file, monkeypatch) -> None:
    path, _ = archive
    monkeypatch.setenv("SEC_BULK_SOURCE", str(path))
    monkeypatch.setenv("SEC_BULK_MAX_MEMBER_MB", str(LIMIT_MB))
    with duckdb.connect(str(warehouse_file)) as con:  # a warehouse with one data table
        con.execute("CREATE SCHEMA raw; CREATE TABLE raw.t AS SELECT 1 AS x")
    result = dg.materialize([sec_bulk], resources={"warehouse": _resource()})
    metadata = result.asset_materializations_for_node("sec__bulk")[0].metadata
    assert (metadata["ingested"].value, metadata["quarantined"].value) == (FILERS, 9)
    assert result.asset_materializations_for_node("sec__bulk")[0].asset_key == BULK_KEY
    store = warehouse_file.with_name("sec_bulk.duckdb")
    with duckdb.connect(str(warehouse_file), read_only=True) as con:
        assert sec_store.attach(con, store)
        quarantined = con.execute("SELECT count(*) FROM sec.bulk_quarantine").fetchone()
        members = con.execute(
            "SELECT count(*) FROM sec.bulk_members WHERE status = 'ingested'"
        ).fetchone()
        coverage = con.execute(
            "SELECT count(DISTINCT ticker) FROM sec.bulk_fiscal_year_coverage"
        ).fetchone()
    assert (quarantined, members) == ((9,), (FILERS,))
    assert coverage is not None and coverage[0] > 0  # fiscal years of the derived filers

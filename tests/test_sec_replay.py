"""Replay: the ledger stays current by itself. A loopback HTTP server (a real socket) plays
EDGAR as it stood on a date D, from the real companyfacts files in SEC_REAL_DIR: only the facts
filed on or before D, and a submissions list of the filings they came from, whose ETag and
Last-Modified change only when D crosses a filing. D steps across real filing dates; after
each step the filings sensor is evaluated on a real Dagster instance, the run it requests is
executed, and sec.quarterly must gain exactly the newly filed quarters and change nothing else.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import json
import threading
from collections.abc import Iterator
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines import settings
from pipelines.reports.assets import CHARTS_KEY
from pipelines.sec.assets import COMPANYFACTS_KEY
from pipelines.sec.config import real_files_dir, real_files_missing
from pipelines.sec.sensor import sec_filings_sensor

REAL = real_files_dir()
CIKS = {"GOOGL": 1652044, "NVDA": 1045810}
FILES = {cik: REAL / f"CIK{cik:010d}.json" for cik in CIKS.values()}
pytestmark = [
    pytest.mark.skipif(
        not all(p.is_file() for p in FILES.values()), reason=real_files_missing(REAL)
    ),
    pytest.mark.end_to_end,
]
KEY = ["ticker", "metric", "fiscal_year", "fiscal_quarter"]


@cache
def _document(cik: int) -> dict:
    return json.loads(FILES[cik].read_bytes())


def _facts_as_of(cik: int, day: str) -> dict:
    """The companyfacts document as it stood on ``day``: facts filed on or before it."""
    doc = _document(cik)
    facts: dict = {}
    for taxonomy, concepts in doc["facts"].items():
        for name, concept in concepts.items():
            units = {u: [f for f in fs if f["filed"] <= day] for u, fs in concept["units"].items()}
            units = {u: fs for u, fs in units.items() if fs}
            if units:
                facts.setdefault(taxonomy, {})[name] = {**concept, "units": units}
    return {**doc, "facts": facts}


def _submissions(cik: int, day: str) -> tuple[bytes, str, dt.datetime]:
    """Submissions document of the filings the facts came from, newest first (reportDate: the
    latest period end the filing tagged), its ETag and its Last-Modified (the last filing)."""
    filings: dict[tuple[str, str, str], str] = {}
    for concepts in _facts_as_of(cik, day)["facts"].values():
        for concept in concepts.values():
            for facts in concept["units"].values():
                for f in facts:
                    key = (f["filed"], f["accn"], f["form"])
                    filings[key] = max(filings.get(key, ""), f["end"])
    rows = sorted(filings, reverse=True)
    recent = {
        "accessionNumber": [a for _, a, _ in rows],
        "form": [f for _, _, f in rows],
        "filingDate": [d for d, _, _ in rows],
        "reportDate": [filings[r] for r in rows],
    }
    body = json.dumps({"cik": str(cik), "filings": {"recent": recent, "files": []}}).encode()
    etag = '"' + hashlib.sha256(",".join(recent["accessionNumber"]).encode()).hexdigest()[:16] + '"'
    modified = dt.datetime.fromisoformat(rows[0][0]).replace(tzinfo=dt.UTC)
    return body, etag, modified


class Edgar(ThreadingHTTPServer):
    day = "2000-01-01"
    log: list[tuple[str, int]]


class Handler(BaseHTTPRequestHandler):
    server: Edgar

    def do_GET(self) -> None:
        cik = int(self.path.rsplit("CIK", 1)[1].removesuffix(".json"))
        headers: dict[str, str] = {}
        if self.path.startswith("/submissions/"):
            body, etag, modified = _submissions(cik, self.server.day)
            headers = {"ETag": etag, "Last-Modified": email.utils.format_datetime(modified, True)}
            since = self.headers.get("If-Modified-Since")
            match = self.headers.get("If-None-Match")
            fresh = (
                match == etag
                if match
                else bool(since) and (modified <= email.utils.parsedate_to_datetime(since))
            )
        else:
            body, fresh = json.dumps(_facts_as_of(cik, self.server.day)).encode(), False
        status = 304 if fresh else 200
        self.server.log.append((self.path, status))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", "0" if fresh else str(len(body)))
        self.end_headers()
        if not fresh:
            self.wfile.write(body)

    def log_message(self, *args: object) -> None:  # quiet
        pass


@pytest.fixture
def edgar(raw_copy, warehouse_file, monkeypatch, tmp_path) -> Iterator[Edgar]:
    # NVIDIA, a ledger company after the snapshot's date, joins it with its shipped rows
    for name in ("companies.csv", "filing_concepts.csv"):
        shipped = (settings.REPO_ROOT / "raw" / name).read_text(encoding="utf-8")
        with (raw_copy / name).open("a", encoding="utf-8") as handle:
            handle.writelines(f"{line}\n" for line in shipped.splitlines() if line[:5] == "NVDA,")
    server = Edgar(("127.0.0.1", 0), Handler)
    server.log = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("SEC_BASE_URL", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.setenv("SEC_TICKERS", ",".join(CIKS))
    monkeypatch.setenv("SEC_LANDING_DIR", str(tmp_path / "landing"))
    yield server
    server.shutdown()
    server.server_close()


def _quarterly(path: Path) -> dict[tuple, tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        if not con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'sec' "
            "AND table_name = 'quarterly'"
        ).fetchone()[0]:
            return {}
        rows = con.execute(
            "SELECT ticker, metric, fiscal_year, fiscal_quarter, period_end, value, accn, filed "
            "FROM sec.quarterly"
        ).fetchall()
    return {r[:4]: r[4:] for r in rows}


def test_replay_the_sensor_keeps_the_ledger_current(edgar, warehouse_file, monkeypatch):
    from pipelines.definitions import defs

    job = defs.resolve_job_def("refresh_warehouse")
    graph = defs.resolve_asset_graph()
    selected = dg.AssetSelection.assets(COMPANYFACTS_KEY).downstream()
    keys = selected.resolve(graph)
    reads = {p for c in selected.resolve_checks(graph) for p in graph.get(c).parent_entity_keys}
    # the warehouse starts empty: the first run also builds the tables the sensor's runs read
    missing = dg.AssetSelection.assets(*keys, *reads).upstream().resolve(graph) - keys
    state: dict = {"cursor": None, "runs": 0}

    def step(day: str) -> tuple[dg.SensorResult | dg.SkipReason, list[int]]:
        """Evaluate the sensor with EDGAR as of ``day`` and execute the run it requests (its
        models measure freshness on ``day``); the statuses of the submissions requests."""
        edgar.day, edgar.log = day, []
        context = dg.build_sensor_context(
            instance=instance, cursor=state["cursor"], definitions=defs
        )
        result = sec_filings_sensor(context)
        if isinstance(result, dg.SensorResult):
            state["cursor"] = result.cursor
            for request in result.run_requests or []:
                first = state["runs"] == 0
                state["runs"] += 1
                # what the sensor asks for, less the charts: drawing them (3 s a run) is not
                # what this test checks (tests/test_reports.py does)
                wanted = [*(request.asset_selection or ()), *(missing if first else ())]
                assert CHARTS_KEY in wanted
                run = job.execute_in_process(
                    instance=instance,
                    run_config={
                        **request.run_config,
                        "resources": {"settings": {"config": {"today": day}}},
                    },
                    asset_selection=[k for k in wanted if k != CHARTS_KEY],
                    tags=request.tags,
                )
                assert run.success
        return result, [s for p, s in edgar.log if p.startswith("/submissions/")]

    with dg.DagsterInstance.ephemeral() as instance:
        # off without a User-Agent
        off, _ = step("2025-07-23")
        assert isinstance(off, dg.SkipReason) and "SEC_USER_AGENT" in str(off.skip_message)
        monkeypatch.setenv("SEC_USER_AGENT", "AI-compute ledger tests ops@example.org")

        # D0: the first poll sees every filing as new; both companies land
        first, statuses = step("2025-07-23")
        assert statuses == [200, 200]
        [request] = first.run_requests
        assert request.run_config["ops"]["sec__companyfacts"]["config"]["tickers"] == [
            "GOOGL",
            "NVDA",
        ]
        at_d0 = _quarterly(warehouse_file)
        assert max(k[2:] for k in at_d0 if k[0] == "GOOGL") == (2025, 1)
        assert max(k[2:] for k in at_d0 if k[0] == "NVDA") == (2026, 1)

        # D1: Alphabet's 10-Q for 2025 Q2 (filed 2025-07-24): one run, for Alphabet only,
        # keyed by the accession number; NVIDIA's list is unchanged (304, no body)
        result, statuses = step("2025-07-24")
        assert statuses == [200, 304]
        [request] = result.run_requests
        assert request.run_key == "sec-0001652044-25-000062"
        assert request.run_config["ops"]["sec__companyfacts"]["config"]["tickers"] == ["GOOGL"]
        at_d1 = gained(at_d0, warehouse_file, {"0001652044-25-000062"})
        assert sorted(at_d1.keys() - at_d0.keys()) == every_metric([("GOOGL", 2025, 2)])
        # the new quarters equal the curated figures (raw.financials, published 2025-07-23)
        assert curated_vs_sec(warehouse_file, at_d1.keys() - at_d0.keys()) == [
            ("GOOGL", "capex_purchases_pp_e", 2025, 2, 22446.0, 22446.0),
            ("GOOGL", "revenue", 2025, 2, 96428.0, 96428.0),
        ]

        # ... and the ledger uses them: the filed figures are in staging, the mart row names
        # the filing, and no source disagrees
        assert filed_keys(warehouse_file) == set(at_d1)
        assert mart_source(warehouse_file, "GOOGL", "capex", "2025Q2") == (
            22446.0,
            "filing",
            "0001652044-25-000062",
        )
        assert reconciliation(warehouse_file) == []

        # the same day again: both 304, no run, nothing changes
        again, statuses = step("2025-07-24")
        assert statuses == [304, 304] and not again.run_requests
        assert _quarterly(warehouse_file) == at_d1

        # D2: every later periodic report in the files, NVIDIA's latest among them (its 10-Qs
        # of 2025-08-27 and 2025-11-19, 10-K of 2026-02-25, 10-Q of 2026-05-20), one run
        new = {
            "0001652044-25-000091",
            "0001652044-26-000018",
            "0001652044-26-000048",
            "0001045810-25-000209",
            "0001045810-25-000230",
            "0001045810-26-000021",
            "0001045810-26-000052",
        }
        result, statuses = step("2026-06-16")
        assert statuses == [200, 200]
        [request] = result.run_requests
        assert request.run_key == "sec-" + "+".join(sorted(new))  # 146 characters
        at_d2 = gained(at_d1, warehouse_file, new)
        assert sorted(at_d2.keys() - at_d1.keys()) == every_metric(
            [("GOOGL", 2025, 3), ("GOOGL", 2025, 4), ("GOOGL", 2026, 1)]
            + [("NVDA", 2026, 2), ("NVDA", 2026, 3), ("NVDA", 2026, 4), ("NVDA", 2027, 1)]
        )
        assert filed_keys(warehouse_file) == set(at_d2)
        assert mart_source(warehouse_file, "NVDA", "revenue", "2026Q1")[1:] == (
            "filing",
            "0001045810-26-000052",
        )
        assert reconciliation(warehouse_file) == []
        # current by itself: on 2026-06-16 neither company has a late quarter
        assert late(warehouse_file, ("GOOGL", "NVDA")) == []

        # D3: NVIDIA's last filing in its file is a prospectus (424B5, 2026-06-17): its list
        # changes (200) but no periodic report is new, so no run
        result, statuses = step("2026-06-17")
        assert statuses == [304, 200] and not result.run_requests
        assert _quarterly(warehouse_file) == at_d2


def filed_keys(path: Path) -> set[tuple]:
    """(ticker, metric, fiscal year, fiscal quarter) of the filed figures in the ledger."""
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute(
            "SELECT DISTINCT ticker, metric, fiscal_year, fiscal_quarter FROM staging.figures "
            "WHERE source_kind = 'filing'"
        ).fetchall()
    return set(rows)


def mart_source(path: Path, ticker: str, metric: str, quarter: str) -> tuple:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(
            "SELECT value_usd_m, source_kind, source_ref FROM marts.company_quarterly "
            "WHERE ticker = ? AND metric = ? AND calendar_quarter = ?",
            [ticker, metric, quarter],
        ).fetchone()


def reconciliation(path: Path) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("SELECT * FROM meta.reconciliation").fetchall()


def late(path: Path, tickers: tuple[str, ...]) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(
            "SELECT ticker, calendar_quarter FROM meta.freshness WHERE status = 'late' "
            f"AND ticker IN {tickers} ORDER BY ALL"
        ).fetchall()


def gained(before: dict[tuple, tuple], path: Path, filings: set[str]) -> dict[tuple, tuple]:
    """sec.quarterly after a run: every row it had is unchanged, and every new row comes
    from one of the new ``filings``."""
    after = _quarterly(path)
    assert {k: after.get(k) for k in before} == before
    assert {after[k][2] for k in after.keys() - before.keys()} <= filings
    return after


#: the ledger metrics raw/filing_concepts.csv maps for both companies
METRICS = ("capex_purchases_pp_e", "depreciation_amortization", "operating_cash_flow", "revenue")


def every_metric(quarters: list[tuple[str, int, int]]) -> list[tuple]:
    return sorted((t, m, y, q) for t, y, q in quarters for m in METRICS)


def curated_vs_sec(path: Path, keys: set[tuple]) -> list[tuple]:
    """(key, SEC value in USD m, curated actual discrete value) of ``keys`` where both exist."""
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute(
            "SELECT q.ticker, q.metric, q.fiscal_year, q.fiscal_quarter, q.value_usd_m, f.value "
            "FROM sec.quarterly AS q JOIN raw.financials AS f ON f.ticker = q.ticker "
            "AND f.metric = q.metric AND f.value_kind = 'actual' AND f.basis = 'discrete' "
            "AND (f.fiscal_year, f.fiscal_quarter) = (q.fiscal_year, q.fiscal_quarter) "
            "ORDER BY ALL"
        ).fetchall()
    return [r for r in rows if r[:4] in keys]

"""Sensor ``sec_filings_sensor``: a new 10-Q or 10-K on EDGAR refreshes that company's figures.

Every ``$SEC_SENSOR_INTERVAL_S`` seconds (default 600) it GETs
``{SEC_BASE_URL}/submissions/CIK##########.json`` of each configured company through
:class:`~pipelines.sec.client.SecClient` (User-Agent, at most 10 requests per second, retries,
deadlines, body limits), with ``If-None-Match`` and ``If-Modified-Since`` from the last answer:
an unchanged company costs a 304 and no body. The cursor, JSON stored by Dagster, holds per
CIK ``{"etag", "last_modified", "seen": [accession numbers of the FORMS filings seen]}``. A
filing not seen before (the first poll of a company sees all of them) requests one run of
``sec/companyfacts`` for just those companies (run config ``tickers``) and of everything
downstream, with its checks; the run key is the new accession numbers. Off, with a skip naming
why, unless ``SEC_USER_AGENT`` is set. The daily schedule stays the backstop.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from typing import Any

import dagster as dg

from pipelines.jobs import refresh_warehouse
from pipelines.sec.assets import COMPANYFACTS_KEY
from pipelines.sec.client import SecClient, SecFetchError
from pipelines.sec.config import OFF_MESSAGE, SecConfigError, SecSettings, load_settings

SENSOR_NAME = "sec_filings_sensor"
INTERVAL_ENV = "SEC_SENSOR_INTERVAL_S"
#: Periodic reports that carry XBRL financial statements (a 6-K rarely does: not watched).
FORMS = frozenset({"10-Q", "10-K", "10-Q/A", "10-K/A", "20-F", "20-F/A", "40-F", "40-F/A"})
#: Conditional request header -> the cursor field holding the validator it sends back.
VALIDATORS = {"If-None-Match": "etag", "If-Modified-Since": "last_modified"}


def submissions_url(base_url: str, cik: int) -> str:
    return f"{base_url.rstrip('/')}/submissions/CIK{cik:010d}.json"


def periodic_filings(body: bytes) -> set[str]:
    """Accession numbers of the FORMS filings in a submissions document (``filings.recent``:
    the SEC lists there at least the last year or 1,000 filings)."""
    recent = json.loads(body)["filings"]["recent"]
    forms = zip(recent["accessionNumber"], recent["form"], strict=True)
    return {str(accn) for accn, form in forms if form in FORMS}


def poll(
    config: SecSettings, cursor: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, list[str]], list[str]]:
    """Ask for each company's submissions: (new cursor, {ticker: new accession numbers},
    problems). A company that fails keeps its cursor entry; an unreachable server stops."""
    client, state = SecClient(config), dict(cursor)
    found: dict[str, list[str]] = {}
    problems: list[str] = []
    for company in config.companies:
        key, url = f"{company.cik:010d}", submissions_url(config.base_url, company.cik)
        before = state.get(key) or {}
        headers = {h: str(before[f]) for h, f in VALIDATORS.items() if before.get(f)}
        try:
            result = client.get(url, headers)
            if result.status == 304:
                continue
            filings = periodic_filings(result.body)
        except SecFetchError as error:
            problems.append(f"{company.ticker}: {error}")
            if error.network:
                break
            continue
        except (ValueError, KeyError, TypeError) as error:
            problems.append(f"{company.ticker}: GET {url}: not a submissions document ({error!r})")
            continue
        seen = set(before.get("seen") or ())
        if filings - seen:
            found[company.ticker] = sorted(filings - seen)
        state[key] = {
            "etag": result.headers.get("ETag"),
            "last_modified": result.headers.get("Last-Modified"),
            "seen": sorted(seen | filings),
        }
    return state, found, problems


def parse_cursor(cursor: str | None) -> dict[str, Any]:
    try:
        value = json.loads(cursor or "{}")
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def run_key(accessions: list[str]) -> str:
    """``sec-<accession>+<accession>...``; hashed when that is longer than 200 characters."""
    key = "+".join(accessions)
    return "sec-" + (key if len(key) <= 200 else hashlib.sha256(key.encode()).hexdigest()[:32])


@dg.sensor(
    name=SENSOR_NAME,
    job=refresh_warehouse,
    minimum_interval_seconds=int(os.environ.get(INTERVAL_ENV) or 600),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Polls the SEC submissions list of each configured company (conditional "
    "requests, at most 10 per second); a new 10-Q, 10-K, 20-F, 40-F or amendment refreshes that "
    "company's companyfacts and everything downstream. Off unless SEC_USER_AGENT is set. "
    "Cursor: JSON {CIK: {etag, last_modified, seen: [accession numbers]}}.",
)
def sec_filings_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    try:
        config = load_settings()
        if not config.enabled:
            return dg.SkipReason(f"SEC filings sensor off: {OFF_MESSAGE}")
        state, found, problems = poll(config, parse_cursor(context.cursor))
    except SecConfigError as error:
        return dg.SkipReason(f"SEC filings sensor off: configuration: {error}")
    for problem in problems:
        context.log.warning(f"SEC filings sensor: {problem}")
    cursor = json.dumps(state, sort_keys=True)
    if not found:
        why = "; ".join(problems) or "no new filing"
        return dg.SensorResult(
            skip_reason=f"{len(config.companies)} companies polled: {why}", cursor=cursor
        )
    if context.repository_def is None:
        raise dg.DagsterInvariantViolationError(f"{SENSOR_NAME} needs its definitions")
    graph = context.repository_def.asset_graph
    selection = dg.AssetSelection.assets(COMPANYFACTS_KEY).downstream()
    tickers = sorted(found)
    accessions = sorted(a for t in tickers for a in found[t])
    context.log.info(f"new filings: {found}")
    request = dg.RunRequest(
        run_key=run_key(accessions),
        run_config={"ops": {"sec__companyfacts": {"config": {"tickers": tickers}}}},
        asset_selection=sorted(selection.resolve(graph), key=lambda k: k.to_user_string()),
        asset_check_keys=sorted(selection.resolve_checks(graph), key=str),
        tags={"trigger": SENSOR_NAME, "tickers": ",".join(tickers)[:200]},
    )
    return dg.SensorResult(run_requests=[request], cursor=cursor)

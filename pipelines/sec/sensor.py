"""Sensor ``sec_filings_sensor``: a new 10-Q or 10-K on EDGAR refreshes that company's figures.

Polls ``{SEC_BASE_URL}/submissions/CIK##########.json`` of each configured company through
:class:`SecClient` with ``If-None-Match`` / ``If-Modified-Since`` (an unchanged list is a 304);
the cursor holds per CIK the validators and the FORMS accession numbers seen; new ones request
one run of ``sec/companyfacts`` for those companies (run config ``tickers``) and everything
downstream. Details: docs/sec-connector.md, "Noticing new filings".
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Mapping
from typing import Any

import dagster as dg

from pipelines.automation import downstream_of
from pipelines.jobs import refresh_warehouse
from pipelines.sec.assets import COMPANYFACTS_KEY
from pipelines.sec.client import SecClient, SecFetchError
from pipelines.sec.config import OFF_MESSAGE, SecConfigError, SecSettings, load_settings

SENSOR_NAME = "sec_filings_sensor"
INTERVAL_ENV = "SEC_SENSOR_INTERVAL_S"
#: Periodic reports with XBRL financial statements (a 6-K rarely has them: not watched).
FORMS = frozenset({"10-Q", "10-K", "10-Q/A", "10-K/A", "20-F", "20-F/A", "40-F", "40-F/A"})


def periodic_filings(body: bytes) -> set[str]:
    """Accession numbers of the FORMS filings in a submissions document (``filings.recent``
    holds at least the last year, or 1,000 filings)."""
    recent = json.loads(body)["filings"]["recent"]
    forms = zip(recent["accessionNumber"], recent["form"], strict=True)
    return {str(accn) for accn, form in forms if form in FORMS}


def poll(
    config: SecSettings, cursor: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, list[str]], list[str]]:
    """(new cursor, {ticker: new accession numbers}, problems). A company that fails keeps
    its cursor entry; an unreachable server ends the poll."""
    # a tick must end within Dagster's sensor timeout (60 s): the whole poll gets 45 s
    client = SecClient(dataclasses.replace(config, fetch_deadline_s=45.0))
    state = dict(cursor)
    found: dict[str, list[str]] = {}
    problems: list[str] = []
    for company in config.companies:
        key = f"{company.cik:010d}"
        url, before = f"{config.base_url}/submissions/CIK{key}.json", state.get(key) or {}
        sent = {"If-None-Match": before.get("etag"), "If-Modified-Since": before.get("modified")}
        try:
            result = client.get(url, {h: v for h, v in sent.items() if v})
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
            "modified": result.headers.get("Last-Modified"),
            "seen": sorted(seen | filings),
        }
    return state, found, problems


@dg.sensor(
    name=SENSOR_NAME,
    job=refresh_warehouse,
    minimum_interval_seconds=int(os.environ.get(INTERVAL_ENV) or 600),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Polls the SEC submissions list of each configured company (conditional "
    "requests, at most 10 per second); a new 10-Q, 10-K, 20-F, 40-F or amendment refreshes that "
    "company's companyfacts and everything downstream. Off unless SEC_USER_AGENT is set.",
)
def sec_filings_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    try:
        config = load_settings()
        if not config.enabled:
            return dg.SkipReason(f"SEC filings sensor off: {OFF_MESSAGE}")
        state, found, problems = poll(config, json.loads(context.cursor or "{}"))
    except SecConfigError as error:
        return dg.SkipReason(f"SEC filings sensor off: configuration: {error}")
    for problem in problems:
        context.log.warning(f"SEC filings sensor: {problem}")
    cursor = json.dumps(state, sort_keys=True)
    if not found:
        why = "".join(f"; {p}" for p in problems)
        skip = f"{len(config.companies)} companies polled, no new periodic report{why}"
        return dg.SensorResult(skip_reason=skip, cursor=cursor)
    tickers = sorted(found)
    key = "+".join(sorted(a for t in tickers for a in found[t]))
    context.log.info(f"new filings: {found}")
    assets, checks = downstream_of(context, [COMPANYFACTS_KEY])
    request = dg.RunRequest(
        run_key="sec-" + (key if len(key) <= 200 else hashlib.sha256(key.encode()).hexdigest()),
        run_config={"ops": {"sec__companyfacts": {"config": {"tickers": tickers}}}},
        asset_selection=assets,
        asset_check_keys=checks,
        tags={"trigger": SENSOR_NAME, "tickers": ",".join(tickers)[:200]},
    )
    return dg.SensorResult(run_requests=[request], cursor=cursor)

"""Filed figures in the ledger's staging (issue 18): the SEC connector's quarters become
figures with their filings, one figure per period is chosen by source precedence, and
disagreements between kinds of source are listed. Fast: run_model on a few rows."""

from __future__ import annotations

import datetime as dt

from tests.sqlmodel import TODAY, run_model

D = dt.date


def _sec(value_usd_m, accn, filed, *, method="discrete", subtracted=None, decimals=-6):
    """A sec.quarterly row: GOOGL capex, fiscal 2025 Q2 (the calendar quarter to June 30)."""
    return {
        "ticker": "GOOGL",
        "cik": 1652044,
        "metric": "capex_purchases_pp_e",
        "taxonomy": "us-gaap",
        "concept": "PaymentsToAcquirePropertyPlantAndEquipment",
        "unit": "USD",
        "fiscal_year": 2025,
        "fiscal_quarter": 2,
        "period_start": D(2025, 4, 1),
        "period_end": D(2025, 6, 30),
        "calendar_quarter": "2025Q2",
        "value": value_usd_m * 1e6,
        "value_usd_m": float(value_usd_m),
        "decimals": decimals,
        "method": method,
        "vintage": "latest",
        "vintage_note": None,
        "accn": accn,
        "form": "10-Q",
        "filed": filed,
        "subtracted_accn": subtracted[0] if subtracted else None,
        "subtracted_form": "10-Q" if subtracted else None,
        "subtracted_filed": subtracted[1] if subtracted else None,
        "known_since": filed,
        "last_filed": filed,
    }


CALENDAR = [
    {
        "ticker": "GOOGL",
        "fiscal_year": 2025,
        "fiscal_quarter": 2,
        "period_start": D(2025, 4, 1),
        "period_end": D(2025, 6, 30),
        "calendar_quarter": "2025Q2",
        "fiscal_year_start": D(2025, 1, 1),
        "fiscal_year_end": D(2025, 12, 31),
    },
]


def test_a_filed_quarter_becomes_a_figure_with_its_filings() -> None:
    latest = _sec(
        22446,
        "0001652044-25-000062",
        D(2025, 7, 24),
        method="ytd_difference",
        subtracted=("0001652044-25-000043", D(2025, 4, 25)),
    )
    first = dict(latest)
    rows = run_model(
        "staging.filed_figures",
        {
            "sec.quarterly": [latest],
            "sec.quarterly_as_first_reported": [first],  # the same value: one figure, not two
            "staging.fiscal_quarters": CALENDAR,
        },
    )
    assert len(rows) == 1
    row = rows[0]
    assert (row["fiscal_year"], row["fiscal_quarter"], row["value"]) == (2025, 2, 22446.0)
    assert row["published"] == D(2025, 7, 24)
    assert row["accession"] == "0001652044-25-000062"
    assert row["subtracted_accession"] == "0001652044-25-000043"
    assert row["source_url"] == (
        "https://www.sec.gov/Archives/edgar/data/1652044/000165204425000062/"
    )
    assert row["source_title"] == (
        "10-Q filed 2025-07-24 (0001652044-25-000062) less 10-Q filed 2025-04-25 "
        "(0001652044-25-000043)"
    )
    assert row["stated_precision"] is None and row["on_calendar"] is True


def test_a_restated_quarter_keeps_both_values_with_their_dates() -> None:
    restated = _sec(22500, "0001652044-26-000010", D(2026, 2, 4))
    first = _sec(22446, "0001652044-25-000062", D(2025, 7, 24))
    rows = run_model(
        "staging.filed_figures",
        {
            "sec.quarterly": [restated],
            "sec.quarterly_as_first_reported": [first],
            "staging.fiscal_quarters": CALENDAR,
        },
    )
    assert [(r["value"], r["published"]) for r in rows] == [
        (22446.0, D(2025, 7, 24)),
        (22500.0, D(2026, 2, 4)),
    ]


def _curated(value, published, source_type, url):
    return {
        "ticker": "GOOGL",
        "metric": "capex_purchases_pp_e",
        "value_kind": "actual",
        "basis": "discrete",
        "fiscal_year": 2025,
        "fiscal_quarter": 2,
        "period_end": D(2025, 6, 30),
        "value": float(value),
        "unit": "USD_m",
        "published": published,
        "source_title": "t",
        "source_url": url,
        "source_type": source_type,
    }


def _filed(value, published, accession):
    return {
        "ticker": "GOOGL",
        "metric": "capex_purchases_pp_e",
        "value_kind": "actual",
        "basis": "discrete",
        "fiscal_year": 2025,
        "fiscal_quarter": 2,
        "period_start": D(2025, 4, 1),
        "period_end": D(2025, 6, 30),
        "value": float(value),
        "unit": "USD_m",
        "published": published,
        "concept": "us-gaap:X",
        "method": "discrete",
        "accession": accession,
        "form": "10-Q",
        "filed": published,
        "source_title": "10-Q",
        "source_url": "u",
        "source_quote": "q",
        "source_note": "n",
        "on_calendar": True,
    }


def _chosen(curated, filed, as_of=None):
    figures = run_model(
        "staging.figures",
        {
            "raw.financials": curated,
            "staging.filed_figures": filed,
        },
    )
    vintages = [{"as_of": TODAY}] + ([{"as_of": as_of}] if as_of else [])
    return run_model(
        "staging.actual_figures",
        {
            "as_of.figures_known": [
                {"as_of": v["as_of"], **f}
                for v in vintages
                for f in figures
                if v["as_of"] == TODAY or (f["published"] and f["published"] <= v["as_of"])
            ],
            "raw.companies": [
                {"ticker": "GOOGL", "name": "Alphabet", "fiscal_calendar": "month_end:dec"}
            ],
        },
        asof=True,
    )


def test_a_filing_comes_before_a_later_secondary_source() -> None:
    rows = _chosen(
        [_curated(22400, D(2025, 8, 1), "secondary", "https://news.example/a")],
        [_filed(22446, D(2025, 7, 24), "0001652044-25-000062")],
    )
    assert [(r["value"], r["source_kind"], r["source_ref"]) for r in rows] == [
        (22446.0, "filing", "0001652044-25-000062"),
    ]


def test_the_curated_row_stays_where_the_filings_have_nothing() -> None:
    rows = _chosen([_curated(22446, D(2025, 7, 23), "press_release", "https://abc.xyz/q2")], [])
    assert [(r["value"], r["source_kind"], r["source_rank"]) for r in rows] == [
        (22446.0, "curated", 2),
    ]


def test_before_the_filing_the_press_release_is_the_figure() -> None:
    rows = _chosen(
        [_curated(22440, D(2025, 7, 23), "press_release", "https://abc.xyz/q2")],
        [_filed(22446, D(2025, 7, 24), "0001652044-25-000062")],
        as_of=D(2025, 7, 23),
    )
    by_vintage = {r["as_of"]: (r["value"], r["source_kind"]) for r in rows}
    assert by_vintage == {D(2025, 7, 23): (22440.0, "curated"), TODAY: (22446.0, "filing")}


def _reconcile(curated_value, filed_value):
    figures = run_model(
        "staging.figures",
        {
            "raw.financials": [
                _curated(curated_value, D(2025, 7, 23), "press_release", "https://p")
            ],
            "staging.filed_figures": [_filed(filed_value, D(2025, 7, 24), "0001652044-25-000062")],
        },
    )
    chosen = _chosen(
        [_curated(curated_value, D(2025, 7, 23), "press_release", "https://p")],
        [_filed(filed_value, D(2025, 7, 24), "0001652044-25-000062")],
    )
    return run_model(
        "meta.reconciliation",
        {
            "staging.figures": figures,
            "staging.actual_figures": [
                {k: v for k, v in r.items() if k != "as_of"} for r in chosen
            ],
        },
    )


def test_sources_apart_by_more_than_half_a_percent_are_listed_with_both_sources() -> None:
    rows = _reconcile(22000, 22446)  # 2.0 % apart
    assert len(rows) == 1
    row = rows[0]
    assert (row["used_value"], row["used_source_kind"]) == (22446.0, "filing")
    assert (row["other_value"], row["other_source_kind"], row["other_source_ref"]) == (
        22000.0,
        "curated",
        "https://p",
    )
    assert round(row["relative_difference"], 4) == round((22000 - 22446) / 22446, 4)


def test_sources_within_half_a_percent_agree() -> None:
    assert _reconcile(22400, 22446) == []  # 0.2 % apart

"""Restatements paired by filing (docs/sec.md, section 4), on constructed companyfacts files.

Every case is a SYNTHETIC companyfacts document built here: one calendar-year filer (CIK
1999999, ticker TEST), capex tagged PaymentsToAcquirePropertyPlantAndEquipment, values in USD
millions chosen so that each rule gives a different answer. The filings (form, accession,
filing date) are the ones a calendar-year filer would make; which period each reports and with
which value is stated in the tables below.
"""

import datetime as dt
import json

import polars as pl

from pipelines.sec.config import Company, concept_map
from pipelines.sec.derive import Derived, derive_frame
from pipelines.sec.models import FiscalYearCoverageModel, QuarterlyModel
from pipelines.sec.parse import parse_documents

D = dt.date.fromisoformat
CIK, TICKER = 1999999, "TEST"
PPE = "PaymentsToAcquirePropertyPlantAndEquipment"
REVENUE = "Revenues"  # a concept the concept map leaves out
CAPEX = "capex_purchases_pp_e"
#: the concept map (raw/filing_concepts.csv's shape): capex is PPE alone
CONCEPTS = concept_map([Company(TICKER, CIK, "Test Co", ((CAPEX, 1, "us-gaap", PPE, "USD", 1),))])

# filings: name -> (accession, form, filed)
FILINGS = {
    "10-K 2023": ("0001999999-24-000001", "10-K", "2024-02-01"),
    "10-Q 2024Q1": ("0001999999-24-000002", "10-Q", "2024-04-25"),
    "10-Q 2024Q2": ("0001999999-24-000003", "10-Q", "2024-07-25"),
    "10-Q 2024Q3": ("0001999999-24-000004", "10-Q", "2024-10-24"),
    "10-K 2024": ("0001999999-25-000001", "10-K", "2025-02-05"),
    "10-Q 2025Q1": ("0001999999-25-000002", "10-Q", "2025-04-24"),
    "10-Q 2025Q2": ("0001999999-25-000003", "10-Q", "2025-07-24"),
    "10-Q 2025Q3": ("0001999999-25-000004", "10-Q", "2025-10-23"),
    "10-K 2025": ("0001999999-26-000001", "10-K", "2026-02-04"),
}
PERIODS = {  # label -> (start, end)
    "FY2023": ("2023-01-01", "2023-12-31"),
    "Q1 2023": ("2023-01-01", "2023-03-31"),
    "H1 2023": ("2023-01-01", "2023-06-30"),
    "Q2 2023": ("2023-04-01", "2023-06-30"),
    "9M 2023": ("2023-01-01", "2023-09-30"),
    "Q3 2023": ("2023-07-01", "2023-09-30"),
    "FY2024": ("2024-01-01", "2024-12-31"),
    "Q1 2024": ("2024-01-01", "2024-03-31"),
    "H1 2024": ("2024-01-01", "2024-06-30"),
    "Q2 2024": ("2024-04-01", "2024-06-30"),
    "9M 2024": ("2024-01-01", "2024-09-30"),
    "Q3 2024": ("2024-07-01", "2024-09-30"),
    "FY2025": ("2025-01-01", "2025-12-31"),
    "Q1 2025": ("2025-01-01", "2025-03-31"),
    "H1 2025": ("2025-01-01", "2025-06-30"),
    "Q2 2025": ("2025-04-01", "2025-06-30"),
    "9M 2025": ("2025-01-01", "2025-09-30"),
    "Q3 2025": ("2025-07-01", "2025-09-30"),
}

#: Capex (USD m) as the filings report it when nothing is ever restated: each 10-Q the quarter,
#: its year to date and the comparatives of the year before; each 10-K two full years.
UNCHANGED = {
    "10-K 2023": {"FY2023": 400},
    "10-Q 2024Q1": {"Q1 2024": 100, "Q1 2023": 90},
    "10-Q 2024Q2": {"H1 2024": 210, "Q2 2024": 110, "H1 2023": 190, "Q2 2023": 100},
    "10-Q 2024Q3": {"9M 2024": 330, "Q3 2024": 120, "9M 2023": 290, "Q3 2023": 100},
    "10-K 2024": {"FY2024": 455, "FY2023": 400},
    "10-Q 2025Q1": {"Q1 2025": 130, "Q1 2024": 100},
    "10-Q 2025Q2": {"H1 2025": 270, "Q2 2025": 140, "H1 2024": 210, "Q2 2024": 110},
    "10-Q 2025Q3": {"9M 2025": 420, "Q3 2025": 150, "9M 2024": 330, "Q3 2024": 120},
}


def changed(base: dict, **filings: dict[str, float]) -> dict:
    """``base`` with some filings' values replaced (``10-K_2024={...}`` names "10-K 2024")."""
    out = {name: dict(values) for name, values in base.items()}
    for key, values in filings.items():
        out.setdefault(key.replace("_", " "), {}).update(values)
    return out


#: The issue's case. The 10-K for 2024 reports the full year on a new basis: 470, and 2023
#: restated from 400 to 420 (what shows the filing is on a new basis). The 2025 10-Qs then
#: restate the 2024 comparatives onto that basis: Q1 105, H1 220 / Q2 115, 9M 345 / Q3 125.
NEW_BASIS_10K = changed(
    UNCHANGED,
    **{
        "10-K_2024": {"FY2024": 470, "FY2023": 420},
        "10-Q_2025Q1": {"Q1 2024": 105},
        "10-Q_2025Q2": {"H1 2024": 220, "Q2 2024": 115},
        "10-Q_2025Q3": {"9M 2024": 345, "Q3 2024": 125},
    },
)

#: Only the short leg restated: the 10-K for 2024 reports 470 and restates nothing; the 10-Q of
#: 2025 Q3 restates nine months 2024 from 330 to 345 and nothing else.
SHORT_LEG_ONLY = changed(
    UNCHANGED, **{"10-K_2024": {"FY2024": 470}, "10-Q_2025Q3": {"9M 2024": 345}}
)


def document(capex: dict, revenue: dict | None = None) -> bytes:
    """A companyfacts JSON body: {filing: {period: USD m}} for capex (and revenue)."""

    def facts(values: dict) -> list[dict]:
        rows = []
        for filing, periods in values.items():
            accn, form, filed = FILINGS[filing]
            for period, usd_m in periods.items():
                start, end = PERIODS[period]
                rows.append(
                    {
                        "start": start,
                        "end": end,
                        "val": int(usd_m * 1_000_000),
                        "accn": accn,
                        "fy": int(filed[:4]),
                        "fp": "FY" if form == "10-K" else "Q",
                        "form": form,
                        "filed": filed,
                    }
                )
        return rows

    gaap = {PPE: {"label": "capex", "units": {"USD": facts(capex)}}}
    if revenue:
        gaap[REVENUE] = {"label": "revenue", "units": {"USD": facts(revenue)}}
    body = {"cik": CIK, "entityName": "Test Co (synthetic)", "facts": {"us-gaap": gaap}}
    return json.dumps(body).encode()


def derived(capex: dict, revenue: dict | None = None, as_of: str | None = None) -> Derived:
    """The derivation on the document, with only the filings made on or before ``as_of``."""
    facts = parse_documents([document(capex, revenue)], {CIK: TICKER})
    if as_of is not None:
        facts = facts.filter(pl.col("filed") <= D(as_of))
    result = derive_frame(facts, CONCEPTS)
    QuarterlyModel.validate(result.latest)
    FiscalYearCoverageModel.validate(result.coverage)
    return result


def year(result: Derived, fiscal_year: int) -> list[tuple]:
    return (
        result.latest.filter(pl.col("fiscal_year") == fiscal_year)
        .sort("fiscal_quarter")
        .select("fiscal_quarter", "value_usd_m", "method", "vintage")
        .rows()
    )


def q4(result: Derived, fiscal_year: int) -> dict:
    return result.latest.filter(
        (pl.col("fiscal_year") == fiscal_year) & (pl.col("fiscal_quarter") == 4)
    ).row(0, named=True)


def coverage(result: Derived, fiscal_year: int) -> dict:
    return result.coverage.filter(pl.col("fiscal_year") == fiscal_year).row(0, named=True)


def test_no_restatement_every_quarter_from_the_latest_legs() -> None:
    result = derived(UNCHANGED)
    assert year(result, 2024) == [
        (1, 100.0, "discrete", "latest"),
        (2, 110.0, "discrete", "latest"),
        (3, 120.0, "discrete", "latest"),
        (4, 125.0, "fy_minus_9m", "latest"),  # 455 - 330
    ]
    assert result.latest["vintage_note"].is_null().all()
    # 2023 from the comparative columns: Q4 = 400 - 290
    assert [r[1] for r in year(result, 2023)] == [90.0, 100.0, 100.0, 110.0]
    assert (coverage(result, 2024)["status"], coverage(result, 2024)["quarters_sum_usd_m"]) == (
        "complete",
        455.0,  # 100 + 110 + 120 + 125
    )
    # without a restatement both series are the same
    assert result.latest.select("fiscal_year", "fiscal_quarter", "value").equals(
        result.first.select("fiscal_year", "fiscal_quarter", "value")
    )


def test_new_basis_full_year_minus_the_nine_months_restated_onto_it() -> None:
    """The issue's case: Q4 2024 = new full year 470 - restated nine months 345 = 125, and the
    four quarters (105 + 115 + 125 + 125) sum to the year."""
    result = derived(NEW_BASIS_10K)
    assert year(result, 2024) == [
        (1, 105.0, "discrete", "latest"),
        (2, 115.0, "discrete", "latest"),
        (3, 125.0, "discrete", "latest"),
        # not 470 - 330 = 140 (the old nine months, which the vintage count would pair it with)
        (4, 125.0, "fy_minus_9m", "latest"),
    ]
    row = q4(result, 2024)
    assert (row["accn"], row["subtracted_accn"], row["known_since"]) == (
        "0001999999-25-000001",
        "0001999999-25-000004",
        D("2025-10-23"),
    )
    year_2024 = coverage(result, 2024)
    assert (year_2024["status"], year_2024["quarters_sum_usd_m"], year_2024["full_year_usd_m"]) == (
        "complete",
        470.0,
        470.0,
    )
    # 2023: the full year restated by the 10-K of 2025-02-05 (400 -> 420), its nine months (290)
    # never reported on that basis: Q4 stays 400 - 290 and says why; the year no longer adds up
    row_2023 = q4(result, 2023)
    assert (row_2023["value_usd_m"], row_2023["vintage"]) == (110.0, "earlier_consistent")
    assert row_2023["vintage_note"] == (
        "FY restated (vintage 1, 10-K 0001999999-25-000001 filed 2025-02-05); 9M was last "
        "reported on 2024-10-24, before that filing: both legs taken on the earlier basis (FY "
        "400.0 m filed 2024-02-01, 9M 290.0 m filed 2024-10-24); the latest legs would give "
        "130.0 m"
    )
    year_2023 = coverage(result, 2023)
    assert year_2023["status"] == "mismatch"
    assert year_2023["reason"] == (
        "quarters sum to 400.0 m, full year 420.0 m: off by -20.0 m, beyond ±2.5 m; restated "
        "after first report: FY (PaymentsToAcquirePropertyPlantAndEquipment) 420.0 m restated "
        "(vintage 1, 10-K 0001999999-25-000001 filed 2025-02-05); 1 quarter(s) from legs on an "
        "earlier basis (see vintage_note)"
    )


def test_before_the_nine_months_are_restated_the_legs_are_on_two_bases() -> None:
    """The same filings as of 2025-03-01: the new-basis full year exists, the nine months only
    on the old basis. No filing reports both on one basis: the latest legs, flagged."""
    result = derived(NEW_BASIS_10K, as_of="2025-03-01")
    row = q4(result, 2024)
    assert (row["value_usd_m"], row["vintage"]) == (140.0, "mixed_basis")  # 470 - 330
    assert row["vintage_note"] == (
        "FY 470.0 m (10-K 0001999999-25-000001 filed 2025-02-05) was first reported on the "
        "basis of 10-K 0001999999-25-000001 (filed 2025-02-05); 9M 330.0 m (10-Q "
        "0001999999-24-000004 filed 2024-10-24) was last reported on 2024-10-24, before it: no "
        "filing reports both legs on one basis, the latest legs are used"
    )
    assert coverage(result, 2024)["reason"] == (
        "1 quarter(s) from legs on two bases: no filing reports both on one (see vintage_note)"
    )


def test_only_the_short_leg_restated_pairs_the_old_legs_until_the_year_is_reported_again() -> None:
    """Nine months 2024 restated (330 -> 345) by the 10-Q of 2025-10-23, the full year 470
    never: nothing shows the 10-K of 2025-02-05 was on the new basis, so Q4 keeps 470 - 330 and
    the note names the nine months as the restated leg. Once the 10-K of 2026-02-04 reports the
    2024 full year again, unchanged, it is on the new basis: Q4 = 470 - 345."""
    result = derived(SHORT_LEG_ONLY)
    row = q4(result, 2024)
    assert (row["value_usd_m"], row["vintage"], row["subtracted_accn"]) == (
        140.0,
        "earlier_consistent",
        "0001999999-24-000004",
    )
    assert row["vintage_note"] == (
        "9M restated (vintage 1, 10-Q 0001999999-25-000004 filed 2025-10-23); FY was last "
        "reported on 2025-02-05, before that filing: both legs taken on the earlier basis (FY "
        "470.0 m filed 2025-02-05, 9M 330.0 m filed 2024-10-24); the latest legs would give "
        "125.0 m"
    )
    again = derived(changed(SHORT_LEG_ONLY, **{"10-K_2025": {"FY2025": 560, "FY2024": 470}}))
    row = q4(again, 2024)
    assert (row["value_usd_m"], row["vintage"], row["vintage_note"]) == (125.0, "latest", None)
    assert (row["accn"], row["subtracted_accn"], row["last_filed"]) == (
        "0001999999-25-000001",  # the full year as first published
        "0001999999-25-000004",  # the nine months as restated
        D("2026-02-04"),
    )


def test_coverage_names_the_quarters_own_filing_not_a_later_comparative() -> None:
    """The 10-Q for 2024 Q1 is not in the file; the 10-Q for 2025 Q1 has a 2024 Q1 revenue
    column but no capex at all. 2024 Q1 capex is missing because its own filing is absent, not
    because the 2025 10-Q (2025 Q1's filing) left it out."""
    capex = {k: v for k, v in UNCHANGED.items() if k not in ("10-Q 2024Q1", "10-Q 2025Q1")}
    revenue = {"10-Q 2025Q1": {"Q1 2025": 1300, "Q1 2024": 1000}}
    result = derived(capex, revenue)
    assert coverage(result, 2024)["reason"] == (
        "Q1: no filing for this quarter in the file (first: 2024-02-01)"
    )
    assert coverage(result, 2025)["reason"].startswith(
        "Q1: no standard concept in that filing: 10-Q 0001999999-25-000002 (filed 2025-04-24) "
        "tags none of PaymentsToAcquirePropertyPlantAndEquipment for the quarter; "
    )

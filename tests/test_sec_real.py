"""The traps of the real companyfacts files in shared/sec-real, one test each.

The files are read where they are (``SEC_REAL_DIR``, default ``../shared/sec-real`` beside the
repository; see ``pipelines.sec.config.real_files_dir``) and never copied here. Every expected
value below was read from those files (the facts named in each comment); the README of that
folder lists the traps.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path

import polars as pl
import pytest

from pipelines.sec.config import (
    Company,
    concept_map,
    load_settings,
    real_files_dir,
    real_files_missing,
)
from pipelines.sec.derive import Derived, derive_frame
from pipelines.sec.models import (
    FiscalYearCoverageModel,
    QuarterlyFirstReportedModel,
    QuarterlyModel,
)
from pipelines.sec.parse import parse_files

REAL = real_files_dir()
pytestmark = pytest.mark.skipif(
    not (REAL / "SHA256SUMS").is_file(),
    reason=real_files_missing(REAL),
)
D = dt.date.fromisoformat
PPE = "PaymentsToAcquirePropertyPlantAndEquipment"
PRODUCTIVE = "PaymentsToAcquireProductiveAssets"
RFCC = "RevenueFromContractWithCustomerExcludingAssessedTax"
CAPEX = "capex_purchases_pp_e"


def concepts(*rows: tuple[str, str], taxonomy: str = "us-gaap", unit: str = "USD") -> tuple:
    """(metric, concept) pairs in priority order, as rows of raw/filing_concepts.csv."""
    return tuple(
        (metric, [m for m, _ in rows[: i + 1]].count(metric), taxonomy, concept, unit, 1)
        for i, (metric, concept) in enumerate(rows)
    )


#: In the corpus but not ledger companies (not in raw/companies.csv): configured here only,
#: with the concepts of their files.
SNOWFLAKE = Company(
    "SNOW",
    1640147,
    "Snowflake Inc.",
    concepts((CAPEX, PPE), ("revenue", RFCC), ("revenue", "Revenues")),
)
TSMC = Company(
    "TSM",
    1046179,
    "Taiwan Semiconductor Manufacturing Company Limited",
    concepts(
        (CAPEX, "PurchaseOfPropertyPlantAndEquipmentClassifiedAsInvestingActivities"),
        ("revenue", "Revenue"),
        taxonomy="ifrs-full",
        unit="TWD",
    ),
)


def real_files() -> list[Path]:
    return sorted(REAL.glob("CIK*.json")) + sorted((REAL / "excerpts").glob("CIK*.json"))


@pytest.fixture(scope="module")
def companies() -> list[Company]:
    return [*load_settings({}).companies, SNOWFLAKE, TSMC]  # the ledger's (raw/) and these


@pytest.fixture(scope="module")
def facts(companies) -> pl.DataFrame:
    return parse_files(real_files(), {c.cik: c.ticker for c in companies})


@pytest.fixture(scope="module")
def derived(facts, companies) -> Derived:
    result = derive_frame(facts, concept_map(companies))
    QuarterlyModel.validate(result.latest, lazy=True)
    QuarterlyFirstReportedModel.validate(result.first, lazy=True)
    FiscalYearCoverageModel.validate(result.coverage, lazy=True)
    return result


def quarters(frame: pl.DataFrame, ticker: str, metric: str, fiscal_year: int) -> pl.DataFrame:
    return frame.filter(
        (pl.col("ticker") == ticker)
        & (pl.col("metric") == metric)
        & (pl.col("fiscal_year") == fiscal_year)
    ).sort("fiscal_quarter")


def coverage(derived: Derived, ticker: str, metric: str, fiscal_year: int) -> dict:
    return derived.coverage.filter(
        (pl.col("ticker") == ticker)
        & (pl.col("metric") == metric)
        & (pl.col("fiscal_year") == fiscal_year)
    ).row(0, named=True)


def raw(facts: pl.DataFrame, ticker: str, concept: str, start: str, end: str) -> pl.DataFrame:
    return facts.filter(
        (pl.col("ticker") == ticker)
        & (pl.col("concept") == concept)
        & (pl.col("start") == D(start))
        & (pl.col("end") == D(end))
    ).sort("filed", "accn")


def test_the_files_are_the_published_bytes() -> None:
    sums = dict(
        reversed(line.split(maxsplit=1))
        for line in (REAL / "SHA256SUMS").read_text().splitlines()
        if line.strip()
    )
    assert len(sums) == 8 and len(real_files()) == 8
    for path in real_files():
        name = path.relative_to(REAL).as_posix()
        assert hashlib.sha256(path.read_bytes()).hexdigest() == sums[name], name


def test_every_real_fact_parses_and_every_quarter_is_one_row(facts, derived) -> None:
    assert facts.height == 70_124
    assert dict(derived.latest.group_by("ticker").len().iter_rows()) == {
        "AMZN": 74,
        "GOOGL": 152,  # capex 46, D&A 13, operating cash flow 46, revenue 47
        "META": 29,
        "MRVL": 75,  # capex, operating cash flow and revenue, 25 each
        "MSFT": 112,
        "NVDA": 263,  # capex 49, D&A 71, operating cash flow 71, revenue 72
        "SNOW": 45,
    }
    key = ["ticker", "metric", "fiscal_year", "fiscal_quarter"]
    for frame in (derived.latest, derived.first):
        assert frame.select(key).is_unique().all()
        assert frame.height == 750


# --------------------------------------------------------------------- NVIDIA near-duplicates
def test_nvidia_fiscal_2011_q2_revenue_is_one_quarter_and_the_year_adds_up(facts, derived) -> None:
    # the trap: the same quarter tagged to 2010-07-31 (FY2012 10-K) and 2010-08-01 (10-Q)
    ends = facts.filter(
        (pl.col("ticker") == "NVDA")
        & (pl.col("concept") == "Revenues")
        & (pl.col("start") == D("2010-05-03"))
    )["end"]
    assert sorted(set(ends)) == [D("2010-07-31"), D("2010-08-01")]
    fy2011 = quarters(derived.latest, "NVDA", "revenue", 2011)
    assert fy2011.select("fiscal_quarter", "period_start", "period_end", "value_usd_m").rows() == [
        (1, D("2010-02-01"), D("2010-05-02"), 1001.813),
        (2, D("2010-05-03"), D("2010-08-01"), 811.208),
        (3, D("2010-08-02"), D("2010-10-31"), 843.912),
        (4, D("2010-11-01"), D("2011-01-30"), 886.376),
    ]
    year = coverage(derived, "NVDA", "revenue", 2011)
    # 1,001.813 + 811.208 + 843.912 + 886.376 = 3,543.309 = FY2011 (2010-02-01 .. 2011-01-30)
    assert (year["status"], year["quarters_sum_usd_m"], year["full_year_usd_m"]) == (
        "complete",
        pytest.approx(3543.309),
        3543.309,
    )
    assert year["tolerance"] == 2.5 * 1000  # printed in thousands (decimals -3)


# ------------------------------------------------------------------------- NVIDIA capex gaps
def test_nvidia_capex_quarters_without_a_standard_concept_are_listed_with_a_reason(
    derived,
) -> None:
    cov = derived.coverage.filter((pl.col("ticker") == "NVDA") & (pl.col("metric") == CAPEX))
    missing = dict(cov.select("fiscal_year", "quarters_missing").iter_rows())
    for year in range(2013, 2022):
        assert missing[year] == "4", year
    assert missing[2023] == "1,2,3"
    assert missing[2012] is None and missing[2022] is None and missing[2024] is None
    fy2013 = coverage(derived, "NVDA", CAPEX, 2013)
    assert fy2013["status"] == "incomplete"
    assert fy2013["reason"] == (
        "Q4: no standard concept in that filing: 10-K 0001045810-13-000008 (filed 2013-03-12) "
        "tags none of PaymentsToAcquirePropertyPlantAndEquipment, "
        "PaymentsToAcquireProductiveAssets for the quarter or its year-to-date legs"
    )
    fy2023 = coverage(derived, "NVDA", CAPEX, 2023)["reason"]
    assert fy2023.startswith(
        "Q1: no standard concept in that filing: 10-Q 0001045810-22-000079 (filed 2022-05-27)"
    )
    assert "Q3: 9M present but no H1 and no 3M: no standard concept in that filing: 10-Q " in (
        fy2023
    )
    # FY2010 Q1 (from 2009-01-26) ended in April 2009; the file's first filing is the FY2010 Q2
    # 10-Q of 2009-08-20, so Q1's own 10-Q is not in the file. The 10-Q of 2010-05-21 is FY2011
    # Q1's (its 2009 column a comparative) and is named for FY2011 only.
    assert coverage(derived, "NVDA", CAPEX, 2010)["reason"].startswith(
        "Q1: no filing for this quarter in the file (first: 2009-08-20); Q2: no standard "
        "concept in that filing: 10-Q 0001045810-09-000024 (filed 2009-08-20)"
    )
    assert coverage(derived, "NVDA", CAPEX, 2011)["reason"].startswith(
        "Q1: no standard concept in that filing: 10-Q 0001045810-10-000018 (filed 2010-05-21)"
    )
    # nothing is made up for those quarters
    assert quarters(derived.latest, "NVDA", CAPEX, 2023)["fiscal_quarter"].to_list() == [4]
    # FY2023 Q4 = FY 1,833 - 9M 1,324 (PaymentsToAcquireProductiveAssets)
    assert quarters(derived.latest, "NVDA", CAPEX, 2023)["value_usd_m"].to_list() == [509.0]


# ------------------------------------------------------------------- Alphabet restatements
def test_alphabet_2014_q4_capex_uses_legs_of_one_vintage(facts, derived) -> None:
    # FY2014 10,959 (10-K 2016-02-11) restated to 11,014 (10-K 2017-02-03); 9M 2014 only ever
    # 7,408 (10-Q 2015-10-29)
    assert raw(facts, "GOOGL", PPE, "2014-01-01", "2014-12-31")["val"].to_list() == [
        10_959e6,
        10_959e6,
        11_014e6,
    ]
    assert raw(facts, "GOOGL", PPE, "2014-01-01", "2014-09-30")["val"].to_list() == [7_408e6]
    q4 = quarters(derived.latest, "GOOGL", CAPEX, 2014).row(0, named=True)
    assert (q4["fiscal_quarter"], q4["value_usd_m"], q4["vintage"], q4["method"]) == (
        4,
        3551.0,  # 10,959 - 7,408 as first reported, not 11,014 - 7,408 = 3,606
        "earlier_consistent",
        "fy_minus_9m",
    )
    assert (q4["accn"], q4["form"], q4["filed"]) == (
        "0001652044-16-000012",
        "10-K",
        D("2016-02-11"),
    )
    assert (q4["subtracted_accn"], q4["subtracted_form"], q4["subtracted_filed"]) == (
        "0001652044-15-000005",
        "10-Q",
        D("2015-10-29"),
    )
    assert q4["known_since"] == D("2016-02-11")
    # Alphabet's capex basis changed once: the 10-Q of 2016-11-03 restated 9M 2015 (7,815 to
    # 7,848); the 10-K of 2017-02-03 (FY 2014 and 2015) and the 2017 10-Qs (Q1, H1 and Q2
    # 2016) caught up with it. 9M 2014 was never reported after it.
    assert q4["vintage_note"] == (
        "FY restated (vintage 1, 10-K 0001652044-17-000008 filed 2017-02-03); 9M was last "
        "reported on 2015-10-29, before the basis of 10-Q 0001652044-16-000038 (filed "
        "2016-11-03): both legs taken on the earlier basis (FY 10,959.0 m filed 2016-02-11, 9M "
        "7,408.0 m filed 2015-10-29); the latest legs would give 3,606.0 m"
    )
    first = quarters(derived.first, "GOOGL", CAPEX, 2014)
    assert first.select("value_usd_m", "vintage").row(0) == (3551.0, "first_reported")


def test_alphabet_2015_quarters_against_the_full_year_are_flagged_with_the_reason(
    derived,
) -> None:
    got = quarters(derived.latest, "GOOGL", CAPEX, 2015)
    # Q1-Q3 three-month facts from the 2016 10-Qs; Q4 = FY 9,950 (restated, 2017-02-03) - 9M
    # 7,848 (restated, 2016-11-03): both legs restated once, so the latest pair is consistent
    assert got.select("value_usd_m", "method", "vintage").rows() == [
        (2927.0, "discrete", "latest"),
        (2515.0, "discrete", "latest"),
        (2383.0, "discrete", "latest"),
        (2102.0, "fy_minus_9m", "latest"),
    ]
    year = coverage(derived, "GOOGL", CAPEX, 2015)
    assert (year["status"], year["sums_to_full_year"]) == ("mismatch", False)
    assert (year["quarters_sum_usd_m"], year["full_year_usd_m"]) == (9927.0, 9950.0)
    assert year["reason"] == (
        "quarters sum to 9,927.0 m, full year 9,950.0 m: off by -23.0 m, beyond ±2.5 m; "
        "restated after first report: 9M (PaymentsToAcquirePropertyPlantAndEquipment) 7,848.0 m "
        "restated (vintage 1, 10-Q 0001652044-16-000038 filed 2016-11-03); FY "
        "(PaymentsToAcquirePropertyPlantAndEquipment) 9,950.0 m restated (vintage 1, 10-K "
        "0001652044-17-000008 filed 2017-02-03)"
    )


def test_alphabet_2025_q2_capex_is_known_since_both_legs_were_public(derived) -> None:
    q2 = quarters(derived.latest, "GOOGL", CAPEX, 2025).row(1, named=True)
    # H1 2025 first in the 10-Q of 2025-07-24 (repeated 2026-04-30 ...), Q1 in that of 2025-04-25
    assert (q2["filed"], q2["subtracted_filed"], q2["known_since"]) == (
        D("2025-07-24"),
        D("2025-04-25"),
        D("2025-07-24"),
    )
    assert q2["last_filed"] > q2["known_since"]


def test_alphabet_revenue_continues_across_the_2025_tag_switch(derived) -> None:
    got = quarters(derived.latest, "GOOGL", "revenue", 2025)
    assert got.select("fiscal_quarter", "concept", "value_usd_m", "method").rows() == [
        (1, RFCC, 90234.0, "discrete"),
        (2, "Revenues", 96428.0, "discrete"),
        (3, "Revenues", 102346.0, "discrete"),
        (4, "Revenues", 113829.0, "fy_minus_9m"),  # 402,836 - 289,007
    ]
    year = coverage(derived, "GOOGL", "revenue", 2025)
    assert (year["status"], year["full_year_usd_m"]) == ("complete", 402836.0)
    assert year["reason"] == (
        "concept switch within the year: "
        "RevenueFromContractWithCustomerExcludingAssessedTax, Revenues"
    )
    # 2024 (before the switch) is all one concept, four quarters, one row each
    assert set(quarters(derived.latest, "GOOGL", "revenue", 2024)["concept"]) == {RFCC}


# -------------------------------------------------------------------------------- Amazon
def test_amazon_trailing_twelve_months_are_never_a_link(facts, companies, derived) -> None:
    amazon = facts.filter((pl.col("ticker") == "AMZN") & (pl.col("concept") == PRODUCTIVE))
    days = (pl.col("end") - pl.col("start")).dt.total_days()
    ttm = amazon.filter(days.is_between(350, 380) & pl.col("form").str.starts_with("10-Q"))
    assert ttm.height == 48  # trailing twelve months in 10-Qs, e.g. 2023-10-01..2024-09-30
    assert ttm.filter(pl.col("frame").is_not_null()).height > 0  # some with calendar frames
    alone = derive_frame(ttm, concept_map(companies)).latest
    assert alone.filter(pl.col("ticker") == "AMZN").is_empty()
    got = quarters(derived.latest, "AMZN", CAPEX, 2024)
    assert got.select("value_usd_m", "method").rows() == [
        (14925.0, "discrete"),
        (17620.0, "discrete"),
        (22620.0, "discrete"),
        (27834.0, "fy_minus_9m"),  # 82,999 - 55,165
    ]
    legs = set(got["accn"]) | set(got["subtracted_accn"].drop_nulls())
    assert legs.isdisjoint(
        set(ttm["accn"]) - set(amazon.filter(~days.is_between(350, 380))["accn"])
    )


def test_amazon_capex_before_2016_needs_the_fallback_concept(facts, derived) -> None:
    # the excerpt holds PaymentsToAcquireProductiveAssets only: FY2016 7,804 is its earliest
    concepts = set(facts.filter(pl.col("ticker") == "AMZN")["concept"])
    assert concepts == {PRODUCTIVE, RFCC}
    first_year = coverage(derived, "AMZN", CAPEX, 2016)
    assert (first_year["status"], first_year["full_year_usd_m"]) == ("incomplete", 7804.0)
    assert first_year["reason"].endswith(
        "Q4: FY present but no 9M and no 3M: no filing for Q3 in the file (first: 2018-10-26)"
    )


def synthetic_ppe(facts: pl.DataFrame, start: str, end: str, usd_m: float) -> pl.DataFrame:
    """A SYNTHETIC Amazon PaymentsToAcquirePropertyPlantAndEquipment fact (not in the file)."""
    template = facts.filter(pl.col("ticker") == "AMZN").head(1)
    return template.with_columns(
        concept=pl.lit(PPE),
        start=pl.lit(D(start)),
        end=pl.lit(D(end)),
        val=pl.lit(usd_m * 1e6),
        accn=pl.lit("9999999999-16-000001"),
        form=pl.lit("10-K"),
        fy=pl.lit(None, dtype=pl.Int64),
        fp=pl.lit(None, dtype=pl.Utf8),
        filed=pl.lit(D("2016-01-29")),
        frame=pl.lit(None, dtype=pl.Utf8),
    )


def test_concept_fallback_applies_period_by_period_without_double_counting(
    facts, companies, derived
) -> None:
    amazon = [c for c in companies if c.ticker == "AMZN"]
    assert [c[3] for c in amazon[0].concepts if c[0] == CAPEX] == [PRODUCTIVE, PPE]  # raw/
    extra = pl.concat(
        [
            # 2015 exists only in the fallback concept (values synthetic)
            synthetic_ppe(facts, "2015-01-01", "2015-12-31", 4_000.0),
            synthetic_ppe(facts, "2015-01-01", "2015-09-30", 3_000.0),
            # 2024 Q1 in both concepts: the configured first concept keeps it
            synthetic_ppe(facts, "2024-01-01", "2024-03-31", 1.0),
        ]
    )
    latest = derive_frame(
        pl.concat([facts.filter(pl.col("ticker") == "AMZN"), extra]), concept_map(amazon)
    ).latest
    capex = latest.filter(pl.col("metric") == CAPEX)
    assert capex.filter(pl.col("fiscal_year") == 2015).select(
        "fiscal_quarter", "concept", "value_usd_m"
    ).rows() == [(4, PPE, 1000.0)]
    q1 = capex.filter((pl.col("fiscal_year") == 2024) & (pl.col("fiscal_quarter") == 1))
    assert q1.select("concept", "value_usd_m").rows() == [(PRODUCTIVE, 14925.0)]
    real = derived.latest.filter((pl.col("ticker") == "AMZN") & (pl.col("metric") == CAPEX))
    assert capex.height == real.height + 1  # the real quarters, plus 2015 Q4 from the fallback


# ----------------------------------------------------------------------------- Microsoft
def test_microsoft_fiscal_2017_q1_from_the_second_day_of_the_year(facts, derived) -> None:
    # the FY2018 10-K tags fiscal 2017 Q1 revenue from 2016-07-02 (the year began 2016-07-01)
    assert raw(facts, "MSFT", RFCC, "2016-07-02", "2016-09-30")["val"].to_list() == [21_928e6]
    got = quarters(derived.latest, "MSFT", "revenue", 2017)
    assert got.select("fiscal_quarter", "period_start", "value_usd_m").rows() == [
        (1, D("2016-07-02"), 21928.0),
        (2, D("2016-10-01"), 25826.0),
        (3, D("2017-01-01"), 23212.0),
        (4, D("2017-04-01"), 25605.0),
    ]
    year = coverage(derived, "MSFT", "revenue", 2017)
    assert (year["status"], year["full_year_usd_m"]) == ("complete", 96571.0)


def test_amendments_are_later_filings_of_the_same_vintage(facts, derived) -> None:
    # Microsoft's 10-Q/A of 2012-01-27 repeats H1 FY2011 capex 1,055 of the 10-Q of 2011-01-27
    amended = raw(facts, "MSFT", PPE, "2010-07-01", "2010-12-31")
    assert amended.select("form", "filed", "val").rows() == [
        ("10-Q", D("2011-01-27"), 1_055e6),
        ("10-Q/A", D("2012-01-27"), 1_055e6),
    ]
    q2 = quarters(derived.latest, "MSFT", "capex_additions_to_pp_e", 2011).row(1, named=True)
    assert (q2["value_usd_m"], q2["form"], q2["filed"], q2["vintage"]) == (
        491.0,
        "10-Q",
        D("2011-01-27"),
        "latest",
    )
    assert q2["last_filed"] == D("2012-01-27")


def test_null_fiscal_year_and_period_change_nothing(facts, companies, derived) -> None:
    assert facts.filter(pl.col("fy").is_null() | pl.col("fp").is_null()).height == 684
    blank = facts.with_columns(fy=pl.lit(None, dtype=pl.Int64), fp=pl.lit(None, dtype=pl.Utf8))
    again = derive_frame(blank, concept_map(companies))
    assert again.latest.equals(derived.latest)
    assert again.coverage.equals(derived.coverage)


# ------------------------------------------------------------------------------- Marvell
def test_marvell_53_week_year_has_a_97_day_fourth_quarter(derived) -> None:
    q4 = quarters(derived.latest, "MRVL", "revenue", 2024).row(3, named=True)
    assert (q4["period_start"], q4["period_end"]) == (D("2023-10-29"), D("2024-02-03"))
    assert (q4["period_end"] - q4["period_start"]).days == 97  # 14 weeks, 2023-10-29 .. 2024-02-03
    assert (q4["value_usd_m"], q4["method"]) == (
        pytest.approx(1426.5),
        "fy_minus_9m",
    )  # 5,507.7 - 4,081.2
    year = coverage(derived, "MRVL", "revenue", 2024)
    assert (year["status"], year["fy_start"], year["fy_end"]) == (
        "complete",
        D("2023-01-29"),
        D("2024-02-03"),
    )


OCF = "NetCashProvidedByUsedInOperatingActivities"


def test_legs_are_paired_by_the_filings_that_reported_them(facts, derived) -> None:
    """Two quarters the vintage count paired across a basis change, and their years."""
    # NVIDIA's 10-Q of 2016-11-22 first reports FY2017 9M operating cash flow (951) and, in the
    # same filing, restates H1 from 493 (10-Q of 2016-08-23) to 519
    assert raw(facts, "NVDA", OCF, "2016-02-01", "2016-07-31").select("filed", "val").rows()[
        :2
    ] == [(D("2016-08-23"), 493e6), (D("2016-11-22"), 519e6)]
    q3 = quarters(derived.latest, "NVDA", "operating_cash_flow", 2017).row(2, named=True)
    # 951 - 519, both from that 10-Q; not 951 - 493 = 458
    assert (q3["value_usd_m"], q3["vintage"], q3["accn"], q3["subtracted_accn"]) == (
        432.0,
        "latest",
        "0001045810-16-000353",
        "0001045810-16-000353",
    )
    year = coverage(derived, "NVDA", "operating_cash_flow", 2017)
    # 319 + 201 + 432 + 721 = 1,673 against 1,672, within 2.5
    assert (year["status"], year["quarters_sum_usd_m"], year["full_year_usd_m"]) == (
        "complete",
        1673.0,
        1672.0,
    )
    # Alphabet's 8-K of 2016-05-03 recast 2015 operating cash flow (26,024 to 26,572): a basis.
    # H1 2015 (13,818) was first filed after it, on 2016-08-04; 9M 2015 was restated onto it
    # (19,609 to 19,963) on 2016-11-03
    assert raw(facts, "GOOGL", OCF, "2015-01-01", "2015-09-30").select("filed", "val").rows() == [
        (D("2015-10-29"), 19_609e6),
        (D("2016-11-03"), 19_963e6),
    ]
    got = quarters(derived.latest, "GOOGL", "operating_cash_flow", 2015)
    assert got.select("value_usd_m", "method", "vintage").rows() == [
        (6722.0, "discrete", "latest"),  # from the 10-Q filed with the 8-K, on 2016-05-03
        (7096.0, "ytd_difference", "latest"),  # 13,818 - 6,722
        (6145.0, "ytd_difference", "latest"),  # 19,963 - 13,818, not 19,609 - 13,818 = 5,791
        (6609.0, "fy_minus_9m", "latest"),  # 26,572 - 19,963
    ]
    year = coverage(derived, "GOOGL", "operating_cash_flow", 2015)
    assert (year["status"], year["quarters_sum_usd_m"], year["full_year_usd_m"]) == (
        "complete",
        26572.0,
        26572.0,
    )


def test_marvell_fy2023_capex_legs_on_two_bases_until_the_nine_months_are_filed_again(
    facts, companies, derived
) -> None:
    # the 10-K of 2023-03-09 restated FY2022 capex (169.324 to 169.2): a basis change. It first
    # reported FY2023 (206.2); FY2023's nine months (152.2) were filed before it, on 2022-12-02,
    # and again, unchanged, in the 10-Q of 2023-12-01
    assert raw(facts, "MRVL", PPE, "2022-01-30", "2022-10-29").select("filed", "val").rows() == [
        (D("2022-12-02"), 152_200_000.0),
        (D("2023-12-01"), 152_200_000.0),
    ]
    marvell = [c for c in companies if c.ticker == "MRVL"]
    before = derive_frame(
        facts.filter((pl.col("ticker") == "MRVL") & (pl.col("filed") <= D("2023-11-30"))),
        concept_map(marvell),
    ).latest
    q4 = quarters(before, "MRVL", CAPEX, 2023).row(3, named=True)
    assert (q4["value_usd_m"], q4["vintage"]) == (pytest.approx(54.0), "mixed_basis")
    assert q4["vintage_note"] == (
        "FY 206.2 m (10-K 0001835632-23-000013 filed 2023-03-09) was first reported on the "
        "basis of 10-K 0001835632-23-000013 (filed 2023-03-09); 9M 152.2 m (10-Q "
        "0001835632-22-000053 filed 2022-12-02) was last reported on 2022-12-02, before it: no "
        "filing reports both legs on one basis, the latest legs are used"
    )
    now = quarters(derived.latest, "MRVL", CAPEX, 2023).row(3, named=True)
    assert (now["value_usd_m"], now["vintage"], now["vintage_note"]) == (
        pytest.approx(54.0),  # 206.2 - 152.2, both legs now on the new basis
        "latest",
        None,
    )


def test_marvell_precision_change_is_not_a_restatement(facts, derived) -> None:
    # FY2021 capex 106,798 thousand (10-K 2022-03-10), later 106.8 million (10-K 2023-03-09)
    assert raw(facts, "MRVL", PPE, "2020-02-02", "2021-01-30")["val"].to_list() == [
        106_798_000.0,
        106_800_000.0,
    ]
    q4 = quarters(derived.latest, "MRVL", CAPEX, 2021).row(3, named=True)
    # 106.798 - 88.242, one vintage: the precise value and its first filing
    assert (q4["value_usd_m"], q4["vintage"], q4["decimals"]) == (
        pytest.approx(18.556),
        "latest",
        -3,
    )
    assert q4["filed"] == D("2022-03-10") and q4["last_filed"] == D("2023-03-09")
    # from FY2023 Marvell prints tenths of a million
    assert set(quarters(derived.latest, "MRVL", CAPEX, 2024)["decimals"]) == {-5}


# --------------------------------------------------------------------------------- TSMC
def test_tsmc_is_an_annual_only_ifrs_filer_and_says_so(derived) -> None:
    assert derived.latest.filter(pl.col("ticker") == "TSM").is_empty()
    tsmc = derived.coverage.filter(pl.col("ticker") == "TSM")
    assert tsmc.height == 20  # 2015-2024, capex and revenue
    assert set(tsmc["status"]) == {"annual_only"}
    assert set(tsmc["reason"]) == {
        "annual-only filer (20-F), IFRS (ifrs-full): no quarter can be derived"
    }
    assert tsmc.filter(pl.col("metric") == "revenue")["fiscal_year"].to_list() == list(
        range(2015, 2025)
    )


# ------------------------------------------------------------------------- whole corpus
def test_every_year_is_complete_or_says_why(derived) -> None:
    cov = derived.coverage
    assert dict(cov.group_by("status").len().iter_rows()) == {
        "complete": 170,
        "incomplete": 38,
        "open": 16,
        "mismatch": 2,
        "annual_only": 20,
        "no_data": 9,
    }
    assert cov.filter((pl.col("status") != "complete") & pl.col("reason").is_null()).is_empty()
    # legs on an earlier basis: Alphabet 2014 Q4 capex and operating cash flow, Marvell FY2022
    # Q4 capex; none on two bases
    assert dict(derived.latest.group_by("vintage").len().iter_rows()) == {
        "latest": 747,
        "earlier_consistent": 3,
    }
    # every year with four quarters and a full year adds up, except Alphabet's 2015 capex
    # (Q1 and Q2 never reported on the basis of the restated 9M and FY) and NVIDIA's FY2011 D&A
    # (as filed: 186.899 vs 186.989)
    checked = cov.filter(pl.col("sums_to_full_year").is_not_null())
    assert checked.filter(~pl.col("sums_to_full_year")).select(
        "ticker", "metric", "fiscal_year"
    ).rows() == [
        ("GOOGL", CAPEX, 2015),
        ("NVDA", "depreciation_amortization", 2011),
    ]
    assert checked.height == 172
    # the excerpts hold capex and revenue only (Meta: capex); no real Broadcom file exists
    no_data = cov.filter(pl.col("status") == "no_data")
    assert sorted(no_data.select("ticker", "metric").rows()) == [
        ("AMZN", "depreciation_amortization"),
        ("AMZN", "operating_cash_flow"),
        ("AVGO", CAPEX),
        ("AVGO", "revenue"),
        ("META", "capex_incl_finance_leases"),
        ("META", "depreciation_amortization"),
        ("META", "operating_cash_flow"),
        ("META", "revenue"),
        ("MSFT", "operating_cash_flow"),
    ]


# ------------------------------------------------------------- edgartools issues, Snowflake
def snowflake_concept(facts: pl.DataFrame, concept: str) -> pl.DataFrame:
    """Quarters of one Snowflake concept (any metric can be mapped: here revenue)."""
    company = Company("SNOW", 1640147, "Snowflake Inc.", concepts(("revenue", concept)))
    return derive_frame(facts.filter(pl.col("ticker") == "SNOW"), concept_map([company])).latest


def test_no_quarter_from_a_prior_fiscal_year_when_q1_is_missing(facts) -> None:
    """edgartools #1197: GoodwillPeriodIncreaseDecrease FY2025 has H1, 9M and FY but no Q1;
    Q2 must not be H1 minus FY2024's Q1."""
    got = snowflake_concept(facts, "GoodwillPeriodIncreaseDecrease")
    assert got.select("fiscal_year", "fiscal_quarter", "value_usd_m").rows() == [
        (2024, 1, 53.881),
        (2024, 2, pytest.approx(63.049)),  # 116.930 - 53.881, the control value
        (2024, 3, pytest.approx(10.105)),  # 127.035 - 116.930
        (2024, 4, pytest.approx(191.501)),  # 318.536 - 127.035
        (2025, 3, pytest.approx(6.589)),  # 14.759 - 8.170; no Q1 and Q2 for FY2025
        (2025, 4, pytest.approx(65.894)),  # 80.653 - 14.759
    ]


def test_a_nine_month_value_is_never_labelled_a_quarter(facts) -> None:
    """edgartools #1180: PaymentsToAcquireInvestments FY2022 Q3 is 9M 3,042.396 minus H1
    1,988.633 (first published as a comparative in the 10-Q of 2022-09-01)."""
    got = snowflake_concept(facts, "PaymentsToAcquireInvestments")
    q3 = got.filter((pl.col("fiscal_year") == 2022) & (pl.col("fiscal_quarter") == 3))
    assert q3.select(
        "value_usd_m", "method", "filed", "subtracted_filed", "known_since"
    ).rows() == [
        (
            pytest.approx(1053.763),
            "ytd_difference",
            D("2021-12-03"),
            D("2022-09-01"),
            D("2022-09-01"),
        ),
    ]
    assert set(got["period_end"] - got["period_start"]) <= {
        dt.timedelta(days=d) for d in range(84, 99)
    }


# ------------------------------------------------------------------------------ the docs
DOCS = Path(__file__).resolve().parent.parent / "docs" / "sec.md"
START, END = "<!-- sec-real-traps:start -->", "<!-- sec-real-traps:end -->"


def _m(value: float) -> str:
    return f"{value:,.3f}".rstrip("0").rstrip(".")


def trap_table(derived: Derived) -> str:
    """The table of docs/sec.md: what the derivation gives on each trap of the real files."""
    latest, cov = derived.latest, derived.coverage

    def q(ticker: str, metric: str, year: int, quarter: int) -> dict:
        return (
            quarters(latest, ticker, metric, year)
            .filter(pl.col("fiscal_quarter") == quarter)
            .row(0, named=True)
        )

    nv = quarters(latest, "NVDA", "revenue", 2011)
    nv_year = coverage(derived, "NVDA", "revenue", 2011)
    gaps = cov.filter(
        (pl.col("ticker") == "NVDA")
        & (pl.col("metric") == CAPEX)
        & pl.col("fiscal_year").is_between(2013, 2023)
        & pl.col("quarters_missing").is_not_null()
    )
    gap_text = ", ".join(
        f"FY{y}: Q{m}" for y, m in gaps.select("fiscal_year", "quarters_missing").rows()
    )
    g14, g15 = q("GOOGL", CAPEX, 2014, 4), coverage(derived, "GOOGL", CAPEX, 2015)
    g25 = q("GOOGL", CAPEX, 2025, 2)
    rev = quarters(latest, "GOOGL", "revenue", 2025)
    amzn16 = coverage(derived, "AMZN", CAPEX, 2016)
    msft = q("MSFT", "revenue", 2017, 1)
    mrvl = q("MRVL", "revenue", 2024, 4)
    mrvl21 = q("MRVL", CAPEX, 2021, 4)
    tsmc = cov.filter(pl.col("ticker") == "TSM")
    rows = [
        (
            "NVIDIA FY2011 Q2 revenue tagged to 2010-07-31 and 2010-08-01",
            f"{nv.height} quarters; Q2 {nv['period_start'][1]}..{nv['period_end'][1]} "
            f"{_m(nv['value_usd_m'][1])}; sum {_m(nv_year['quarters_sum_usd_m'])} = FY "
            f"{_m(nv_year['full_year_usd_m'])} ({nv_year['status']})",
        ),
        (
            "NVIDIA capex without a standard concept",
            f"missing, each with its filing in `reason`: {gap_text}",
        ),
        (
            "Alphabet FY2014 restated (10,959 to 11,014), 9M never",
            f"Q4 {_m(g14['value_usd_m'])} ({g14['vintage']}; latest legs would give 3,606)",
        ),
        (
            "Alphabet 2015 quarters vs full year",
            f"sum {_m(g15['quarters_sum_usd_m'])} vs FY {_m(g15['full_year_usd_m'])}: "
            f"status {g15['status']}, reason names the restated 9M and FY",
        ),
        (
            "Alphabet 2025 Q2 capex provenance",
            f"legs filed {g25['filed']} and {g25['subtracted_filed']}: known since "
            f"{g25['known_since']} (last repeated {g25['last_filed']})",
        ),
        (
            "Alphabet revenue tag switch in 2025 Q2",
            "2025: "
            + ", ".join(
                f"Q{r['fiscal_quarter']} {r['concept']} {_m(r['value_usd_m'])}"
                for r in rev.iter_rows(named=True)
            ),
        ),
        (
            "Amazon trailing-twelve-month columns",
            "never a leg: no quarter from them alone; 2024 Q4 = "
            f"{_m(q('AMZN', CAPEX, 2024, 4)['value_usd_m'])} (FY minus 9M)",
        ),
        (
            "Amazon capex before 2016 (fallback concept)",
            f"not in the excerpt; FY2016: {amzn16['status']}, reason says no filing for Q1-Q3",
        ),
        (
            "Microsoft FY2017 Q1 from 2016-07-02",
            f"one Q1 {msft['period_start']}..{msft['period_end']} "
            f"{_m(msft['value_usd_m'])}; FY2017 "
            f"{coverage(derived, 'MSFT', 'revenue', 2017)['status']}",
        ),
        (
            "Marvell 53-week FY2024",
            f"Q4 {mrvl['period_start']}..{mrvl['period_end']} "
            f"({(mrvl['period_end'] - mrvl['period_start']).days} days) {_m(mrvl['value_usd_m'])}",
        ),
        (
            "Marvell thousands to tenths of a million",
            f"FY2021 capex 106.798 then 106.8: one vintage; Q4 {_m(mrvl21['value_usd_m'])}, "
            f"decimals {mrvl21['decimals']}",
        ),
        (
            "TSMC annual IFRS 20-F only",
            f"{tsmc.height} years, status {', '.join(sorted(set(tsmc['status'])))}: "
            f'"{tsmc["reason"][0]}"',
        ),
    ]
    lines = [
        "| trap (real file) | what sec.quarterly / sec.fiscal_year_coverage say |",
        "| --- | --- |",
    ]
    lines += [f"| {trap} | {text} |" for trap, text in rows]
    return "\n".join(lines)


def test_docs_trap_table_is_what_the_derivation_gives(derived) -> None:
    """docs/sec.md shows this table; regenerate with
    UPDATE_DOCS=1 .venv/bin/python -m pytest tests/test_sec_real.py -k docs"""
    text = DOCS.read_text(encoding="utf-8")
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    current = f"{START}\n{trap_table(derived)}\n{END}"
    if os.environ.get("UPDATE_DOCS") == "1":
        DOCS.write_text(before + current + after, encoding="utf-8")
        pytest.skip(f"{DOCS} rewritten")
    assert f"{START}{rest.split(END, 1)[0]}{END}" == current

"""Year-to-date to quarter derivation on companyfacts fixtures (values from the references)."""

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from pipelines.calendar.fiscal import fiscal_quarter_end, fiscal_quarter_start
from pipelines.sec.config import Company, concept_map, load_companies
from pipelines.sec.derive import derive_frame
from pipelines.sec.models import QuarterlyFirstReportedModel, QuarterlyModel
from pipelines.sec.parse import parse_documents, parse_files

FIXTURES = Path(__file__).parent / "fixtures" / "sec"
#: the frozen raw snapshot: its companies and their concepts (raw/filing_concepts.csv)
SNAPSHOT = Path(__file__).parent / "fixtures" / "raw_snapshot_2025-09-05"
D = dt.date.fromisoformat
PPE = "PaymentsToAcquirePropertyPlantAndEquipment"


@pytest.fixture(scope="module")
def companies() -> tuple[Company, ...]:
    return load_companies(SNAPSHOT)


@pytest.fixture(scope="module")
def facts(companies) -> pl.DataFrame:
    return parse_files(sorted(FIXTURES.glob("CIK*.json")), {c.cik: c.ticker for c in companies})


@pytest.fixture(scope="module")
def derived(facts, companies) -> tuple[pl.DataFrame, pl.DataFrame]:
    latest, first, _ = derive_frame(facts, concept_map(companies))
    QuarterlyModel.validate(latest)
    QuarterlyFirstReportedModel.validate(first)
    return latest, first


def rows(frame: pl.DataFrame, ticker: str, metric: str, *columns: str) -> list[tuple]:
    return (
        frame.filter((pl.col("ticker") == ticker) & (pl.col("metric") == metric))
        .sort("period_end")
        .select(columns)
        .rows()
    )


def test_facts_table_has_every_fact_of_the_fixtures(facts) -> None:
    counts = dict(facts.group_by("ticker").len().rows())
    # facts per filing in build_fixtures.py, summed by hand
    assert counts == {"MSFT": 11, "GOOGL": 18, "AMZN": 20, "META": 9, "AVGO": 8, "MRVL": 9}


def test_june_fiscal_year_microsoft(derived) -> None:
    latest, _ = derived
    got = rows(
        latest,
        "MSFT",
        "capex_additions_to_pp_e",
        "fiscal_year",
        "fiscal_quarter",
        "period_start",
        "period_end",
        "calendar_quarter",
        "value_usd_m",
        "method",
    )
    assert got[4:] == [
        # FY2025: Q1 as filed; Q2 = H1 30,727 - 14,923; Q3 = 9M 47,472 - H1 30,727;
        # Q4 = FY 64,551 - 9M 47,472
        (2025, 1, D("2024-07-01"), D("2024-09-30"), "2024Q3", 14923.0, "discrete"),
        (2025, 2, D("2024-10-01"), D("2024-12-31"), "2024Q4", 15804.0, "ytd_difference"),
        (2025, 3, D("2025-01-01"), D("2025-03-31"), "2025Q1", 16745.0, "ytd_difference"),
        (2025, 4, D("2025-04-01"), D("2025-06-30"), "2025Q2", 17079.0, "fy_minus_9m"),
    ]
    # FY2024 from the comparative columns: 9,917; 19,652 - 9,917; 30,604 - 19,652; 44,477 - 30,604
    assert [r[5] for r in got[:4]] == [9917.0, 9735.0, 10952.0, 13873.0]
    q4 = latest.filter(
        (pl.col("ticker") == "MSFT") & (pl.col("period_end") == D("2025-06-30"))
    ).row(0, named=True)
    assert q4["accn"] == "9999999999-25-000105" and q4["subtracted_accn"] == "9999999999-25-000104"
    assert q4["filed"] == D("2025-07-30") and q4["value"] == 17_079_000_000.0


def test_calendar_year_alphabet(derived) -> None:
    latest, _ = derived
    got = rows(
        latest,
        "GOOGL",
        "capex_purchases_pp_e",
        "period_end",
        "fiscal_quarter",
        "value_usd_m",
        "method",
    )
    assert got == [
        (D("2023-03-31"), 1, 6289.0, "discrete"),
        (D("2023-06-30"), 2, 6888.0, "ytd_difference"),  # 13,177 - 6,289
        (D("2023-09-30"), 3, 8055.0, "ytd_difference"),  # 21,232 - 13,177
        (D("2023-12-31"), 4, 11019.0, "fy_minus_9m"),  # 32,251 - 21,232
        (D("2024-03-31"), 1, 12012.0, "discrete"),
        (D("2024-06-30"), 2, 13186.0, "ytd_difference"),  # 25,198 - 12,012
        (D("2024-09-30"), 3, 13061.0, "ytd_difference"),  # 38,259 - 25,198
        (D("2024-12-31"), 4, 14276.0, "fy_minus_9m"),  # 52,535 - 38,259
        (D("2025-03-31"), 1, 17197.0, "discrete"),
        (D("2025-06-30"), 2, 22446.0, "ytd_difference"),  # 39,643 - 17,197
    ]
    assert rows(latest, "GOOGL", "revenue", "calendar_quarter", "value_usd_m") == [
        ("2025Q1", 90234.0),
        ("2025Q2", 96428.0),
    ]


def test_52_53_week_year_broadcom_from_year_to_date_only(facts, companies) -> None:
    """Without Broadcom's three-month facts for FY2025 Q2/Q3, the YTD chain gives them."""
    three_month = (
        (pl.col("ticker") == "AVGO")
        & pl.col("end").is_in([D("2025-05-04"), D("2025-08-03")])
        & ((pl.col("end") - pl.col("start")).dt.total_days() < 100)
    )
    latest, *_ = derive_frame(facts.filter(~three_month), concept_map(companies))
    got = rows(
        latest,
        "AVGO",
        "revenue",
        "fiscal_year",
        "fiscal_quarter",
        "period_start",
        "period_end",
        "calendar_quarter",
        "value_usd_m",
        "method",
    )
    assert got[-3:] == [
        (2025, 1, D("2024-11-04"), D("2025-02-02"), "2024Q4", 14916.0, "discrete"),
        # 29,920 - 14,916 over the 13 weeks 3 Feb - 4 May 2025 (Sunday-based weeks)
        (2025, 2, D("2025-02-03"), D("2025-05-04"), "2025Q1", 15004.0, "ytd_difference"),
        # 44,872 - 29,920 over 5 May - 3 Aug 2025
        (2025, 3, D("2025-05-05"), D("2025-08-03"), "2025Q2", 15952.0, "ytd_difference"),
    ]
    # the same quarters as the fiscal-calendar module's Broadcom rule (nearest:sun:oct-31:q1)
    assert [(r[2], r[3]) for r in got[-3:]] == [
        (
            fiscal_quarter_start("nearest:sun:oct-31:q1", 2025, q),
            fiscal_quarter_end("nearest:sun:oct-31:q1", 2025, q),
        )
        for q in (1, 2, 3)
    ]
    # FY2024 is a 53-week year (Q1 had 14 weeks): its Q2 and Q3 keep their labels
    assert got[:2] == [
        (2024, 2, D("2024-02-05"), D("2024-05-05"), "2024Q1", 12487.0, "discrete"),
        (2024, 3, D("2024-05-06"), D("2024-08-04"), "2024Q2", 13070.0, "discrete"),
    ]


def test_three_month_fact_wins_over_the_difference(derived) -> None:
    latest, _ = derived
    assert rows(latest, "AVGO", "revenue", "period_end", "method")[-2:] == [
        (D("2025-05-04"), "discrete"),
        (D("2025-08-03"), "discrete"),
    ]


def test_52_53_week_fiscal_q4_is_full_year_minus_nine_months_marvell(derived) -> None:
    latest, _ = derived
    q4 = latest.filter(
        (pl.col("ticker") == "MRVL") & (pl.col("period_end") == D("2025-02-01"))
    ).row(0, named=True)
    # FY2025 5,767 - 9M (1,160 + 1,273 + 1,516 = 3,949) = 1,818. Marvell printed Q4 as 1.817 bn:
    # the quarters are rounded to the million in bn-stated releases, the year separately.
    assert (q4["period_start"], q4["value_usd_m"], q4["method"]) == (
        D("2024-11-03"),
        1818.0,
        "fy_minus_9m",
    )
    assert (q4["fiscal_year"], q4["fiscal_quarter"], q4["calendar_quarter"]) == (2025, 4, "2024Q4")
    assert rows(latest, "MRVL", "revenue", "fiscal_year", "fiscal_quarter", "value_usd_m")[-2:] == [
        (2026, 1, 1895.3),
        (2026, 2, 2006.0),
    ]


def test_amazon_trailing_twelve_months_do_not_make_quarters(derived) -> None:
    latest, _ = derived
    got = rows(latest, "AMZN", "capex_purchases_pp_e", "period_end", "value_usd_m", "method")
    assert len(got) == 10  # 2023 Q1 to 2025 Q2, nothing from the TTM fact ending 2024-09-30
    assert got[3] == (D("2023-12-31"), 14588.0, "fy_minus_9m")  # 52,729 - 38,141
    assert got[7] == (D("2024-12-31"), 27834.0, "fy_minus_9m")  # 82,999 - 55,165


def test_first_reported_equals_latest_without_restatements(derived) -> None:
    latest, first = derived
    joined = latest.join(first, on=["ticker", "metric", "period_end"], suffix="_first")
    assert joined.height == latest.height == first.height == 47
    assert joined.filter(pl.col("value") != pl.col("value_first")).is_empty()
    # Amazon 2024 Q1 was first filed 2024-05-01 and repeated unchanged 2025-05-02: both series
    # name the first filing; last_filed says when it was last repeated
    known = joined.filter((pl.col("ticker") == "AMZN") & (pl.col("period_end") == D("2024-03-31")))
    assert known.select("filed", "filed_first", "known_since", "last_filed").row(0) == (
        D("2024-05-01"),
        D("2024-05-01"),
        D("2024-05-01"),
        D("2025-05-02"),
    )


def restated(
    facts: pl.DataFrame,
    start: str = "2024-01-01",
    end: str = "2024-09-30",
    val: float = 38_300_000_000.0,
    accn: str = "9999999999-25-000299",
    filed: str = "2025-10-29",
) -> pl.DataFrame:
    """A later (synthetic) filing restates one of Alphabet's capex periods (by default the
    nine months 2024, from 38,259 to 38,300)."""
    extra = (
        facts.filter(
            (pl.col("ticker") == "GOOGL")
            & (pl.col("concept") == "PaymentsToAcquirePropertyPlantAndEquipment")
            & (pl.col("end") == D(end))
            & (pl.col("start") == D(start))
        )
        .head(1)
        .with_columns(
            val=pl.lit(val),
            accn=pl.lit(accn),
            fy=pl.lit(None, dtype=pl.Int64),
            fp=pl.lit(None, dtype=pl.Utf8),
            filed=pl.lit(D(filed)),
            frame=pl.lit(None, dtype=pl.Utf8),
        )
    )
    assert extra.height == 1
    return pl.concat([facts, extra])


GOOGL_2024_Q3_Q4 = (
    (pl.col("ticker") == "GOOGL")
    & (pl.col("metric") == "capex_purchases_pp_e")
    & pl.col("period_end").is_in([D("2024-09-30"), D("2024-12-31")])
)


def test_a_leg_restated_alone_keeps_both_legs_of_one_vintage(facts, companies) -> None:
    """The nine months restated, its counterparts (H1, FY) never: no quarter mixes the new
    nine months with the old half year or full year; the row says what the mix would give."""
    latest, first, _ = derive_frame(restated(facts), concept_map(companies))
    got = latest.filter(GOOGL_2024_Q3_Q4)
    assert got.select(
        "value_usd_m", "vintage", "accn", "subtracted_accn", "known_since"
    ).rows() == [
        # 38,259 - 25,198 (both as first reported), not 38,300 - 25,198 = 13,102
        (
            13061.0,
            "earlier_consistent",
            "9999999999-24-000204",
            "9999999999-24-000203",
            D("2024-10-30"),
        ),
        # 52,535 - 38,259, not 52,535 - 38,300 = 14,235
        (
            14276.0,
            "earlier_consistent",
            "9999999999-25-000205",
            "9999999999-24-000204",
            D("2025-02-05"),
        ),
    ]
    notes = got["vintage_note"].to_list()
    assert notes[0] == (
        "9M restated (vintage 1, 10-Q 9999999999-25-000299 filed 2025-10-29); H1 was last "
        "reported on 2025-07-24, before that filing: both legs taken on the earlier basis (9M "
        "38,259.0 m filed 2024-10-30, H1 25,198.0 m filed 2024-07-24); the latest legs would "
        "give 13,102.0 m"
    )
    # Q4: the restated leg is the shorter one (9M), not the full year
    assert notes[1] == (
        "9M restated (vintage 1, 10-Q 9999999999-25-000299 filed 2025-10-29); FY was last "
        "reported on 2025-02-05, before that filing: both legs taken on the earlier basis (FY "
        "52,535.0 m filed 2025-02-05, 9M 38,259.0 m filed 2024-10-30); the latest legs would "
        "give 14,235.0 m"
    )
    assert first.filter(GOOGL_2024_Q3_Q4).select(
        "value_usd_m", "vintage", "accn", "subtracted_accn", "filed", "subtracted_filed"
    ).rows() == [
        (
            13061.0,
            "first_reported",
            "9999999999-24-000204",
            "9999999999-24-000203",
            D("2024-10-30"),
            D("2024-07-24"),
        ),  # 38,259 - 25,198
        (
            14276.0,
            "first_reported",
            "9999999999-25-000205",
            "9999999999-24-000204",
            D("2025-02-05"),
            D("2024-10-30"),
        ),  # 52,535 - 38,259
    ]


def test_both_legs_restated_give_the_latest_value(facts, companies) -> None:
    """Nine months and full year both restated (one vintage each): Q4 = new FY - new 9M."""
    both = restated(
        restated(facts),
        start="2024-01-01",
        end="2024-12-31",
        val=52_600_000_000.0,
        accn="9999999999-26-000300",
        filed="2026-02-04",
    )
    latest, first, _ = derive_frame(both, concept_map(companies))
    q4 = latest.filter(GOOGL_2024_Q3_Q4 & (pl.col("fiscal_quarter") == 4))
    assert q4.select(
        "value_usd_m", "vintage", "vintage_note", "accn", "subtracted_accn", "known_since"
    ).row(0) == (
        14300.0,  # 52,600 - 38,300
        "latest",
        None,
        "9999999999-26-000300",
        "9999999999-25-000299",
        D("2026-02-04"),
    )
    first_q4 = first.filter(GOOGL_2024_Q3_Q4 & (pl.col("fiscal_quarter") == 4))
    assert first_q4["value_usd_m"].to_list() == [14276.0]


def test_first_concept_present_wins(facts) -> None:
    msft = Company(
        "MSFT",
        789019,
        "Microsoft",
        tuple(
            ("capex_additions_to_pp_e", priority, "us-gaap", concept, "USD", 1)
            for priority, concept in enumerate(["NotFiled", PPE], start=1)
        ),
    )
    latest, *_ = derive_frame(facts, concept_map([msft]))
    assert latest.height == 8
    assert set(latest["concept"]) == {"PaymentsToAcquirePropertyPlantAndEquipment"}


def test_fiscal_years_from_year_to_date_facts_without_any_annual_report(facts) -> None:
    """A filer with 10-Qs only (no 10-K yet): its years start where its YTD facts start."""
    quarterly_only = facts.filter((pl.col("ticker") == "MSFT") & (pl.col("form") == "10-Q"))
    msft = [c for c in load_companies(SNAPSHOT) if c.ticker == "MSFT"]
    latest, *_ = derive_frame(quarterly_only, concept_map(msft))
    assert latest.select("fiscal_year", "fiscal_quarter", "value_usd_m").rows()[-3:] == [
        (2025, 1, 14923.0),
        (2025, 2, 15804.0),  # 30,727 - 14,923
        (2025, 3, 16745.0),  # 47,472 - 30,727
    ]


def test_documents_in_memory_parse_like_files(facts, companies) -> None:
    paths = sorted(FIXTURES.glob("CIK*.json"))
    from_docs = parse_documents(
        [p.read_bytes() for p in paths], {c.cik: c.ticker for c in companies}
    )
    key = ["ticker", "concept", "start", "end", "accn", "val"]
    assert from_docs.sort(key).equals(facts.sort(key))


def test_amended_annual_report_repeating_a_value_is_the_same_vintage(facts, companies) -> None:
    """A 10-K/A that repeats Microsoft's FY2025 capex unchanged: the quarter keeps its first
    filing and vintage; last_filed moves to the amendment."""
    amendment = facts.filter(
        (pl.col("ticker") == "MSFT")
        & (pl.col("start") == D("2024-07-01"))
        & (pl.col("end") == D("2025-06-30"))
    ).with_columns(
        accn=pl.lit("9999999999-25-000199"), form=pl.lit("10-K/A"), filed=pl.lit(D("2025-09-15"))
    )
    assert amendment.height == 1
    latest, *_ = derive_frame(pl.concat([facts, amendment]), concept_map(companies))
    q4 = latest.filter(
        (pl.col("ticker") == "MSFT")
        & (pl.col("fiscal_year") == 2025)
        & (pl.col("fiscal_quarter") == 4)
    ).row(0, named=True)
    assert (q4["value_usd_m"], q4["vintage"], q4["accn"], q4["form"]) == (
        17079.0,
        "latest",
        "9999999999-25-000105",
        "10-K",
    )
    assert q4["last_filed"] == D("2025-09-15")


def test_a_sum_of_concepts_adds_the_facts_of_one_filing_and_period(facts) -> None:
    """Meta's capex including finance leases = purchases of property and equipment + principal
    payments on finance leases (two rows of one priority in raw/filing_concepts.csv). The lease
    payments here are SYNTHETIC: two in the filings of the purchases, one in another filing."""
    meta = facts.filter(pl.col("ticker") == "META")
    lease = "FinanceLeasePrincipalPayments"

    def payment(start: str, end: str, usd_m: float, accn: str, filed: str) -> pl.DataFrame:
        return meta.head(1).with_columns(
            concept=pl.lit(lease),
            start=pl.lit(D(start)),
            end=pl.lit(D(end)),
            val=pl.lit(usd_m * 1e6),
            accn=pl.lit(accn),
            form=pl.lit("10-Q"),
            filed=pl.lit(D(filed)),
        )

    extra = pl.concat(
        [
            payment("2024-01-01", "2024-03-31", 300.0, "9999999999-24-000401", "2024-04-25"),
            payment("2024-01-01", "2024-06-30", 700.0, "9999999999-24-000402", "2024-08-01"),
            # 2025 Q1 purchases are in 9999999999-25-000405: a payment filed elsewhere is no leg
            payment("2025-01-01", "2025-03-31", 400.0, "9999999999-25-000499", "2025-05-02"),
        ]
    )
    rows = [("capex_incl_finance_leases", 1, "us-gaap", c, "USD", 1) for c in (PPE, lease)]
    company = Company("META", 1326801, "Meta", tuple(rows))
    latest, *_ = derive_frame(pl.concat([meta, extra]), concept_map([company]))
    assert latest.select(
        "fiscal_year", "fiscal_quarter", "concept", "value_usd_m", "method"
    ).rows() == [
        (2024, 1, f"{lease} + {PPE}", 6700.0, "discrete"),  # 6,400 + 300, one filing
        (2024, 2, f"{lease} + {PPE}", 8573.0, "ytd_difference"),  # (14,573 + 700) - 6,700
    ]

"""Claim verdicts (the ``claim_judge`` macro), seed-internal facts (``marts.claim_facts``),
the fact choice of ``marts.claim_checks`` and the marts' data tests, each on a few rows in an
in-memory DuckDB; and two scenarios: a missing quarter, and a ``tco.claim_facts`` figure."""

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import duckdb
import pytest

from pipelines.settings import SQL_DIR
from pipelines.sqlmodels.checks import run_test
from tests.sqlmodel import TODAY, column_types, contracts, run_model


@pytest.fixture(scope="module")
def judge() -> Iterator[Callable[..., dict[str, Any]]]:
    """``judge(stated, computed, decimals, qualifier, comparison)`` -> the verdict struct."""
    con = duckdb.connect()
    for macros in sorted((SQL_DIR / "macros").glob("*.sql")):
        con.execute(macros.read_text(encoding="utf-8"))

    def verdict(
        stated: float,
        computed: float | None,
        decimals: int,
        qualifier: str | None = None,
        comparison: str = "equal",
        tolerance: float | None = None,
    ) -> dict[str, Any]:
        row = con.execute(
            "SELECT claim_judge(?::DOUBLE, ?::DOUBLE, ?::BIGINT, ?::VARCHAR, ?::VARCHAR, "
            "?::DOUBLE)",
            [stated, computed, decimals, qualifier, comparison, tolerance],
        ).fetchone()
        assert row is not None
        return row[0]

    yield verdict
    con.close()


# --------------------------------------------------------------------- verdicts
def test_tolerance_is_half_a_unit_of_the_last_printed_decimal(judge):
    assert judge(87.4, 87.431, 1)["status"] == "confirmed"  # |0.031| <= 0.05
    assert judge(87.4, 87.46, 1)["status"] == "contradicted"  # 0.06 > 0.05
    v = judge(69, 69.36, 0)
    assert (v["status"], v["tolerance"]) == ("confirmed", 0.5)
    assert v["difference"] == pytest.approx(0.36)
    assert judge(15.95, 15.952, 2)["status"] == "confirmed"
    assert judge(44.8, 38.44, 1)["status"] == "contradicted"


def test_one_sided_qualifiers(judge):
    assert judge(90, 88.78, 0, "more_than")["status"] == "contradicted"  # needs >= 89.5
    assert judge(90, 89.6, 0, "more_than")["status"] == "confirmed"
    assert judge(58, 61.9, 0, "more_than")["status"] == "confirmed"
    assert judge(30, 30.0, 1, "more_than")["status"] == "confirmed"
    assert judge(10, 10.4, 0, "less_than")["status"] == "confirmed"
    assert judge(10, 10.6, 0, "less_than")["status"] == "contradicted"


def test_about_and_nearly_widen_the_tolerance(judge):
    # about 85 allows ±5 % = ±4.25
    assert judge(85, 81.0, 0, "about")["status"] == "confirmed"
    assert judge(85, 80.5, 0, "about")["status"] == "contradicted"
    # nearly 1,000,000 allows 900,000 .. 1,000,000.5
    assert judge(1_000_000, 950_000, 0, "nearly")["status"] == "confirmed"
    assert judge(1_000_000, 1_010_000, 0, "nearly")["status"] == "contradicted"


def test_bounds_and_missing_values(judge):
    assert judge(7, 6, 0, comparison="upper_bound")["status"] == "contradicted"
    assert judge(5, 6, 0, comparison="upper_bound")["status"] == "confirmed"
    assert judge(6, 7, 0, comparison="lower_bound")["status"] == "contradicted"
    assert judge(1.0, None, 1)["status"] == "not_computable"


def test_a_declared_tolerance_wider_than_the_printed_precision_is_used(judge):
    # the headline TCO claims: 0.43 USD/h reproduced within ±0.01 (printed: ±0.005)
    wide = judge(0.43, 0.438, 2, tolerance=0.01)
    assert (wide["status"], wide["tolerance"]) == ("confirmed", 0.01)
    assert judge(0.43, 0.438, 2)["status"] == "contradicted"
    assert judge(0.43, 0.438, 2, tolerance=0.001)["status"] == "contradicted"


# ------------------------------------------------------------ seed-internal facts
CLAIM = {
    "article_no": 1,
    "publisher": "P",
    "publish_date": "2025-08-04",
    "citation": "[1]",
    "decimals": 1,
    "qualifier": None,
    "related_claim_ids": None,
    "meaning_en": "m",
    "unit": "percent",
    "subject_type": "measured_value",
}
#: marts.claim_facts' inputs besides raw.claims, empty: only the claims' own figures
NO_MARTS = {
    "raw.companies": [],
    "as_of.capex_quarterly": [],
    "as_of.group_quarterly": [],
    "as_of.group_member_quarterly": [],
    "as_of.capex_guidance": [],
    "as_of.ai_revenue_quarterly": [],
    "staging.fiscal_quarters": [],
    "raw.capex_guidance": [],
    "as_of.figures_known": [],
}


def _claims(rows: list[dict]) -> list[dict]:
    return [{**CLAIM, **r} for r in rows]


def _checks(claims: list[dict], marts_facts: list[dict], tco_facts: list[dict]) -> dict:
    rows = run_model(
        "marts.claim_checks",
        {"raw.claims": claims, "marts.claim_facts": marts_facts, "tco.claim_facts": tco_facts},
    )
    return {r["claim_id"]: r for r in rows}


def test_seed_internal_rules():
    claims = _claims(
        [
            {
                "claim_id": "C001",
                "entity": "X",
                "metric": "it_energy_twh",
                "period": "2024",
                "stated_value": 55.1,
                "unit": "TWh",
            },
            {
                "claim_id": "C002",
                "entity": "X",
                "metric": "it_energy_twh",
                "period": "2027",
                "stated_value": 146.2,
                "unit": "TWh",
            },
            {
                "claim_id": "C003",
                "entity": "X",
                "metric": "it_energy_cagr_pct",
                "period": "2024-2027",
                "stated_value": 44.8,
                "related_claim_ids": "C001;C002",
            },
            {
                "claim_id": "C004",
                "entity": "S",
                "metric": "weekly_return_pct",
                "period": "2025W31",
                "stated_value": 5.0,
                "decimals": 0,
                "related_claim_ids": "C005",
                "article_no": 5,
            },
            {
                "claim_id": "C005",
                "entity": "S",
                "metric": "weekly_return_pct",
                "period": "2025W31",
                "stated_value": 2.75,
                "decimals": 2,
                "related_claim_ids": "C004",
                "article_no": 6,
            },
            {
                "claim_id": "C006",
                "entity": "T",
                "metric": "tender_value_cny_bn",
                "period": "2025",
                "stated_value": 7.96,
                "unit": "CNY_bn",
            },
            {
                "claim_id": "C007",
                "entity": "T - a",
                "metric": "tender_value_cny_bn",
                "period": "2025",
                "stated_value": 4.285,
                "unit": "CNY_bn",
            },
            {
                "claim_id": "C008",
                "entity": "T - b",
                "metric": "tender_value_cny_bn",
                "period": "2025",
                "stated_value": 2.782,
                "unit": "CNY_bn",
            },
            {
                "claim_id": "C009",
                "entity": "T",
                "metric": "domestic_server_share_pct",
                "period": "2025",
                "stated_value": 90,
                "decimals": 0,
                "qualifier": "more_than",
                "related_claim_ids": "C006;C007;C008",
            },
        ]
    )
    all_facts = run_model("marts.claim_facts", {"raw.claims": claims, **NO_MARTS})
    facts = {f["claim_id"]: f for f in all_facts if f["as_of"] is None}
    assert facts["C003"]["computed_value"] == pytest.approx(((146.2 / 55.1) ** (1 / 3) - 1) * 100)
    assert facts["C004"]["computed_value"] == 2.75 and facts["C005"]["computed_value"] == 5.0
    assert facts["C009"]["computed_value"] == pytest.approx((4.285 + 2.782) / 7.96 * 100)
    assert all(f["basis"] == "seed_internal" for f in facts.values())
    # the same facts at the claims' date (they need no warehouse figure)
    then = {f["claim_id"]: f["computed_value"] for f in all_facts if f["as_of"] is not None}
    assert then == {k: f["computed_value"] for k, f in facts.items()}
    out = {k: r["status"] for k, r in _checks(claims, all_facts, []).items()}
    assert out["C003"] == out["C004"] == out["C005"] == out["C009"] == "contradicted"
    assert out["C001"] == "not_computable"


def test_unit_conversion_and_fact_priority():
    claims = _claims(
        [
            {
                "claim_id": "C001",
                "entity": "AVGO",
                "metric": "revenue_usd_bn",
                "period": "FY2025Q3",
                "stated_value": 15.95,
                "decimals": 2,
                "unit": "USD_bn",
            }
        ]
    )
    # the claim's own (seed-internal) figure, and another domain's in USD millions
    seed_only = {
        "entity": "AVGO",
        "metric": "revenue_usd_bn",
        "period": "FY2025Q3",
        "computed_value": 1.0,
        "unit": "USD_bn",
        "method": "seed",
        "claim_id": "C001",
        "basis": "seed_internal",
        "comparison": "equal",
    }
    tco = {
        "entity": "AVGO",
        "metric": "revenue_usd_bn",
        "period": "FY2025Q3",
        "computed_value": 15952.0,
        "unit": "USD_m",
        "method": "test",
    }
    row = _checks(claims, [seed_only], [tco])["C001"]
    assert row["status"] == "confirmed" and row["fact_domain"] == "tco"
    assert row["computed_value"] == pytest.approx(15.952)
    assert row["other_facts"].startswith("marts: 1")
    # a unit without a conversion is not computable, never compared as it is
    odd = _checks(claims, [], [{**tco, "unit": "CNY_m"}])["C001"]
    assert odd["status"] == "not_computable"
    assert "computed in CNY_m, stated in USD_bn, no conversion" in odd["reason"]


# -------------------------------------------------------------- the marts' data tests
def _test_fails(test_name: str, given: dict[str, list[dict]]) -> int:
    """How many rows the contract data test ``test_name`` flags on the given tables."""
    con = duckdb.connect()
    for macros in sorted((SQL_DIR / "macros").glob("*.sql")):
        con.execute(macros.read_text(encoding="utf-8"))
    for table, rows in given.items():
        columns = column_types(table)
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {table.split('.')[0]}")
        con.execute(f"CREATE TABLE {table} ({', '.join(f'{c} {t}' for c, t in columns)})")
        for row in rows:
            con.execute(
                f"INSERT INTO {table} VALUES ({', '.join('?' for _ in columns)})",
                [row.get(c) for c, _ in columns],
            )
    [test] = [t for c in contracts().values() for t in c.tests if t.name == test_name]
    return run_test(con, test).failing_rows


def test_growth_check_fails_on_wrong_or_invented_growth():
    # (one row per key is the contract's unique_key, enforced by the builder)
    def capex(yoy: float | None, base_yoy: float | None = None) -> list[dict]:
        return [
            {"ticker": "A", "calendar_quarter": "2024Q1", "capex_usd_m": 100.0,
             "capex_yoy_pct": base_yoy},
            {"ticker": "A", "calendar_quarter": "2025Q1", "capex_usd_m": 150.0,
             "capex_yoy_pct": yoy},
        ]  # fmt: skip

    name = "capex_quarterly_growth_matches_levels"
    assert _test_fails(name, {"marts.capex_quarterly": capex(50.0)}) == 0
    assert _test_fails(name, {"marts.capex_quarterly": capex(49.0)}) == 1
    # a growth number where the base is missing must be NULL
    assert _test_fails(name, {"marts.capex_quarterly": capex(50.0, base_yoy=12.0)}) == 1


def test_group_sum_check_rejects_partial_sums():
    tickers = ["MSFT", "AMZN", "META", "GOOGL"]
    company = [
        {"as_of": TODAY, "ticker": t, "metric": "capex", "calendar_quarter": "2025Q2",
         "value_usd_m": v}
        for t, v in zip(tickers, [1.0, 2.0, None, 4.0], strict=True)
    ]  # fmt: skip
    members = [{"group_name": "G", "ticker": t} for t in tickers]
    partial = {
        "as_of": TODAY,
        "group_name": "G",
        "metric": "capex",
        "calendar_quarter": "2025Q2",
        "total_usd_m": 7.0,
        "is_complete": True,
        "members_reported": 3,
        "members_expected": 4,
    }
    honest = {**partial, "total_usd_m": None, "is_complete": False}
    name = "group_quarterly_total_equals_sum_of_members"

    def fails(group: dict, group_members: list[dict]) -> int:
        return _test_fails(
            name,
            {
                "as_of.group_quarterly": [group],
                "as_of.company_quarterly": company,
                "raw.group_members": group_members,
            },
        )

    assert fails(partial, members) == 1
    assert fails(honest, members) == 0
    # a group whose member list lost a member is caught too (members_expected)
    assert fails(honest, members[:3]) == 1


# ------------------------------------------------------------------------- scenarios
def _googl_capex_without_2024q2() -> list[dict]:
    """marts.capex_quarterly (every vintage) for Alphabet from its reported periods of the
    snapshot with the 2024 Q2 row dropped: Q1, Q3 and the full year of 2024; Q1, Q2 2025."""
    reported = [
        (2024, "discrete", 1, "Q1", 12012.0),
        (2024, "discrete", 3, "Q3", 13061.0),
        (2024, "cumulative", 4, "FY", 52535.0),
        (2025, "discrete", 1, "Q1", 17197.0),
        (2025, "discrete", 2, "Q2", 22446.0),
    ]
    periods = [
        {"as_of": TODAY, "ticker": "GOOGL", "metric": "capex_purchases_pp_e", "fiscal_year": fy,
         "kind": kind, "fiscal_quarter": q, "period": name, "value": value, "is_exact": True,
         "year_periods": "Q1, Q3, FY" if fy == 2024 else "Q1, Q2",
         "source_kind": "curated", "source_ref": f"https://example.org/{fy}/{name}"}
        for fy, kind, q, name, value in reported
    ]  # fmt: skip
    fiscal_quarters = [
        {"ticker": "GOOGL", "fiscal_year": y, "fiscal_quarter": q, "calendar_quarter": f"{y}Q{q}",
         "period_start": dt.date(y, 3 * q - 2, 1), "period_end": dt.date(y, m, d),
         "fiscal_year_start": dt.date(y, 1, 1), "fiscal_year_end": dt.date(y, 12, 31)}
        for y in (2024, 2025)
        for q, (m, d) in enumerate([(3, 31), (6, 30), (9, 30), (12, 31)], start=1)
    ]  # fmt: skip
    companies = [
        {"ticker": "GOOGL", "fiscal_calendar": "month_end:dec",
         "capex_metric": "capex_purchases_pp_e", "capex_definition": "cash_purchases_pp_e"}
    ]  # fmt: skip
    discrete = run_model(
        "staging.discrete_quarters",
        {"as_of.reported_periods": periods, "staging.fiscal_quarters": fiscal_quarters},
        asof=True,
    )
    return run_model(
        "marts.capex_quarterly",
        {
            "as_of.discrete_quarters": discrete,
            "as_of.reported_periods": periods,
            "raw.companies": companies,
            "staging.fiscal_quarters": fiscal_quarters,
        },
        asof=True,
    )


def test_a_missing_quarter_makes_totals_and_growth_null():
    """Alphabet's 2024 Q2 capex dropped: its 2024Q2, and with it 2024Q4 = FY - (Q1 + Q2 +
    Q3), cannot be computed; the MAMG total of 2024Q2 is NULL, and with it the 2025Q2 YoY of
    the group and of Alphabet; claims on them are not computable."""
    googl = {r["calendar_quarter"]: r for r in _googl_capex_without_2024q2()}
    assert [googl[q]["capex_usd_m"] for q in ("2024Q1", "2024Q2", "2024Q3", "2024Q4")] == [
        12012.0,
        None,
        13061.0,
        None,
    ]
    assert "FY2024 has: Q1, Q3, FY" in googl["2024Q2"]["missing_reason"]
    assert googl["2025Q2"]["capex_usd_m"] == 22446.0 and googl["2025Q2"]["capex_yoy_pct"] is None
    capex = {
        # 2025Q2 as in the snapshot: MSFT FY2025 Q4, AMZN purchases - proceeds, META
        "2025Q2": {"MSFT": 17079.0, "AMZN": 32183.0 - 815.0, "META": 16538.0},
        # 2024Q2: made-up figures for the other three
        "2024Q2": {"MSFT": 13873.0, "AMZN": 17620.0, "META": 8173.0},
    }
    member_rows = [
        {"as_of": TODAY, "group_name": "MAMG", "metric": "capex", "calendar_quarter": q,
         "ticker": t, "value_usd_m": v}
        for q, values in capex.items()
        for t, v in values.items()
    ] + [
        {"as_of": TODAY, "group_name": "MAMG", "metric": "capex", "calendar_quarter": q,
         "ticker": "GOOGL", "value_usd_m": googl[q]["capex_usd_m"],
         "missing_reason": googl[q]["missing_reason"]}
        for q in capex
    ]  # fmt: skip
    groups = run_model(
        "marts.group_quarterly", {"as_of.group_member_quarterly": member_rows}, asof=True
    )
    by_quarter = {g["calendar_quarter"]: g for g in groups}
    q2_2024 = by_quarter["2024Q2"]
    assert (q2_2024["total_usd_m"], q2_2024["yoy_pct"], q2_2024["is_complete"]) == (
        None,
        None,
        False,
    )
    assert q2_2024["missing_members"] == "GOOGL"
    # the 2Q25 total still exists, its YoY does not
    q2_2025 = by_quarter["2025Q2"]
    assert q2_2025["total_usd_m"] == 17079 + (32183 - 815) + 16538 + 22446
    assert q2_2025["yoy_pct"] is None
    claims = _claims(
        [
            {"claim_id": "C048", "entity": "MAMG", "metric": "capex_yoy_pct",
             "period": "2025Q2", "stated_value": 69.0, "decimals": 0},
            {"claim_id": "C049", "entity": "MAMG", "metric": "capex_usd_bn",
             "period": "2025Q2", "stated_value": 87.4, "unit": "USD_bn"},
            {"claim_id": "C061", "entity": "GOOGL", "metric": "capex_yoy_pct",
             "period": "2025Q2", "stated_value": 70.0, "decimals": 0},
        ]
    )  # fmt: skip
    facts = run_model(
        "marts.claim_facts",
        {
            **NO_MARTS,
            "raw.claims": claims,
            "raw.companies": [{"ticker": "GOOGL", "fiscal_calendar": "month_end:dec"}],
            "as_of.capex_quarterly": list(googl.values()),
            "as_of.group_quarterly": groups,
            "as_of.group_member_quarterly": member_rows,
        },
    )
    checks = _checks(claims, facts, [])
    assert checks["C048"]["status"] == "not_computable"
    assert "total is NULL (a member is missing" in checks["C048"]["reason"]
    assert checks["C049"]["status"] == "confirmed"  # 87.431 bn
    assert checks["C061"]["status"] == "not_computable"
    assert checks["C061"]["reason"].startswith(
        "not computable: GOOGL capex missing for 2024Q2 (capex_purchases_pp_e FY2024Q2 not "
        "reported and not derivable"
    )


def test_tco_claim_facts_are_read_when_present():
    claims = _claims(
        [
            {
                "claim_id": "C010",
                "entity": "Trainium2",
                "metric": "hbm_capacity_gb",
                "period": "spec",
                "stated_value": 13.0,
                "unit": "GB",
                "decimals": 0,
                "publish_date": "2025-09-05 23:17",
            }
        ]
    )
    none = _checks(claims, [], [])["C010"]
    assert none["status"] == "not_computable"
    assert none["reason"].startswith("no computed figure for (Trainium2, hbm_capacity_gb, spec)")
    # Trainium2 96 GiB = 103.08 GB (AWS Neuron docs); the seed says 13 GB. The TCO facts
    # hold at the claim's date too (they are the same at every vintage)
    fact = {
        "entity": "Trainium2",
        "metric": "hbm_capacity_gb",
        "period": "spec",
        "computed_value": 103.08,
        "unit": "GB",
        "method": "test",
    }
    seed_day = {
        "entity": "elsewhere",
        "metric": "m",
        "period": "p",
        "unit": "x",
        "method": "a claim date the marts facts hold",
        "basis": "warehouse",
        "comparison": "equal",
        "as_of": dt.date(2025, 9, 5),
    }
    row = _checks(claims, [seed_day], [fact])["C010"]
    assert (row["status"], row["computed_value"], row["fact_domain"]) == (
        "contradicted",
        103.08,
        "tco",
    )
    assert (row["status_as_of_claim"], row["computed_value_as_of_claim"]) == (
        "contradicted",
        103.08,
    )

"""The marts tables of the warehouse refreshed from the frozen raw snapshot (the session
fixture ``refreshed_warehouse``), and the data tests of their contracts run on it.

Expected values are computed here by hand from the figures in raw/financials.csv (quoted in
comments), never read back from the warehouse. The logic of each table on a few rows:
tests/test_growth.py, tests/test_undated_and_stale.py, the end of this file,
tests/test_discrete_quarters_sql.py.
"""

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from tests.sqlmodel import TODAY, contracts, run_model


@pytest.fixture(scope="module")
def sql(refreshed_warehouse: Path):
    def run(query: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(refreshed_warehouse), read_only=True) as con:
            return con.execute(query, params or []).fetchall()

    return run


def one(sql, query: str, params: list | None = None) -> tuple:
    rows = sql(query, params)
    assert len(rows) == 1, rows
    return rows[0]


def data_test(model: str, name: str) -> str:
    """The SQL of one data test of a model's contract (it returns the offending rows)."""
    (test,) = [t for t in contracts()[model].tests if t.name == name]
    return test.sql


def test_data_tests_of_the_marts_pass_on_the_snapshot(sql):
    # the refresh succeeded, so no error-severity test failed; the warnings are asserted here
    for model in (
        "marts.capex_quarterly",
        "marts.company_quarterly",
        "marts.group_quarterly",
        "marts.group_member_quarterly",
        "marts.capex_guidance",
        "marts.ai_revenue_quarterly",
        "marts.claim_facts",
    ):
        for test in contracts()[model].tests:
            assert sql(test.sql) == [], (model, test.name)
    # the quarters-add-up test is not vacuous: Microsoft FY2024, FY2025 and Amazon 2024 have
    # four reported quarters and a full year
    (years_checked,) = one(
        sql,
        "SELECT count(*) FROM staging.actual_figures AS y WHERE y.basis = 'fy' AND "
        "y.metric IN ('capex_additions_to_pp_e', 'capex_purchases_pp_e') AND 4 = ("
        "SELECT count(DISTINCT q.fiscal_quarter) FROM staging.actual_figures AS q "
        "WHERE q.ticker = y.ticker AND q.metric = y.metric AND q.fiscal_year = y.fiscal_year "
        "AND q.basis = 'discrete')",
    )
    assert years_checked >= 3
    # the warning lists the contradicted claims
    contradicted = [
        r[0] for r in sql(data_test("marts.claim_checks", "claim_checks_contradicted_claims"))
    ]
    assert "C090" in contradicted and "C085" in contradicted
    assert sql(data_test("marts.claim_checks", "claim_checks_one_row_per_claim")) == []


def test_microsoft_fy2025_q4_capex_growth(sql):
    # Additions to PP&E: FY2025 Q4 17,079; FY2025 Q3 16,745; FY2024 Q4 13,873
    fy, fq, capex, qoq, yoy, ttm = one(
        sql,
        "SELECT fiscal_year, fiscal_quarter, capex_usd_m, capex_qoq_pct, capex_yoy_pct, "
        "capex_ttm_usd_m "
        "FROM marts.capex_quarterly WHERE ticker = 'MSFT' AND calendar_quarter = '2025Q2'",
    )
    assert (fy, fq) == (2025, 4)
    assert capex == 17079
    assert qoq == pytest.approx((17079 / 16745 - 1) * 100)
    assert yoy == pytest.approx((17079 / 13873 - 1) * 100)  # 23.11 %
    assert ttm == 14923 + 15804 + 16745 + 17079  # = the FY2025 figure 64,551


def test_mamg_2q25_total_and_growth(sql):
    # 2Q25: MSFT 17,079; AMZN purchases 32,183 - proceeds 815; META 16,538; GOOGL 22,446
    total_2q25 = 17079 + (32183 - 815) + 16538 + 22446
    # 2Q24: MSFT 13,873; AMZN 17,620 - 1,227; META 8,173; GOOGL 13,186
    total_2q24 = 13873 + (17620 - 1227) + 8173 + 13186
    capex, yoy, complete, members = one(
        sql,
        "SELECT total_usd_m, yoy_pct, is_complete, members_reported "
        "FROM marts.group_quarterly "
        "WHERE group_name = 'MAMG' AND metric = 'capex' AND calendar_quarter = '2025Q2'",
    )
    (amzn_share,) = one(
        sql,
        "SELECT share_pct FROM marts.group_member_quarterly WHERE group_name = 'MAMG' AND "
        "metric = 'capex' AND calendar_quarter = '2025Q2' AND ticker = 'AMZN'",
    )
    assert capex == total_2q25 == 87431
    assert yoy == pytest.approx((total_2q25 / total_2q24 - 1) * 100)  # 69.36 %
    assert complete and members == 4
    assert amzn_share == pytest.approx((32183 - 815) / total_2q25 * 100)


def test_each_company_2q25_yoy(sql):
    expected = {
        "MSFT": (17079 / 13873 - 1) * 100,
        "AMZN": ((32183 - 815) / (17620 - 1227) - 1) * 100,
        "META": (16538 / 8173 - 1) * 100,
        "GOOGL": (22446 / 13186 - 1) * 100,
    }
    rows = dict(
        sql(
            "SELECT ticker, capex_yoy_pct FROM marts.capex_quarterly WHERE calendar_quarter = "
            "'2025Q2'"
        )
    )
    assert rows == pytest.approx(expected)
    gross = one(
        sql,
        "SELECT capex_purchases_gross_yoy_pct FROM marts.capex_quarterly "
        "WHERE ticker = 'AMZN' AND calendar_quarter = '2025Q2'",
    )[0]
    assert gross == pytest.approx((32183 / 17620 - 1) * 100)


def test_derived_quarters_are_computed_and_marked(sql):
    rows = {
        (t, q): (v, d, how)
        for t, q, v, d, how in sql(
            "SELECT ticker, calendar_quarter, capex_usd_m, capex_is_derived, capex_derivation "
            "FROM marts.capex_quarterly"
        )
    }
    # Meta 2024Q1 = H1 14,573 - Q2 8,173
    assert rows[("META", "2024Q1")][:2] == (14573 - 8173, True)
    assert "H1 - Q2" in rows[("META", "2024Q1")][2]
    # Alphabet 2024Q4 = FY 52,535 - (12,012 + 13,186 + 13,061)
    assert rows[("GOOGL", "2024Q4")][:2] == (52535 - 12012 - 13186 - 13061, True)
    # Amazon 2024Q1 net = purchases 14,925 - proceeds (H1 2,217 - Q2 1,227)
    assert rows[("AMZN", "2024Q1")][:2] == (14925 - (2217 - 1227), True)
    # Amazon 2023Q4: purchases FY 52,729 - 9M 38,141; proceeds = (52,729 - net 48,133) - 9M 3,361
    assert rows[("AMZN", "2023Q4")][0] == (52729 - 38141) - ((52729 - 48133) - 3361)
    # reported quarters are not derived
    assert rows[("GOOGL", "2025Q2")][:2] == (22446, False)


def test_missing_quarters_are_null_and_so_is_growth_against_them(sql):
    rows = {
        (t, q): (v, yoy, why)
        for t, q, v, yoy, why in sql(
            "SELECT ticker, calendar_quarter, capex_usd_m, capex_yoy_pct, missing_reason FROM "
            "marts.capex_quarterly"
        )
    }
    # Meta 2023: only Q2 and the full year are reported -> 2023Q3 not derivable
    assert rows[("META", "2023Q3")][0] is None
    assert "FY2023 has: Q2, FY" in rows[("META", "2023Q3")][2]
    assert rows[("META", "2024Q3")][1] is None  # prior year missing -> NULL, not a number
    assert rows[("META", "2024Q2")][1] == pytest.approx((8173 / 6134 - 1) * 100)
    # Amazon 2023Q1/Q2: proceeds not reported -> net capex NULL
    assert rows[("AMZN", "2023Q2")][0] is None
    # MAMG 1Q24 total exists, its YoY does not (1Q23 incomplete)
    total, yoy, complete_1q23 = one(
        sql,
        "SELECT g.total_usd_m, g.yoy_pct, p.is_complete FROM marts.group_quarterly g "
        "JOIN marts.group_quarterly p ON p.calendar_quarter = '2023Q1' AND p.metric = g.metric "
        "AND p.group_name = g.group_name WHERE g.calendar_quarter = '2024Q1' AND "
        "g.metric = 'capex' AND g.group_name = 'MAMG'",
    )
    assert total == 10952 + (14925 - (2217 - 1227)) + (14573 - 8173) + 12012  # 43,299
    assert yoy is None and complete_1q23 is False
    incomplete = sql(
        "SELECT calendar_quarter, total_usd_m FROM marts.group_quarterly WHERE NOT "
        "is_complete AND metric = 'capex' AND group_name = 'MAMG' "
        "ORDER BY 1"
    )
    assert incomplete == [("2023Q1", None), ("2023Q2", None), ("2023Q3", None), ("2023Q4", None)]


def test_broadcom_fy2025_q3(sql):
    ai_yoy, rev_surprise, cons, cons_date, timing, next_g, next_c, next_vs = one(
        sql,
        "SELECT ai_revenue_yoy_pct, revenue_surprise_pct, revenue_consensus_usd_m, "
        "revenue_consensus_published, "
        "revenue_consensus_timing, next_q_revenue_guidance_usd_m, next_q_revenue_consensus_usd_m, "
        "next_q_guidance_vs_consensus_pct "
        "FROM marts.ai_revenue_quarterly WHERE ticker = 'AVGO' AND fiscal_year = 2025 AND "
        "fiscal_quarter = 3",
    )
    # AI revenue 5,200 vs FY2024 Q3 3,100; revenue 15,952 vs consensus 15,840
    assert ai_yoy == pytest.approx((5200 / 3100 - 1) * 100)  # 67.74 %
    assert rev_surprise == pytest.approx((15952 / 15840 - 1) * 100)  # 0.71 %
    assert cons == 15840 and cons_date == dt.date(2025, 9, 5)
    assert timing == "quoted_after_results"  # only quoted the day after the 2025-09-04 release
    # Q4 guidance 17,400 given with the Q3 results vs consensus 17,050
    assert (next_g, next_c) == (17400, 17050)
    assert next_vs == pytest.approx((17400 / 17050 - 1) * 100)


def test_consensus_is_the_latest_before_the_results(sql):
    # Broadcom FY2025 Q1 consensus: 14,570 (2024-12-12) and 14,610 (2025-03-06, results day)
    cons, date, timing, surprise = one(
        sql,
        "SELECT revenue_consensus_usd_m, revenue_consensus_published, revenue_consensus_timing, "
        "revenue_surprise_pct FROM marts.ai_revenue_quarterly "
        "WHERE ticker = 'AVGO' AND fiscal_year = 2025 AND fiscal_quarter = 1",
    )
    assert (cons, date, timing) == (14610, dt.date(2025, 3, 6), "on_or_before_results")
    assert surprise == pytest.approx((14916 / 14610 - 1) * 100)
    # Marvell FY2026 Q2: 1,980 (May), 2,010 (seed, Aug 26), 2,010 (Aug 28 = results day)
    cons, date, estimate = one(
        sql,
        "SELECT revenue_consensus_usd_m, revenue_consensus_published, ai_revenue_estimate_usd_m "
        "FROM marts.ai_revenue_quarterly WHERE ticker = 'MRVL' AND fiscal_year = 2026 AND "
        "fiscal_quarter = 2",
    )
    assert (cons, date, estimate) == (2010, dt.date(2025, 8, 28), 876)
    # Broadcom FY2025 Q2 (results 2025-06-05): the revenue consensus of the results day is
    # 0 days old, a clean beat or miss
    age, status = one(
        sql,
        "SELECT revenue_consensus_age_days, revenue_surprise_status "
        "FROM marts.ai_revenue_quarterly WHERE ticker = 'AVGO' AND fiscal_year = 2025 AND "
        "fiscal_quarter = 2",
    )
    assert age == 0 and status in ("beat", "miss")


def test_capex_guidance_latest_previous_and_implied(sql):
    mid, prev, revision, reported, remaining = one(
        sql,
        "SELECT mid_usd_m, previous_mid_usd_m, revision_point_usd_m, reported_to_date_usd_m, "
        "implied_remaining_point_usd_m FROM marts.capex_guidance WHERE ticker = 'GOOGL' AND "
        "guided_period = 'FY2025'",
    )
    # 85 bn (2025-07-23) replaced the prior 75 bn; H1 2025 capex 17,197 + 22,446
    assert (mid, prev, revision) == (85000, 75000, 10000)
    assert reported == 17197 + 22446
    assert remaining == 85000 - (17197 + 22446)
    low, high, prev_low, remaining_low = one(
        sql,
        "SELECT low_usd_m, high_usd_m, previous_low_usd_m, implied_remaining_low_usd_m "
        "FROM marts.capex_guidance WHERE ticker = 'META' AND guided_period = 'FY2025'",
    )
    # Meta guides capex incl. finance leases: 2025 Q1 13,690 + Q2 17,010
    assert (low, high, prev_low) == (66000, 72000, 64000)
    assert remaining_low == 66000 - (13690 + 17010)


def test_claim_checks_statuses(sql):
    status = dict(sql("SELECT claim_id, status FROM marts.claim_checks"))
    assert len(status) == one(sql, "SELECT count(*) FROM raw.claims")[0]
    # confirmed: MAMG 2Q25 87.4 bn (computed 87.431, tolerance 0.05)
    computed, diff, tol = one(
        sql,
        "SELECT computed_value, difference, tolerance FROM marts.claim_checks WHERE claim_id = "
        "'C047'",
    )
    assert status["C047"] == "confirmed"
    assert computed == pytest.approx(87.431)
    assert diff == pytest.approx(87.431 - 87.4)
    assert tol == pytest.approx(0.05)
    # contradicted: CAGR 44.8 % stated; 55.1 -> 146.2 TWh over 3 years gives 38.44 %
    (computed,) = one(sql, "SELECT computed_value FROM marts.claim_checks WHERE claim_id = 'C090'")
    assert status["C090"] == "contradicted"
    assert computed == pytest.approx(((146.2 / 55.1) ** (1 / 3) - 1) * 100)
    # contradicted: China Unicom (4.285 + 2.782) / 7.96 = 88.8 %, stated "more than 90 %"
    (computed,) = one(sql, "SELECT computed_value FROM marts.claim_checks WHERE claim_id = 'C085'")
    assert status["C085"] == "contradicted"
    assert computed == pytest.approx((4.285 + 2.782) / 7.96 * 100)
    # A5 vs A6 conflicting sub-sector returns contradict each other
    assert status["C055"] == status["C081"] == "contradicted"
    # confirmed: each company's 2Q25 growth, Broadcom's beats and guidance
    for claim in ("C048", "C059", "C060", "C061", "C062", "C018", "C020", "C022", "C024", "C065"):
        assert status[claim] == "confirmed", claim
    # the beat is shown with the check: 15,952 vs the 15,840 consensus
    (method,) = one(sql, "SELECT fact_method FROM marts.claim_checks WHERE claim_id = 'C018'")
    assert f"{(15952 / 15840 - 1) * 100:+.2f} %" in method
    # not computable: MAMG 1Q24 growth (1Q23 incomplete); consensus known only from the seed
    assert status["C066"] == "not_computable"
    assert status["C019"] == "not_computable"
    (reason,) = one(sql, "SELECT reason FROM marts.claim_checks WHERE claim_id = 'C019'")
    assert "circular" in reason


def test_tables_are_documented(sql):
    comments = dict(
        sql("SELECT table_name, comment FROM duckdb_tables() WHERE schema_name = 'marts'")
    )
    assert set(comments) == {
        "capex_quarterly",
        "company_quarterly",
        "group_quarterly",
        "group_member_quarterly",
        "capex_guidance",
        "ai_revenue_quarterly",
        "claim_facts",
        "claim_checks",
        "surprise",
        "guidance_vs_actual",
    }
    assert all(comments.values())
    undocumented = sql(
        "SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = 'marts' AND "
        "comment IS NULL"
    )
    assert undocumented == []


# ------------------------------------------------------------------ group totals, on a few rows
def _member_quarter(ticker: str, quarter: str, value: float | None, reason: str | None = None):
    return {
        "as_of": TODAY,
        "ticker": ticker,
        "metric": "capex",
        "calendar_quarter": quarter,
        "value_usd_m": value,
        "definition": "cash",
        "is_derived": False if value is not None else None,
        "missing_reason": reason,
    }


def test_group_total_only_when_every_member_reports():
    # MAMG capex (raw/financials.csv) of 1Q24, 2Q24 and 2Q25; 1Q23 without Meta (only Q2 and
    # FY reported; the other members' 1Q23 figures are illustrative)
    meta_1q23 = "capex_purchases_pp_e FY2023Q1 not reported and not derivable (FY2023 has: Q2, FY)"
    figures = {
        "2023Q1": {"MSFT": 6607, "AMZN": 14207 - 1000, "META": None, "GOOGL": 6289},
        "2024Q1": {"MSFT": 10952, "AMZN": 14925 - (2217 - 1227), "META": 6400, "GOOGL": 12012},
        "2024Q2": {"MSFT": 13873, "AMZN": 17620 - 1227, "META": 8173, "GOOGL": 13186},
        "2025Q2": {"MSFT": 17079, "AMZN": 32183 - 815, "META": 16538, "GOOGL": 22446},
    }
    company = [
        _member_quarter(t, q, v, meta_1q23 if v is None else None)
        for q, members in figures.items()
        for t, v in members.items()
    ]
    members = run_model(
        "marts.group_member_quarterly",
        {
            "raw.group_members": [{"group_name": "MAMG", "ticker": t} for t in figures["2023Q1"]],
            "as_of.company_quarterly": company,
        },
        asof=True,
    )
    groups = {
        r["calendar_quarter"]: r
        for r in run_model("marts.group_quarterly", {"as_of.group_member_quarterly": members})
    }
    first = groups["2023Q1"]
    assert (first["is_complete"], first["total_usd_m"], first["members_reported"]) == (
        False,
        None,
        3,
    )
    assert first["missing_members"] == "META"
    assert first["incomplete_reason"] == f"META: {meta_1q23}"
    # quarters in between with no figures at all are rows too, never a partial sum
    assert groups["2023Q2"]["total_usd_m"] is None and not groups["2023Q2"]["is_complete"]
    assert groups["2024Q1"]["total_usd_m"] == 43299
    assert groups["2024Q1"]["yoy_pct"] is None  # 1Q23 incomplete: no base
    total_2q24 = 13873 + (17620 - 1227) + 8173 + 13186
    last = groups["2025Q2"]
    assert (last["total_usd_m"], last["members_reported"], last["is_complete"]) == (
        87431,
        4,
        True,
    )
    assert last["yoy_pct"] == pytest.approx((87431 / total_2q24 - 1) * 100)
    assert last["qoq_pct"] is None and last["ttm_usd_m"] is None  # 1Q25 .. 3Q24 missing
    assert groups["2024Q2"]["qoq_pct"] == pytest.approx((total_2q24 / 43299 - 1) * 100)
    share = {
        r["ticker"]: r["share_pct"]
        for r in members
        if r["as_of"] == TODAY and r["calendar_quarter"] == "2025Q2"
    }
    assert share["AMZN"] == pytest.approx((32183 - 815) / 87431 * 100)
    assert sum(share.values()) == pytest.approx(100)

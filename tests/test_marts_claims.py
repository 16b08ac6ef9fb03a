"""Claim verdicts, seed-internal facts and the marts check functions, tested directly; and two
end-to-end scenarios on a private raw/ copy (a missing quarter; a tco.claim_facts table)."""

import csv
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest

from pipelines.marts import assets as marts
from pipelines.marts import checks
from pipelines.marts.claim_checks import build_claim_checks, normalize_facts
from pipelines.marts.claims import (
    FACT_SCHEMA,
    judge,
    seed_internal_facts,
)
from pipelines.raw.assets import RAW_ASSETS
from pipelines.warehouse import WarehouseResource


# --------------------------------------------------------------------- verdicts
def test_tolerance_is_half_a_unit_of_the_last_printed_decimal():
    assert judge(87.4, 87.431, 1).status == "confirmed"  # |0.031| <= 0.05
    assert judge(87.4, 87.46, 1).status == "contradicted"  # 0.06 > 0.05
    v = judge(69, 69.36, 0)
    assert (v.status, v.tolerance) == ("confirmed", 0.5)
    assert v.difference == pytest.approx(0.36)
    assert judge(15.95, 15.952, 2).status == "confirmed"
    assert judge(44.8, 38.44, 1).status == "contradicted"


def test_one_sided_qualifiers():
    assert judge(90, 88.78, 0, "more_than").status == "contradicted"  # needs >= 89.5
    assert judge(90, 89.6, 0, "more_than").status == "confirmed"
    assert judge(58, 61.9, 0, "more_than").status == "confirmed"
    assert judge(30, 30.0, 1, "more_than").status == "confirmed"
    assert judge(10, 10.4, 0, "less_than").status == "confirmed"
    assert judge(10, 10.6, 0, "less_than").status == "contradicted"


def test_about_and_nearly_widen_the_tolerance():
    # about 85 allows ±5 % = ±4.25
    assert judge(85, 81.0, 0, "about").status == "confirmed"
    assert judge(85, 80.5, 0, "about").status == "contradicted"
    # nearly 1,000,000 allows 900,000 .. 1,000,000.5
    assert judge(1_000_000, 950_000, 0, "nearly").status == "confirmed"
    assert judge(1_000_000, 1_010_000, 0, "nearly").status == "contradicted"


def test_bounds_and_missing_values():
    assert judge(7, 6, 0, comparison="upper_bound").status == "contradicted"
    assert judge(5, 6, 0, comparison="upper_bound").status == "confirmed"
    assert judge(6, 7, 0, comparison="lower_bound").status == "contradicted"
    assert judge(1.0, None, 1).status == "not_computable"


# ------------------------------------------------------------ seed-internal facts
def _claims(rows: list[dict]) -> pl.DataFrame:
    base = {
        "article_no": 1,
        "publisher": "P",
        "publish_date": "2025-08-04",
        "citation": "[1]",
        "decimals": 1,
        "qualifier": None,
        "related_claim_ids": None,
        "meaning_en": "m",
        "unit": "percent",
    }
    return pl.DataFrame([{**base, **r} for r in rows])


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
    facts = {f["claim_id"]: f for f in seed_internal_facts(claims, [])}
    assert facts["C003"]["computed_value"] == pytest.approx(((146.2 / 55.1) ** (1 / 3) - 1) * 100)
    assert facts["C004"]["computed_value"] == 2.75 and facts["C005"]["computed_value"] == 5.0
    assert facts["C009"]["computed_value"] == pytest.approx((4.285 + 2.782) / 7.96 * 100)
    assert all(f["basis"] == "seed_internal" for f in facts.values())
    frame = normalize_facts(pl.DataFrame(list(facts.values()), schema=FACT_SCHEMA), "marts")
    out = {r["claim_id"]: r["status"] for r in build_claim_checks(claims, frame, False).to_dicts()}
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
    # another domain publishes USD millions, only the six required columns
    tco = pl.DataFrame(
        {
            "entity": ["AVGO"],
            "metric": ["revenue_usd_bn"],
            "period": ["FY2025Q3"],
            "computed_value": [15952.0],
            "unit": ["USD_m"],
            "method": ["test"],
        }
    )
    seed_only = pl.DataFrame(
        [
            {
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
        ],
        schema=FACT_SCHEMA,
    )
    facts = pl.concat([normalize_facts(seed_only, "marts"), normalize_facts(tco, "tco")])
    row = build_claim_checks(claims, facts, True).row(0, named=True)
    assert row["status"] == "confirmed" and row["fact_domain"] == "tco"
    assert row["computed_value"] == pytest.approx(15.952)
    assert row["other_facts"].startswith("marts: 1")


# -------------------------------------------------------------- check functions
def test_check_functions_fail_on_broken_tables():
    frame = pl.DataFrame(
        {
            "ticker": ["A", "A", "A"],
            "calendar_quarter": ["2024Q1", "2025Q1", "2025Q1"],
            "capex_usd_m": [100.0, 150.0, 150.0],
            "capex_yoy_pct": [None, 50.0, 50.0],
        }
    )
    assert not checks.one_row_per_key(frame, ["ticker", "calendar_quarter"])[0]
    good = frame.head(2)
    assert checks.growth_matches_levels(
        good, ["ticker"], "calendar_quarter", [("capex_yoy_pct", "capex_usd_m", 4)]
    )[0]
    wrong = good.with_columns(pl.Series("capex_yoy_pct", [None, 49.0]))
    passed, meta = checks.growth_matches_levels(
        wrong, ["ticker"], "calendar_quarter", [("capex_yoy_pct", "capex_usd_m", 4)]
    )
    assert not passed and meta["mismatches"] == 1
    # a growth number where the base is missing must be NULL
    invented = good.with_columns(pl.Series("capex_yoy_pct", [12.0, 50.0]))
    assert not checks.growth_matches_levels(
        invented, ["ticker"], "calendar_quarter", [("capex_yoy_pct", "capex_usd_m", 4)]
    )[0]


def test_group_sum_check_rejects_partial_sums():
    company = pl.DataFrame(
        {
            "ticker": ["MSFT", "AMZN", "META", "GOOGL"],
            "metric": ["capex"] * 4,
            "calendar_quarter": ["2025Q2"] * 4,
            "value_usd_m": [1.0, 2.0, None, 4.0],
        }
    )
    members = pl.DataFrame({"group_name": ["G"] * 4, "ticker": ["MSFT", "AMZN", "META", "GOOGL"]})
    partial = pl.DataFrame(
        {
            "group_name": ["G"],
            "metric": ["capex"],
            "calendar_quarter": ["2025Q2"],
            "total_usd_m": [7.0],
            "is_complete": [True],
            "members_reported": [3],
            "members_expected": [4],
        }
    )
    assert not checks.group_totals_equal_members(partial, company, members)[0]
    honest = partial.with_columns(
        pl.lit(None, dtype=pl.Float64).alias("total_usd_m"), pl.lit(False).alias("is_complete")
    )
    assert checks.group_totals_equal_members(honest, company, members)[0]
    # a group whose member list lost a member is caught too (members_expected)
    assert not checks.group_totals_equal_members(honest, company, members.head(3))[0]


# ------------------------------------------------------------ end-to-end scenarios
def _materialize() -> dg.ExecuteInProcessResult:
    raw = [
        a
        for a in RAW_ASSETS
        if a.key.path[1]
        in ("companies", "groups", "group_members", "financials", "capex_guidance", "claims")
    ]
    return dg.materialize(
        [*raw, *marts.MARTS_ASSETS, *marts.MARTS_CHECKS],
        resources={"warehouse": WarehouseResource()},
        raise_on_error=False,
    )


def _drop_rows(path: Path, keep) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, [r for r in reader if keep(r)]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def test_a_missing_quarter_makes_totals_and_growth_null(
    raw_copy: Path, warehouse_file: Path, query
):
    # drop Alphabet's reported 2024 Q2 capex: 2024Q2, and with it 2024Q4 = FY - (Q1 + Q2 + Q3),
    # can no longer be computed
    _drop_rows(
        raw_copy / "financials.csv",
        lambda r: (
            not (
                r["ticker"] == "GOOGL"
                and r["metric"] == "capex_purchases_pp_e"
                and r["fiscal_year"] == "2024"
                and r["fiscal_quarter"] == "2"
                and r["basis"] == "discrete"
            )
        ),
    )
    result = _materialize()
    assert result.success
    assert query(
        "SELECT capex_usd_m FROM marts.capex_quarterly WHERE ticker = 'GOOGL' "
        "AND calendar_quarter IN ('2024Q2', '2024Q4')"
    ) == [(None,), (None,)]
    total, yoy, complete, missing = query(
        "SELECT total_usd_m, yoy_pct, is_complete, missing_members FROM "
        "marts.group_quarterly "
        "WHERE calendar_quarter = '2024Q2' AND metric = 'capex' AND group_name = 'MAMG'"
    )[0]
    assert (total, yoy, complete, missing) == (None, None, False, "GOOGL")
    # the 2Q25 total still exists, its YoY does not; the claim becomes not computable
    total, yoy = query(
        "SELECT total_usd_m, yoy_pct FROM marts.group_quarterly "
        "WHERE calendar_quarter = '2025Q2' AND metric = 'capex' AND group_name = 'MAMG'"
    )[0]
    assert total == 17079 + (32183 - 815) + 16538 + 22446 and yoy is None
    assert query("SELECT status FROM marts.claim_checks WHERE claim_id = 'C048'") == [
        ("not_computable",)
    ]
    assert query("SELECT status FROM marts.claim_checks WHERE claim_id = 'C061'") == [
        ("not_computable",)
    ]


def test_tco_claim_facts_are_read_when_present(raw_copy: Path, warehouse_file: Path, query):
    assert _materialize().success
    assert query("SELECT status FROM marts.claim_checks WHERE claim_id = 'C010'") == [
        ("not_computable",)
    ]
    with duckdb.connect(str(warehouse_file)) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS tco")
        con.execute(
            "CREATE TABLE tco.claim_facts (entity VARCHAR, metric VARCHAR, period VARCHAR, "
            "computed_value DOUBLE, unit VARCHAR, method VARCHAR)"
        )
        # Trainium2 96 GiB = 103.08 GB (AWS Neuron docs); the seed says 13 GB
        con.execute(
            "INSERT INTO tco.claim_facts VALUES ('Trainium2', 'hbm_capacity_gb', 'spec', 103.08, "
            "'GB', 'test')"
        )
    result = dg.materialize(
        [*marts.MARTS_ASSETS],
        selection=[marts.claim_checks],
        resources={"warehouse": WarehouseResource()},
    )
    assert result.success
    assert query(
        "SELECT status, computed_value, fact_domain FROM marts.claim_checks WHERE claim_id = 'C010'"
    ) == [("contradicted", 103.08, "tco")]

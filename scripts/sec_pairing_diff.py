"""Quarters of the real companyfacts corpus whose value, vintage or legs differ between the SEC
derivation SQL of a git revision (default ``main``) and that of the working tree.

    .venv/bin/python scripts/sec_pairing_diff.py [--base main] [--show-notes]

Reads the files of ``SEC_REAL_DIR`` (default ``../shared/sec-real``) with the companies of
``raw/companies.csv`` and ``raw/filing_concepts.csv`` plus Snowflake and TSMC (as
``tests/test_sec_real.py`` does), derives
both series and the coverage twice (``sql/sec/*.sql`` as of ``--base``, then as in the working
tree) and prints every row of ``sec.quarterly`` (latest series) and every fiscal year of
``sec.fiscal_year_coverage`` that changed, with both versions side by side, and how many rows
of the first-reported series changed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

import polars as pl

from pipelines import settings
from pipelines.sec import derive
from pipelines.sec.config import Company, concept_map, load_settings, real_files_dir
from pipelines.sec.parse import parse_files

CAPEX = "capex_purchases_pp_e"
PPE = "PaymentsToAcquirePropertyPlantAndEquipment"
#: in the corpus but not ledger companies: configured as in tests/test_sec_real.py
EXTRA = (
    Company(
        "SNOW",
        1640147,
        "Snowflake Inc.",
        (
            (CAPEX, 1, "us-gaap", PPE, "USD", 1),
            (
                "revenue",
                1,
                "us-gaap",
                "RevenueFromContractWithCustomerExcludingAssessedTax",
                "USD",
                1,
            ),
            ("revenue", 2, "us-gaap", "Revenues", "USD", 1),
        ),
    ),
    Company(
        "TSM",
        1046179,
        "Taiwan Semiconductor Manufacturing Company Limited",
        (
            (
                CAPEX,
                1,
                "ifrs-full",
                "PurchaseOfPropertyPlantAndEquipmentClassifiedAsInvestingActivities",
                "TWD",
                1,
            ),
            ("revenue", 1, "ifrs-full", "Revenue", "TWD", 1),
        ),
    ),
)
KEY = ["ticker", "metric", "fiscal_year", "fiscal_quarter"]
SHOWN = ["value_usd_m", "vintage", "accn", "subtracted_accn"]


def derived_at(base: str | None, facts: pl.DataFrame, concepts: pl.DataFrame) -> derive.Derived:
    """The derivation with ``sql/sec/*`` read from git revision ``base`` (None: working tree)."""
    original = settings.read_sql

    def read_sql(relative: str) -> str:
        if base is None or not relative.startswith("sec/"):
            return original(relative)
        return subprocess.run(
            ["git", "show", f"{base}:sql/{relative}"],
            cwd=settings.REPO_ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    settings.read_sql = read_sql
    try:
        return derive.derive_frame(facts, concepts)
    finally:
        settings.read_sql = original


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="main")
    parser.add_argument("--show-notes", action="store_true")
    args = parser.parse_args(argv)
    folder = real_files_dir()
    files = sorted(folder.glob("CIK*.json")) + sorted((folder / "excerpts").glob("CIK*.json"))
    if not files:
        print(f"no companyfacts files in {folder}", file=sys.stderr)
        return 2
    companies = [*load_settings({}).companies, *EXTRA]
    facts = parse_files(files, {c.cik: c.ticker for c in companies})
    concepts = concept_map(companies)
    before = derived_at(args.base, facts, concepts)
    after = derived_at(None, facts, concepts)
    cols = [*SHOWN, "vintage_note"] if args.show_notes else SHOWN
    joined = before.latest.select(*KEY, *cols).join(
        after.latest.select(*KEY, *cols), on=KEY, how="full", suffix="_new", coalesce=True
    )
    changed = joined.filter(
        pl.any_horizontal(*(pl.col(c).ne_missing(pl.col(f"{c}_new")) for c in cols))
    ).sort(KEY)
    with pl.Config(tbl_rows=-1, tbl_cols=-1, fmt_str_lengths=400, tbl_width_chars=400):
        print(
            f"latest series: {before.latest.height} rows at {args.base}, "
            f"{after.latest.height} now; {changed.height} changed"
        )
        for row in changed.iter_rows(named=True):
            print("-", {k: row[k] for k in KEY})
            for c in cols:
                if row[c] != row[f"{c}_new"]:
                    print(f"    {c}: {row[c]!r} -> {row[f'{c}_new']!r}")
        first = before.first.select(*KEY, *SHOWN).join(
            after.first.select(*KEY, *SHOWN), on=KEY, how="full", suffix="_new", coalesce=True
        )
        first_changed = first.filter(
            pl.any_horizontal(*(pl.col(c).ne_missing(pl.col(f"{c}_new")) for c in SHOWN))
        )
        print(f"first-reported series: {first_changed.height} rows changed")
        ckey = ["ticker", "metric", "fiscal_year"]
        ccols = ["status", "reason"]
        cov = before.coverage.select(*ckey, *ccols).join(
            after.coverage.select(*ckey, *ccols),
            on=ckey,
            how="full",
            suffix="_new",
            coalesce=True,
            nulls_equal=True,
        )
        cchanged = cov.filter(
            pl.any_horizontal(*(pl.col(c).ne_missing(pl.col(f"{c}_new")) for c in ccols))
        ).sort(ckey)
        print(f"coverage: {cchanged.height} fiscal years changed")
        for row in cchanged.iter_rows(named=True):
            print("-", {k: row[k] for k in ckey})
            for c in ccols:
                if row[c] != row[f"{c}_new"]:
                    print(f"    {c}: {row[c]!r}\n        -> {row[f'{c}_new']!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Write synthetic SEC companyfacts files in the real shape, for the SEC benchmark.

    python bench/sec_generate.py --companies 10000 --quarters 40 --concepts 20 --out /tmp/sec10k

Each company gets a fiscal calendar (cycling through six rules of
``pipelines.calendar.fiscal``: month ends and 52/53-week years; see FISCAL_RULES),
``--concepts`` us-gaap concepts over ``--quarters`` quarters, and the facts a filer really
reports: every 10-Q gives the quarter's figures and the same period a year earlier
(comparative column), every 10-K the last three fiscal years. Even-numbered concepts are
cash-flow items (year-to-date only: 3, 6, 9 months, full year), odd-numbered ones income-
statement items (three months, plus 6 and 9 months year to date). About 5 % of comparative
figures are restated. Concept 0 is PaymentsToAcquirePropertyPlantAndEquipment (capex), concept
1 RevenueFromContractWithCustomerExcludingAssessedTax. A dei instant fact (shares
outstanding) is added per filing. Values, accession numbers and dates are synthetic.

Writes ``CIK##########.json`` per company (minified, like data.sec.gov) and ``manifest.json``
(tickers, CIKs, concepts, fact count, bytes).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipelines.calendar.fiscal import (  # noqa: E402
    fiscal_quarter_end,
    fiscal_year_end,
    fiscal_year_start,
)

CONCEPTS = [
    "PaymentsToAcquirePropertyPlantAndEquipment",
    "RevenueFromContractWithCustomerExcludingAssessedTax",
    "NetCashProvidedByUsedInOperatingActivities",
    "CostOfRevenue",
    "NetCashProvidedByUsedInInvestingActivities",
    "ResearchAndDevelopmentExpense",
    "NetCashProvidedByUsedInFinancingActivities",
    "SellingGeneralAndAdministrativeExpense",
    "ShareBasedCompensation",
    "OperatingIncomeLoss",
    "DepreciationDepletionAndAmortization",
    "NetIncomeLoss",
    "PaymentsForRepurchaseOfCommonStock",
    "IncomeTaxExpenseBenefit",
    "PaymentsOfDividends",
    "InterestExpense",
    "PaymentsToAcquireBusinessesNetOfCashAcquired",
    "GrossProfit",
    "ProceedsFromSaleOfPropertyPlantAndEquipment",
    "OperatingExpenses",
]
LAST_FISCAL_YEAR = 2025


def ticker_of(index: int) -> str:
    letters = ""
    n = index
    for _ in range(5):
        letters = chr(ord("A") + n % 26) + letters
        n //= 26
    return letters


def concept_name(index: int) -> str:
    if index < len(CONCEPTS):
        return CONCEPTS[index]
    return f"SyntheticConcept{index:03d}"


def _iso(day: dt.date) -> str:
    return day.isoformat()


#: Fiscal calendars the synthetic companies cycle through (rules of pipelines.calendar.fiscal).
FISCAL_RULES = (
    "month_end:dec",
    "month_end:jun",
    "nearest:sun:oct-31:q1",
    "nearest:sat:jan-31:q4",
    "last:sun:jan:q4",
    "month_end:may",
)


def company(index: int, years: int, concepts: int, seed: int) -> dict:
    rng = random.Random(seed * 1_000_003 + index)
    cik = 2_000_000 + index
    rule = FISCAL_RULES[index % len(FISCAL_RULES)]
    first = LAST_FISCAL_YEAR - years + 1
    span = range(first - 2, LAST_FISCAL_YEAR + 1)  # comparatives reach two years back
    starts = {fy: fiscal_year_start(rule, fy) for fy in span}
    ends = {fy: {q: fiscal_quarter_end(rule, fy, q) for q in (1, 2, 3, 4)} for fy in span}

    sequence = [0]

    def accn(filed: dt.date) -> str:
        sequence[0] += 1
        return f"{cik:010d}-{filed.year % 100:02d}-{sequence[0]:06d}"

    # filings: (fy, quarter or 4 for the 10-K, form, fp, filed, accn)
    filings = []
    for fy in range(first, LAST_FISCAL_YEAR + 1):
        for q in (1, 2, 3):
            filed = ends[fy][q] + dt.timedelta(days=rng.randint(28, 44))
            filings.append((fy, q, "10-Q", f"Q{q}", filed, accn(filed)))
        filed = fiscal_year_end(rule, fy) + dt.timedelta(days=rng.randint(45, 70))
        filings.append((fy, 4, "10-K", "FY", filed, accn(filed)))

    us_gaap: dict[str, dict] = {}
    for c in range(concepts):
        base = rng.uniform(50, 50_000) * 1e6
        growth = rng.uniform(0.98, 1.06)
        quarter = {
            (fy, q): round(base * growth ** ((fy - first) * 4 + q) * rng.uniform(0.9, 1.1), -3)
            for fy in span
            for q in (1, 2, 3, 4)
        }

        def ytd(fy: int, q: int) -> float:
            return sum(quarter[(fy, k)] for k in range(1, q + 1))  # noqa: B023

        cash_flow = c % 2 == 0
        facts = []

        def add(
            start: dt.date, end: dt.date, val: float, filing: tuple, comparative: bool, facts=facts
        ) -> None:
            if comparative and rng.random() < 0.05:  # restated in the later filing
                val = round(val * rng.uniform(0.98, 1.02), -3)
            fy, _, form, fp, filed, number = filing
            facts.append(
                {
                    "start": _iso(start),
                    "end": _iso(end),
                    "val": int(val),
                    "accn": number,
                    "fy": fy,
                    "fp": fp,
                    "form": form,
                    "filed": _iso(filed),
                }
            )

        for filing in filings:
            fy, q = filing[0], filing[1]
            if q == 4:
                for back in (0, 1, 2):
                    add(starts[fy - back], ends[fy - back][4], ytd(fy - back, 4), filing, back > 0)
                continue
            for back in (0, 1):
                year = fy - back
                if cash_flow or q > 1:
                    add(starts[year], ends[year][q], ytd(year, q), filing, back > 0)
                if not cash_flow:
                    q_start = starts[year] if q == 1 else ends[year][q - 1] + dt.timedelta(days=1)
                    add(q_start, ends[year][q], quarter[(year, q)], filing, back > 0)
        facts.sort(key=lambda f: (f["end"], f["start"], f["filed"]))
        us_gaap[concept_name(c)] = {
            "label": concept_name(c),
            "description": "Synthetic concept for the SEC benchmark.",
            "units": {"USD": facts},
        }

    shares = [
        {
            "end": _iso(ends[fy][q]),
            "val": rng.randint(10**8, 10**10),
            "accn": number,
            "fy": fy,
            "fp": fp,
            "form": form,
            "filed": _iso(filed),
        }
        for fy, q, form, fp, filed, number in filings
    ]
    return {
        "cik": cik,
        "entityName": f"Synthetic Company {ticker_of(index)}",
        "facts": {
            "dei": {
                "EntityCommonStockSharesOutstanding": {
                    "label": "Entity Common Stock, Shares Outstanding",
                    "description": "Synthetic.",
                    "units": {"shares": shares},
                }
            },
            "us-gaap": us_gaap,
        },
    }


def _write_range(args: tuple[Path, int, int, int, int, int]) -> tuple[int, int]:
    out, start, stop, years, concepts, seed = args
    facts = size = 0
    for index in range(start, stop):
        data = company(index, years, concepts, seed)
        text = json.dumps(data, separators=(",", ":"))
        (out / f"CIK{data['cik']:010d}.json").write_text(text, encoding="utf-8")
        size += len(text)
        facts += sum(
            len(entries)
            for taxonomy in data["facts"].values()
            for concept in taxonomy.values()
            for entries in concept["units"].values()
        )
    return facts, size


def generate(
    out: Path, companies: int, quarters: int, concepts: int, seed: int = 7, workers: int = 0
) -> dict:
    if quarters % 4:
        raise SystemExit("--quarters must be a multiple of 4 (whole fiscal years)")
    if concepts < 2:
        raise SystemExit("--concepts must be at least 2 (capex and revenue)")
    out.mkdir(parents=True, exist_ok=True)
    years = quarters // 4
    workers = workers or min(os.cpu_count() or 1, 8)
    step = max(1, -(-companies // (workers * 4)))
    chunks = [
        (out, s, min(s + step, companies), years, concepts, seed) for s in range(0, companies, step)
    ]
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(_write_range, chunks))
    manifest = {
        "companies": companies,
        "quarters": quarters,
        "concepts": [concept_name(c) for c in range(concepts)],
        "seed": seed,
        "facts": sum(f for f, _ in results),
        "bytes": sum(b for _, b in results),
        "tickers": {str(2_000_000 + i): ticker_of(i) for i in range(companies)},
        "seconds": round(time.perf_counter() - started, 1),
    }
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--companies", type=int, default=1000, help="number of companies (scale)")
    parser.add_argument(
        "--quarters", type=int, default=40, help="quarters per company (multiple of 4)"
    )
    parser.add_argument("--concepts", type=int, default=20, help="us-gaap concepts per company")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=0, help="processes (default: CPUs)")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    args = parser.parse_args()
    manifest = generate(
        args.out, args.companies, args.quarters, args.concepts, args.seed, args.workers
    )
    print(
        f"wrote {manifest['companies']:,} companies, {manifest['facts']:,} facts, "
        f"{manifest['bytes'] / 1e6:,.1f} MB to {args.out} in {manifest['seconds']} s"
    )


if __name__ == "__main__":
    main()

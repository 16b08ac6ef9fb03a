"""Convert a raw/ folder of the first format to the data-defined universe format (v2).

Usage: ``python scripts/migrate_raw_v2.py RAW_DIR`` rewrites, in place and idempotently:

* ``companies.csv``: ``fiscal_year_end_rule`` (four fixed names) becomes ``fiscal_calendar``
  in the rule vocabulary of ``pipelines/calendar/fiscal.py``; ``group_name`` moves to
  ``groups.csv`` / ``group_members.csv``; the capex definition each company's marts use
  becomes data (``capex_metric``, ``capex_less_metric``, ``capex_definition``), chosen as the
  first version chose it: purchases less proceeds where a company reports proceeds,
  additions where it reports additions, purchases otherwise; only for the group that the
  first version built capex marts for.
* ``financials.csv``: the ticker-named metric ``amzn_proceeds_pp_e_sales_incentives`` is
  renamed ``proceeds_pp_e_sales_incentives``; columns ``published_before`` (an upper bound
  of the publication date of an undated figure) and ``compiled_by`` (who compiled a
  consensus) are added, empty.

The warehouse needs no migration of its own: ``make refresh`` rebuilds every table from raw/.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

OLD_RULES = {
    "dec31": "month_end:dec",
    "jun30": "month_end:jun",
    "sunday_nearest_oct31": "nearest:sun:oct-31:q1",
    "saturday_nearest_jan31": "nearest:sat:jan-31:q4",
}
OLD_GROUP_DESCRIPTIONS = {
    "MAMG": "Hyperscalers: Microsoft, Amazon, Meta, Alphabet",
    "AI_SEMI": "AI semiconductors tracked for AI / data-center revenue against consensus",
}
OLD_CAPEX_GROUP = "MAMG"
OLD_PROCEEDS = "amzn_proceeds_pp_e_sales_incentives"
PROCEEDS = "proceeds_pp_e_sales_incentives"


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, columns: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows({c: r.get(c, "") for c in columns} for r in rows)


def migrate(raw: Path) -> list[str]:
    done: list[str] = []
    columns, financials = _read(raw / "financials.csv")
    if "published_before" not in columns:
        at = columns.index("published") + 1
        columns = [*columns[:at], "published_before", "compiled_by", *columns[at:]]
        for r in financials:
            if r["metric"] == OLD_PROCEEDS:
                r["metric"] = PROCEEDS
        _write(raw / "financials.csv", columns, financials)
        done.append("financials.csv: published_before, compiled_by added; proceeds renamed")
    metrics: dict[str, set[str]] = {}
    for r in financials:
        metrics.setdefault(r["ticker"], set()).add(r["metric"])

    columns, companies = _read(raw / "companies.csv")
    if "fiscal_year_end_rule" in columns:
        groups = sorted({r["group_name"] for r in companies})
        _write(
            raw / "groups.csv",
            ["group_name", "description"],
            [{"group_name": g, "description": OLD_GROUP_DESCRIPTIONS.get(g, g)} for g in groups],
        )
        _write(
            raw / "group_members.csv",
            ["group_name", "ticker"],
            sorted(
                ({"group_name": r["group_name"], "ticker": r["ticker"]} for r in companies),
                key=lambda r: (r["group_name"], r["ticker"]),
            ),
        )
        for r in companies:
            r["fiscal_calendar"] = OLD_RULES[r["fiscal_year_end_rule"]]
            have = metrics.get(r["ticker"], set())
            if r["group_name"] != OLD_CAPEX_GROUP:
                continue
            if PROCEEDS in have:
                r.update(
                    capex_metric="capex_purchases_pp_e",
                    capex_less_metric=PROCEEDS,
                    capex_definition="cash_purchases_pp_e_net_of_proceeds",
                )
            elif "capex_additions_to_pp_e" in have:
                r.update(
                    capex_metric="capex_additions_to_pp_e",
                    capex_definition="cash_additions_to_pp_e",
                )
            else:
                r.update(
                    capex_metric="capex_purchases_pp_e", capex_definition="cash_purchases_pp_e"
                )
        new = [
            "ticker",
            "name",
            "cik",
            "fiscal_calendar",
            "capex_metric",
            "capex_less_metric",
            "capex_definition",
            "source_title",
            "source_date",
            "source_url",
        ]
        _write(raw / "companies.csv", new, companies)
        done.append("companies.csv: fiscal_calendar and capex definition; groups moved out")
    return done


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    for line in migrate(Path(sys.argv[1])) or ["already in the v2 format"]:
        print(line)

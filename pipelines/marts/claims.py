"""Claim facts and claim checks (``marts.claim_facts``, ``marts.claim_checks``).

Interface between domains: every domain that can compute figures the seed's claims talk
about publishes a *claim facts* table with the columns ``entity, metric, period,
computed_value, unit, method`` in the claims' vocabulary (``raw.claims``; see
raw/README.md). Optional columns: ``claim_id`` (the fact applies to that claim only),
``basis`` (``warehouse`` or ``seed_internal``), ``comparison`` (``equal``,
``upper_bound``, ``lower_bound``) and ``tolerance`` (a check tolerance the producer declares
for a model reproduction, in the claim's unit — e.g. the TCO headline must be reproduced
within ±0.01 USD/h and ±1 percentage point; the effective tolerance is the larger of this
and the printed precision, and ``tolerance_rule`` says so). A fact with a NULL
``computed_value`` says the figure cannot be computed, and its ``method`` says why.

``marts.claim_checks`` joins every claim to the union of the facts tables on (entity,
metric, period) — or on ``claim_id`` for claim-specific facts — and judges it with
:func:`judge`.

Tolerance (:func:`judge`): half a unit of the last printed decimal (87.4 -> ±0.05);
``more_than`` / ``at_least`` X is confirmed when computed >= X - tolerance, ``less_than`` /
``up_to`` when computed <= X + tolerance; ``about`` X allows ±max(tolerance, 5 % of X);
``nearly`` X allows computed between X - max(tolerance, 10 % of X) and X + tolerance.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import polars as pl

from pipelines.calendar.fiscal import is_calendar_year, shift_calendar_quarter
from pipelines.marts.growth import cagr_pct, fiscal_label, pct_change, shift_fiscal_quarter

ABOUT_RELATIVE = 0.05
NEARLY_RELATIVE = 0.10
UNIT_FACTORS = {
    ("USD_m", "USD_bn"): 1e-3,
    ("USD_bn", "USD_m"): 1e3,
    ("GB_per_s", "TB_per_s"): 1e-3,
    ("TB_per_s", "GB_per_s"): 1e3,
}

#: A metric counting a subset of what another metric counts (same entity and period).
SUBSET_METRICS = {"telecom_equipment_seats_in_top10": "communications_seats_in_top10"}

FACT_COLUMNS = [
    "entity",
    "metric",
    "period",
    "computed_value",
    "unit",
    "method",
    "claim_id",
    "basis",
    "comparison",
    "tolerance",
]
FACT_SCHEMA = {
    "entity": pl.Utf8,
    "metric": pl.Utf8,
    "period": pl.Utf8,
    "computed_value": pl.Float64,
    "unit": pl.Utf8,
    "method": pl.Utf8,
    "claim_id": pl.Utf8,
    "basis": pl.Utf8,
    "comparison": pl.Utf8,
    "tolerance": pl.Float64,
}


# ------------------------------------------------------------------------ verdicts
@dataclass(frozen=True)
class Verdict:
    status: str  # confirmed | contradicted | not_computable
    difference: float | None
    tolerance: float | None
    rule: str | None


def half_unit(decimals: int) -> float:
    """Half a unit of the last printed decimal: 1 decimal -> 0.05."""
    return 0.5 * 10.0 ** (-decimals)


def judge(
    stated: float,
    computed: float | None,
    decimals: int,
    qualifier: str | None = None,
    comparison: str = "equal",
    declared_tolerance: float | None = None,
) -> Verdict:
    """Compare a stated figure with a computed one (see the module docstring for the rules)."""
    if computed is None or (isinstance(computed, float) and math.isnan(computed)):
        return Verdict("not_computable", None, None, None)
    base = half_unit(decimals)
    if declared_tolerance is not None and declared_tolerance > base:
        diff = computed - stated
        ok = abs(diff) <= declared_tolerance + 1e-9 * max(1.0, abs(stated))
        return Verdict(
            "confirmed" if ok else "contradicted",
            diff,
            declared_tolerance,
            f"|difference| <= {declared_tolerance:g} (reproduction tolerance declared by the "
            f"producer; printed precision alone would allow {base:g})",
        )
    diff = computed - stated
    eps = 1e-9 * max(1.0, abs(stated))  # float noise: 87.431 - 87.4 vs 0.05
    if comparison == "upper_bound":
        ok = stated <= computed + base + eps
        return Verdict(
            "confirmed" if ok else "contradicted",
            diff,
            base,
            f"stated <= computed + {base:g} (computed is an upper bound)",
        )
    if comparison == "lower_bound":
        ok = stated >= computed - base - eps
        return Verdict(
            "confirmed" if ok else "contradicted",
            diff,
            base,
            f"stated >= computed - {base:g} (computed is a lower bound)",
        )
    if qualifier in ("more_than", "at_least"):
        ok = computed >= stated - base - eps
        return Verdict(
            "confirmed" if ok else "contradicted",
            diff,
            base,
            f"computed >= stated - {base:g} ({qualifier})",
        )
    if qualifier in ("less_than", "up_to"):
        ok = computed <= stated + base + eps
        return Verdict(
            "confirmed" if ok else "contradicted",
            diff,
            base,
            f"computed <= stated + {base:g} ({qualifier})",
        )
    if qualifier == "about":
        tol = max(base, ABOUT_RELATIVE * abs(stated))
        ok = abs(diff) <= tol + eps
        return Verdict(
            "confirmed" if ok else "contradicted",
            diff,
            tol,
            f"|difference| <= {tol:g} (about: max(half unit, 5 %))",
        )
    if qualifier == "nearly":
        below = max(base, NEARLY_RELATIVE * abs(stated))
        ok = stated - below - eps <= computed <= stated + base + eps
        return Verdict(
            "confirmed" if ok else "contradicted",
            diff,
            below,
            f"stated - {below:g} <= computed <= stated + {base:g} (nearly)",
        )
    ok = abs(diff) <= base + eps
    return Verdict("confirmed" if ok else "contradicted", diff, base, f"|difference| <= {base:g}")


# ----------------------------------------------------------------------- helpers
def _fmt(value: float | None, digits: int = 3) -> str:
    if value is None:
        return "NULL"
    text = f"{value:,.{digits}f}".rstrip("0").rstrip(".")
    return text


def _fact(
    entity: str,
    metric: str,
    period: str,
    value: float | None,
    unit: str,
    method: str,
    *,
    claim_id: str | None = None,
    basis: str = "warehouse",
    comparison: str = "equal",
) -> dict[str, Any]:
    return {
        "entity": entity,
        "metric": metric,
        "period": period,
        "computed_value": value,
        "unit": unit,
        "method": method,
        "claim_id": claim_id,
        "basis": basis,
        "comparison": comparison,
    }


def _bn(value_m: float | None) -> float | None:
    return None if value_m is None else value_m / 1000.0


def period_labels(
    rule: str, fiscal_year: int, fiscal_quarter: int | None, calendar_quarter: str | None
) -> list[str]:
    """The claims' spellings of a company period: calendar labels for calendar-year companies
    (``2025Q2``, ``2025``); fiscal (``FY2025Q4``) plus calendar quarter for the others."""
    if is_calendar_year(rule):
        return (
            [calendar_quarter]
            if fiscal_quarter is not None and calendar_quarter
            else [str(fiscal_year)]
            if fiscal_quarter is None
            else []
        )
    labels = [fiscal_label(fiscal_year, fiscal_quarter)]
    if fiscal_quarter is not None and calendar_quarter:
        labels.append(calendar_quarter)
    return labels


# -------------------------------------------------------------- facts: capex marts
def capex_facts(
    capex_quarterly: pl.DataFrame,
    group: pl.DataFrame,
    rules: dict[str, str],
    group_members: pl.DataFrame | None = None,
) -> list[dict[str, Any]]:
    """Capex levels, growth and intensity per company and for every group, quarterly and annual.

    ``group``: ``marts.group_quarterly``; ``group_members``: ``marts.group_member_quarterly``
    (the members' figures named in each total's method)."""
    parts: dict[tuple[str, str], list[str]] = {}
    if group_members is not None:
        for m in group_members.filter(pl.col("metric") == "capex").sort("ticker").to_dicts():
            parts.setdefault((m["group_name"], m["calendar_quarter"]), []).append(
                f"{m['ticker']} {_fmt(m['value_usd_m'], 0)}"
            )
    group = group.filter(pl.col("metric") == "capex").rename(
        {
            "total_usd_m": "capex_usd_m",
            "yoy_pct": "capex_yoy_pct",
            "qoq_pct": "capex_qoq_pct",
            "ttm_usd_m": "capex_ttm_usd_m",
            "ttm_yoy_pct": "capex_ttm_yoy_pct",
        }
    )
    facts: list[dict[str, Any]] = []
    rows = {(r["ticker"], r["calendar_quarter"]): r for r in capex_quarterly.to_dicts()}
    for (ticker, label), r in sorted(rows.items()):
        labels = period_labels(rules[ticker], r["fiscal_year"], r["fiscal_quarter"], label)
        definition = r["capex_definition"]
        prev_label = f"{int(label[:4]) - 1}{label[4:]}"
        prev = rows.get((ticker, prev_label))
        level_how = (
            f"{definition} {_fmt(r['capex_usd_m'], 0)} m"
            + (f" ({r['capex_derivation']})" if r["capex_derivation"] else "")
            if r["capex_usd_m"] is not None
            else f"not computable: {r['missing_reason']}"
        )
        if r["capex_yoy_pct"] is not None:
            yoy_how = (
                f"{definition}: {label} {_fmt(r['capex_usd_m'], 0)} m "
                f"vs {prev_label} {_fmt(prev['capex_usd_m'], 0)} m"
            )
        else:
            missing = [
                f"{label}" if r["capex_usd_m"] is None else None,
                f"{prev_label}" if prev is None or prev["capex_usd_m"] is None else None,
            ]
            why = (
                r["missing_reason"]
                if r["capex_usd_m"] is None
                else (prev["missing_reason"] if prev else "quarter outside the data")
            )
            gaps = ", ".join(m for m in missing if m)
            yoy_how = f"not computable: {ticker} capex missing for {gaps} ({why})"
        for p in labels:
            facts.append(
                _fact(ticker, "capex_usd_bn", p, _bn(r["capex_usd_m"]), "USD_bn", level_how)
            )
            facts.append(_fact(ticker, "capex_yoy_pct", p, r["capex_yoy_pct"], "percent", yoy_how))
            facts.append(
                _fact(
                    ticker,
                    "capex_qoq_pct",
                    p,
                    r["capex_qoq_pct"],
                    "percent",
                    f"{definition}, vs previous calendar quarter",
                )
            )
            if r["capex_to_revenue_pct"] is not None:
                facts.append(
                    _fact(
                        ticker,
                        "capex_to_revenue_pct",
                        p,
                        r["capex_to_revenue_pct"],
                        "percent",
                        f"{definition} {_fmt(r['capex_usd_m'], 0)} / revenue "
                        f"{_fmt(r['revenue_usd_m'], 0)}",
                    )
                )
        if r["capex_to_revenue_change_pct_points"] is not None and is_calendar_year(rules[ticker]):
            before = shift_calendar_quarter(label, -1)
            facts.append(
                _fact(
                    ticker,
                    "capex_to_revenue_change_pct_points",
                    f"{before}-{label}",
                    r["capex_to_revenue_change_pct_points"],
                    "pct_points",
                    f"capex/revenue {label} minus {before} ({definition} / total revenue)",
                )
            )
    # annual: the trailing twelve months at a year's last quarter
    for (ticker, label), r in sorted(rows.items()):
        rule = rules[ticker]
        if label.endswith("Q4"):
            facts.append(
                _fact(
                    ticker,
                    "capex_usd_bn",
                    label[:4],
                    _bn(r["capex_ttm_usd_m"]),
                    "USD_bn",
                    f"sum of calendar {label[:4]} quarters ({r['capex_definition']})"
                    if r["capex_ttm_usd_m"] is not None
                    else f"not computable: a calendar {label[:4]} quarter is missing",
                )
            )
        if not is_calendar_year(rule) and r["fiscal_quarter"] == 4:
            facts.append(
                _fact(
                    ticker,
                    "capex_usd_bn",
                    fiscal_label(r["fiscal_year"]),
                    _bn(r["capex_ttm_usd_m"]),
                    "USD_bn",
                    f"sum of fiscal {r['fiscal_year']} quarters ({r['capex_definition']})"
                    if r["capex_ttm_usd_m"] is not None
                    else "not computable: a fiscal quarter is missing",
                )
            )
    for r in group.to_dicts():
        name, label = r["group_name"], r["calendar_quarter"]
        prev_label = f"{int(label[:4]) - 1}{label[4:]}"
        if r["is_complete"]:
            level_how = (
                f"sum of {r['members_reported']} members: "
                + " + ".join(parts.get((name, label), []))
                + " m (marts.group_quarterly)"
            )
        else:
            level_how = f"not computable: {label} incomplete ({r['incomplete_reason']})"
        yoy_how = (
            f"{label} total vs {prev_label} total (marts.group_quarterly)"
            if r["capex_yoy_pct"] is not None
            else f"not computable: the {label} or {prev_label} total is NULL (a member is "
            "missing; see marts.group_quarterly)"
        )
        facts.append(_fact(name, "capex_usd_bn", label, _bn(r["capex_usd_m"]), "USD_bn", level_how))
        facts.append(_fact(name, "capex_yoy_pct", label, r["capex_yoy_pct"], "percent", yoy_how))
        facts.append(
            _fact(
                name,
                "capex_qoq_pct",
                label,
                r["capex_qoq_pct"],
                "percent",
                "vs previous quarter total",
            )
        )
        if label.endswith("Q4"):
            facts.append(
                _fact(
                    name,
                    "capex_usd_bn",
                    label[:4],
                    _bn(r["capex_ttm_usd_m"]),
                    "USD_bn",
                    f"sum of the four {label[:4]} quarterly totals"
                    if r["capex_ttm_usd_m"] is not None
                    else f"not computable: a {label[:4]} quarter is incomplete",
                )
            )
            facts.append(
                _fact(
                    name,
                    "capex_yoy_pct",
                    label[:4],
                    r["capex_ttm_yoy_pct"],
                    "percent",
                    f"{label[:4]} total vs {int(label[:4]) - 1} total"
                    if r["capex_ttm_yoy_pct"] is not None
                    else f"not computable: {label[:4]} or {int(label[:4]) - 1} has an incomplete "
                    "quarter",
                )
            )
    return facts


def guidance_facts(guidance: pl.DataFrame, rules: dict[str, str]) -> list[dict[str, Any]]:
    """Latest and previous capex guidance, USD bn. Guidance known only from a seed article is
    not an independent figure: its fact is NULL with the reason."""
    from pipelines.calendar.fiscal import calendar_quarter_of_fiscal

    facts: list[dict[str, Any]] = []
    for r in guidance.to_dicts():
        ticker = r["ticker"]
        match = re.match(r"^FY(\d{4})(?:Q([1-4]))?$", r["guided_period"])
        assert match is not None
        fy, q = int(match.group(1)), (int(match.group(2)) if match.group(2) else None)
        calendar = calendar_quarter_of_fiscal(rules[ticker], fy, q) if q else None
        labels = period_labels(rules[ticker], fy, q, calendar)
        reported = ""
        if r["reported_to_date_usd_m"] is not None:
            reported = (
                f"; reported {r['actuals_metric']} capex for {r['guided_period']}: "
                f"{_fmt(_bn(r['reported_to_date_usd_m']))} bn over {r['quarters_reported']} of "
                f"{r['quarters_in_period']} quarters"
            )
        for prefix, low, mid, high, from_seed, source, when in (
            (
                "capex_guidance",
                r["low_usd_m"],
                r["mid_usd_m"],
                r["high_usd_m"],
                r["from_seed"],
                r["source_title"],
                r["given_on"] or r["given_before"],
            ),
            (
                "capex_guidance_prior",
                r["previous_low_usd_m"],
                r["previous_mid_usd_m"],
                r["previous_high_usd_m"],
                r["previous_from_seed"],
                r["previous_source_title"],
                r["previous_given_on"] or r["previous_given_before"],
            ),
        ):
            if source is None:
                continue
            for suffix, value in (("", mid), ("_low", low), ("_high", high)):
                metric = f"{prefix}{suffix}_usd_bn"
                if from_seed:
                    method = (
                        "not computable: the warehouse knows this guidance only from the seed "
                        "itself "
                        f"({source}); comparing it would be circular{reported}"
                    )
                    fact_value = None
                elif value is None:
                    which = "latest" if prefix == "capex_guidance" else "previous"
                    method = (
                        f"not computable: the {which} guidance has no "
                        f"{suffix.strip('_') or 'point'} figure"
                    )
                    fact_value = None
                else:
                    method = (
                        f"marts.capex_guidance {r['guided_period']} ({r['capex_definition']}), "
                        f"given {when}: {source}"
                    )
                    fact_value = _bn(value)
                for p in labels:
                    facts.append(_fact(ticker, metric, p, fact_value, "USD_bn", method))
    return facts


def ai_revenue_facts(ai: pl.DataFrame, rules: dict[str, str]) -> list[dict[str, Any]]:
    """AI-revenue companies' figures per fiscal quarter (and its calendar quarter)."""
    facts: list[dict[str, Any]] = []
    for r in ai.to_dicts():
        t = r["ticker"]
        labels = period_labels(
            rules[t], r["fiscal_year"], r["fiscal_quarter"], r["calendar_quarter"]
        )

        def versus(level: str, expectation: str, what: str, r: dict[str, Any] = r) -> str:
            """'; vs consensus 15840 m (published 2025-09-05, quoted_after_results): +0.71 %'"""
            value, base = r[f"{level}_usd_m"], r[f"{expectation}_usd_m"]
            if value is None or base is None:
                return ""
            change = pct_change(value, base)
            when = r.get(f"{expectation}_published")
            timing = r.get(f"{expectation}_timing")
            dated = f" (published {when}" + (f", {timing})" if timing else ")") if when else ""
            return f"; vs {what} {_fmt(base, 1)} m{dated}: {change:+.2f} %"

        quarter = fiscal_label(r["fiscal_year"], r["fiscal_quarter"])
        items: list[tuple[str, float | None, str, str]] = [
            (
                "revenue_usd_bn",
                _bn(r["revenue_usd_m"]),
                "USD_bn",
                f"{t} {quarter} revenue {_fmt(r['revenue_usd_m'], 1)} m "
                "(marts.ai_revenue_quarterly)"
                + versus("revenue", "revenue_consensus", "consensus"),
            ),
            (
                "ai_revenue_usd_bn",
                _bn(r["ai_revenue_usd_m"]),
                "USD_bn",
                f"{t} {quarter} AI revenue {_fmt(r['ai_revenue_usd_m'], 1)} m as reported"
                + versus("ai_revenue", "ai_revenue_consensus", "consensus"),
            ),
            (
                "data_center_revenue_usd_bn",
                _bn(r["data_center_revenue_usd_m"]),
                "USD_bn",
                "data-center revenue",
            ),
            (
                "revenue_yoy_pct",
                r["revenue_yoy_pct"],
                "percent",
                "revenue vs same fiscal quarter a year earlier",
            ),
            (
                "ai_revenue_yoy_pct",
                r["ai_revenue_yoy_pct"],
                "percent",
                "AI revenue vs same fiscal quarter a year earlier",
            ),
            (
                "ai_revenue_qoq_pct",
                r["ai_revenue_qoq_pct"],
                "percent",
                "AI revenue vs previous fiscal quarter",
            ),
            ("revenue_surprise_pct", r["revenue_surprise_pct"], "percent", "revenue vs consensus"),
            (
                "ai_revenue_surprise_pct",
                r["ai_revenue_surprise_pct"],
                "percent",
                "AI revenue vs consensus",
            ),
            (
                "revenue_guidance_usd_bn",
                _bn(r["revenue_guidance_usd_m"]),
                "USD_bn",
                f"company revenue guidance for {quarter} given {r['revenue_guidance_published']}"
                + versus("revenue_guidance", "revenue_consensus", "consensus"),
            ),
            (
                "ai_revenue_guidance_usd_bn",
                _bn(r["ai_revenue_guidance_usd_m"]),
                "USD_bn",
                f"company AI-revenue guidance for {quarter} given "
                f"{r['ai_revenue_guidance_published']}"
                + versus("ai_revenue_guidance", "ai_revenue_consensus", "consensus"),
            ),
        ]
        for metric, kind, column in (
            ("revenue_consensus_usd_bn", "revenue consensus", "revenue_consensus"),
            ("ai_revenue_consensus_usd_bn", "AI-revenue consensus", "ai_revenue_consensus"),
        ):
            value, source = r[f"{column}_usd_m"], r[f"{column}_source"]
            if value is not None and r[f"{column}_from_seed"]:
                items.append(
                    (
                        metric,
                        None,
                        "USD_bn",
                        f"not computable: the warehouse's {kind} for this quarter is the seed's "
                        f"own figure ({source}); comparing it would be circular. It is used as "
                        "the consensus of marts.ai_revenue_quarterly"
                        + versus(column.removesuffix("_consensus"), column, "it: reported").replace(
                            "; vs it: reported", ", where the reported figure compares with"
                        )
                        + versus(
                            column.removesuffix("_consensus") + "_guidance", column, "it"
                        ).replace("; vs it", "; the company's guidance compares with"),
                    )
                )
            else:
                items.append(
                    (
                        metric,
                        _bn(value),
                        "USD_bn",
                        f"{kind} published {r[f'{column}_published']} ({r[f'{column}_timing']}): "
                        f"{source}",
                    )
                )
        if r["eps_consensus_usd"] is not None and r["eps_consensus_from_seed"]:
            items.append(
                (
                    "eps_adjusted_consensus_usd",
                    None,
                    "USD_per_share",
                    "not computable: the warehouse's EPS consensus is the seed's own figure",
                )
            )
        else:
            items.append(
                (
                    "eps_adjusted_consensus_usd",
                    r["eps_consensus_usd"],
                    "USD_per_share",
                    f"EPS consensus published {r['eps_consensus_published']}",
                )
            )
        if r["ai_revenue_estimate_usd_m"] is not None and r["ai_revenue_estimate_from_seed"]:
            items.append(
                (
                    "ai_revenue_estimate_usd_bn",
                    None,
                    "USD_bn",
                    "not computable: the only estimate in the warehouse is the seed's own "
                    f"({r['ai_revenue_estimate_source']})",
                )
            )
        for p in labels:
            for metric, value, unit, method in items:
                if value is None and not method.startswith("not computable"):
                    continue
                facts.append(_fact(t, metric, p, value, unit, method))
    return facts


# ------------------------------------------------------- facts: from the claims
def _year(period: str) -> int | None:
    return int(period) if re.fullmatch(r"\d{4}", period) else None


def seed_internal_facts(
    claims: pl.DataFrame, warehouse_facts: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Checks of a claim against the claims it names in ``related_claim_ids``.

    Rules: a ``*_ratio_x`` with two related figures in one unit is their ratio; a
    ``*_total_*`` the sum of its related parts; a ``*_cagr_pct`` the CAGR between two dated
    figures; a ``*_qoq*_pct`` the growth between two consecutive quarters; a ``*_share_pct``
    the related parts over the related total; the same quantity stated differently by
    another article is a conflict; a subset count (``SUBSET_METRICS``) bounds its superset.
    A growth of a forecast or consensus level (``capex_yoy_forecast_pct``) is computed on the
    warehouse's actual base of the year before.
    """
    by_id = {r["claim_id"]: r for r in claims.to_dicts()}
    actual = {
        (f["entity"], f["metric"], f["period"]): f for f in warehouse_facts if f["claim_id"] is None
    }
    facts: list[dict[str, Any]] = []
    for c in by_id.values():
        related = [by_id[i] for i in (c["related_claim_ids"] or "").split(";") if i in by_id]
        metric = c["metric"]

        def add(
            value: float | None,
            method: str,
            basis: str = "seed_internal",
            comparison: str = "equal",
            c: dict[str, Any] = c,
        ) -> None:
            facts.append(
                _fact(
                    c["entity"],
                    c["metric"],
                    c["period"],
                    value,
                    c["unit"],
                    method,
                    claim_id=c["claim_id"],
                    basis=basis,
                    comparison=comparison,
                )
            )

        same_qty = [
            r
            for r in related
            if (r["entity"], r["metric"], r["period"]) == (c["entity"], metric, c["period"])
            and r["article_no"] != c["article_no"]
        ]
        if same_qty:
            other = same_qty[0]
            add(
                other["stated_value"],
                f"the same quantity is stated as {_fmt(other['stated_value'])} in article "
                f"{other['article_no']} ({other['claim_id']}); at most one of the two can be right",
            )
            continue
        if metric in SUBSET_METRICS or metric in SUBSET_METRICS.values():
            for r in related:
                if r["entity"] == c["entity"] and r["period"] == c["period"]:
                    if SUBSET_METRICS.get(metric) == r["metric"]:
                        add(
                            r["stated_value"],
                            f"{metric} counts a subset of {r['metric']}, stated as "
                            f"{_fmt(r['stated_value'])} ({r['claim_id']}, article "
                            f"{r['article_no']}): an upper bound",
                            comparison="upper_bound",
                        )
                    elif SUBSET_METRICS.get(r["metric"]) == metric:
                        add(
                            r["stated_value"],
                            f"{metric} includes {r['metric']}, stated as {_fmt(r['stated_value'])} "
                            f"({r['claim_id']}, article {r['article_no']}): a lower bound",
                            comparison="lower_bound",
                        )
            continue
        yoy = re.fullmatch(r"(capex)_yoy_(forecast|consensus)_pct", metric)
        if yoy and _year(c["period"]) is not None:
            level = [
                r
                for r in related
                if r["metric"] == f"capex_{yoy.group(2)}_usd_bn"
                and r["entity"] == c["entity"]
                and r["period"] == c["period"]
            ]
            base = actual.get((c["entity"], "capex_usd_bn", str(_year(c["period"]) - 1)))
            if level and base is not None and base["computed_value"] is not None:
                add(
                    pct_change(level[0]["stated_value"], base["computed_value"]),
                    f"the claim's own {c['period']} level {_fmt(level[0]['stated_value'])} bn "
                    f"({level[0]['claim_id']}) over "
                    f"the warehouse's {_year(c['period']) - 1} actual "
                    f"{_fmt(base['computed_value'])} bn ({base['method']})",
                    basis="warehouse",
                )
            else:
                add(
                    None,
                    "not computable: needs the related level claim and the warehouse's prior-year "
                    "actual",
                )
            continue
        if re.fullmatch(r"capex_(forecast|consensus)_usd_bn", metric):
            year = _year(c["period"])
            quarters = (
                [actual.get((c["entity"], "capex_usd_bn", f"{year}Q{q}")) for q in (1, 2, 3, 4)]
                if year
                else []
            )
            known = [f for f in quarters if f and f["computed_value"] is not None]
            so_far = f"; the warehouse has {len(known)} of 4 quarters of {year}" + (
                f" ({_fmt(sum(f['computed_value'] for f in known))} bn so far)" if known else ""
            )
            add(
                None,
                f"not computable: a {metric.split('_')[1]} for {c['period']}, a year not fully "
                f"reported{so_far}",
            )
            continue
        units = {r["unit"] for r in related}
        if metric.endswith("_ratio_x") and len(related) == 2 and len(units) == 1:
            a, b = related
            add(
                a["stated_value"] / b["stated_value"],
                f"{_fmt(a['stated_value'])} / {_fmt(b['stated_value'])} ({a['claim_id']} / "
                f"{b['claim_id']}, {a['unit']})",
            )
        elif "_total_" in metric and related and units == {c["unit"]}:
            add(
                sum(r["stated_value"] for r in related),
                " + ".join(f"{_fmt(r['stated_value'])} ({r['claim_id']})" for r in related),
            )
        elif (
            metric.endswith("_cagr_pct")
            and len(related) == 2
            and all(_year(r["period"]) for r in related)
        ):
            first, last = sorted(related, key=lambda r: _year(r["period"]) or 0)
            years = (_year(last["period"]) or 0) - (_year(first["period"]) or 0)
            add(
                cagr_pct(first["stated_value"], last["stated_value"], years),
                f"({_fmt(last['stated_value'])} / {_fmt(first['stated_value'])})^(1/{years}) - 1 "
                f"({first['claim_id']} {first['period']} -> {last['claim_id']} {last['period']})",
            )
        elif "_qoq" in metric and metric.endswith("_pct"):
            levels = sorted(
                (r for r in related if r["unit"] != "percent"), key=lambda r: r["period"]
            )
            if len(levels) == 2 and _consecutive(levels[0]["period"], levels[1]["period"]):
                add(
                    pct_change(levels[1]["stated_value"], levels[0]["stated_value"]),
                    f"{_fmt(levels[1]['stated_value'])} / {_fmt(levels[0]['stated_value'])} - 1 "
                    f"({levels[1]['claim_id']} over {levels[0]['claim_id']})",
                )
            else:
                add(
                    None,
                    "not computable: the previous quarter's level is not stated in the seed, and "
                    "the warehouse "
                    "has no such figure (the company does not report it)",
                )
        elif metric.endswith("_share_pct") and related:
            totals = [r for r in related if r["entity"] == c["entity"] and r["unit"] != "percent"]
            parts = [
                r
                for r in related
                if r["entity"].startswith(f"{c['entity']} - ")
                and totals
                and r["unit"] == totals[0]["unit"]
            ]
            if totals and parts:
                total = totals[0]
                add(
                    sum(p["stated_value"] for p in parts) / total["stated_value"] * 100.0,
                    "("
                    + " + ".join(f"{_fmt(p['stated_value'])} ({p['claim_id']})" for p in parts)
                    + f") / {_fmt(total['stated_value'])} ({total['claim_id']}), {total['unit']}",
                )
            else:
                given = ", ".join(
                    f"{r['claim_id']} {_fmt(r['stated_value'])} {r['unit']}" for r in related
                )
                add(
                    None,
                    f"not computable: the related figures ({given}) give no parts in the total's "
                    "unit",
                )
    return facts


def _consecutive(a: str, b: str) -> bool:
    m1, m2 = re.fullmatch(r"FY(\d{4})Q([1-4])", a), re.fullmatch(r"FY(\d{4})Q([1-4])", b)
    if not (m1 and m2):
        return False
    return shift_fiscal_quarter(int(m1.group(1)), int(m1.group(2)), 1) == (
        int(m2.group(1)),
        int(m2.group(2)),
    )


def facts_frame(facts: list[dict[str, Any]]) -> pl.DataFrame:
    """Facts as a frame; exact duplicates dropped; sorted for stable diffs."""
    frame = pl.DataFrame(facts, schema=FACT_SCHEMA) if facts else pl.DataFrame(schema=FACT_SCHEMA)
    return frame.unique(
        subset=["entity", "metric", "period", "claim_id"], keep="first", maintain_order=True
    ).sort("entity", "metric", "period", "claim_id", nulls_last=False)

"""Claim checks (``marts.claim_checks``): every claim judged as of its date and as of today.

Each claim of ``raw.claims`` is joined to the union of the claim-facts tables on (entity,
metric, period), or on ``claim_id`` for claim-specific facts, and judged with
:func:`pipelines.marts.claims.judge` twice:

* **as of today**: against facts computed from everything the warehouse holds;
* **as of the claim's date**: against facts computed from only the figures and statements
  known to be public on the day the claim was published (``marts.claim_facts`` rows whose
  ``as_of`` is that date; see :func:`pipelines.marts.build.known_on`).

Both verdicts stand side by side, so new data never silently rewrites a historical verdict:
``verdict_changed`` marks a claim whose verdict differs, and ``change_reason`` says whether the
figure was restated (the same quarter's value changed) or only became computable later.
Facts of a domain that keeps no publication dates (``tco.claim_facts``) are the same in both.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from pipelines.marts.claims import (
    FACT_COLUMNS,
    FACT_SCHEMA,
    UNIT_FACTORS,
    Verdict,
    _fmt,
    judge,
)


def normalize_facts(frame: pl.DataFrame, domain: str) -> pl.DataFrame:
    """Any domain's claim-facts table in the full column set (optional columns defaulted)."""
    if frame.is_empty() and not frame.columns:
        return pl.DataFrame(schema={**FACT_SCHEMA, "domain": pl.Utf8})
    missing = [
        c
        for c in ("entity", "metric", "period", "computed_value", "unit", "method")
        if c not in frame.columns
    ]
    if missing:
        raise ValueError(f"{domain}.claim_facts lacks required column(s) {missing}")
    defaults = {"claim_id": None, "basis": "warehouse", "comparison": "equal"}
    frame = frame.with_columns(
        [pl.lit(v, dtype=pl.Utf8).alias(k) for k, v in defaults.items() if k not in frame.columns]
    )
    if "tolerance" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, dtype=pl.Float64).alias("tolerance"))
    return frame.select([pl.col(c).cast(FACT_SCHEMA[c]) for c in FACT_COLUMNS]).with_columns(
        pl.lit(domain).alias("domain")
    )


def _convert(value: float | None, unit: str, target: str) -> tuple[float | None, bool]:
    if value is None or unit == target:
        return value, True
    factor = UNIT_FACTORS.get((unit, target))
    return (value * factor, True) if factor is not None else (None, False)


def build_claim_checks(
    claims: pl.DataFrame, facts: pl.DataFrame, tco_present: bool
) -> pl.DataFrame:
    """Every claim with the chosen fact and its verdict (one row per claim)."""
    fact_rows = facts.to_dicts()
    by_claim: dict[str, list[dict[str, Any]]] = {}
    by_key: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for f in fact_rows:
        if f["claim_id"]:
            by_claim.setdefault(f["claim_id"], []).append(f)
        else:
            by_key.setdefault((f["entity"], f["metric"], f["period"]), []).append(f)
    records = []
    for c in claims.sort("claim_id").to_dicts():
        candidates = by_claim.get(c["claim_id"], []) + by_key.get(
            (c["entity"], c["metric"], c["period"]), []
        )
        candidates.sort(
            key=lambda f: (
                f["computed_value"] is None,
                f["basis"] != "warehouse",
                f["claim_id"] is None,
                f["domain"] != "marts",
            )
        )
        chosen = candidates[0] if candidates else None
        others = (
            "; ".join(
                f"{f['domain']}: {_fmt(f['computed_value'], 4)} {f['unit']} ({f['basis']})"
                for f in candidates[1:]
            )
            or None
        )
        computed, convertible = (None, True)
        if chosen is not None:
            computed, convertible = _convert(chosen["computed_value"], chosen["unit"], c["unit"])
        verdict = judge(
            c["stated_value"],
            computed,
            c["decimals"],
            c["qualifier"],
            chosen["comparison"] if chosen else "equal",
            chosen.get("tolerance") if chosen else None,
        )
        if chosen is None:
            reason = (
                f"no computed figure for ({c['entity']}, {c['metric']}, {c['period']}) in "
                "marts.claim_facts"
                + (" or tco.claim_facts" if tco_present else " (tco.claim_facts not built)")
            )
        elif not convertible:
            reason = (
                f"not computable: computed in {chosen['unit']}, stated in {c['unit']}, "
                "no conversion"
            )
            verdict = Verdict("not_computable", None, None, None)
        elif verdict.status == "not_computable":
            reason = chosen["method"]
        else:
            q = f" {c['qualifier']}" if c["qualifier"] else ""
            reason = (
                f"computed {_fmt(computed, 4)} vs stated{q} {_fmt(c['stated_value'], 4)} "
                f"{c['unit']} "
                f"(difference {_fmt(verdict.difference, 4)}; rule {verdict.rule})"
            )
        records.append(
            {
                "claim_id": c["claim_id"],
                "source": f"A{c['article_no']} {c['publisher']}, {c['publish_date']} "
                f"{c['citation']}",
                "article_no": c["article_no"],
                "entity": c["entity"],
                "metric": c["metric"],
                "period": c["period"],
                "stated_value": c["stated_value"],
                "qualifier": c["qualifier"],
                "decimals": c["decimals"],
                "computed_value": computed if verdict.status != "not_computable" else None,
                "unit": c["unit"],
                "difference": verdict.difference,
                "tolerance": verdict.tolerance,
                "tolerance_rule": verdict.rule,
                "status": verdict.status,
                "reason": reason,
                "fact_domain": chosen["domain"] if chosen else None,
                "fact_basis": chosen["basis"] if chosen else None,
                "fact_method": chosen["method"] if chosen else None,
                "other_facts": others,
                "meaning_en": c["meaning_en"],
            }
        )
    return pl.DataFrame(records, schema=CHECK_SCHEMA)


CHECK_SCHEMA = {
    "claim_id": pl.Utf8,
    "source": pl.Utf8,
    "article_no": pl.Int64,
    "entity": pl.Utf8,
    "metric": pl.Utf8,
    "period": pl.Utf8,
    "stated_value": pl.Float64,
    "qualifier": pl.Utf8,
    "decimals": pl.Int64,
    "computed_value": pl.Float64,
    "unit": pl.Utf8,
    "difference": pl.Float64,
    "tolerance": pl.Float64,
    "tolerance_rule": pl.Utf8,
    "status": pl.Utf8,
    "reason": pl.Utf8,
    "fact_domain": pl.Utf8,
    "fact_basis": pl.Utf8,
    "fact_method": pl.Utf8,
    "other_facts": pl.Utf8,
    "meaning_en": pl.Utf8,
}


AS_OF_COLUMNS = {
    "status": "status_as_of_claim",
    "computed_value": "computed_value_as_of_claim",
    "difference": "difference_as_of_claim",
    "reason": "reason_as_of_claim",
}


def claim_date(publish_date: str) -> dt.date:
    """The day a claim was published (``raw.claims.publish_date`` is ``YYYY-MM-DD[ HH:MM]``)."""
    return dt.date.fromisoformat(publish_date[:10])


def change_reason(row: dict[str, Any]) -> str | None:
    """Why the verdict as of today differs from the verdict as of the claim's date."""
    then, now = row["computed_value_as_of_claim"], row["computed_value"]
    if row["status"] == row["status_as_of_claim"] and then == now:
        return None
    if then is None and now is not None:
        return "became computable with figures published after the claim"
    if then is not None and now is None:
        return "no longer computable with today's figures"
    if then is not None and now is not None and then != now:
        return (
            f"figures changed after the claim (restated or a later vintage): computed "
            f"{_fmt(then, 4)} then, {_fmt(now, 4)} today"
        )
    return "same figure, different verdict"


def build_claim_checks_as_of(
    claims: pl.DataFrame,
    facts_today: pl.DataFrame,
    facts_by_date: dict[dt.date, pl.DataFrame],
    tco_present: bool,
) -> pl.DataFrame:
    """Every claim judged as of today and as of its own date, side by side."""
    today = build_claim_checks(claims, facts_today, tco_present)
    dated = claims.with_columns(
        pl.col("publish_date").map_elements(claim_date, return_dtype=pl.Date).alias("_date")
    )
    parts = []
    for (day,), group in dated.group_by("_date", maintain_order=True):
        facts = facts_by_date.get(day, pl.DataFrame(schema={**FACT_SCHEMA, "domain": pl.Utf8}))
        checked = build_claim_checks(group.drop("_date"), facts, tco_present)
        parts.append(checked.with_columns(pl.lit(day, dtype=pl.Date).alias("claim_date")))
    then = pl.concat(parts).select(
        "claim_id", "claim_date", *[pl.col(k).alias(v) for k, v in AS_OF_COLUMNS.items()]
    )
    frame = today.join(then, on="claim_id", how="left")
    frame = frame.with_columns(
        (pl.col("status") != pl.col("status_as_of_claim")).alias("verdict_changed"),
        pl.struct("status", "status_as_of_claim", "computed_value", "computed_value_as_of_claim")
        .map_elements(change_reason, return_dtype=pl.Utf8)
        .alias("change_reason"),
    )
    return frame.select(list(CHECK_AS_OF_SCHEMA)).sort("claim_id")


CHECK_AS_OF_SCHEMA = {
    **CHECK_SCHEMA,
    "claim_date": pl.Date,
    "status_as_of_claim": pl.Utf8,
    "computed_value_as_of_claim": pl.Float64,
    "difference_as_of_claim": pl.Float64,
    "reason_as_of_claim": pl.Utf8,
    "verdict_changed": pl.Boolean,
    "change_reason": pl.Utf8,
}

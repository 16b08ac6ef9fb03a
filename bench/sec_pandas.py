"""A straightforward pandas implementation of the SEC parse + derivation: the benchmark baseline.

Same rules as ``sql/sec/quarterly.sql`` (see its header), written the way one would in pandas:
``json.load`` each file, loop over taxonomies / concepts / units into a list of tuples, build a
DataFrame, then sort / groupby / merge. ``bench/sec_bench.py`` checks that it gives the same
tables as the project's implementation.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipelines.calendar.fiscal import calendar_quarter_of_period  # noqa: E402

FACT_COLUMNS = [
    "ticker", "cik", "taxonomy", "concept", "unit", "start", "end", "val",
    "accn", "fy", "fp", "form", "filed", "frame",
]  # fmt: skip
OUTPUT_COLUMNS = [
    "ticker", "cik", "metric", "taxonomy", "concept", "unit", "period_start", "period_end",
    "fiscal_year", "fiscal_quarter", "calendar_quarter", "value", "value_usd_m", "method",
    "accn", "subtracted_accn", "form", "filed",
]  # fmt: skip


def parse(files: Iterable[Path], companies: Mapping[int, str]) -> pd.DataFrame:
    """The straightforward way: one DataFrame per (taxonomy, concept, unit) list, then concat."""
    frames = []
    for path in files:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        ticker = companies.get(data["cik"])
        if ticker is None:
            continue
        for taxonomy, concepts in data["facts"].items():
            for concept, body in concepts.items():
                for unit, facts in body["units"].items():
                    frame = pd.DataFrame(facts)
                    frame["ticker"] = ticker
                    frame["cik"] = data["cik"]
                    frame["taxonomy"] = taxonomy
                    frame["concept"] = concept
                    frame["unit"] = unit
                    frames.append(frame)
    return _typed(pd.concat(frames, ignore_index=True).reindex(columns=FACT_COLUMNS))


def parse_tuned(files: Iterable[Path], companies: Mapping[int, str]) -> pd.DataFrame:
    """A faster pandas parse: one list of tuples for all files, one DataFrame at the end."""
    rows = []
    append = rows.append
    for path in files:
        with open(path, "rb") as handle:
            data = json.load(handle)
        cik = data["cik"]
        ticker = companies.get(cik)
        if ticker is None:
            continue
        for taxonomy, concepts in data["facts"].items():
            for concept, body in concepts.items():
                for unit, facts in body["units"].items():
                    for f in facts:
                        append(
                            (ticker, cik, taxonomy, concept, unit, f.get("start"), f["end"],
                             f["val"], f["accn"], f.get("fy"), f.get("fp"), f["form"], f["filed"],
                             f.get("frame"))
                        )  # fmt: skip
    return _typed(pd.DataFrame(rows, columns=FACT_COLUMNS))


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    for column in ("start", "end", "filed"):
        frame[column] = pd.to_datetime(frame[column], format="%Y-%m-%d")
    frame["val"] = frame["val"].astype("float64")
    frame["cik"] = frame["cik"].astype("int64")
    return frame


def _days(a: pd.Series, b: pd.Series) -> pd.Series:
    return (b - a).dt.days


def derive(facts: pd.DataFrame, concepts: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(latest filed, as first reported) quarterly frames."""
    sel = facts.merge(concepts, on=["ticker", "taxonomy", "concept", "unit"])
    sel = sel[sel["start"].notna()].copy()
    sel["days"] = _days(sel["start"], sel["end"])
    sel = sel[(sel["days"] >= 84) & np.isfinite(sel["val"])]
    sel = sel.sort_values(["sid", "start", "end", "filed", "accn"])

    keys = ["sid", "start", "end"]
    groups = sel.groupby(keys, sort=False)
    last = groups.tail(1).set_index(keys)
    first = groups.head(1).set_index(keys)
    periods = pd.DataFrame(
        {
            "days": last["days"],
            "cik": last["cik"],
            "l_val": last["val"],
            "l_accn": last["accn"],
            "l_form": last["form"],
            "l_filed": last["filed"],
            "f_val": first["val"],
            "f_accn": first["accn"],
            "f_form": first["form"],
            "f_filed": first["filed"],
        }  # fmt: skip
    ).reset_index()

    # longer link minus the link ending one quarter earlier
    pairs = periods[periods["days"] > 98].merge(periods, on=["sid", "start"], suffixes=("", "_p"))
    gap = _days(pairs["end_p"], pairs["end"]) - 1
    pairs = pairs[(gap >= 84) & (gap <= 98)].copy()

    # the shorter link as it stood when the longer one was first filed
    versions = sel[["sid", "start", "end", "val", "accn", "filed"]].rename(
        columns={"end": "end_p", "val": "a_val", "accn": "a_accn", "filed": "a_filed"}
    )
    asof = pairs[["sid", "start", "end", "end_p", "f_filed"]].merge(
        versions, on=["sid", "start", "end_p"]
    )
    asof = asof[asof["a_filed"] <= asof["f_filed"]]
    asof = asof.sort_values(["sid", "start", "end", "a_filed", "a_accn"])
    asof = asof.groupby(["sid", "start", "end"], sort=False).tail(1)
    pairs = pairs.merge(
        asof[["sid", "start", "end", "a_val", "a_accn", "a_filed"]], on=keys, how="left"
    )

    discrete = periods[(periods["days"] >= 84) & (periods["days"] <= 98)]
    direct = pd.DataFrame(
        {
            "sid": discrete["sid"],
            "cik": discrete["cik"],
            "period_start": discrete["start"],
            "period_end": discrete["end"],
            "method": "discrete",
            "method_rank": 0,
            "l_val": discrete["l_val"],
            "l_accn": discrete["l_accn"],
            "l_sub_accn": None,
            "l_form": discrete["l_form"],
            "l_filed": discrete["l_filed"],
            "f_val": discrete["f_val"],
            "f_accn": discrete["f_accn"],
            "f_sub_accn": None,
            "f_form": discrete["f_form"],
            "f_filed": discrete["f_filed"],
        }  # fmt: skip
    )
    known = pairs["a_val"].notna()
    derived = pd.DataFrame(
        {
            "sid": pairs["sid"],
            "cik": pairs["cik"],
            "period_start": pairs["end_p"] + pd.Timedelta(days=1),
            "period_end": pairs["end"],
            "method": np.where(pairs["days"] > 300, "fy_minus_9m", "ytd_difference"),
            "method_rank": 1,
            "l_val": pairs["l_val"] - pairs["l_val_p"],
            "l_accn": pairs["l_accn"],
            "l_sub_accn": pairs["l_accn_p"],
            "l_form": pairs["l_form"],
            "l_filed": pairs[["l_filed", "l_filed_p"]].max(axis=1),
            "f_val": pairs["f_val"] - pairs["a_val"].where(known, pairs["f_val_p"]),
            "f_accn": pairs["f_accn"],
            "f_sub_accn": pairs["a_accn"].where(known, pairs["f_accn_p"]),
            "f_form": pairs["f_form"],
            "f_filed": np.maximum(
                pairs["f_filed"], pairs["a_filed"].where(known, pairs["f_filed_p"])
            ),
        }  # fmt: skip
    )
    candidates = pd.concat([direct, derived], ignore_index=True).merge(concepts, on="sid")
    candidates["deviation"] = (
        _days(candidates["period_start"], candidates["period_end"]) - 90
    ).abs()

    latest = (
        candidates.sort_values(
            ["gid", "period_end", "priority", "method_rank", "deviation", "period_start"]
        )
        .groupby(["gid", "period_end"], sort=False)
        .head(1)
    )
    first = (
        candidates.sort_values(
            ["gid", "period_end", "priority", "f_filed", "method_rank", "deviation", "period_start"]
        )
        .groupby(["gid", "period_end"], sort=False)
        .head(1)
    )

    # fiscal-year starts from 10-K annual facts: their start, and the day after their end
    annual = sel[
        (sel["days"] >= 350) & (sel["days"] <= 380) & sel["form"].str.match(r"^(10-K|20-F|40-F)")
    ]
    annual = annual[["ticker", "start", "end"]].drop_duplicates()
    starts = pd.concat(
        [
            annual.rename(columns={"start": "fy_start", "end": "fy_end"}),
            pd.DataFrame(
                {
                    "ticker": annual["ticker"],
                    "fy_start": annual["end"] + pd.Timedelta(days=1),
                    "fy_end": pd.NaT,
                }
            ),
        ]
    )
    starts = starts.groupby(["ticker", "fy_start"], as_index=False)["fy_end"].max()
    return _finish(latest, "l", starts), _finish(first, "f", starts)


def _finish(picked: pd.DataFrame, prefix: str, starts: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "ticker": picked["ticker"],
            "cik": picked["cik"].astype("int64"),
            "metric": picked["metric"],
            "taxonomy": picked["taxonomy"],
            "concept": picked["concept"],
            "unit": picked["unit"],
            "period_start": picked["period_start"],
            "period_end": picked["period_end"],
            "value": picked[f"{prefix}_val"],
            "method": picked["method"],
            "accn": picked[f"{prefix}_accn"],
            "subtracted_accn": picked[f"{prefix}_sub_accn"],
            "form": picked[f"{prefix}_form"],
            "filed": picked[f"{prefix}_filed"],
        }  # fmt: skip
    )
    out["value_usd_m"] = np.where(out["unit"] == "USD", out["value"] / 1e6, np.nan)
    out = pd.merge_asof(
        out.sort_values("period_start"),
        starts.sort_values("fy_start"),
        left_on="period_start",
        right_on="fy_start",
        by="ticker",
        direction="backward",
        tolerance=pd.Timedelta(days=379),
    )
    span = _days(out["fy_start"], out["period_end"])
    labelled = out["fy_start"].notna() & (span <= 380)
    year_end = out["fy_end"].where(out["fy_end"].notna(), out["fy_start"] + pd.Timedelta(days=363))
    out["fiscal_year"] = year_end.dt.year.where(labelled).astype("Int64")
    quarter = np.clip(np.round((span + 1) / 91.3), 1, 4)
    out["fiscal_quarter"] = quarter.where(labelled).astype("Int64")
    pairs = out[["period_start", "period_end"]].drop_duplicates()
    pairs["calendar_quarter"] = [
        calendar_quarter_of_period(s.date(), e.date())
        for s, e in zip(pairs["period_start"], pairs["period_end"], strict=True)
    ]
    out = out.merge(pairs, on=["period_start", "period_end"], how="left")
    return (
        out[OUTPUT_COLUMNS].sort_values(["ticker", "metric", "period_end"]).reset_index(drop=True)
    )

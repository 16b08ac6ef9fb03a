"""TCO break-even points (``tco.breakeven``): pure functions, no I/O.

For two costed chips and one input, the value of that input at which the two cost the same
per unit, every other input at its shipped value; costs come from
:func:`pipelines.tco.model.compute_tco` (no cost formula is re-implemented here). Which
inputs move for both chips or one, and how the root is solved (closed form where the cost is
linear, a scan and bisection to 1e-12 for life and cost of capital): docs/metrics.md,
"TCO break-even points". No root in the range gives NULL and the reason; several give the
one nearest the shipped value, and the count.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines.tco.model import ChipAssumptions, ChipSpecs, compute_tco

RANGES_FILE = Path(__file__).with_name("breakeven.toml")
#: The inputs whose break-even value is solved for, in column order.
INPUTS = (
    "capital_usd",
    "electricity_usd_per_kwh",
    "power_utilisation",
    "life_years",
    "cost_of_capital",
)
#: Inputs the cost is linear in (closed-form root).
LINEAR_INPUTS = frozenset({"capital_usd", "electricity_usd_per_kwh", "power_utilisation"})
#: Inputs that move one chip only (the other at its shipped value).
PER_CHIP_INPUTS = frozenset({"capital_usd"})
UNITS = ("hbm_tbps_hour", "dense_pflop_hour")
BOTH = "both"
SCAN_POINTS = 200
XTOL = 1e-12


@dataclass(frozen=True)
class Range:
    """A plausible range; ``relative`` ranges are factors of the moved chip's shipped value."""

    low: float
    high: float
    relative: bool = False

    def bounds(self, default: float) -> tuple[float, float]:
        if self.relative:
            return self.low * default, self.high * default
        return self.low, self.high


def load_ranges(path: Path = RANGES_FILE) -> dict[str, Range]:
    """The plausible range of each input (``pipelines/tco/breakeven.toml``)."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    table = data.get("ranges", {})
    out = {}
    for name in INPUTS:
        entry = table.get(name)
        if not isinstance(entry, dict) or not {"low", "high"} <= set(entry):
            raise ValueError(f"{path}: [ranges] {name} needs low and high, got {entry!r}")
        low, high = float(entry["low"]), float(entry["high"])
        if not low < high:
            raise ValueError(f"{path}: [ranges] {name}: low {low} must be below high {high}")
        out[name] = Range(low, high, bool(entry.get("relative", False)))
    return out


def _specs(row: Mapping[str, Any]) -> ChipSpecs:
    return ChipSpecs(row.get("bf16_dense_tflops"), row.get("hbm_gb"), row.get("hbm_tbps"))


def _unit_cost(assumptions: ChipAssumptions, specs: ChipSpecs, unit: str) -> float | None:
    record = compute_tco(assumptions, specs)
    return record.usd_per_hbm_tbps_hour if unit == "hbm_tbps_hour" else record.usd_per_pflop_hour


def cost_per_unit(row: Mapping[str, Any], unit: str, **overrides: float) -> float | None:
    """USD per unit-hour of a chip (``tco.chip_tco`` row) with some inputs overridden."""
    assumptions = ChipAssumptions.from_mapping(row).moved(**overrides)
    return _unit_cost(assumptions, _specs(row), unit)


def gap_function(
    chip_a: Mapping[str, Any], chip_b: Mapping[str, Any], name: str, varied: str, unit: str
) -> Callable[[float], float]:
    """``x -> cost_a(x) - cost_b(x)`` per unit; ``varied`` is the chip whose input moves (its
    name) or ``both``."""

    def cost(row: Mapping[str, Any]) -> Callable[[float], float]:
        if not (varied == BOTH or varied == row["chip"]):  # a chip whose input stays: constant
            fixed = cost_per_unit(row, unit)
            assert fixed is not None
            return lambda _x: fixed

        base, specs = ChipAssumptions.from_mapping(row), _specs(row)  # read once per row

        def moved(x: float) -> float:
            value = _unit_cost(base.moved(**{name: x}), specs, unit)
            assert value is not None
            return value

        return moved

    cost_a, cost_b = cost(chip_a), cost(chip_b)
    return lambda x: cost_a(x) - cost_b(x)


def solve_linear(f: Callable[[float], float], low: float, high: float) -> float | None:
    """Root of a linear ``f`` in ``[low, high]`` (from two points); None if flat or outside."""
    f_low, f_high = f(low), f(high)
    slope = (f_high - f_low) / (high - low)
    if slope == 0 or not math.isfinite(slope):
        return None
    root = low - f_low / slope
    return root if low <= root <= high else None


def bisect(f: Callable[[float], float], low: float, high: float, xtol: float = XTOL) -> float:
    """A root of ``f`` in ``[low, high]``, where ``f(low)`` and ``f(high)`` differ in sign,
    to ``xtol`` (relative to the root's size, at least absolute ``xtol``)."""
    f_low = f(low)
    if f_low == 0:
        return low
    if f(high) == 0:
        return high
    for _ in range(400):
        mid = (low + high) / 2.0
        if mid in (low, high) or high - low <= xtol * max(1.0, abs(mid)):
            break
        f_mid = f(mid)
        if f_mid == 0:
            return mid
        if (f_mid < 0) == (f_low < 0):
            low, f_low = mid, f_mid
        else:
            high = mid
    return (low + high) / 2.0


def bracketed_roots(
    f: Callable[[float], float], low: float, high: float, points: int = SCAN_POINTS
) -> list[float]:
    """Every root of ``f`` found by scanning ``points`` + 1 evenly spaced values of the range
    for sign changes and bisecting each bracket."""
    xs = [low + (high - low) * i / points for i in range(points + 1)]
    values = [f(x) for x in xs]
    roots: list[float] = []
    for i in range(points):
        a, b = values[i], values[i + 1]
        if a == 0:
            roots.append(xs[i])
        elif a * b < 0:
            roots.append(bisect(f, xs[i], xs[i + 1]))
    if values[-1] == 0:
        roots.append(xs[-1])
    return sorted(set(roots))


def breakeven_row(
    chip_a: Mapping[str, Any],
    chip_b: Mapping[str, Any],
    name: str,
    varied: str,
    unit: str,
    plausible: Range,
) -> dict[str, Any]:
    """One row of ``tco.breakeven``."""
    a_name, b_name = chip_a["chip"], chip_b["chip"]
    base = {
        "chip_a": a_name,
        "chip_b": b_name,
        "unit": unit,
        "input": name,
        "varied_chip": varied,
        "chip_a_shipped_value": float(chip_a[name]),
        "chip_b_shipped_value": float(chip_b[name]),
    }
    reference = chip_a if varied in (BOTH, a_name) else chip_b
    low, high = plausible.bounds(float(reference[name]))
    base.update({"range_low": low, "range_high": high})
    cost_a, cost_b = cost_per_unit(chip_a, unit), cost_per_unit(chip_b, unit)
    base.update({"chip_a_cost_shipped": cost_a, "chip_b_cost_shipped": cost_b})
    empty = {
        "cheaper_at_shipped": None,
        "breakeven_value": None,
        "chip_a_cost_at_breakeven": None,
        "chip_b_cost_at_breakeven": None,
        "cost_gap_at_breakeven": None,
        "roots_in_range": 0,
        "cheaper_above_breakeven": None,
        "method": "closed_form_linear" if name in LINEAR_INPUTS else "bisection",
    }
    if cost_a is None or cost_b is None:
        lacking = [c["chip"] for c, v in ((chip_a, cost_a), (chip_b, cost_b)) if v is None]
        spec = "HBM bandwidth" if unit == "hbm_tbps_hour" else "dense BF16 FLOP/s"
        return {**base, **empty, "null_reason": f"no {spec} for {', '.join(lacking)}"}
    cheaper = a_name if cost_a < cost_b else b_name if cost_b < cost_a else "equal"
    empty["cheaper_at_shipped"] = cheaper
    f = gap_function(chip_a, chip_b, name, varied, unit)
    if name in LINEAR_INPUTS:
        root = solve_linear(f, low, high)
        roots = [] if root is None else [root]
    else:
        roots = bracketed_roots(f, low, high)
    if not roots:
        return {
            **base,
            **empty,
            "null_reason": f"no {name} in [{low:g}, {high:g}] makes {a_name} and {b_name} "
            f"cost the same per {unit.replace('_', ' ')} ({cheaper} cheaper throughout"
            + (" at the shipped value" if cheaper == "equal" else "")
            + ")",
        }
    shipped = float(reference[name])
    root = min(roots, key=lambda r: (abs(r - shipped), r))
    overrides = {name: root}
    at_a = cost_per_unit(chip_a, unit, **(overrides if varied in (BOTH, a_name) else {}))
    at_b = cost_per_unit(chip_b, unit, **(overrides if varied in (BOTH, b_name) else {}))
    assert at_a is not None and at_b is not None
    step = (high - low) * 1e-6
    above = f(min(root + step, high)) if root + step <= high else -f(max(root - step, low))
    return {
        **base,
        **empty,
        "breakeven_value": root,
        "chip_a_cost_at_breakeven": at_a,
        "chip_b_cost_at_breakeven": at_b,
        "cost_gap_at_breakeven": at_a - at_b,
        "roots_in_range": len(roots),
        "cheaper_above_breakeven": a_name if above < 0 else b_name if above > 0 else "equal",
        "null_reason": None,
    }


def breakeven_rows(
    chips: list[Mapping[str, Any]], ranges: Mapping[str, Range]
) -> list[dict[str, Any]]:
    """Every pair of chips (alphabetical), unit and input; the price input once per chip moved."""
    ordered = sorted(chips, key=lambda r: r["chip"])
    rows = []
    for i, chip_a in enumerate(ordered):
        for chip_b in ordered[i + 1 :]:
            for unit in UNITS:
                for name in INPUTS:
                    moved = [chip_a["chip"], chip_b["chip"]] if name in PER_CHIP_INPUTS else [BOTH]
                    for varied in moved:
                        rows.append(breakeven_row(chip_a, chip_b, name, varied, unit, ranges[name]))
    return rows

"""Chip total-cost-of-ownership (TCO) model: pure functions, no I/O, no Dagster.

cost per chip-hour = capital (all-in capex per chip, annuitised over a useful life at a cost
of capital, or straight line) + operating (electricity on average facility draw, colocation
rent on contracted IT kW, maintenance as a fraction of capex); a year is 8,760 h, money is
nominal USD, rates are fractions. The formulas and the meaning of every input:
docs/add-a-chip.md ("Model") and raw/README.md (``tco_assumptions.csv``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

HOURS_PER_YEAR: float = 8760.0
MONTHS_PER_YEAR: float = 12.0

CapitalMethod = Literal["annuity", "straight_line"]
AdvantageReading = Literal["cost_saving", "reference_premium"]

#: Reading of "X % advantage" that reproduces the seed's 30.1 % headline with the shipped
#: assumptions: how much more the reference (GB200) costs per unit than the candidate
#: (Trainium2), i.e. ``(reference / candidate - 1) x 100``. See ``advantage_pct``.
HEADLINE_READING: AdvantageReading = "reference_premium"


def _require_positive(name: str, value: float) -> None:
    if not value > 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")


def _require_non_negative(name: str, value: float) -> None:
    if not value >= 0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")


def annuity_factor(rate: float, years: float) -> float:
    """Capital-recovery factor ``r / (1 - (1 + r) ** -n)``.

    The constant yearly payment per unit of capital that repays it, with interest at ``rate``,
    over ``years``. At ``rate == 0`` it is the straight-line ``1 / years``.
    """
    _require_positive("years", years)
    if rate <= -1:
        raise ValueError(f"rate must be > -1, got {rate!r}")
    if rate == 0:
        return 1.0 / years
    return rate / (1.0 - (1.0 + rate) ** -years)


def capital_usd_per_hour(
    capital_usd: float,
    life_years: float,
    cost_of_capital: float,
    method: CapitalMethod = "annuity",
) -> float:
    """Capital cost per chip-hour.

    * ``annuity``: ``capital x r / (1 - (1 + r) ** -n) / 8,760`` (includes the cost of capital).
    * ``straight_line``: ``capital / life / 8,760`` (depreciation only; ``cost_of_capital`` is
      ignored by design, so straight line is always cheaper than the annuity when ``r > 0``).
    """
    _require_non_negative("capital_usd", capital_usd)
    _require_positive("life_years", life_years)
    if method == "annuity":
        return capital_usd * annuity_factor(cost_of_capital, life_years) / HOURS_PER_YEAR
    if method == "straight_line":
        return capital_usd / life_years / HOURS_PER_YEAR
    raise ValueError(f"unknown capital method {method!r}")


@dataclass(frozen=True)
class OperatingCost:
    """Operating cost per chip-hour and its components (USD per hour)."""

    power_usd_per_hour: float
    rent_usd_per_hour: float
    maintenance_usd_per_hour: float

    @property
    def total_usd_per_hour(self) -> float:
        return self.power_usd_per_hour + self.rent_usd_per_hour + self.maintenance_usd_per_hour


def rent_usd_per_kw_hour(rent_usd_per_kw_month: float) -> float:
    """Colocation rent per kW per hour: ``rent x 12 / 8,760``."""
    _require_non_negative("rent_usd_per_kw_month", rent_usd_per_kw_month)
    return rent_usd_per_kw_month * MONTHS_PER_YEAR / HOURS_PER_YEAR


def operating_usd_per_hour(
    it_power_kw: float,
    utilisation: float,
    pue: float,
    electricity_usd_per_kwh: float,
    rent_usd_per_kw_month: float,
    maintenance_pct: float,
    capital_usd: float,
) -> OperatingCost:
    """Operating cost per chip-hour, returned with its components.

    * power = ``it_power_kw x utilisation x pue x electricity_usd_per_kwh``
    * rent = ``rent_usd_per_kw_month x 12 / 8,760 x it_power_kw`` (on contracted IT kW)
    * maintenance = ``capital_usd x maintenance_pct / 8,760``
    """
    _require_non_negative("it_power_kw", it_power_kw)
    if not 0 <= utilisation <= 1:
        raise ValueError(f"utilisation must be in [0, 1], got {utilisation!r}")
    if not pue >= 1:
        raise ValueError(f"pue must be >= 1, got {pue!r}")
    _require_non_negative("electricity_usd_per_kwh", electricity_usd_per_kwh)
    _require_non_negative("maintenance_pct", maintenance_pct)
    _require_non_negative("capital_usd", capital_usd)
    return OperatingCost(
        power_usd_per_hour=it_power_kw * utilisation * pue * electricity_usd_per_kwh,
        rent_usd_per_hour=rent_usd_per_kw_hour(rent_usd_per_kw_month) * it_power_kw,
        maintenance_usd_per_hour=capital_usd * maintenance_pct / HOURS_PER_YEAR,
    )


def tco_per_unit(tco_usd_per_hour: float, units: float) -> float:
    """TCO per unit-hour, e.g. USD per dense-BF16 PFLOP/s-hour, per TB/s-hour of HBM bandwidth,
    or per GB-hour of HBM: ``tco_usd_per_hour / units``."""
    _require_positive("units", units)
    return tco_usd_per_hour / units


def advantage_pct(
    candidate: float,
    reference: float,
    reading: AdvantageReading = HEADLINE_READING,
) -> float:
    """Cost advantage of ``candidate`` over ``reference`` (both costs per unit), in percent.

    "X % advantage" is ambiguous; both readings are supported:

    * ``cost_saving``: ``(1 - candidate / reference) x 100``: the candidate costs X % less.
      Bounded above by 100.
    * ``reference_premium``: ``(reference / candidate - 1) x 100``: the reference costs X % more
      (equivalently, the candidate buys X % more units per dollar).

    For the same pair the premium reading is always the larger number when the candidate is
    cheaper. The seed's "30.1 %" is reproduced under ``reference_premium`` (``HEADLINE_READING``)
    with the shipped assumptions; see ``raw/README.md``.
    """
    _require_positive("candidate", candidate)
    _require_positive("reference", reference)
    if reading == "cost_saving":
        return (1.0 - candidate / reference) * 100.0
    if reading == "reference_premium":
        return (reference / candidate - 1.0) * 100.0
    raise ValueError(f"unknown advantage reading {reading!r}")


@dataclass(frozen=True)
class ChipAssumptions:
    """One row of ``raw/tco_assumptions.csv`` (units as in that file)."""

    chip: str
    capital_usd: float
    life_years: float
    cost_of_capital: float
    it_power_kw: float
    power_utilisation: float
    pue: float
    electricity_usd_per_kwh: float
    rent_usd_per_kw_month: float
    maintenance_pct_of_capital_per_year: float

    @classmethod
    def from_mapping(cls, row: Mapping[str, Any]) -> ChipAssumptions:
        """Build from a CSV row / dict keyed by the column names."""
        return cls(
            chip=str(row["chip"]),
            capital_usd=float(row["capital_usd"]),
            life_years=float(row["life_years"]),
            cost_of_capital=float(row["cost_of_capital"]),
            it_power_kw=float(row["it_power_kw"]),
            power_utilisation=float(row["power_utilisation"]),
            pue=float(row["pue"]),
            electricity_usd_per_kwh=float(row["electricity_usd_per_kwh"]),
            rent_usd_per_kw_month=float(row["rent_usd_per_kw_month"]),
            maintenance_pct_of_capital_per_year=float(row["maintenance_pct_of_capital_per_year"]),
        )

    def moved(self, **inputs: float) -> ChipAssumptions:
        """These assumptions with some inputs changed (``dataclasses.replace`` without its
        per-call field inspection: the break-even solver and the sensitivity grid call this
        tens of thousands of times per refresh)."""
        return ChipAssumptions(**{**self.__dict__, **inputs})


@dataclass(frozen=True)
class ChipSpecs:
    """Per-chip units used to normalise TCO (from ``raw/accelerators.csv``); None = unknown."""

    bf16_dense_tflops: float | None = None
    hbm_gb: float | None = None
    hbm_tbps: float | None = None


@dataclass(frozen=True)
class TcoRecord:
    """Full TCO of one chip, USD per chip-hour, plus per-unit normalisations."""

    chip: str
    method: CapitalMethod
    capital_usd_per_hour: float
    power_usd_per_hour: float
    rent_usd_per_hour: float
    maintenance_usd_per_hour: float
    operating_usd_per_hour: float
    total_usd_per_hour: float
    usd_per_pflop_hour: float | None
    usd_per_hbm_tbps_hour: float | None
    usd_per_hbm_gb_hour: float | None


def _per_unit_or_none(total: float, units: float | None) -> float | None:
    return None if units is None or units <= 0 else tco_per_unit(total, units)


def compute_tco(
    assumptions: ChipAssumptions,
    specs: ChipSpecs | None = None,
    method: CapitalMethod = "annuity",
) -> TcoRecord:
    """Compute a chip's full TCO record from its assumptions and (optionally) its specs.

    ``usd_per_pflop_hour`` is per dense-BF16 PFLOP/s (``bf16_dense_tflops / 1,000``).
    """
    a = assumptions
    capital = capital_usd_per_hour(a.capital_usd, a.life_years, a.cost_of_capital, method)
    operating = operating_usd_per_hour(
        it_power_kw=a.it_power_kw,
        utilisation=a.power_utilisation,
        pue=a.pue,
        electricity_usd_per_kwh=a.electricity_usd_per_kwh,
        rent_usd_per_kw_month=a.rent_usd_per_kw_month,
        maintenance_pct=a.maintenance_pct_of_capital_per_year,
        capital_usd=a.capital_usd,
    )
    total = capital + operating.total_usd_per_hour
    s = specs or ChipSpecs()
    pflops = None if s.bf16_dense_tflops is None else s.bf16_dense_tflops / 1000.0
    return TcoRecord(
        chip=a.chip,
        method=method,
        capital_usd_per_hour=capital,
        power_usd_per_hour=operating.power_usd_per_hour,
        rent_usd_per_hour=operating.rent_usd_per_hour,
        maintenance_usd_per_hour=operating.maintenance_usd_per_hour,
        operating_usd_per_hour=operating.total_usd_per_hour,
        total_usd_per_hour=total,
        usd_per_pflop_hour=_per_unit_or_none(total, pflops),
        usd_per_hbm_tbps_hour=_per_unit_or_none(total, s.hbm_tbps),
        usd_per_hbm_gb_hour=_per_unit_or_none(total, s.hbm_gb),
    )

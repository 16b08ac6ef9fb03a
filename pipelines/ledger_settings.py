"""The settings the models read, in one object (the ``settings`` resource)."""

from __future__ import annotations

import os

import dagster as dg
from pydantic import Field

#: Environment variable: a consensus older than this many days at the results is stale.
MAX_CONSENSUS_AGE_ENV = "LEDGER_CONSENSUS_MAX_AGE_DAYS"


class LedgerSettings(dg.ConfigurableResource):
    """The settings the models read, in one object: built from the environment once when the
    definitions load (:meth:`from_env`), passed to every SQL model (as DuckDB variables its SQL
    reads with ``getvariable('name')``) and to the Python models that ask for it; changeable
    per run in the launchpad (resource ``settings``)."""

    consensus_max_age_days: int = Field(
        default=45,
        description=f"A consensus older than this many days at the results is stale "
        f"(${MAX_CONSENSUS_AGE_ENV})",
    )
    tco_reference_chip: str = Field(
        default="GB200",
        description="tco.tco_comparison: the chip every other chip is compared with",
    )
    tco_advantage_reading: str = Field(
        default="reference_premium",
        description="tco.tco_comparison: reference_premium ((reference / chip - 1) x 100) or "
        "cost_saving ((1 - chip / reference) x 100)",
    )
    tco_reference_system: str = Field(
        default="GB200 NVL72",
        description="tco.cluster_comparison: the system the others are compared with",
    )
    today: str = Field(
        default="",
        description="meta.freshness: the day lateness is measured at, YYYY-MM-DD (empty: the "
        "day the model runs); set it to replay a past day",
    )

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> LedgerSettings:
        env = os.environ if environ is None else environ
        value = (env.get(MAX_CONSENSUS_AGE_ENV) or "").strip()
        if not value:
            return cls()
        try:
            days = int(value)
        except ValueError:
            raise ValueError(
                f"{MAX_CONSENSUS_AGE_ENV}={value!r} is not a whole number of days"
            ) from None
        if days < 0:
            raise ValueError(f"{MAX_CONSENSUS_AGE_ENV}={value!r} must not be negative")
        return cls(consensus_max_age_days=days)

    def sql_variables(self) -> dict[str, object]:
        """The DuckDB variables of the SQL models."""
        return {
            "consensus_max_age_days": self.consensus_max_age_days,
            "tco_reference_chip": self.tco_reference_chip,
            "tco_advantage_reading": self.tco_advantage_reading,
            "tco_reference_system": self.tco_reference_system,
            "today": self.today or None,
        }

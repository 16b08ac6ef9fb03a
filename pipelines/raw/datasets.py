"""The raw datasets: file, model and table of each."""

from __future__ import annotations

from dataclasses import dataclass

import pandera.polars as pa

from pipelines.raw import models


@dataclass(frozen=True)
class RawDataset:
    name: str  # table raw.<name>, asset key raw/<name>
    filename: str  # under raw/
    model: type[pa.DataFrameModel]
    sort_by: tuple[str, ...]
    domain: str
    needs_companies: bool = False
    needs_groups: bool = False

    @property
    def table(self) -> str:
        return f"raw.{self.name}"

    @property
    def needs(self) -> list[str]:
        """Raw datasets this one is validated against (its upstream assets)."""
        return [
            n
            for n, flag in (("companies", self.needs_companies), ("groups", self.needs_groups))
            if flag
        ]


DATASETS: tuple[RawDataset, ...] = (
    RawDataset("companies", "companies.csv", models.CompaniesModel, ("ticker",), "companies"),
    RawDataset("groups", "groups.csv", models.GroupsModel, ("group_name",), "companies"),
    RawDataset(
        "group_members",
        "group_members.csv",
        models.GroupMembersModel,
        ("group_name", "ticker"),
        "companies",
        needs_companies=True,
        needs_groups=True,
    ),
    RawDataset(
        "financials",
        "financials.csv",
        models.FinancialsModel,
        ("ticker", "metric", "value_kind", "fiscal_year", "fiscal_quarter", "basis", "published"),
        "earnings",
        needs_companies=True,
    ),
    RawDataset(
        "filing_concepts",
        "filing_concepts.csv",
        models.FilingConceptsModel,
        ("ticker", "metric", "priority", "concept"),
        "sec",
        needs_companies=True,
    ),
    RawDataset(
        "capex_guidance",
        "capex_guidance.csv",
        models.CapexGuidanceModel,
        ("ticker", "guided_period", "given_on", "capex_definition"),
        "capex",
        needs_companies=True,
    ),
    RawDataset(
        "coverage_notes",
        "coverage_notes.csv",
        models.CoverageNotesModel,
        ("ticker", "metric", "first_quarter"),
        "coverage",
        needs_companies=True,
    ),
    RawDataset("claims", "claims.csv", models.ClaimsModel, ("claim_id",), "claims"),
    # Chips, systems and TCO assumptions (three value files, three provenance files).
    RawDataset("accelerators", "accelerators.csv", models.AcceleratorsModel, ("chip",), "tco"),
    RawDataset(
        "accelerator_sources",
        "accelerator_sources.csv",
        models.AcceleratorSourcesModel,
        ("chip", "field"),
        "tco",
    ),
    RawDataset("systems", "systems.csv", models.SystemsModel, ("system",), "tco"),
    RawDataset(
        "system_sources",
        "system_sources.csv",
        models.SystemSourcesModel,
        ("system", "field"),
        "tco",
    ),
    RawDataset(
        "tco_assumptions", "tco_assumptions.csv", models.TcoAssumptionsModel, ("chip",), "tco"
    ),
    RawDataset(
        "tco_assumption_sources",
        "tco_assumption_sources.csv",
        models.TcoAssumptionSourcesModel,
        ("chip", "field"),
        "tco",
    ),
)

BY_NAME = {d.name: d for d in DATASETS}

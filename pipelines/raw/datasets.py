"""The raw datasets: file, model and table of each."""

from __future__ import annotations

from dataclasses import dataclass

import pandera.polars as pa

from pipelines.raw import models


@dataclass(frozen=True)
class RawDataset:
    name: str  # file raw/<name>.csv, table raw.<name>, asset key raw/<name>
    model: type[pa.DataFrameModel]
    sort_by: tuple[str, ...]
    domain: str
    #: Raw datasets this one is validated against (its upstream assets): companies, groups.
    needs: tuple[str, ...] = ()

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    @property
    def table(self) -> str:
        return f"raw.{self.name}"


DATASETS: tuple[RawDataset, ...] = (
    RawDataset("companies", models.CompaniesModel, ("ticker",), "companies"),
    RawDataset("groups", models.GroupsModel, ("group_name",), "companies"),
    RawDataset(
        "group_members",
        models.GroupMembersModel,
        ("group_name", "ticker"),
        "companies",
        needs=("companies", "groups"),
    ),
    RawDataset(
        "financials",
        models.FinancialsModel,
        ("ticker", "metric", "value_kind", "fiscal_year", "fiscal_quarter", "basis", "published"),
        "earnings",
        needs=("companies",),
    ),
    RawDataset(
        "filing_concepts",
        models.FilingConceptsModel,
        ("ticker", "metric", "priority", "concept"),
        "sec",
        needs=("companies",),
    ),
    RawDataset(
        "capex_guidance",
        models.CapexGuidanceModel,
        ("ticker", "guided_period", "given_on", "capex_definition"),
        "capex",
        needs=("companies",),
    ),
    RawDataset(
        "coverage_notes",
        models.CoverageNotesModel,
        ("ticker", "metric", "first_quarter"),
        "coverage",
        needs=("companies",),
    ),
    RawDataset("claims", models.ClaimsModel, ("claim_id",), "claims"),
    # Chips, systems and TCO assumptions (three value files, three provenance files).
    RawDataset("accelerators", models.AcceleratorsModel, ("chip",), "tco"),
    RawDataset("accelerator_sources", models.AcceleratorSourcesModel, ("chip", "field"), "tco"),
    RawDataset("systems", models.SystemsModel, ("system",), "tco"),
    RawDataset("system_sources", models.SystemSourcesModel, ("system", "field"), "tco"),
    RawDataset("tco_assumptions", models.TcoAssumptionsModel, ("chip",), "tco"),
    RawDataset(
        "tco_assumption_sources", models.TcoAssumptionSourcesModel, ("chip", "field"), "tco"
    ),
)

BY_NAME = {d.name: d for d in DATASETS}

"""One pandera model per raw dataset: the single definition of its schema.

Types, enumerations, ranges, unique keys and cross-field rules live here. Column
descriptions feed the warehouse's ``COMMENT ON`` and Dagster's column schema; the
``Config.description`` of each model is its table description.

The models are grouped by the files they check: ``companies`` (companies, groups, group
members, coverage notes), ``filing_concepts``, ``financials``, ``capex_guidance``, ``claims``
and ``chips`` (accelerators, systems, TCO assumptions and their sources); ``rules`` holds the shared
vocabulary and check helpers. Every model is re-exported here, so
``from pipelines.raw.models import FinancialsModel`` and ``models.FinancialsModel`` work.
"""

from __future__ import annotations

from pipelines.raw.models.capex_guidance import CapexGuidanceModel
from pipelines.raw.models.chips import (
    AcceleratorsModel,
    AcceleratorSourcesModel,
    SystemsModel,
    SystemSourcesModel,
    TcoAssumptionsModel,
    TcoAssumptionSourcesModel,
)
from pipelines.raw.models.claims import ClaimsModel
from pipelines.raw.models.companies import (
    CompaniesModel,
    CoverageNotesModel,
    GroupMembersModel,
    GroupsModel,
)
from pipelines.raw.models.filing_concepts import FilingConceptsModel
from pipelines.raw.models.financials import FinancialsModel
from pipelines.raw.models.rules import PATTERN_WORDS

__all__ = [
    "PATTERN_WORDS",
    "AcceleratorSourcesModel",
    "AcceleratorsModel",
    "CapexGuidanceModel",
    "ClaimsModel",
    "CompaniesModel",
    "CoverageNotesModel",
    "FilingConceptsModel",
    "FinancialsModel",
    "GroupMembersModel",
    "GroupsModel",
    "SystemSourcesModel",
    "SystemsModel",
    "TcoAssumptionSourcesModel",
    "TcoAssumptionsModel",
]

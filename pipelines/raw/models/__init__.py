"""One pandera model per raw dataset: the single definition of its schema.

Types, enumerations, ranges, unique keys and cross-field rules live here. Column
descriptions feed the warehouse's ``COMMENT ON`` and Dagster's column schema; the
``Config.description`` of each model is its table description.

The models are grouped by the files they check: ``companies`` (companies, groups, group
members, coverage notes), ``filing_concepts``, ``financials``, ``capex_guidance``, ``claims``
and ``chips`` (accelerators, systems, TCO assumptions and their sources); ``rules`` holds the shared
vocabulary and check helpers. Every public name is re-exported here, so
``from pipelines.raw.models import FinancialsModel`` and ``models.FinancialsModel`` work.
"""

from __future__ import annotations

from pipelines.raw.models.capex_guidance import CapexGuidanceModel
from pipelines.raw.models.chips import (
    ACCELERATOR_VALUE_FIELDS,
    SYSTEM_VALUE_FIELDS,
    TCO_ASSUMPTION_FIELDS,
    TCO_SOURCE_KINDS,
    AcceleratorsModel,
    AcceleratorSourcesModel,
    SystemsModel,
    SystemSourcesModel,
    TcoAssumptionsModel,
    TcoAssumptionSourcesModel,
)
from pipelines.raw.models.claims import MAX_STATED_VALUE, ClaimsModel
from pipelines.raw.models.companies import (
    ALL_METRICS,
    CompaniesModel,
    CoverageNotesModel,
    GroupMembersModel,
    GroupsModel,
    coverage_metrics,
)
from pipelines.raw.models.filing_concepts import FilingConceptsModel
from pipelines.raw.models.financials import FinancialsModel
from pipelines.raw.models.rules import (
    ALL_CHIPS,
    BASES,
    CAPEX_DEFINITIONS,
    CAPEX_LESS_METRICS,
    CAPEX_METRICS,
    DOCUMENT_DATE_RULE,
    EARLIEST_DOCUMENT_DATE,
    FINANCIAL_METRICS,
    FUTURE_SLACK_DAYS,
    METRIC_UNITS,
    NAME_PATTERN,
    PATTERN_WORDS,
    QUALIFIERS,
    SIGNED_METRICS,
    SOURCE_URL_PATTERN,
    UNITS,
    VALUE_KINDS,
    VENDOR_PATTERN,
    document_dates,
    latest_document_date,
    row_rule,
    sibling_rows,
)

__all__ = [
    "ACCELERATOR_VALUE_FIELDS",
    "ALL_CHIPS",
    "ALL_METRICS",
    "BASES",
    "CAPEX_DEFINITIONS",
    "CAPEX_LESS_METRICS",
    "CAPEX_METRICS",
    "DOCUMENT_DATE_RULE",
    "EARLIEST_DOCUMENT_DATE",
    "FINANCIAL_METRICS",
    "FUTURE_SLACK_DAYS",
    "MAX_STATED_VALUE",
    "METRIC_UNITS",
    "NAME_PATTERN",
    "PATTERN_WORDS",
    "QUALIFIERS",
    "SIGNED_METRICS",
    "SOURCE_URL_PATTERN",
    "SYSTEM_VALUE_FIELDS",
    "TCO_ASSUMPTION_FIELDS",
    "TCO_SOURCE_KINDS",
    "UNITS",
    "VALUE_KINDS",
    "VENDOR_PATTERN",
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
    "coverage_metrics",
    "document_dates",
    "latest_document_date",
    "row_rule",
    "sibling_rows",
]

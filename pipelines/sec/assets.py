"""SEC EDGAR companyfacts connector: land the JSON files, flatten them, derive quarters, check.

Group ``sec``. Off unless ``SEC_USER_AGENT`` is set: then every asset reports
"connector off (SEC_USER_AGENT not set)" in its metadata and touches nothing, so an offline
``make refresh`` behaves exactly as without the connector. See ``pipelines/sec/config.py``
for the settings and README "SEC EDGAR connector" for what it fetches.

    sec/companyfacts ──► sec/facts ──► sec/quarterly ◄── check sec_capex_matches_curated
       (raw/sec/*.json)   (sec.facts)   sec/quarterly_as_first_reported      (vs raw.financials)
                                        sec/fiscal_year_coverage ◄── check sec_fiscal_years_complete

Derivation rules: docs/sec.md. The checks are in ``pipelines/sec/checks.py``.
"""

import hashlib

import dagster as dg
import duckdb
import pandera.errors as pa_errors
import polars as pl
from dagster import AssetExecutionContext

from pipelines.metadata import OWNERS, column_schema, markdown_preview, table_doc
from pipelines.sec.client import SecClient, SecFetchError
from pipelines.sec.config import (
    OFF_MESSAGE,
    SecConfigError,
    SecSettings,
    concept_map,
    load_settings,
)
from pipelines.sec.derive import FACTS_VIEW, derive
from pipelines.sec.landing import LandingRejected, land_download
from pipelines.sec.lineage import coverage_lineage, quarterly_lineage
from pipelines.sec.models import (
    FactsModel,
    FiscalYearCoverageModel,
    QuarterlyFirstReportedModel,
    QuarterlyModel,
)
from pipelines.sec.parse import parse_files
from pipelines.warehouse import WarehouseResource, write_table

COMPANYFACTS_KEY = dg.AssetKey(["sec", "companyfacts"])
FACTS_KEY = dg.AssetKey(["sec", "facts"])
QUARTERLY_KEY = dg.AssetKey(["sec", "quarterly"])
FIRST_REPORTED_KEY = dg.AssetKey(["sec", "quarterly_as_first_reported"])
COVERAGE_KEY = dg.AssetKey(["sec", "fiscal_year_coverage"])
RAW_FINANCIALS_KEY = dg.AssetKey(["raw", "financials"])

FACTS_TABLE = "sec.facts"
QUARTERLY_TABLE = "sec.quarterly"
FIRST_REPORTED_TABLE = "sec.quarterly_as_first_reported"
COVERAGE_TABLE = "sec.fiscal_year_coverage"

CAPEX_CHECK = "sec_capex_matches_curated"
COVERAGE_CHECK = "sec_fiscal_years_complete"
#: Largest relative difference between SEC-derived and curated capex that still passes.
CAPEX_TOLERANCE = 0.005

GROUP = "sec"
TAGS_LANDING = {"domain": "sec", "layer": "landing"}
TAGS_TABLE = {"domain": "sec", "layer": "staging"}
FACTS_SORT = ["ticker", "taxonomy", "concept", "unit", "end", "start", "filed", "accn"]


def _settings() -> SecSettings:
    try:
        return load_settings()
    except SecConfigError as error:
        raise dg.Failure(description=f"SEC connector configuration: {error}") from error


def _off(context: AssetExecutionContext | dg.AssetCheckExecutionContext) -> dict:
    context.log.info(f"SEC: {OFF_MESSAGE}; nothing fetched, tables left as they were")
    return {"status": OFF_MESSAGE}


def _kept(config: SecSettings, ticker: str) -> str:
    company = next(c for c in config.companies if c.ticker == ticker)
    path = config.landed_path(company)
    return f"last good file {path} kept" if path.exists() else f"no file landed yet at {path}"


def _failure_table(failures: list[tuple[str, str, str]]) -> str:
    lines = ["| ticker | url | problem |", "| --- | --- | --- |"]
    lines += [f"| {t} | {u} | {p.replace('|', '/')} |" for t, u, p in failures]
    return "\n".join(lines)


def _create_if_absent(con: duckdb.DuckDBPyConnection, table: str, model: type) -> None:
    """An empty ``table`` with ``model``'s columns where none exists yet (connector off)."""
    schema, name = table.split(".")
    found = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
        [schema, name],
    ).fetchone()
    if not found or not found[0]:
        columns = model.to_schema().columns
        empty = pl.DataFrame(schema={n: c.dtype.type for n, c in columns.items()})
        write_table(con, table, empty, table_doc(model))


# ----------------------------------------------------------------------------- landing
class CompanyfactsConfig(dg.Config):
    tickers: list[str] = []  # only these companies this run (the filings sensor); [] = all


@dg.asset(
    key=COMPANYFACTS_KEY,
    group_name=GROUP,
    description=(
        "SEC EDGAR companyfacts JSON of each company of raw/companies.csv (SEC_TICKERS: a "
        "subset), downloaded from `{SEC_BASE_URL}/api/xbrl/companyfacts/"
        "CIK##########.json` with the declared User-Agent, gzip, at most 10 requests per "
        "second and retries with backoff, and landed in `raw/sec/` only after the file parses "
        "and passes validation (temporary file, fsync, atomic rename) and the run is swapped "
        "in (a file that fails a blocking check of the run is never landed). Off unless "
        "SEC_USER_AGENT is set; a failed download keeps the last good file."
    ),
    kinds={"python", "json"},
    owners=OWNERS,
    tags=TAGS_LANDING,
    metadata={"landing_folder": "raw/sec (SEC_LANDING_DIR)", "source": "https://data.sec.gov"},
)
def sec_companyfacts(
    context: AssetExecutionContext, warehouse: WarehouseResource, config: CompanyfactsConfig
) -> dg.MaterializeResult:
    only, config = set(config.tickers), _settings()
    if not config.enabled:
        return dg.MaterializeResult(
            metadata={**_off(context), "landing_dir": str(config.landing_dir)}
        )
    try:
        client = SecClient(config)
    except SecConfigError as error:
        raise dg.Failure(description=str(error)) from error
    config.landing_dir.mkdir(parents=True, exist_ok=True)
    for stale in config.landing_dir.glob(".CIK*.part"):  # left by a killed run
        stale.unlink(missing_ok=True)

    # Inside a run the files land in the run's staging folder and reach the landing folder
    # only when the run is swapped in: a file that fails a later blocking check (e.g. capex
    # against the curated figures) is never landed, and the last good file stays.
    staging = warehouse.stage_folder(config.landing_dir)
    landed, failures = [], []
    companies = [c for c in config.companies if not only or c.ticker in only]
    for index, company in enumerate(companies):
        url = company.url(config.base_url)
        try:
            final = config.landed_path(company)
            result, fetched = land_download(
                client, url, company, staging / final.name, previous=final
            )
        except SecFetchError as error:
            failures.append(
                (company.ticker, url, f"{error.reason}; {_kept(config, company.ticker)}")
            )
            if error.network:  # the server is unreachable: do not wait on every other company
                for other in companies[index + 1 :]:
                    failures.append(
                        (
                            other.ticker,
                            other.url(config.base_url),
                            f"not attempted (server unreachable); {_kept(config, other.ticker)}",
                        )
                    )
                break
            continue
        except LandingRejected as error:
            failures.append(
                (
                    company.ticker,
                    url,
                    f"response rejected: {error}; {_kept(config, company.ticker)}",
                )
            )
            continue
        context.log.info(
            f"SEC: landed {result.path.name} ({company.ticker}, {result.bytes:,} bytes, "
            f"{result.facts:,} facts, {fetched.attempts} attempt(s))"
        )
        landed.append((company, result, fetched))

    if failures:
        first_ticker, first_url, first_problem = failures[0]
        raise dg.Failure(
            description=(
                f"SEC companyfacts: {len(failures)} of {len(companies)} download(s) failed; "
                f"first: {first_ticker} GET {first_url}: {first_problem}. Landed files are "
                "replaced only after validation, and this run's warehouse writes are discarded, "
                "so the sec tables keep their last good contents.\n"
                + "\n".join(f"  - {t}: GET {u}: {p}" for t, u, p in failures)
            ),
            metadata={"failures": dg.MetadataValue.md(_failure_table(failures))},
        )

    table = [
        "| ticker | file | bytes | facts | attempts | sha256 |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for company, result, fetched in landed:
        table.append(
            f"| {company.ticker} | {result.path.name} | {result.bytes:,} | {result.facts:,} | "
            f"{fetched.attempts} | {result.sha256[:12]} |"
        )
    digest = hashlib.sha256("".join(r.sha256 for _, r, _ in landed).encode()).hexdigest()
    return dg.MaterializeResult(
        metadata={
            "status": f"landed {len(landed)} file(s)",
            "landing_dir": str(config.landing_dir),
            "base_url": config.base_url,
            "files": dg.MetadataValue.md("\n".join(table)),
            "facts": sum(r.facts for _, r, _ in landed),
            "bytes": sum(r.bytes for _, r, _ in landed),
        },
        data_version=dg.DataVersion(digest[:16]),
    )


# ------------------------------------------------------------------------------- facts
@dg.asset(
    key=FACTS_KEY,
    deps=[COMPANYFACTS_KEY],
    group_name=GROUP,
    description=(
        f"{table_doc(FactsModel).description}\n\nParsed with DuckDB's JSON reader from the landed "
        "files of the configured companies and validated by `pipelines.sec.models.FactsModel`."
    ),
    kinds={"duckdb", "pandera", "polars"},
    owners=OWNERS,
    tags=TAGS_TABLE,
    metadata={
        "dagster/column_schema": column_schema(FactsModel),
        "dagster/table_name": FACTS_TABLE,
        "pandera_model": "pipelines.sec.models.FactsModel",
    },
)
def sec_facts(context: AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    config = _settings()
    if not config.enabled:
        return dg.MaterializeResult(metadata=_off(context))
    # this run's downloads (staged until the swap), else the last good landed files
    files = [warehouse.staged(config.landed_path(c)) for c in config.companies]
    missing = [str(p) for p in files if not p.exists()]
    if missing:
        raise dg.Failure(
            description="SEC: no landed companyfacts file for "
            + ", ".join(missing)
            + "; materialize sec/companyfacts first"
        )
    try:
        facts = parse_files(files, {c.cik: c.ticker for c in config.companies})
    except duckdb.Error as error:
        raise dg.Failure(description=f"SEC: landed files do not parse: {error}") from error
    facts = facts.sort(FACTS_SORT, nulls_last=True)
    try:
        FactsModel.validate(facts, lazy=True)
    except (pa_errors.SchemaErrors, pa_errors.SchemaError) as error:
        raise dg.Failure(
            description=f"SEC: sec.facts fails FactsModel: {str(error)[:4000]}"
        ) from error
    with warehouse.connect() as con:
        rows = write_table(con, FACTS_TABLE, facts, table_doc(FactsModel))
    per_ticker = facts.group_by("ticker").len().sort("ticker")
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "facts_per_ticker": dg.MetadataValue.md(markdown_preview(per_ticker, rows=50)),
            "preview": dg.MetadataValue.md(markdown_preview(facts)),
        }
    )


# --------------------------------------------------------------------------- quarterly
_QUARTERLY_HOW = (
    "\n\nHow: each fact's start/end (fy/fp describe the filing) is placed in a fiscal span "
    "(fiscal year from the company's annual facts, quarters covered), so periods a few days "
    "apart are one quarter and trailing-twelve-month columns are never used. A one-quarter "
    "span is a quarter; otherwise two year-to-date spans of one concept one quarter apart "
    "give it (fiscal Q4 = full year minus nine months), both legs of one vintage. Concept "
    "fallbacks per company: `raw/filing_concepts.csv`. SQL: `sql/sec/fiscal_years.sql`, "
    "`vintages.sql`, `quarterly.sql`; rules: `docs/sec.md`."
)


def _table_spec(key: dg.AssetKey, table: str, model: type, how: str) -> dg.AssetSpec:
    return dg.AssetSpec(
        key,
        deps=[FACTS_KEY],
        group_name=GROUP,
        description=table_doc(model).description + how,
        kinds={"duckdb", "sql", "pandera"},
        owners=OWNERS,
        tags=TAGS_TABLE,
        metadata={
            "dagster/column_schema": column_schema(model),
            "dagster/table_name": table,
            "pandera_model": f"pipelines.sec.models.{model.__name__}",
        },
    )


@dg.multi_asset(
    specs=[
        _table_spec(QUARTERLY_KEY, QUARTERLY_TABLE, QuarterlyModel, _QUARTERLY_HOW),
        _table_spec(
            FIRST_REPORTED_KEY, FIRST_REPORTED_TABLE, QuarterlyFirstReportedModel, _QUARTERLY_HOW
        ),
        _table_spec(
            COVERAGE_KEY,
            COVERAGE_TABLE,
            FiscalYearCoverageModel,
            "\n\nSQL: `sql/sec/coverage.sql`; rules: `docs/sec.md`.",
        ),
    ],
    name="sec_quarterly",
)
def sec_quarterly(context: AssetExecutionContext, warehouse: WarehouseResource):  # type: ignore[no-untyped-def]
    config = _settings()
    if not config.enabled:
        status = _off(context)
        with warehouse.connect() as con:  # staging.filed_figures reads them: empty, not absent
            for table, model in (
                (QUARTERLY_TABLE, QuarterlyModel),
                (FIRST_REPORTED_TABLE, QuarterlyFirstReportedModel),
            ):
                _create_if_absent(con, table, model)
        yield dg.MaterializeResult(asset_key=QUARTERLY_KEY, metadata=status)
        yield dg.MaterializeResult(asset_key=FIRST_REPORTED_KEY, metadata=status)
        yield dg.MaterializeResult(asset_key=COVERAGE_KEY, metadata=status)
        return
    with warehouse.connect() as con:
        exists = con.execute(
            "SELECT count(*) FROM duckdb_tables() "
            "WHERE schema_name = 'sec' AND table_name = 'facts'"
        ).fetchone()
        if not exists or not exists[0]:
            raise dg.Failure(
                description="SEC: table sec.facts is missing; materialize sec/facts first"
            )
        con.execute(f"CREATE OR REPLACE TEMP VIEW {FACTS_VIEW} AS SELECT * FROM {FACTS_TABLE}")
        latest, first, coverage = derive(con, concept_map(config.companies))
        outputs = (
            (QUARTERLY_KEY, QUARTERLY_TABLE, QuarterlyModel, latest),
            (FIRST_REPORTED_KEY, FIRST_REPORTED_TABLE, QuarterlyFirstReportedModel, first),
            (COVERAGE_KEY, COVERAGE_TABLE, FiscalYearCoverageModel, coverage),
        )
        for _, table, model, frame in outputs:
            try:
                model.validate(frame, lazy=True)
            except (pa_errors.SchemaErrors, pa_errors.SchemaError) as error:
                raise dg.Failure(
                    description=f"SEC: {table} fails {model.__name__}: {str(error)[:4000]}"
                ) from error
        counts = {
            table: write_table(con, table, frame, table_doc(model))
            for _, table, model, frame in outputs
        }
        con.execute(f"DROP VIEW IF EXISTS {FACTS_VIEW}")
    key_columns = ["ticker", "metric", "fiscal_year", "fiscal_quarter"]
    restated = latest.join(first, on=key_columns, suffix="_first").filter(
        pl.col("value") != pl.col("value_first")
    )
    earlier = latest.filter(pl.col("vintage") == "earlier_consistent")
    for key, table, _, frame in outputs[:2]:
        by_method = (
            frame.group_by("ticker", "metric", "method").len().sort("ticker", "metric", "method")
        )
        yield dg.MaterializeResult(
            asset_key=key,
            metadata={
                "dagster/row_count": counts[table],
                "dagster/column_lineage": quarterly_lineage(FACTS_KEY),
                "quarters_restated_since_first_report": restated.height,
                "quarters_from_an_earlier_consistent_vintage": earlier.height,
                "by_method": dg.MetadataValue.md(markdown_preview(by_method, rows=100)),
                "preview": dg.MetadataValue.md(markdown_preview(frame)),
            },
        )
    by_status = coverage.group_by("ticker", "metric", "status").len().sort("ticker", "metric")
    yield dg.MaterializeResult(
        asset_key=COVERAGE_KEY,
        metadata={
            "dagster/row_count": counts[COVERAGE_TABLE],
            "dagster/column_lineage": coverage_lineage(FACTS_KEY),
            "by_status": dg.MetadataValue.md(markdown_preview(by_status, rows=200)),
            "preview": dg.MetadataValue.md(markdown_preview(coverage)),
        },
    )


SEC_ASSETS: list[dg.AssetsDefinition] = [sec_companyfacts, sec_facts, sec_quarterly]

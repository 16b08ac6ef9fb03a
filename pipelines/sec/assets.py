"""SEC EDGAR companyfacts connector: land the JSON files, flatten them, derive quarters, check.

Group ``sec``. Off unless ``SEC_USER_AGENT`` is set: then every asset reports
"connector off (SEC_USER_AGENT not set)" in its metadata and touches nothing, so an offline
``make refresh`` behaves exactly as without the connector. See ``pipelines/sec/config.py``
for the settings and README "SEC EDGAR connector" for what it fetches.

    sec/companyfacts ──► sec/facts ──► sec/quarterly ◄── check sec_capex_matches_curated
       (raw/sec/*.json)   (sec.facts)   sec/quarterly_as_first_reported      (vs raw.financials)
"""

import hashlib

import dagster as dg
import duckdb
import pandera.errors as pa_errors
import polars as pl
from dagster import AssetExecutionContext

from pipelines import settings
from pipelines.metadata import OWNERS, column_schema, markdown_preview, table_doc
from pipelines.sec.client import SecClient, SecFetchError
from pipelines.sec.config import (
    OFF_MESSAGE,
    SecConfigError,
    SecSettings,
    concept_map,
    load_settings,
)
from pipelines.sec.derive import FACTS_VIEW, derive_quarterly
from pipelines.sec.landing import LandingRejected, land_download
from pipelines.sec.models import FactsModel, QuarterlyFirstReportedModel, QuarterlyModel
from pipelines.sec.parse import parse_files
from pipelines.warehouse import WarehouseResource, write_table

COMPANYFACTS_KEY = dg.AssetKey(["sec", "companyfacts"])
FACTS_KEY = dg.AssetKey(["sec", "facts"])
QUARTERLY_KEY = dg.AssetKey(["sec", "quarterly"])
FIRST_REPORTED_KEY = dg.AssetKey(["sec", "quarterly_as_first_reported"])
RAW_FINANCIALS_KEY = dg.AssetKey(["raw", "financials"])

FACTS_TABLE = "sec.facts"
QUARTERLY_TABLE = "sec.quarterly"
FIRST_REPORTED_TABLE = "sec.quarterly_as_first_reported"

CAPEX_CHECK = "sec_capex_matches_curated"
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


# ----------------------------------------------------------------------------- landing
@dg.asset(
    key=COMPANYFACTS_KEY,
    group_name=GROUP,
    description=(
        "SEC EDGAR companyfacts JSON of each configured company (default: the six tracked "
        "companies and Nvidia), downloaded from `{SEC_BASE_URL}/api/xbrl/companyfacts/"
        "CIK##########.json` with the declared User-Agent, gzip, at most 10 requests per "
        "second and retries with backoff, and landed in `raw/sec/` only after the file parses "
        "and passes validation (temporary file, fsync, atomic rename). Off unless "
        "SEC_USER_AGENT is set; a failed download keeps the last good file."
    ),
    kinds={"python", "json"},
    owners=OWNERS,
    tags=TAGS_LANDING,
    metadata={"landing_folder": "raw/sec (SEC_LANDING_DIR)", "source": "https://data.sec.gov"},
)
def sec_companyfacts(context: AssetExecutionContext) -> dg.MaterializeResult:
    config = _settings()
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

    landed, failures = [], []
    companies = list(config.companies)
    for index, company in enumerate(companies):
        url = company.url(config.base_url)
        try:
            result, fetched = land_download(client, url, company, config.landed_path(company))
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
    files = [config.landed_path(c) for c in config.companies]
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
def _lineage() -> dg.TableColumnLineage:
    def dep(*columns: str) -> list[dg.TableColumnDep]:
        return [dg.TableColumnDep(asset_key=FACTS_KEY, column_name=c) for c in columns]

    return dg.TableColumnLineage(
        deps_by_column={
            "ticker": dep("ticker"),
            "cik": dep("cik"),
            "metric": dep("concept"),
            "taxonomy": dep("taxonomy"),
            "concept": dep("concept"),
            "unit": dep("unit"),
            "period_start": dep("start", "end"),
            "period_end": dep("end"),
            "fiscal_year": dep("start", "end", "form"),
            "fiscal_quarter": dep("start", "end", "form"),
            "calendar_quarter": dep("start", "end"),
            "value": dep("val", "start", "end", "filed", "accn"),
            "value_usd_m": dep("val", "unit"),
            "method": dep("start", "end"),
            "accn": dep("accn", "filed"),
            "subtracted_accn": dep("accn", "filed"),
            "form": dep("form"),
            "filed": dep("filed"),
        }
    )


_QUARTERLY_HOW = (
    "\n\nHow: periods come from each fact's start/end (fy/fp describe the filing). A fact of "
    "84-98 days is a quarter; otherwise facts sharing a start date form a year-to-date chain "
    "and consecutive links give a quarter (fiscal Q4 = full year minus nine months). Concepts "
    "per company: `pipelines/sec/companies.toml`. SQL: `sql/sec/quarterly.sql`; calendar "
    "quarter: `calendar_quarter_of_period`."
)


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            QUARTERLY_KEY,
            deps=[FACTS_KEY],
            group_name=GROUP,
            description=table_doc(QuarterlyModel).description + _QUARTERLY_HOW,
            kinds={"duckdb", "sql", "pandera"},
            owners=OWNERS,
            tags=TAGS_TABLE,
            metadata={
                "dagster/column_schema": column_schema(QuarterlyModel),
                "dagster/table_name": QUARTERLY_TABLE,
                "pandera_model": "pipelines.sec.models.QuarterlyModel",
            },
        ),
        dg.AssetSpec(
            FIRST_REPORTED_KEY,
            deps=[FACTS_KEY],
            group_name=GROUP,
            description=table_doc(QuarterlyFirstReportedModel).description + _QUARTERLY_HOW,
            kinds={"duckdb", "sql", "pandera"},
            owners=OWNERS,
            tags=TAGS_TABLE,
            metadata={
                "dagster/column_schema": column_schema(QuarterlyFirstReportedModel),
                "dagster/table_name": FIRST_REPORTED_TABLE,
                "pandera_model": "pipelines.sec.models.QuarterlyFirstReportedModel",
            },
        ),
    ],
    name="sec_quarterly",
)
def sec_quarterly(context: AssetExecutionContext, warehouse: WarehouseResource):  # type: ignore[no-untyped-def]
    config = _settings()
    if not config.enabled:
        status = _off(context)
        yield dg.MaterializeResult(asset_key=QUARTERLY_KEY, metadata=status)
        yield dg.MaterializeResult(asset_key=FIRST_REPORTED_KEY, metadata=status)
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
        latest, first = derive_quarterly(con, concept_map(config.companies))
        outputs = (
            (QUARTERLY_KEY, QUARTERLY_TABLE, QuarterlyModel, latest),
            (FIRST_REPORTED_KEY, FIRST_REPORTED_TABLE, QuarterlyFirstReportedModel, first),
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
    restated = latest.join(first, on=["ticker", "metric", "period_end"], suffix="_first").filter(
        pl.col("value") != pl.col("value_first")
    )
    for key, table, _, frame in outputs:
        by_method = (
            frame.group_by("ticker", "metric", "method").len().sort("ticker", "metric", "method")
        )
        yield dg.MaterializeResult(
            asset_key=key,
            metadata={
                "dagster/row_count": counts[table],
                "dagster/column_lineage": _lineage(),
                "quarters_restated_since_first_report": restated.height,
                "by_method": dg.MetadataValue.md(markdown_preview(by_method, rows=100)),
                "preview": dg.MetadataValue.md(markdown_preview(frame)),
            },
        )


# ------------------------------------------------------------------------------- check
def _mismatch_table(frame: pl.DataFrame) -> str:
    lines = [
        "| ticker | fiscal | calendar | period | SEC USD m | curated USD m | difference | method |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in frame.iter_rows(named=True):
        diff = r["relative_difference"]
        fiscal = f"FY{r['fiscal_year']} Q{r['fiscal_quarter']}"
        period = f"{r['period_start']}..{r['period_end']}"
        lines.append(
            f"| {r['ticker']} | {fiscal} | {r['calendar_quarter']} | {period} | "
            f"{r['sec_usd_m']:,.1f} | {r['curated_usd_m']:,.1f} | "
            f"{'n/a' if diff is None else f'{diff:+.3%}'} | {r['method']} |"
        )
    return "\n".join(lines)


def compare_capex(con: duckdb.DuckDBPyConnection, config: SecSettings) -> pl.DataFrame:
    """Every quarter in both sec.quarterly (capex) and raw.financials, with the difference."""
    metrics = pl.DataFrame(
        [(c.ticker, c.curated_capex_metric) for c in config.companies if c.curated_capex_metric],
        schema={"ticker": pl.Utf8, "metric": pl.Utf8},
        orient="row",
    )
    con.register("__sec_capex_metrics", metrics.to_arrow())
    try:
        table = con.execute(
            settings.read_sql("sec/capex_vs_curated.sql"), {"tolerance": CAPEX_TOLERANCE}
        ).to_arrow_table()
    finally:
        con.unregister("__sec_capex_metrics")
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame


@dg.asset_check(
    asset=QUARTERLY_KEY,
    name=CAPEX_CHECK,
    additional_deps=[RAW_FINANCIALS_KEY],
    description=(
        f"SEC-derived quarterly capex matches the curated capex in raw.financials within "
        f"{CAPEX_TOLERANCE:.1%} for every discrete quarter both have (MSFT additions to property "
        "and equipment; GOOGL, META purchases; AMZN gross purchases). Each mismatch is listed. "
        "Blocking: a mismatch fails the run, so its SEC tables are never published (the live "
        "warehouse keeps its previous tables)."
    ),
    blocking=True,
)
def sec_capex_matches_curated(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    config = _settings()
    if not config.enabled:
        return dg.AssetCheckResult(passed=True, metadata=_off(context))
    with warehouse.connect() as con:
        have = {
            name
            for (name,) in con.execute(
                "SELECT schema_name || '.' || table_name FROM duckdb_tables()"
            ).fetchall()
        }
        if not {"sec.quarterly", "raw.financials"} <= have:
            return dg.AssetCheckResult(
                passed=False,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={"status": "sec.quarterly or raw.financials is missing: nothing compared"},
            )
        compared = compare_capex(con, config)
    mismatches = compared.filter(~pl.col("within_tolerance"))
    if mismatches.height:
        first = mismatches.row(0, named=True)
        context.log.error(
            f"SEC capex differs from raw.financials beyond {CAPEX_TOLERANCE:.1%} in "
            f"{mismatches.height} of {compared.height} quarter(s) (first: {first['ticker']} "
            f"FY{first['fiscal_year']} Q{first['fiscal_quarter']}: SEC "
            f"{first['sec_usd_m']:,.1f} vs curated {first['curated_usd_m']:,.1f} USD m); "
            "the SEC tables of this run are not published"
        )
    return dg.AssetCheckResult(
        passed=mismatches.is_empty(),
        # ERROR on a blocking check fails the step: the run's copy is not swapped in.
        severity=dg.AssetCheckSeverity.ERROR,
        description=(
            f"{compared.height} quarter(s) compared, {mismatches.height} outside "
            f"{CAPEX_TOLERANCE:.1%}"
            + ("; SEC tables of this run not published" if mismatches.height else "")
        ),
        metadata={
            "quarters_compared": compared.height,
            "mismatches": mismatches.height,
            "tolerance": CAPEX_TOLERANCE,
            "mismatch_list": dg.MetadataValue.md(
                _mismatch_table(mismatches) if mismatches.height else "none"
            ),
            "compared": dg.MetadataValue.md(_mismatch_table(compared)),
        },
    )


SEC_ASSETS: list[dg.AssetsDefinition] = [sec_companyfacts, sec_facts, sec_quarterly]
SEC_CHECKS: list[dg.AssetChecksDefinition] = [sec_capex_matches_curated]

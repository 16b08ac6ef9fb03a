"""SEC EDGAR connector settings: environment variables; companies and concepts come from
``raw/companies.csv`` and ``raw/filing_concepts.csv``, validated like every raw file.

The connector is **off** unless ``SEC_USER_AGENT`` is set (the SEC requires every client to
declare a name and a contact e-mail). Everything else has a default:

=============================== ============================================================
``SEC_USER_AGENT``              e.g. ``"AI-compute ledger ops@example.org"``; unset = off
``SEC_BASE_URL``                ``https://data.sec.gov`` (tests point it at a loopback server)
``SEC_LANDING_DIR``             where companyfacts files land; default ``<raw dir>/sec``
``SEC_TICKERS``                 comma-separated subset of ``raw/companies.csv`` (default: all)
``SEC_MAX_REQUESTS_PER_SECOND`` default 10, never more (the SEC's fair-access limit)
``SEC_TIMEOUT_S``               connect and read timeout per request, default 30
``SEC_MAX_RETRIES``             retries after the first attempt, default 4
``SEC_BACKOFF_S``               first retry delay, doubled each retry, default 1.0
``SEC_BACKOFF_MAX_S``           cap on any single delay (also on ``Retry-After``), default 60
``SEC_REAL_DIR``                folder of real companyfacts files used as the test corpus;
                                default ``../shared/sec-real`` beside the repository
``SEC_MAX_RETRY_WAIT_S``        total seconds one run may sleep between retries, default 120
``SEC_REQUEST_DEADLINE_S``      wall-clock limit of one request with its retries, default 120
``SEC_FETCH_DEADLINE_S``        wall-clock limit of the whole fetch (all companies), default 900
``SEC_MAX_REDIRECTS``           same-host redirects followed per request, default 3
                                (a redirect to another host is always refused)
``SEC_MAX_BODY_BYTES``          largest body as received (compressed), default 200,000,000
``SEC_MAX_DECOMPRESSED_BYTES``  largest body after gzip/deflate, default 1,000,000,000
=============================== ============================================================

The largest real companyfacts files are a few MB compressed and tens of MB decompressed, so
the size limits leave room for growth while stopping a decompression bomb early; bodies are
streamed to disk and decompressed incrementally, so memory stays bounded whatever the limit.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipelines import settings

ENV_USER_AGENT = "SEC_USER_AGENT"
ENV_BASE_URL = "SEC_BASE_URL"
ENV_LANDING_DIR = "SEC_LANDING_DIR"
ENV_TICKERS = "SEC_TICKERS"
ENV_MAX_RPS = "SEC_MAX_REQUESTS_PER_SECOND"
ENV_TIMEOUT = "SEC_TIMEOUT_S"
ENV_MAX_RETRIES = "SEC_MAX_RETRIES"
ENV_BACKOFF = "SEC_BACKOFF_S"
ENV_BACKOFF_MAX = "SEC_BACKOFF_MAX_S"
ENV_REAL_DIR = "SEC_REAL_DIR"
ENV_MAX_RETRY_WAIT = "SEC_MAX_RETRY_WAIT_S"
ENV_REQUEST_DEADLINE = "SEC_REQUEST_DEADLINE_S"
ENV_FETCH_DEADLINE = "SEC_FETCH_DEADLINE_S"
ENV_MAX_REDIRECTS = "SEC_MAX_REDIRECTS"
ENV_MAX_BODY = "SEC_MAX_BODY_BYTES"
ENV_MAX_DECOMPRESSED = "SEC_MAX_DECOMPRESSED_BYTES"

DEFAULT_BASE_URL = "https://data.sec.gov"
#: The SEC's fair-access limit; a higher setting is lowered to this.
SEC_MAX_REQUESTS_PER_SECOND = 10.0

#: What every SEC asset reports when the connector is off.
OFF_MESSAGE = f"connector off ({ENV_USER_AGENT} not set)"


class SecConfigError(ValueError):
    """The connector's configuration is unusable (bad companies file, bad number...)."""


#: (metric, priority, taxonomy, concept, unit, sign): a row of raw/filing_concepts.csv.
Concept = tuple[str, int, str, str, str, int]


@dataclass(frozen=True)
class Company:
    """One company to fetch, and the XBRL concepts of its metrics."""

    ticker: str
    cik: int
    name: str
    concepts: tuple[Concept, ...] = ()

    @property
    def file_name(self) -> str:
        """``CIK0000789019.json``: the name the SEC uses, 10-digit zero-padded."""
        return f"CIK{self.cik:010d}.json"

    def url(self, base_url: str) -> str:
        return f"{base_url.rstrip('/')}/api/xbrl/companyfacts/{self.file_name}"


@dataclass(frozen=True)
class SecSettings:
    user_agent: str | None
    base_url: str
    landing_dir: Path
    companies: tuple[Company, ...]
    max_requests_per_second: float = SEC_MAX_REQUESTS_PER_SECOND
    timeout_s: float = 30.0
    max_retries: int = 4
    backoff_s: float = 1.0
    backoff_max_s: float = 60.0
    max_retry_wait_s: float = 120.0
    request_deadline_s: float = 120.0
    fetch_deadline_s: float = 900.0
    max_redirects: int = 3
    max_body_bytes: int = 200_000_000
    max_decompressed_bytes: int = 1_000_000_000

    @property
    def enabled(self) -> bool:
        return bool(self.user_agent)

    def landed_path(self, company: Company) -> Path:
        return self.landing_dir / company.file_name


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise SecConfigError(f"{name}={text!r} is not a number") from None
    if value < 0:
        raise SecConfigError(f"{name}={text!r} must not be negative")
    return value


#: Companies already read, by the identity of the two files (device, inode, size, mtime): a
#: run asks several times, and a changed file is always read again.
_COMPANIES: dict[tuple, tuple[Company, ...]] = {}
_COMPANY_FILES = ("companies.csv", "filing_concepts.csv")


def files_identity(paths: Sequence[Path]) -> tuple | None:
    """What tells whether ``paths`` changed (path, device, inode, size, modification time of
    each), to reuse what was read from them; None if one cannot be read."""
    try:
        stats = [path.stat() for path in paths]
    except OSError:
        return None
    return tuple(
        (str(path.resolve()), s.st_dev, s.st_ino, s.st_size, s.st_mtime_ns)
        for path, s in zip(paths, stats, strict=True)
    )


def load_companies(raw_dir: Path | None = None) -> tuple[Company, ...]:
    """The companies of ``raw/companies.csv`` with their concepts of ``raw/filing_concepts.csv``,
    both validated by their raw models (``raw_dir``: default the raw folder)."""
    folder = raw_dir or settings.raw_dir()
    identity = files_identity([folder / name for name in _COMPANY_FILES])
    if identity is not None and identity in _COMPANIES:
        return _COMPANIES[identity]
    companies = _read_companies(folder)
    if identity is not None:
        _COMPANIES.clear()
        _COMPANIES[identity] = companies
    return companies


def _read_companies(folder: Path) -> tuple[Company, ...]:
    from pipelines.raw.models import CompaniesModel, FilingConceptsModel
    from pipelines.raw.reference import companies_in_scope
    from pipelines.raw.validation import validate_file

    def read(name: str, model: type) -> pl.DataFrame:
        if (result := validate_file(folder / name, model)).frame is None:
            raise SecConfigError(f"SEC connector: {'; '.join(map(str, result.problems[:20]))}")
        return result.frame

    companies = read("companies.csv", CompaniesModel)
    with companies_in_scope(dict(companies.select("ticker", "fiscal_calendar").iter_rows())):
        concepts = read("filing_concepts.csv", FilingConceptsModel)
    columns = ["metric", "priority", "taxonomy", "concept", "unit", "sign"]
    return tuple(
        Company(
            ticker,
            cik,
            name,
            tuple(concepts.filter(pl.col("ticker") == ticker).sort(columns).select(columns).rows()),
        )
        for ticker, cik, name in companies.sort("ticker").select("ticker", "cik", "name").rows()
    )


def load_settings(env: Mapping[str, str] | None = None) -> SecSettings:
    """Settings from the environment (read at run time, never at import)."""
    env = os.environ if env is None else env
    companies = load_companies()
    wanted = [t.strip() for t in env.get(ENV_TICKERS, "").split(",") if t.strip()]
    if wanted:
        known = {c.ticker for c in companies}
        unknown = [t for t in wanted if t not in known]
        if unknown:
            raise SecConfigError(
                f"{ENV_TICKERS} names ticker(s) not in raw/companies.csv: {', '.join(unknown)}"
            )
        companies = tuple(c for c in companies if c.ticker in wanted)
    landing = env.get(ENV_LANDING_DIR)
    return SecSettings(
        user_agent=(env.get(ENV_USER_AGENT) or "").strip() or None,
        base_url=(env.get(ENV_BASE_URL) or DEFAULT_BASE_URL).rstrip("/"),
        landing_dir=Path(landing).resolve() if landing else settings.raw_dir() / "sec",
        companies=companies,
        max_requests_per_second=min(
            _number(env, ENV_MAX_RPS, SEC_MAX_REQUESTS_PER_SECOND), SEC_MAX_REQUESTS_PER_SECOND
        )
        or SEC_MAX_REQUESTS_PER_SECOND,
        timeout_s=_number(env, ENV_TIMEOUT, 30.0) or 30.0,
        max_retries=int(_number(env, ENV_MAX_RETRIES, 4)),
        backoff_s=_number(env, ENV_BACKOFF, 1.0),
        backoff_max_s=_number(env, ENV_BACKOFF_MAX, 60.0),
        max_retry_wait_s=_number(env, ENV_MAX_RETRY_WAIT, 120.0),
        request_deadline_s=_number(env, ENV_REQUEST_DEADLINE, 120.0) or 120.0,
        fetch_deadline_s=_number(env, ENV_FETCH_DEADLINE, 900.0) or 900.0,
        max_redirects=int(_number(env, ENV_MAX_REDIRECTS, 3)),
        max_body_bytes=int(_number(env, ENV_MAX_BODY, 200_000_000)) or 200_000_000,
        max_decompressed_bytes=int(_number(env, ENV_MAX_DECOMPRESSED, 1_000_000_000))
        or 1_000_000_000,
    )


def real_files_dir(env: Mapping[str, str] | None = None) -> Path:
    """Folder of the real companyfacts test corpus: ``SEC_REAL_DIR``, else ``shared/sec-real``
    beside the repository (``/work/main`` -> ``/work/shared/sec-real``; a CI clone whose
    sibling is ``shared/`` alike). The folder may be absent: callers check."""
    env = os.environ if env is None else env
    configured = (env.get(ENV_REAL_DIR) or "").strip()
    if configured:
        return Path(configured).expanduser().resolve()
    return (settings.REPO_ROOT.parent / "shared" / "sec-real").resolve()


def real_files_missing(where: Path) -> str:
    """Why a test of the real companyfacts corpus is skipped, and where the files come from."""
    return (
        f"real SEC companyfacts files not found at {where}: they are the SEC's own companyfacts "
        "JSON (https://data.sec.gov/api/xbrl/companyfacts/CIK##########.json; which files, their "
        "hashes and provenance: that folder's README.md and SHA256SUMS), kept outside the "
        f"repository in ../shared/sec-real; put them there or set {ENV_REAL_DIR} (docs/sec.md, "
        "section 8)"
    )


def check_user_agent(user_agent: str) -> None:
    """The SEC asks for a name and a contact e-mail; refuse an agent without an address."""
    if "@" not in user_agent or len(user_agent.split()) < 2:
        raise SecConfigError(
            f"{ENV_USER_AGENT}={user_agent!r} must hold a name and a contact e-mail, "
            'e.g. "AI-compute ledger ops@example.org" (SEC fair-access policy)'
        )


CONCEPT_MAP_SCHEMA = {
    "sid": pl.Int32,
    "gid": pl.Int32,
    "ticker": pl.Utf8,
    "metric": pl.Utf8,
    "taxonomy": pl.Utf8,
    "concept": pl.Utf8,
    "unit": pl.Utf8,
    "priority": pl.Int32,
    "sign": pl.Int32,
}


def concept_map(companies: tuple[Company, ...] | list[Company]) -> pl.DataFrame:
    """Which concepts define each metric: one row per concept (sid, gid, ticker, metric,
    taxonomy, concept, unit, priority, sign), priority 1 first; ``sid`` numbers the series
    (ticker, metric, priority: the signed sum of its concepts) and ``gid`` the (ticker, metric)
    pairs. Registered as ``__sec_components`` for ``sql/sec/series.sql``."""
    rows = [(c.ticker, *concept) for c in companies for concept in c.concepts]
    sids = {key: i for i, key in enumerate(dict.fromkeys(r[:3] for r in rows), start=1)}
    gids = {key: i for i, key in enumerate(dict.fromkeys(r[:2] for r in rows), start=1)}
    data = [(sids[r[:3]], gids[r[:2]], r[0], r[1], r[3], r[4], r[5], r[2], r[6]) for r in rows]
    return pl.DataFrame(data, schema=CONCEPT_MAP_SCHEMA, orient="row")

"""Configuration of the SEC bulk mode (``companyfacts.zip`` or a folder of companyfacts files).

Bulk mode is **off** unless ``SEC_BULK_SOURCE`` is set. It needs no network and no
``SEC_USER_AGENT``: it reads an archive the operator downloaded
(``https://www.sec.gov/Archives/edgar/daily-index/xbrl/companyfacts.zip``).

=========================== ==================================================================
``SEC_BULK_SOURCE``         ``companyfacts.zip`` or a folder of ``CIK##########.json``; unset = off
``SEC_BULK_STORE``          the SEC store (its own DuckDB file); default ``sec_bulk.duckdb``
                            beside the warehouse file
``SEC_BULK_CIKS``           comma-separated CIKs to ingest (default: every filer)
``SEC_BULK_TICKERS``        comma-separated tickers to ingest, resolved with ``raw/companies.csv``
                            and ``SEC_BULK_TICKER_FILE``; adds to the CIKs
``SEC_BULK_TICKER_FILE``    optional SEC ``company_tickers.json`` (ticker -> CIK, and tickers as
                            labels for filers not in the companies file)
``SEC_BULK_CHUNK``          members parsed and derived together (default 100): bounds memory
``SEC_BULK_MAX_MEMBER_MB``  a larger member is quarantined unread (default 1024)
``SEC_BULK_MAX_RATIO``      an archive member declared to expand more than this many times its
                            compressed size is quarantined unread (default 100)
``SEC_BULK_CHUNK_MB``       most bytes extracted to disk at once: a chunk ends before a member
                            that would take it past this (default 1024)
``SEC_BULK_MAX_TOTAL_MB``   byte budget of one ingest (uncompressed bytes read); members past it
                            are quarantined unread (default 100000)
``SEC_BULK_CONCEPTS_FILE``  concepts per metric of filers not in ``raw/companies.csv``;
                            default ``pipelines/sec/bulk.toml``
=========================== ==================================================================
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pipelines import settings
from pipelines.sec.config import Company, Concept, SecConfigError, load_companies

ENV_SOURCE = "SEC_BULK_SOURCE"
ENV_STORE = "SEC_BULK_STORE"
ENV_CIKS = "SEC_BULK_CIKS"
ENV_TICKERS = "SEC_BULK_TICKERS"
ENV_TICKER_FILE = "SEC_BULK_TICKER_FILE"
ENV_CHUNK = "SEC_BULK_CHUNK"
ENV_MAX_MEMBER_MB = "SEC_BULK_MAX_MEMBER_MB"
ENV_CONCEPTS_FILE = "SEC_BULK_CONCEPTS_FILE"
ENV_MAX_RATIO = "SEC_BULK_MAX_RATIO"
ENV_CHUNK_MB = "SEC_BULK_CHUNK_MB"
ENV_MAX_TOTAL_MB = "SEC_BULK_MAX_TOTAL_MB"
ALL_ENV = (
    ENV_SOURCE,
    ENV_STORE,
    ENV_CIKS,
    ENV_TICKERS,
    ENV_TICKER_FILE,
    ENV_CHUNK,
    ENV_MAX_MEMBER_MB,
    ENV_CONCEPTS_FILE,
    ENV_MAX_RATIO,
    ENV_CHUNK_MB,
    ENV_MAX_TOTAL_MB,
)

DEFAULT_CONCEPTS_FILE = Path(__file__).with_name("bulk.toml")
DEFAULT_CHUNK = 100
DEFAULT_MAX_MEMBER_MB = 1024
#: companyfacts JSON deflates about 10 to 14 times (the real archive: 1.48 GB of zip, 14.98 GB
#: of JSON); a zip bomb expands up to about 1,000 times.
DEFAULT_MAX_RATIO = 100
DEFAULT_CHUNK_MB = 1024
DEFAULT_MAX_TOTAL_MB = 100_000

OFF_MESSAGE = f"bulk mode off ({ENV_SOURCE} not set)"


@dataclass(frozen=True)
class BulkSettings:
    source: Path | None
    store: Path
    #: CIKs to ingest; ``None`` = every filer of the archive.
    ciks: frozenset[int] | None
    chunk_members: int
    max_member_bytes: int
    #: The ledger's companies (raw/companies.csv, raw/filing_concepts.csv), by CIK.
    known: Mapping[int, Company]
    #: Ticker labels from ``SEC_BULK_TICKER_FILE``, by CIK.
    labels: Mapping[int, str]
    #: Concepts of every other filer (bulk.toml).
    concepts: tuple[Concept, ...]
    #: Most uncompressed bytes per compressed byte a zip member may declare.
    max_ratio: int = DEFAULT_MAX_RATIO
    #: Most bytes of members extracted to the temporary folder at once (one chunk).
    chunk_bytes: int = DEFAULT_CHUNK_MB * 1024 * 1024
    #: Most uncompressed bytes one ingest reads.
    max_total_bytes: int = DEFAULT_MAX_TOTAL_MB * 1024 * 1024

    @property
    def enabled(self) -> bool:
        return self.source is not None

    def company(self, cik: int, entity_name: str | None) -> Company:
        """The :class:`Company` a filer is parsed and derived as: the ledger's company, else
        a label (ticker from the ticker file, else ``CIK##########``) and the bulk concepts."""
        if cik in self.known:
            return self.known[cik]
        return Company(
            ticker=self.labels.get(cik) or f"CIK{cik:010d}",
            cik=cik,
            name=entity_name or f"CIK{cik:010d}",
            concepts=self.concepts,
        )


def default_store() -> Path:
    """``sec_bulk.duckdb`` beside the warehouse file."""
    return settings.warehouse_path().with_name("sec_bulk.duckdb")


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise SecConfigError(f"{name}={text!r} is not a whole number") from None
    if value <= 0:
        raise SecConfigError(f"{name}={text!r} must be positive")
    return value


def _ciks(text: str) -> set[int]:
    result = set()
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        digits = part.upper().removeprefix("CIK")
        if not digits.isdigit() or not 0 < int(digits) < 10**10:
            raise SecConfigError(f"{ENV_CIKS}: {part!r} is not a CIK (1 to 10 digits)")
        result.add(int(digits))
    return result


def load_ticker_file(path: Path) -> dict[str, int]:
    """Ticker -> CIK from the SEC's ``company_tickers.json``
    (``{"0": {"cik_str": 320193, "ticker": "AAPL", "title": "Apple Inc."}, ...}``)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        rows = data.values() if isinstance(data, dict) else data
        return {str(r["ticker"]).upper(): int(r["cik_str"]) for r in rows}
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as error:
        raise SecConfigError(
            f"{ENV_TICKER_FILE}={path}: not a company_tickers.json ({error!r})"
        ) from error


def load_concepts(path: Path) -> tuple[Concept, ...]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))["concepts"]
        return tuple(
            (str(metric), priority, "us-gaap", str(concept), "USD", 1)
            for metric, names in data.items()
            for priority, concept in enumerate(names, start=1)
        )
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, AttributeError) as error:
        raise SecConfigError(f"cannot read bulk concepts file {path}: {error!r}") from error


def load_bulk_settings(env: Mapping[str, str] | None = None) -> BulkSettings:
    """Settings from the environment (read at run time, never at import)."""
    env = os.environ if env is None else env
    source_text = (env.get(ENV_SOURCE) or "").strip()
    store_text = (env.get(ENV_STORE) or "").strip()
    companies = load_companies()
    ticker_file = (env.get(ENV_TICKER_FILE) or "").strip()
    by_ticker = load_ticker_file(Path(ticker_file)) if ticker_file else {}
    labels = {cik: ticker for ticker, cik in sorted(by_ticker.items(), reverse=True)}
    by_ticker.update({c.ticker.upper(): c.cik for c in companies})

    wanted: set[int] | None = None
    if (env.get(ENV_CIKS) or "").strip():
        wanted = _ciks(env[ENV_CIKS])
    tickers = [t.strip().upper() for t in (env.get(ENV_TICKERS) or "").split(",") if t.strip()]
    if tickers:
        unknown = [t for t in tickers if t not in by_ticker]
        if unknown:
            raise SecConfigError(
                f"{ENV_TICKERS} names ticker(s) found neither in raw/companies.csv nor in "
                f"{ENV_TICKER_FILE}: {', '.join(unknown)}"
            )
        wanted = (wanted or set()) | {by_ticker[t] for t in tickers}
    concepts = load_concepts(Path(env.get(ENV_CONCEPTS_FILE) or DEFAULT_CONCEPTS_FILE).resolve())
    return BulkSettings(
        source=Path(source_text).resolve() if source_text else None,
        store=Path(store_text).resolve() if store_text else default_store(),
        ciks=frozenset(wanted) if wanted is not None else None,
        chunk_members=_int(env, ENV_CHUNK, DEFAULT_CHUNK),
        max_member_bytes=_int(env, ENV_MAX_MEMBER_MB, DEFAULT_MAX_MEMBER_MB) * 1024 * 1024,
        known={c.cik: c for c in companies},
        labels=labels,
        concepts=concepts,
        max_ratio=_int(env, ENV_MAX_RATIO, DEFAULT_MAX_RATIO),
        chunk_bytes=_int(env, ENV_CHUNK_MB, DEFAULT_CHUNK_MB) * 1024 * 1024,
        max_total_bytes=_int(env, ENV_MAX_TOTAL_MB, DEFAULT_MAX_TOTAL_MB) * 1024 * 1024,
    )

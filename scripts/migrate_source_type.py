"""Add ``source_type`` to ``financials.csv`` and ``capex_guidance.csv``: what kind of document a
figure was read from, as a typed column.

Usage: ``python scripts/migrate_source_type.py RAW_DIR`` rewrites ``RAW_DIR/financials.csv`` and
``RAW_DIR/capex_guidance.csv`` in place, idempotently (a value already in the column is kept:
curated values win; only empty cells are filled). Prints each file's counts by type.

The vocabulary (``SOURCE_TYPES`` in ``pipelines/raw/models/rules.py``):

* ``filing``: a 10-Q/10-K/8-K/6-K/20-F on SEC EDGAR or a verbatim copy of one (an XBRL
  companyfacts/companyconcept response, an XBRL statement render, a quote of the filing), incl.
  the earnings release filed as exhibit 99.1 when the address is sec.gov;
* ``press_release``: the company's own release, IR page, presentation, shareholder letter or
  call transcript, or a verbatim copy of one (a wire copy, a copy in a repository);
* ``secondary``: news, analysts, data sites, blogs, data files built by a third party;
* ``claim_list``: a list of claims to verify (a research prompt, a validation routine that
  asserts a text);
* ``machine_summary``: an AI/machine-made summary (LLM summaries, AI news digests, AI-assisted
  filing summaries, machine-reworded copies, AI research tools' transcript summaries).

The rules below classify from ``source_url``, ``source_title`` and ``source_note`` and are
tried in order (first match wins); the rows they leave ambiguous were reviewed by hand
(``REVIEWED``: the title prefix and the type chosen, with the reason).
"""

from __future__ import annotations

import csv
import re
import sys
from collections import Counter
from pathlib import Path

COLUMN = "source_type"
AFTER = "source_url"
FILES = ("financials.csv", "capex_guidance.csv")

#: Reviewed by hand: a title prefix -> the type, where the rules would guess wrong.
REVIEWED: dict[str, str] = {
    # A research-prompt text citing 'SEC 8-K/10-Q/CFO commentary': a claim to verify.
    "GitHub file quoting NVIDIA SEC 8-K/10-Q/CFO commentary": "claim_list",
    # A validation routine requiring strings in 'issuer-guidance' material: claims to verify.
    "GitHub code file asserting the text of NVIDIA": "claim_list",
    # Data files built by a third party from XBRL: not a verbatim copy of a filing.
    "danyu1/bridgewater_forecasting capex_history_quarterly.csv": "secondary",
    "Repo dashboard data file built from SEC XBRL": "secondary",
    "companyconcept revenue locator file": "secondary",
    "Research note on Microsoft": "secondary",
    "Meta earnings-slide descriptions in code corpus": "secondary",
    # Figures extracted from the releases into JSON by a third party (not a verbatim copy).
    "Broadcom quarterly cash-flow figures extracted": "secondary",
    "Broadcom quarterly income-statement figures extracted": "secondary",
    # Recorded SEC API payloads: verbatim copies of the filed XBRL facts.
    "MSFT companyconcept PaymentsToAcquirePropertyPlantAndEquipment test fixture": "filing",
    "MSFT companyfacts row from research/cache/sec": "filing",
    "Repo file citing Meta Q1 2026 EX-99.1 and companyfacts": "secondary",
    # Copies of a company's own document whose titles the rules misread ("Digest" is a site
    # name, "Summary" a section of the 10-K, an extracted text of the release PDF).
    "Converge Digest": "press_release",
    "Noor Trends": "press_release",
    "Stocks Hope": "press_release",
    "Amazon.com Announces Third Quarter Results, 2023-10-26": "press_release",
    "Meta Results Presentation Deck": "press_release",
    "Microsoft FY25 Q1 cash flows page (approjects": "press_release",
    "NVIDIA 10-K for fiscal 2026": "filing",
    # A machine-paraphrased copy of a news article (said so on two of its four rows).
    "ActuDeFinances": "machine_summary",
}

#: AI/machine-made text, said so by the row itself, or a summary by an AI research tool.
MACHINE = re.compile(
    r"\bLLM\b|AI-generated|AI generated|AI summary|AI-assisted|automated \(?LLM|"
    r"automated LLM|machine-reworded|machine-paraphrased|generated Q&A|AllMind AI|"
    r"AI-generated call digest",
    re.IGNORECASE,
)
AI_SUMMARY_SITES = ("fintool.com", "reportify.ai", "reportify.cn")
CLAIMS = re.compile(r"claims? to verify|research-prompt|asserting the text", re.IGNORECASE)
FILING_FORM = re.compile(r"\b(10-Q|10-K|20-F|6-K)\b|Form 8-K|XBRL|companyfacts|companyconcept")
SUMMARY = re.compile(
    r"summary|highlights|digest|analysis|preview|overview|recap|report \(|transcript summary",
    re.IGNORECASE,
)
#: A company's own document: its release headline as printed (capitalised), or a copy said so.
RELEASE = re.compile(
    r"\bAnnounces\b|\bReports\b[^:]*\bResults\b|(?i:press release|earnings release|"
    r"results release|release copy|release text|Exhibit 99|EX-99|Ex\.99|Earnings Presentation|"
    r"shareholder letter|\btranscript\b|GlobeNewswire|PR ?Newswire|Business ?Wire|"
    r"Quarterly Revenue Trend|CFO commentary|investor relations)"
)
#: A repository named in a title ("copy in owner/repo"): its name says nothing of the text.
REPOSITORY = re.compile(r"(copy in|as quoted in) \S+")
COMPANY_SITES = (
    "q4cdn.com",
    "oracle.com",
    "microsoft.com",
    "adobecqms.net",
    "d18rn0p25nwr6d.cloudfront.net",
)


def classify(url: str, title: str, note: str) -> str:
    """The source type of one row (the rules of the module docstring, in order)."""
    for prefix, kind in REVIEWED.items():
        if title.startswith(prefix):
            return kind
    text = REPOSITORY.sub("", f"{title} {note}")
    domain = re.sub(r"^https?://(www\.)?", "", url).split("/")[0].lower()
    if CLAIMS.search(title):
        return "claim_list"
    if MACHINE.search(text) or (domain in AI_SUMMARY_SITES and SUMMARY.search(title)):
        return "machine_summary"
    if domain == "sec.gov":
        return "filing"
    is_copy = domain.endswith("github.com") or "copy" in title or "as quoted" in title
    if FILING_FORM.search(title) and not SUMMARY.search(title) and (is_copy or "XBRL" in title):
        # a release quoted from a filing's exhibit off sec.gov is the release
        return "press_release" if re.search(r"EX-99|Exhibit 99|release", title) else "filing"
    if domain in COMPANY_SITES:
        return "filing" if "10-Q" in title or "10-K" in title else "press_release"
    if RELEASE.search(title) and not SUMMARY.search(title):
        return "press_release"
    return "secondary"


def migrate(raw: Path) -> list[str]:
    messages = []
    for name in FILES:
        path = raw / name
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            columns = list(reader.fieldnames or [])
            rows = list(reader)
        if COLUMN not in columns:
            at = columns.index(AFTER) + 1
            columns = [*columns[:at], COLUMN, *columns[at:]]
            messages.append(f"{path}: column {COLUMN} added after {AFTER}")
        for row in rows:
            if not (row.get(COLUMN) or "").strip():
                row[COLUMN] = classify(
                    row.get("source_url") or "",
                    row.get("source_title") or "",
                    row.get("source_note") or "",
                )
        counts = Counter(row[COLUMN] for row in rows)
        messages.append(f"{path}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows({c: r.get(c) or "" for c in columns} for r in rows)
    return messages


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    for message in migrate(Path(argv[0])):
        print(message)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

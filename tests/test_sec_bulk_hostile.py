"""Classes 5 and 11b of issue 21: the bulk ingester's byte budget, expansion-ratio cap and
unreadable members.

Each case builds a small archive: one good companyfacts member and one hostile member (or a
budget setting the members exceed), ingests it and checks that the hostile member is
quarantined with its stage and reason while the good member is ingested — before, an
encrypted member or one compressed by another method aborted the whole ingest (zipfile's
``RuntimeError`` / ``NotImplementedError``, or ``zlib.error`` for a damaged deflate stream),
and a member of a few MB of archive could write gigabytes to disk. No real SEC files needed.
"""

from __future__ import annotations

import json
import os
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pipelines import settings
from pipelines.sec import bulk_members
from pipelines.sec.bulk import ingest
from pipelines.sec.bulk_config import ALL_ENV, load_bulk_settings

GOOD = "CIK0000000001.json"
BAD = "CIK0000000002.json"


def body(cik: int, padding: int = 0) -> bytes:
    facts = {"dei": {"X": {"units": {"USD": []}}}}
    text = json.dumps({"cik": cik, "entityName": f"E{cik}", "facts": facts})
    return (text[:-1] + " " * padding + "}").encode()


def write_zip(path: Path, members: dict[str, tuple[bytes, int]]) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        for name, (data, method) in members.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=method)


def patch_headers(path: Path, name: str, flags: int | None = None, method: int | None = None):  # type: ignore[no-untyped-def]
    """Set the general-purpose flags and/or the compression method of member ``name`` in its
    local header and its central-directory entry (what a tool writing such members writes)."""
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        local = archive.getinfo(name).header_offset
    entries = [local]  # local header: flags at +6, method at +8
    at = raw.find(b"PK\x01\x02")
    while at != -1:  # central directory entries: flags at +8, method at +10
        length = struct.unpack_from("<H", raw, at + 28)[0]
        if raw[at + 46 : at + 46 + length] == name.encode():
            entries.append(at + 2)
        at = raw.find(b"PK\x01\x02", at + 4)
    assert len(entries) == 2
    for offset in entries:
        if flags is not None:
            struct.pack_into("<H", raw, offset + 6, flags)
        if method is not None:
            struct.pack_into("<H", raw, offset + 8, method)
    path.write_bytes(bytes(raw))


def damage_deflate_stream(path: Path, name: str) -> None:
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name)
    start = info.header_offset + 30 + len(name.encode()) + len(info.extra)
    raw[start + 5] ^= 0xFF
    raw[start + 6] ^= 0xFF
    path.write_bytes(bytes(raw))


def lie_about_size(path: Path, name: str) -> None:
    """Declare a smaller uncompressed size than the member has (central directory)."""
    raw = bytearray(path.read_bytes())
    at = raw.find(b"PK\x01\x02")
    while raw[at + 46 : at + 46 + len(name)] != name.encode():
        at = raw.find(b"PK\x01\x02", at + 4)
    size = struct.unpack_from("<I", raw, at + 24)[0]
    struct.pack_into("<I", raw, at + 24, size // 2)
    path.write_bytes(bytes(raw))


D, S = zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED
MB = 1024 * 1024


@dataclass(frozen=True)
class Case:
    id: str
    members: dict[str, tuple[bytes, int]]
    stage: str
    reason: str  # a part of the quarantine reason
    after: Callable[[Path], None] | None = None
    env: dict[str, str] = field(default_factory=dict)
    bad: str = BAD


CASES = [
    # 11b: encrypted or unusually compressed members
    Case(
        "encrypted-member",
        {GOOD: (body(1), D), BAD: (body(2), D)},
        "read",
        "encrypted member",
        lambda p: patch_headers(p, BAD, flags=0x1),
    ),
    Case("bzip2-member", {GOOD: (body(1), D), BAD: (body(2), zipfile.ZIP_BZIP2)}, "read", "bzip2"),
    Case("lzma-member", {GOOD: (body(1), D), BAD: (body(2), zipfile.ZIP_LZMA)}, "read", "LZMA"),
    Case(
        "deflate64-member",
        {GOOD: (body(1), D), BAD: (body(2), D)},
        "read",
        "compression method 9 (Deflate64) not accepted",
        lambda p: patch_headers(p, BAD, method=9),
    ),
    Case(
        "aes-member",
        {GOOD: (body(1), D), BAD: (body(2), D)},
        "read",
        "compression method 99",
        lambda p: patch_headers(p, BAD, method=99),
    ),
    Case(
        "damaged-deflate-stream",
        {GOOD: (body(1), D), BAD: (body(2, padding=20_000), D)},
        "read",
        "while decompressing data",
        lambda p: damage_deflate_stream(p, BAD),
        env={"SEC_BULK_MAX_RATIO": "100000"},  # spaces deflate far: not the point here
    ),
    Case(
        "declared-size-too-small",
        {GOOD: (body(1), D), BAD: (body(2, padding=20_000), D)},
        "read",
        "CRC",
        lambda p: lie_about_size(p, BAD),
        env={"SEC_BULK_MAX_RATIO": "100000"},  # spaces deflate far: not the point here
    ),
    # 5: expansion ratio and byte budgets
    Case(
        "expansion-bomb",
        {GOOD: (body(1), D), BAD: (body(2, padding=5 * MB), D)},
        "size",
        "more than the limit 100 (SEC_BULK_MAX_RATIO)",
    ),
    Case(
        "expansion-over-a-lower-cap",
        {GOOD: (body(1), D), BAD: (body(2, padding=200_000), D)},
        "size",
        "more than the limit 20 (SEC_BULK_MAX_RATIO)",
        env={"SEC_BULK_MAX_RATIO": "20"},
    ),
    Case(
        "past-the-byte-budget",
        {GOOD: (body(1, padding=600_000), S), BAD: (body(2, padding=600_000), S)},
        "size",
        "past the byte budget of the ingest",
        env={"SEC_BULK_MAX_TOTAL_MB": "1"},
    ),
]


@pytest.fixture(autouse=True)
def _bulk_env_clean(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ALL_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_a_hostile_member_is_quarantined_and_the_rest_ingested(case: Case, tmp_path: Path) -> None:
    path = tmp_path / "companyfacts.zip"
    write_zip(path, case.members)
    if case.after:
        case.after(path)
    config = load_bulk_settings({"SEC_BULK_STORE": str(tmp_path / "s.duckdb"), **case.env})
    result = ingest(config, path, log=lambda _: None)
    got = {o.member: (o.status, o.stage) for o in result.outcomes}
    assert got == {GOOD: ("ingested", None), case.bad: ("quarantined", case.stage)}
    reason = next(o.reason for o in result.outcomes if o.member == case.bad) or ""
    assert case.reason in reason, reason
    assert config.store.exists()


def test_the_disk_holds_one_chunk_budget_at_most(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """SEC_BULK_CHUNK_MB=1 and six stored members of 0.6 MB: a chunk ends before a member
    that would take it past 1 MB, so at most 1 MB (plus one member) is extracted at once."""
    path = tmp_path / "companyfacts.zip"
    write_zip(path, {f"CIK{i:010d}.json": (body(i, padding=600_000), S) for i in range(1, 7)})
    peaks: list[int] = []
    real_extract = bulk_members.extract

    def extract(ref, target: Path, limit: int) -> None:  # type: ignore[no-untyped-def]
        real_extract(ref, target, limit)
        peaks.append(sum(f.stat().st_size for f in target.parent.iterdir()))

    monkeypatch.setattr("pipelines.sec.bulk_chunk.extract", extract)
    env = {"SEC_BULK_STORE": str(tmp_path / "s.duckdb"), "SEC_BULK_CHUNK_MB": "1"}
    result = ingest(load_bulk_settings(env), path, log=lambda _: None)
    assert result.ingested == 6 and len(peaks) == 6
    assert max(peaks) <= 1 * MB, peaks


def test_a_folder_member_has_no_ratio_and_the_settings_are_checked(tmp_path: Path) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / GOOD).write_bytes(body(1, padding=200_000))  # a folder's file is not compressed
    config = load_bulk_settings({"SEC_BULK_STORE": str(tmp_path / "s.duckdb")})
    assert ingest(config, folder, log=lambda _: None).ingested == 1
    from pipelines.sec.config import SecConfigError

    for name in ("SEC_BULK_MAX_RATIO", "SEC_BULK_CHUNK_MB", "SEC_BULK_MAX_TOTAL_MB"):
        with pytest.raises(SecConfigError, match=name):
            load_bulk_settings({name: "0"})


def test_the_docs_name_every_case_and_setting() -> None:
    doc = (settings.REPO_ROOT / "docs" / "reliability-inputs.md").read_text(encoding="utf-8")
    assert [c.id for c in CASES if f"`{c.id}`" not in doc] == []
    bulk_doc = (settings.REPO_ROOT / "docs" / "sec-bulk.md").read_text(encoding="utf-8")
    for name in ("SEC_BULK_MAX_RATIO", "SEC_BULK_CHUNK_MB", "SEC_BULK_MAX_TOTAL_MB"):
        assert f"`{name}`" in bulk_doc, name
    assert os.path.exists(settings.REPO_ROOT / "docs" / "sec-bulk.md")

"""Build a test ``companyfacts.zip`` of many filers from the real companyfacts files.

    python bench/sec_bulk_generate.py --filers 10000     # -> $TMPDIR/sec-bulk-10000.zip
    python bench/sec_bulk_generate.py --filers 30 --corrupt --out /tmp/small.zip
    python bench/sec_bulk_generate.py --filers 100 --folder --out /tmp/sec-bulk-folder

The real files are read from ``--real`` (default ``$SEC_REAL_DIR`` or
``../shared/sec-real`` beside the repository, top level and ``excerpts/``) and never copied
into the repository: the archive goes to the temp folder unless ``--out`` says otherwise.
Member ``i`` is real file ``i mod n`` (sorted by name): the first ``n`` members keep their real
CIKs (byte-identical files), every later one gets a new CIK (``2,000,000,000 + i``, far above
any real CIK), written both in its member name and in its ``"cik"`` field; the rest of the
bytes are unchanged. Members are compressed one at a time (deflate, level 1), so memory stays
that of one file.

``--corrupt`` adds bad members, each with the stage that must quarantine it: bad JSON,
truncated JSON, wrong shape (``facts`` a list; no ``facts``), a CIK that differs from the
name, an empty member, a huge member (``--huge-mb`` of padding), a non-JSON name.

A manifest ``<out>.manifest.json`` lists every member: its source file, CIK, the number of
facts of the source (counted with ``json``) and, for corrupt members, the expected stage.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipelines.sec.config import real_files_dir  # noqa: E402

NEW_CIK_BASE = 2_000_000_000
CIK_FIELD = re.compile(rb'"cik"\s*:\s*\d+')


def real_files(real: Path) -> list[Path]:
    files = sorted(
        [*real.glob("CIK*.json"), *real.glob("excerpts/CIK*.json")], key=lambda p: p.name
    )
    if not files:
        raise SystemExit(f"no CIK##########.json files in {real} (set --real or SEC_REAL_DIR)")
    return files


def fact_count(data: bytes) -> int:
    facts = json.loads(data).get("facts", {})
    return sum(len(v) for tx in facts.values() for c in tx.values() for v in c["units"].values())


def with_cik(data: bytes, cik: int) -> bytes:
    """The same file with its top-level ``"cik"`` (the first one) set to ``cik``."""
    replaced, n = CIK_FIELD.subn(f'"cik": {cik}'.encode(), data, count=1)
    if n != 1:
        raise ValueError("no top-level cik field")
    return replaced


def corrupt_members(huge_mb: int) -> list[tuple[str, bytes, str]]:
    """(member name, bytes, stage that must quarantine it)."""
    c = NEW_CIK_BASE - 1000  # CIKs below the generated ones, never a real one
    pad = b" " * (huge_mb * 1024 * 1024)
    return [
        (f"CIK{c + 1:010d}.json", b'{"cik": ' + str(c + 1).encode() + b', "facts": {', "json"),
        (f"CIK{c + 2:010d}.json", b"this is not json", "json"),
        (f"CIK{c + 3:010d}.json", f'{{"cik": {c + 3}, "facts": []}}'.encode(), "shape"),
        (f"CIK{c + 4:010d}.json", f'{{"cik": {c + 4}, "entityName": "X"}}'.encode(), "shape"),
        (f"CIK{c + 5:010d}.json", f'{{"cik": {c + 99}, "facts": {{}}}}'.encode(), "cik"),
        (f"CIK{c + 6:010d}.json", b"", "size"),
        (f"CIK{c + 7:010d}.json", f'{{"cik": {c + 7}, "facts": {{}}}}'.encode() + pad, "size"),
        (
            f"CIK{c + 8:010d}.json",
            f'{{"cik": {c + 8}, "facts": {{"us-gaap": {{"X": {{"units": 5}}}}}}}}'.encode(),
            "parse",
        ),
        ("README.txt", b"companyfacts archive", "name"),
    ]


def generate(
    real: Path,
    out: Path,
    filers: int,
    corrupt: bool = False,
    folder: bool = False,
    huge_mb: int = 9,
) -> dict:
    """Write the archive (or folder) and its manifest; returns the manifest."""
    sources = real_files(real)
    payloads = {p: p.read_bytes() for p in sources}  # a few MB: the real files only
    counts = {p: fact_count(b) for p, b in payloads.items()}
    members: list[dict] = []
    out.parent.mkdir(parents=True, exist_ok=True)
    if folder:
        out.mkdir(parents=True, exist_ok=True)
        archive = None
    else:
        archive = zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)

    def write(name: str, data: bytes) -> None:
        if archive is None:
            (out / name).write_bytes(data)
        else:
            archive.writestr(name, data)

    try:
        for i in range(filers):
            source = sources[i % len(sources)]
            real_cik = int(source.stem.removeprefix("CIK"))
            cik = real_cik if i < len(sources) else NEW_CIK_BASE + i
            data = payloads[source] if cik == real_cik else with_cik(payloads[source], cik)
            name = f"CIK{cik:010d}.json"
            write(name, data)
            members.append(
                {
                    "member": name,
                    "cik": cik,
                    "source": source.name,
                    "facts": counts[source],
                    "bytes": len(data),
                    "stage": None,
                }
            )
        if corrupt:
            for name, data, stage in corrupt_members(huge_mb):
                write(name, data)
                members.append(
                    {
                        "member": name,
                        "cik": None,
                        "source": None,
                        "facts": 0,
                        "bytes": len(data),
                        "stage": stage,
                    }
                )
    finally:
        if archive is not None:
            archive.close()
    manifest = {
        "real": str(real),
        "out": str(out),
        "filers": filers,
        "facts": sum(m["facts"] for m in members),
        "bytes": sum(m["bytes"] for m in members),
        "members": members,
    }
    out.with_name(out.name + ".manifest.json").write_text(json.dumps(manifest, indent=1))
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--filers", type=int, default=10_000)
    parser.add_argument("--real", type=Path, default=real_files_dir())
    parser.add_argument("--out", type=Path)
    parser.add_argument("--corrupt", action="store_true", help="add corrupt members")
    parser.add_argument("--folder", action="store_true", help="write a folder, not a zip")
    parser.add_argument("--huge-mb", type=int, default=9, help="padding of the huge member")
    args = parser.parse_args()
    suffix = "" if args.folder else ".zip"
    out = args.out or Path(tempfile.gettempdir()) / f"sec-bulk-{args.filers}{suffix}"
    started = time.perf_counter()
    manifest = generate(args.real, out, args.filers, args.corrupt, args.folder, args.huge_mb)
    size = out.stat().st_size if out.is_file() else sum(p.stat().st_size for p in out.iterdir())
    print(
        f"{out}: {len(manifest['members']):,} members, {manifest['facts']:,} facts, "
        f"{manifest['bytes'] / 1e9:.2f} GB uncompressed, {size / 1e9:.2f} GB on disk, "
        f"{time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    os.umask(0o022)
    main()

"""Issue 21, class 3: no raw control character in any output of ``ledger`` or of the SEC bulk
quarantine listing.

Each hostile string (a terminal escape, a bare CR, a right-to-left override, ...) is put where
output comes from — a value, a column name, a table name, a table or column comment, the SQL
of an error message, an argument argparse rejects, an archive member name — and every output
must be free of them while showing the character escaped (``\\uXXXX``). JSON stays
lossless: it parses back to the very same value. In-process (``pipelines.cli.main``), a few
seconds in all. docs/reliability.md lists the cases.
"""

import json
import re
import zipfile
from pathlib import Path

import duckdb
import pytest

from pipelines import settings
from pipelines.cli import main as cli_main

#: What must never be printed raw (the test's own list, independent of the code's):
#: C0 controls, DEL, C1 controls, bidi marks, embeddings, overrides and isolates, U+2028/9.
CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")

DOC = settings.REPO_ROOT / "docs" / "reliability.md"

HOSTILE = [
    ("escape-sequence", "a\x1b[2J\x1b[31mred"),  # clear the screen, turn red
    ("title-escape", "t\x1b]0;pwned\x07x"),  # set the terminal title (OSC ... BEL)
    ("bare-cr", "ok\rEVIL"),  # overwrites what came before on the line
    ("backspace", "rm\x08\x08ls"),
    ("rtl-override", "invoice\u202efdp.exe"),  # shows as invoiceexe.pdf
    ("rtl-isolate", "a\u2067b\u2069c"),
    ("c1-csi", "x\x9b31my"),  # the one-byte CSI of 8-bit terminals
    ("next-line", "a\x85b"),
    ("delete", "a\x7fb"),
    ("line-separator", "a\u2028b"),
    ("bell", "ding\x07"),
]
IDS = [h[0] for h in HOSTILE]


def raw_controls(text: str) -> list[str]:
    """Control characters in ``text`` other than the line break (and a tab, in CSV/JSON)."""
    return [hex(ord(c)) for c in CONTROLS.findall(text) if c not in "\n\t"]


def escaped(value: str) -> str:
    """How :func:`escape_controls` shows ``value`` (its controls as \\uXXXX)."""
    return CONTROLS.sub(lambda m: f"\\u{ord(m.group()):04x}", value)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One table per hostile string: the string as a value, a column name, the table's name
    and the table's and the column's comments."""
    path = tmp_path_factory.mktemp("controls") / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA raw")
        for i, (_, text) in enumerate(HOSTILE):
            table, column = f'"t{i} {text}"', f'"c {text}"'
            con.execute(f"CREATE TABLE raw.{table} ({column} VARCHAR, n INT)")
            con.execute(f"INSERT INTO raw.{table} VALUES (?, 1)", [text])
            con.execute(f"COMMENT ON TABLE raw.{table} IS ?".replace("?", quote(text)))
            con.execute(f"COMMENT ON COLUMN raw.{table}.{column} IS {quote(text)}")
    return path


def quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = cli_main(list(argv))
    except SystemExit as exit_:  # argparse
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
@pytest.mark.parametrize(("case", "text"), HOSTILE, ids=IDS)
def test_query_results_are_escaped(warehouse: Path, case, text, fmt, capsys):
    i = IDS.index(case)
    code, out, err = run(
        capsys, "query", "--warehouse", str(warehouse), "--format", fmt,
        f'SELECT * FROM raw."t{i} {text}"',
    )  # fmt: skip
    assert code == 0, err
    assert raw_controls(out) == [] and raw_controls(err) == []
    if fmt == "json":  # lossless: the JSON escapes stand for the very characters
        assert json.loads(out) == [{f"c {text}": text, "n": 1}]
    else:
        assert escaped(text) in out and escaped(f"c {text}") in out


@pytest.mark.parametrize(("case", "text"), HOSTILE, ids=IDS)
def test_tables_and_describe_are_escaped(warehouse: Path, case, text, capsys):
    i = IDS.index(case)
    code, out, err = run(capsys, "tables", "--warehouse", str(warehouse), "--max-width", "200")
    assert code == 0, err
    assert raw_controls(out) == [] and escaped(f"raw.t{i} {text}") in out
    code, out, err = run(
        capsys, "describe", "--warehouse", str(warehouse), f"raw.t{i} {text}"
    )  # fmt: skip
    assert code == 0, err
    assert raw_controls(out) == [] and escaped(f"c {text}") in out
    assert out.count(escaped(text)) >= 3  # name, table comment, column, column comment


@pytest.mark.parametrize(("case", "text"), HOSTILE, ids=IDS)
def test_error_messages_are_escaped(warehouse: Path, case, text, capsys):
    for argv, echoes in (
        (["query", "--warehouse", str(warehouse), f"SELECT * FROM nowhere_{text}"], False),
        (["query", "--warehouse", str(warehouse), f"SELECT '{text}' + 1"], False),  # SQL error
        (["query", "--warehouse", str(warehouse), f"DROP TABLE x{text}"], False),  # refusal
        (["describe", "--warehouse", str(warehouse), f"no such {text}"], True),
        (["query", "--warehouse", str(warehouse), "--format", f"x{text}", "SELECT 1"], True),
        (["query", "--warehouse", str(warehouse.parent / f"m{text}.duckdb"), "SELECT 1"], True),
    ):
        code, out, err = run(capsys, *argv)
        assert code != 0
        assert raw_controls(out) == [] and raw_controls(err) == [], (argv, err)
        if echoes:  # escaped by ledger, or already shown as repr() by the message itself
            assert escaped(text) in err or repr(text)[1:-1] in err, (argv, err)


@pytest.mark.parametrize(("case", "text"), HOSTILE, ids=IDS)
def test_the_bulk_quarantine_listing_is_escaped(tmp_path: Path, case, text, capsys, monkeypatch):
    from pipelines.sec.bulk import main as bulk_main
    from pipelines.sec.bulk_config import ALL_ENV

    for name in ALL_ENV:
        monkeypatch.delenv(name, raising=False)
    archive = tmp_path / "companyfacts.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(f"CIK0000000001{text}.json", b"{}")
        zf.writestr("CIK0000000002.json", b"{not json" + text.encode())
    store = tmp_path / "sec_bulk.duckdb"
    assert bulk_main([str(archive), "--store", str(store)]) == 0
    out, err = capsys.readouterr()
    assert raw_controls(out) == [] and raw_controls(err) == []
    assert "quarantined" in out and escaped(text) in out
    assert bulk_main(["--store", str(store), "--quarantine"]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert len(lines) == 2 and all(len(line.split("\t")) == 5 for line in lines)
    assert not re.search(
        CONTROLS.pattern.replace("\\t", ""), out.replace("\t", "").replace("\n", "")
    )
    assert escaped(text) in lines[0]


@pytest.mark.parametrize(("case", "text"), HOSTILE, ids=IDS)
def test_the_bulk_quarantine_metadata_table_is_escaped(case, text):
    """The same listing as Markdown in the Dagster UI (the asset's metadata)."""
    from pipelines.sec.bulk_assets import _quarantine_table

    table = _quarantine_table([(f"CIK{text}.json", None, 2, "parse", f"bad {text}")])
    assert raw_controls(table) == [] and escaped(text) in table


def test_the_docs_list_every_case():
    text = DOC.read_text(encoding="utf-8")
    for case in IDS:
        assert f"`{case}`" in text, case

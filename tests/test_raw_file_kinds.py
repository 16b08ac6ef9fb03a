"""Class 4 of issue 21: only regular files are read.

Something other than a regular file where a raw file should be — a FIFO (named pipe), a
symbolic link to one, a character device, a socket — is refused at once with a problem that
names the file and says what it is. Before, ``open()`` of a FIFO blocked until a writer came,
so a refresh hung there while it held the refresh lock. The same holds for the files the
cross-file rules read beside the validated one (companies, accelerators) and for the raw-file
sensor's hashing.

Each case runs in a thread with a deadline; a case still blocked after it is unblocked by
opening the FIFO for writing (so a regression fails here instead of hanging the suite).
"""

from __future__ import annotations

import os
import socket
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pipelines import automation, settings
from pipelines.raw.datasets import BY_NAME
from pipelines.raw.files import NotARegularFileError, open_regular
from pipelines.raw.validation import validate_file

pytestmark = pytest.mark.end_to_end

DEADLINE_S = 5.0


def _unblock(path: Path) -> None:
    """Give a reader blocked on the FIFO ``path`` an end of file."""
    end = time.monotonic() + 2
    while time.monotonic() < end:
        try:
            if not stat.S_ISFIFO(os.stat(path).st_mode):
                return
            os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
            return
        except OSError:
            time.sleep(0.05)


def within_deadline(call: Callable[[], Any], fifos: list[Path]) -> Any:
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = call()
        except BaseException as error:  # noqa: BLE001 - handed to the test
            box["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    started = time.monotonic()
    thread.start()
    thread.join(DEADLINE_S)
    if thread.is_alive():
        for fifo in fifos:
            _unblock(fifo)
        thread.join(DEADLINE_S)
        pytest.fail(f"blocked for more than {DEADLINE_S} s on {', '.join(map(str, fifos))}")
    assert time.monotonic() - started < DEADLINE_S
    if "error" in box:
        raise box["error"]
    return box.get("value")


# ------------------------------------------------------------------------------- cases
@dataclass
class Setup:
    fifos: list[Path]
    keep: list[Any]


def fifo(raw: Path, name: str) -> Setup:
    (raw / name).unlink()
    os.mkfifo(raw / name)
    return Setup([raw / name], [])


def fifo_link(raw: Path, name: str) -> Setup:
    target = raw.parent / "elsewhere.fifo"
    os.mkfifo(target)
    (raw / name).unlink()
    (raw / name).symlink_to(target)
    return Setup([target], [])


def device(raw: Path, name: str) -> Setup:
    (raw / name).unlink()
    (raw / name).symlink_to("/dev/null")
    return Setup([], [])


def unix_socket(raw: Path, name: str) -> Setup:
    (raw / name).unlink()
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    # a socket path must be short: bind in a short folder, then link the raw name to it
    short = Path(f"/tmp/ledger-sock-{os.getpid()}-{time.monotonic_ns()}")
    server.bind(str(short))
    (raw / name).symlink_to(short)
    return Setup([], [server, short])


@dataclass(frozen=True)
class Case:
    id: str
    setup: Callable[[Path, str], Setup]
    broken: str  # the raw file replaced
    validated: str  # the dataset validated
    rule: str | None  # a part of the problem's rule on the broken file; None: only returns


CASES = [
    Case("fifo", fifo, "claims.csv", "claims", "is a FIFO (named pipe), not a regular file"),
    Case("fifo-symlink", fifo_link, "claims.csv", "claims", "is a FIFO (named pipe)"),
    Case("char-device", device, "systems.csv", "systems", "is a character device, not a regular"),
    Case("socket", unix_socket, "groups.csv", "groups", "is a socket, not a regular file"),
    # a sibling file a cross-file rule reads: validation returns (and names what it lacks)
    Case("fifo-companies-beside-financials", fifo, "companies.csv", "financials", None),
    Case("fifo-companies-beside-members", fifo, "companies.csv", "group_members", None),
    Case("fifo-accelerators-beside-sources", fifo, "accelerators.csv", "accelerator_sources", None),
]


def _clean(setup: Setup) -> None:
    for fifo_path in setup.fifos:
        _unblock(fifo_path)
    for item in setup.keep:
        if isinstance(item, socket.socket):
            item.close()
        else:
            Path(item).unlink(missing_ok=True)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_a_non_regular_raw_file_is_refused_at_once(case: Case, raw_copy: Path) -> None:
    dataset = BY_NAME[case.validated]
    setup = case.setup(raw_copy, case.broken)
    try:
        result = within_deadline(
            lambda: validate_file(raw_copy / dataset.filename, dataset.model), setup.fifos
        )
    finally:
        _clean(setup)
    assert not result.ok
    if case.rule is not None:
        [problem] = result.problems
        assert problem.file == str(raw_copy / case.broken)
        assert case.rule in problem.rule
        assert str(problem).startswith(f"{raw_copy / case.broken}: is ")


def test_the_sensor_counts_a_fifo_as_absent_and_never_opens_it(raw_copy: Path) -> None:
    setup = fifo(raw_copy, "claims.csv")
    try:
        hashes = within_deadline(
            lambda: automation.file_hashes(raw_copy, ["claims.csv", "companies.csv"]), setup.fifos
        )
    finally:
        _unblock(setup.fifos[0])
    assert list(hashes) == ["companies.csv"]


def test_a_fifo_as_the_bulk_source_is_refused_at_once(tmp_path: Path) -> None:
    """``fifo-bulk-source``: SEC bulk mode's archive is a FIFO (zipfile's open would block)."""
    from pipelines.sec.bulk import ingest
    from pipelines.sec.bulk_config import load_bulk_settings
    from pipelines.sec.config import SecConfigError

    os.mkfifo(tmp_path / "companyfacts.zip")
    config = load_bulk_settings({"SEC_BULK_STORE": str(tmp_path / "s.duckdb")})
    with pytest.raises(SecConfigError, match=r"is a FIFO \(named pipe\): expected an archive"):
        within_deadline(
            lambda: ingest(config, tmp_path / "companyfacts.zip", log=lambda _: None),
            [tmp_path / "companyfacts.zip"],
        )


def test_open_regular_refuses_before_opening(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(NotARegularFileError, match="is a FIFO"):
        within_deadline(lambda: open_regular(tmp_path / "pipe"), [tmp_path / "pipe"])
    (tmp_path / "file").write_bytes(b"x")
    with open_regular(tmp_path / "file") as handle:
        assert handle.read() == b"x"


def test_the_docs_name_every_case() -> None:
    doc = (settings.REPO_ROOT / "docs" / "reliability-inputs.md").read_text(encoding="utf-8")
    assert [c.id for c in CASES if f"`{c.id}`" not in doc] == []
    assert "`fifo-bulk-source`" in doc

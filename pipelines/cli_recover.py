"""``ledger recover``: put back ``<warehouse>.previous`` when the live file is damaged
(``pipelines.warehouse.recovery`` does the work, imported only when the command runs)."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from pipelines.cli_session import CliError
from pipelines.warehouse.locking import WarehouseLockedError


def recover_command(path: Path, force: bool, out: TextIO) -> int:
    from pipelines.warehouse.recovery import RecoveryError, recover

    try:
        done = recover(path, force=force)
    except (RecoveryError, WarehouseLockedError) as error:
        raise CliError(str(error)) from None
    if done.previous is None:
        out.write(f"{done.live} itself is fine ({done.last_run}): {done.note}.\n")
        return 0
    moved = f"; the damaged file is kept as {done.damaged}" if done.damaged else ""
    out.write(
        f"recovered {done.live} from {done.previous.name} ({done.last_run}){moved}.\n"
        "Run `make refresh` to rebuild the newest tables from raw/.\n"
    )
    return 0

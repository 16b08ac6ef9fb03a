"""``make ui``: Dagster's ``dg dev`` (webserver, daemon, code server) that stops when told to.

    python -m pipelines.ui [--port 3000] [--host 127.0.0.1] [--grace S]

``dg dev`` starts a tree of processes. Left to itself, a SIGTERM sent to ``make`` (or to a
wrapper) ends only that process and leaves the whole tree serving, and ``dg dev`` itself may
take tens of seconds to wind its children down. This launcher runs ``dg dev`` in its own
process group and, on SIGTERM, SIGINT or SIGHUP — and when its parent (``make``) dies, through
Linux's parent-death signal — sends SIGTERM to that whole group, waits at most ``--grace``
seconds (default 10) and then kills what is left. Standard library only.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from pipelines import settings

DEFAULT_PORT = 3000
DEFAULT_GRACE_S = 10.0
PR_SET_PDEATHSIG = 1
#: Test hook: a JSON list run instead of ``dg dev`` (tests/test_clean_clone.py).
COMMAND_ENV = "LEDGER_UI_COMMAND"


def _die_with_parent() -> None:
    """Ask Linux to send this process SIGTERM when its parent exits (no-op elsewhere)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def dg_command(port: int, host: str) -> list[str]:
    if os.environ.get(COMMAND_ENV):
        return list(json.loads(os.environ[COMMAND_ENV]))
    venv_bin = Path(sys.executable).parent
    return [str(venv_bin / "dg"), "dev", "--host", host, "--port", str(port)]


def stop_group(proc: subprocess.Popen, grace_s: float) -> int:
    """SIGTERM to ``proc``'s process group; SIGKILL to it after ``grace_s``. Returns the
    process's exit status."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    # the group may outlive its leader (the webserver, the daemon): always sweep it
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    return proc.wait()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.ui", description=__doc__)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--grace", type=float, default=DEFAULT_GRACE_S, metavar="S")
    args = parser.parse_args(argv)

    _die_with_parent()
    env = dict(os.environ)
    env.setdefault("VIRTUAL_ENV", str(Path(sys.executable).parent.parent))
    env.setdefault("DAGSTER_HOME", str(settings.REPO_ROOT / "dagster_home"))
    stopping: list[int] = []

    def on_signal(signum: int, _frame: object) -> None:
        stopping.append(signum)

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, on_signal)
    proc = subprocess.Popen(
        dg_command(args.port, args.host), cwd=settings.REPO_ROOT, env=env, start_new_session=True
    )
    print(
        f"ui: Dagster UI on http://{args.host}:{args.port} (process group {proc.pid}); "
        "stop with Ctrl-C or SIGTERM",
        file=sys.stderr,
        flush=True,
    )
    parent = os.getppid()
    while not stopping and proc.poll() is None:
        if os.getppid() != parent:  # the parent died and its death signal did not reach us
            stopping.append(signal.SIGHUP)
            break
        time.sleep(0.2)
    if not stopping:  # dg dev ended by itself
        stop_group(proc, 0)
        return proc.returncode or 0
    name = signal.Signals(stopping[0]).name
    print(f"ui: {name}: stopping the Dagster UI (at most {args.grace:g} s)", file=sys.stderr)
    stop_group(proc, args.grace)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

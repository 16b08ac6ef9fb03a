"""Run the Dagster webserver on loopback for a test or a screenshot, and query its GraphQL API.

``running_webserver()`` starts ``dagster-webserver -w workspace.yaml`` on 127.0.0.1 with a free
port, in its own process group, with a private ``DAGSTER_HOME``; waits (bounded) until the
code location has loaded; and always stops the whole process group (webserver and its code
server) on exit, also when the caller raises.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines import settings

#: Query that tells whether every code location of the workspace has loaded.
WORKSPACE_QUERY = """
query WorkspaceStatus {
  workspaceOrError {
    __typename
    ... on Workspace {
      locationEntries {
        name
        loadStatus
        locationOrLoadError {
          __typename
          ... on PythonError { message }
        }
      }
    }
    ... on PythonError { message }
  }
}
"""

#: Every asset node with its group, upstream keys, kinds, owners, tags, metadata labels and
#: checks.
ASSET_GRAPH_QUERY = """
query AssetGraph {
  assetNodes {
    assetKey { path }
    groupName
    description
    dependencyKeys { path }
    kinds
    owners {
      __typename
      ... on TeamAssetOwner { team }
      ... on UserAssetOwner { email }
    }
    tags { key value }
    metadataEntries { label __typename }
    assetChecksOrError {
      __typename
      ... on AssetChecks { checks { name description } }
    }
  }
}
"""


class WebserverError(RuntimeError):
    """The webserver did not start, or its code location failed to load."""


@dataclass(frozen=True)
class Webserver:
    url: str  # e.g. http://127.0.0.1:41234
    process: subprocess.Popen[bytes]
    log_file: Path

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """POST a GraphQL query; returns ``data`` (raises on GraphQL errors)."""
        return graphql(self.url, query, variables)

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_file.read_text(encoding="utf-8", errors="replace")[-chars:]
        except OSError:
            return ""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def graphql(
    base_url: str, query: str, variables: dict[str, Any] | None = None, timeout_s: float = 30
) -> dict[str, Any]:
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(
        f"{base_url}/graphql",
        data=body,
        headers={"Content-Type": "application/json", "Accept": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout_s) as response:
        payload = json.loads(response.read())
    if payload.get("errors"):
        raise WebserverError(f"GraphQL errors: {json.dumps(payload['errors'])[:2000]}")
    return payload["data"]


def _location_status(base_url: str) -> tuple[bool, str | None]:
    """(all locations loaded, load error message if one failed)."""
    data = graphql(base_url, WORKSPACE_QUERY, timeout_s=10)["workspaceOrError"]
    if data["__typename"] != "Workspace":
        return False, data.get("message")
    entries = data["locationEntries"]
    if not entries:
        return False, None
    for entry in entries:
        loaded = entry["locationOrLoadError"]
        if loaded and loaded["__typename"] == "PythonError":
            return False, f"code location {entry['name']} failed to load: {loaded['message']}"
        if entry["loadStatus"] != "LOADED" or loaded is None:
            return False, None
    return True, None


def stop_process_group(process: subprocess.Popen[bytes], grace_s: float = 10) -> None:
    """SIGTERM the process group the process leads, then SIGKILL what is left."""
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=grace_s)
    # The code server child shares the group; make sure nothing of it survives.
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    with suppress(subprocess.TimeoutExpired):
        process.wait(timeout=grace_s)


@contextmanager
def running_webserver(
    *,
    workspace: Path | None = None,
    dagster_home: Path | None = None,
    env: dict[str, str] | None = None,
    ready_timeout_s: float = 120,
) -> Iterator[Webserver]:
    """Start ``dagster-webserver`` on loopback, wait until the workspace has loaded, yield it,
    stop it. ``env`` adds environment variables (e.g. ``LEDGER_WAREHOUSE``)."""
    workspace = workspace or settings.REPO_ROOT / "workspace.yaml"
    with tempfile.TemporaryDirectory(prefix="ledger-webserver-") as tmp:
        home = dagster_home or Path(tmp) / "dagster_home"
        home.mkdir(parents=True, exist_ok=True)
        config = home / "dagster.yaml"
        if not config.exists():
            # No telemetry; no "join the community" pop-up (it would hide the screenshot).
            config.write_text(
                "telemetry:\n  enabled: false\nnux:\n  enabled: false\n", encoding="utf-8"
            )
        log_file = Path(tmp) / "webserver.log"
        port = free_port()
        command = [
            str(Path(sys.executable).with_name("dagster-webserver")),
            "-w",
            str(workspace),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ]
        full_env = {**os.environ, "DAGSTER_HOME": str(home), **(env or {})}
        with open(log_file, "wb") as log:
            process = subprocess.Popen(
                command,
                cwd=workspace.parent,
                env=full_env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # own process group: we can stop it and its children
            )
        server = Webserver(url=f"http://127.0.0.1:{port}", process=process, log_file=log_file)
        try:
            _wait_until_ready(server, ready_timeout_s)
            yield server
        finally:
            stop_process_group(process)


def _wait_until_ready(server: Webserver, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    last_error = ""
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise WebserverError(
                f"dagster-webserver exited with code {server.process.returncode}:\n"
                f"{server.log_tail()}"
            )
        try:
            with urllib.request.urlopen(f"{server.url}/server_info", timeout=5) as response:
                json.loads(response.read())
            loaded, error = _location_status(server.url)
            if error:
                raise WebserverError(error)
            if loaded:
                return
            last_error = "code location still loading"
        except (urllib.error.URLError, OSError, ValueError) as exc:
            last_error = str(exc)
        time.sleep(0.5)
    raise WebserverError(
        f"dagster-webserver not ready after {timeout_s:.0f} s ({last_error}):\n{server.log_tail()}"
    )

"""Screenshot of the Dagster UI's asset graph: the lineage picture in the README.

    .venv/bin/python scripts/screenshot_lineage.py            # -> docs/images/lineage-ui.png

Everything runs on loopback and in a temporary folder:

1. (unless ``--no-refresh``) a refresh of every asset into a scratch warehouse and a scratch
   ``DAGSTER_HOME``, so the graph shows materialized assets and check results; the SEC
   connector stays off (no network);
2. ``dagster-webserver -w workspace.yaml`` on 127.0.0.1, a free port; waits until the code
   location has loaded;
3. headless Chromium (Debian package ``chromium``) renders the global asset graph with every
   group expanded and saves a PNG;
4. the webserver (its whole process group) and Chromium are stopped, also on error.

Two ways to drive Chromium:

- default: through the DevTools protocol (``--remote-debugging-port`` on loopback, client
  ``websockets``, which dagster-webserver already installs). The UI keeps the graph's
  direction and the collapsed navigation in the browser's localStorage, not in the URL;
  this sets them (top-to-bottom layout, which fits a wide picture), hides the asset list,
  waits until the nodes are drawn, zooms to fit, then captures;
- ``--simple``: one ``chromium --headless --screenshot=... URL`` call with a virtual-time
  budget (default layout: left-to-right, asset list shown; the graph does not fit at once).

Exit code 3 when no Chromium binary is found (CI may skip the screenshot then).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image
from websockets.sync.client import connect  # installed with dagster-webserver (uvicorn)

from pipelines import settings
from pipelines.reports.webserver import running_webserver, stop_process_group

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
DEFAULT_OUT = settings.REPO_ROOT / "docs" / "images" / "lineage-ui.png"
GROUPS = ("raw", "marts", "coverage", "metrics", "tco", "sec", "reports")
#: The global asset graph ("Lineage" in the left navigation), every group expanded. A group's
#: id in the UI is ``global@global:<group>`` (``expanded`` query parameter).
GRAPH_PATH = "/asset-groups?expanded=" + ",".join(f"global@global:{g}" for g in GROUPS)
EXIT_NO_CHROMIUM = 3
BASE_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]
#: Centre and bottom of the button right of the "Jump to…" box (hides the asset list).
HIDE_SIDEBAR_BUTTON_JS = """(() => {
  const input = document.querySelector('input[placeholder^="Jump"]');
  if (!input) return null;
  const i = input.getBoundingClientRect();
  const right = Array.from(document.querySelectorAll('button'))
    .map(b => b.getBoundingClientRect())
    .filter(r => r.left >= i.right && Math.abs(r.top + r.height / 2 - (i.top + i.height / 2)) < 10)
    .sort((a, b) => a.left - b.left);
  if (!right.length) return null;
  const r = right[0];
  return [r.left + r.width / 2, r.top + r.height / 2, r.bottom];
})()"""
#: The graph's viewport: container box (CSS px), transform (scale, x, y) and layout size.
VIEWPORT_JS = """(() => {
  const svg = Array.from(document.querySelectorAll('svg'))
    .sort((a, b) => (+b.getAttribute('width') || 0) - (+a.getAttribute('width') || 0))[0];
  if (!svg) return null;
  const layer = svg.parentElement, box = layer.parentElement.getBoundingClientRect();
  const m = new DOMMatrix(getComputedStyle(layer).transform);
  return {left: box.left, top: box.top, width: box.width, height: box.height,
          scale: m.a, x: m.e, y: m.f,
          graphWidth: +svg.getAttribute('width'), graphHeight: +svg.getAttribute('height')};
})()"""
#: localStorage entries of the UI (JSON values): graph top-to-bottom, navigation collapsed.
UI_STORAGE = {"asset-graph-direction": "vertical", "dagster-nav-collapsed": True}


def find_chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def refresh_into(home: Path, env: dict[str, str]) -> None:
    """Materialize every asset into the scratch warehouse, recorded in the scratch instance."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "pipelines.refresh", "--record"],  # runs show in the UI
        cwd=settings.REPO_ROOT,
        env={**os.environ, **env, "DAGSTER_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=900,
    )
    if done.returncode != 0:
        # A failed refresh still shows the graph (failed assets in red): report and go on.
        print(f"refresh failed (the graph will show it):\n{done.stderr[-3000:]}", file=sys.stderr)
    else:
        print(f"refresh done in {time.monotonic() - started:.0f} s")


def _save_png(data: bytes, out: Path) -> None:
    """Re-encode without text chunks and replace ``out`` atomically."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    with tempfile.TemporaryDirectory(prefix="ledger-png-") as scratch:
        raw = Path(scratch) / "shot.png"
        raw.write_bytes(data)
        with Image.open(raw) as image:
            image.load()
            image.save(tmp, format="PNG", optimize=True)
    os.replace(tmp, out)


# ------------------------------------------------------------------------ simple mode
def screenshot_simple(
    chromium: str, url: str, out: Path, width: int, height: int, budget_ms: int
) -> None:
    with tempfile.TemporaryDirectory(prefix="ledger-chromium-") as tmp:
        shot = Path(tmp) / "shot.png"
        command = [
            chromium,
            *BASE_FLAGS,
            f"--user-data-dir={Path(tmp) / 'profile'}",
            f"--window-size={width},{height}",
            f"--virtual-time-budget={budget_ms}",
            f"--screenshot={shot}",
            url,
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=180)
        if done.returncode != 0 or not shot.exists():
            raise RuntimeError(f"chromium failed ({done.returncode}):\n{done.stderr[-3000:]}")
        _save_png(shot.read_bytes(), out)


# ---------------------------------------------------------------------- DevTools mode
class DevTools:
    """Minimal Chrome DevTools protocol client over one page's websocket."""

    def __init__(self, websocket: Any) -> None:
        self._ws = websocket
        self._next_id = 0

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        self._next_id += 1
        call_id = self._next_id
        self._ws.send(json.dumps({"id": call_id, "method": method, "params": params}))
        while True:
            message = json.loads(self._ws.recv(timeout=60))
            if message.get("id") == call_id:  # skip events
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def click(self, x: float, y: float, count: int = 1) -> None:
        for n in range(1, count + 1):
            for kind in ("mousePressed", "mouseReleased"):
                self.send(
                    "Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=n
                )


def _wait(what: str, ready: Callable[[], bool], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.25)
    raise RuntimeError(f"timed out after {timeout_s:.0f} s waiting for {what}")


def _devtools_page(profile: Path, timeout_s: float = 30) -> str:
    port_file = profile / "DevToolsActivePort"
    _wait(
        "Chromium's DevTools port",
        lambda: port_file.exists() and len(port_file.read_text().splitlines()) >= 2,
        timeout_s,
    )
    port = port_file.read_text().splitlines()[0]
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:
        targets = json.loads(response.read())
    return next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")


def _node_count(tools: DevTools) -> int:
    return int(tools.evaluate("document.querySelectorAll('svg foreignObject').length") or 0)


def fit_graph(tools: DevTools, margin: float = 0.97) -> None:
    """Zoom (ctrl + wheel, as a user would) and pan (drag) until the whole graph fills the
    canvas, centred."""
    view = tools.evaluate(VIEWPORT_JS)
    if not view or not view["graphWidth"]:
        return
    target = margin * min(view["width"] / view["graphWidth"], view["height"] / view["graphHeight"])
    ratio = target / view["scale"]
    # The UI's wheel zoom: scale *= 1 - deltaY * k, k = 0.002 if |deltaY| > 30 else 0.01.
    delta = (1 - ratio) / 0.002
    if abs(delta) <= 30:
        delta = (1 - ratio) / 0.01
    if abs(delta) > 0.5:
        x, y = view["left"] + 2, view["top"] + view["height"] / 2
        tools.send("Input.dispatchMouseEvent", type="mouseMoved", x=x, y=y)
        tools.send(
            "Input.dispatchMouseEvent",
            type="mouseWheel",
            x=x,
            y=y,
            deltaX=0,
            deltaY=delta,
            modifiers=2,  # ctrl: zoom, not scroll
        )
        time.sleep(0.5)
        view = tools.evaluate(VIEWPORT_JS)
    dx = (view["width"] - view["graphWidth"] * view["scale"]) / 2 - view["x"]
    dy = (view["height"] - view["graphHeight"] * view["scale"]) / 2 - view["y"]
    start_x, start_y = view["left"] + view["width"] / 2, view["top"] + 8
    tools.send("Input.dispatchMouseEvent", type="mouseMoved", x=start_x, y=start_y)
    tools.send(
        "Input.dispatchMouseEvent",
        type="mousePressed",
        x=start_x,
        y=start_y,
        button="left",
        clickCount=1,
    )
    steps = 10
    for i in range(1, steps + 1):
        tools.send(
            "Input.dispatchMouseEvent",
            type="mouseMoved",
            x=start_x + dx * i / steps,
            y=start_y + dy * i / steps,
            button="left",
            buttons=1,
        )
        time.sleep(0.03)
    tools.send(
        "Input.dispatchMouseEvent",
        type="mouseReleased",
        x=start_x + dx,
        y=start_y + dy,
        button="left",
        clickCount=1,
    )


def screenshot_devtools(
    chromium: str, base_url: str, out: Path, width: int, height: int, scale: float
) -> None:
    with tempfile.TemporaryDirectory(prefix="ledger-chromium-") as tmp:
        profile = Path(tmp) / "profile"
        process = subprocess.Popen(
            [
                chromium,
                *BASE_FLAGS,
                f"--user-data-dir={profile}",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",  # any free port, written to DevToolsActivePort
                f"--window-size={width},{height}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            with connect(_devtools_page(profile), max_size=None, open_timeout=30) as websocket:
                tools = DevTools(websocket)
                tools.send(
                    "Emulation.setDeviceMetricsOverride",
                    width=width,
                    height=height,
                    deviceScaleFactor=scale,
                    mobile=False,
                )
                # Any page of the UI's origin, to write its localStorage; then the graph.
                tools.send("Page.navigate", url=f"{base_url}/server_info")
                loaded = lambda: tools.evaluate("document.readyState") == "complete"  # noqa: E731
                _wait("a first page", loaded, 30)
                storage = "; ".join(
                    f"localStorage.setItem({json.dumps(k)}, {json.dumps(json.dumps(v))})"
                    for k, v in UI_STORAGE.items()
                )
                tools.evaluate(storage)
                tools.send("Page.navigate", url=base_url + GRAPH_PATH)
                counts: list[int] = []

                def settled() -> bool:  # nodes drawn, and the count stable for ~2 s
                    counts.append(_node_count(tools))
                    return counts[-1] > 0 and len(set(counts[-8:])) == 1 and len(counts) >= 8

                _wait("the asset graph", settled, 60)
                # Hide the asset list (the button right of "Jump to…"), then fit the graph to
                # the wider canvas (the UI fits it only once, when it is first drawn).
                box = tools.evaluate(HIDE_SIDEBAR_BUTTON_JS)
                if box:
                    tools.click(box[0], box[1])
                    time.sleep(1.0)
                fit_graph(tools)
                time.sleep(1.0)
                shot = tools.send("Page.captureScreenshot", format="png")
        finally:
            stop_process_group(process)  # type: ignore[arg-type]
        _save_png(base64.b64decode(shot["data"]), out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="PNG to write")
    parser.add_argument("--width", type=int, default=3000, help="viewport width, CSS px")
    parser.add_argument("--height", type=int, default=1100, help="viewport height, CSS px")
    parser.add_argument("--scale", type=float, default=1.0, help="device pixels per CSS px")
    parser.add_argument(
        "--simple",
        action="store_true",
        help="plain `chromium --screenshot` (no DevTools; default layout)",
    )
    parser.add_argument(
        "--budget-ms", type=int, default=20000, help="--simple: Chromium virtual-time budget"
    )
    parser.add_argument(
        "--no-refresh", action="store_true", help="skip the refresh (graph without statuses)"
    )
    args = parser.parse_args(argv)

    chromium = find_chromium()
    if chromium is None:
        print(
            "no Chromium found (Debian: apt-get install chromium); screenshot skipped",
            file=sys.stderr,
        )
        return EXIT_NO_CHROMIUM

    with tempfile.TemporaryDirectory(prefix="ledger-screenshot-") as tmp:
        home = Path(tmp) / "dagster_home"
        home.mkdir()
        (home / "dagster.yaml").write_text(
            "telemetry:\n  enabled: false\nnux:\n  enabled: false\n", encoding="utf-8"
        )
        env = {
            settings.WAREHOUSE_ENV: str(Path(tmp) / "warehouse.duckdb"),
            "LEDGER_REPORTS_DIR": str(Path(tmp) / "reports"),
        }
        os.environ.pop("SEC_USER_AGENT", None)  # the SEC connector stays off: no network
        if not args.no_refresh:
            refresh_into(home, env)
        with running_webserver(dagster_home=home, env=env) as server:
            print(f"webserver ready at {server.url}; rendering {GRAPH_PATH}")
            if args.simple:
                screenshot_simple(
                    chromium,
                    server.url + GRAPH_PATH,
                    args.out,
                    args.width,
                    args.height,
                    args.budget_ms,
                )
            else:
                screenshot_devtools(
                    chromium, server.url, args.out, args.width, args.height, args.scale
                )
    with Image.open(args.out) as image:
        print(f"wrote {args.out} ({image.width} x {image.height} px)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

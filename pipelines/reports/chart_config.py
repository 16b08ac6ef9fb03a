"""What the charts draw and where they go: the reports folder (:func:`reports_dir`, the docs'
pictures in :data:`DOCS_IMAGES_DIR`), ``charts.toml`` (which group and company, and the pinned
colour of each company and group: :func:`chart_config`), and the colours: a company's or
group's (:func:`entity_color`, stable when companies are added) and each series'
(:data:`COLORS`). Configuration of ``charts`` and ``metric_charts``, not drawing code.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from pathlib import Path
from typing import Any

from pipelines import settings

#: Environment variable that overrides where charts are written.
REPORTS_DIR_ENV = "LEDGER_REPORTS_DIR"
#: The committed pictures the docs show: redrawn only by ``make docs``, never by a refresh.
DOCS_IMAGES_DIR = settings.REPO_ROOT / "docs" / "images"
#: What the charts draw (a group, a company): configuration, not code.
CONFIG_FILE = Path(__file__).with_name("charts.toml")
#: Colours for a company or group that charts.toml does not pin, picked by a hash of its name
#: (never by position, so which other companies exist does not matter).
FALLBACK_PALETTE = (
    "#4477AA",
    "#EE6677",
    "#228833",
    "#CCBB44",
    "#66CCEE",
    "#AA3377",
    "#BBBBBB",
    "#EE7733",
)
COLORS = {
    "actual": "#0072B2",
    "consensus": "#000000",
    "guidance": "#D55E00",
    "tbps": "#0072B2",
    "pflop": "#009E73",
}


def reports_dir() -> Path:
    """Where a refresh writes its charts: ``$LEDGER_REPORTS_DIR`` if set, else a ``reports/``
    folder next to the warehouse file (``data/reports/`` for the default warehouse: git-ignored,
    so a refresh never modifies a tracked file; the docs' pictures are ``DOCS_IMAGES_DIR``)."""
    explicit = os.environ.get(REPORTS_DIR_ENV)
    if explicit:
        return Path(explicit).resolve()
    return settings.warehouse_path().parent / "reports"


def chart_config() -> dict[str, Any]:
    """``pipelines/reports/charts.toml``: which group and company the charts draw, and the
    colour of each company and group."""
    with CONFIG_FILE.open("rb") as handle:
        return tomllib.load(handle)


def entity_color(name: str, kind: str = "company") -> str:
    """The colour of a company (ticker) or group in every chart: pinned in charts.toml, else
    from ``FALLBACK_PALETTE`` by a hash of ``kind:name``. Depends on nothing else, so adding a
    company changes no other colour."""
    pinned = chart_config().get("colors", {}).get(kind, {})
    if name in pinned:
        return str(pinned[name])
    digest = hashlib.sha256(f"{kind}:{name}".encode()).digest()
    return FALLBACK_PALETTE[int.from_bytes(digest[:4], "big") % len(FALLBACK_PALETTE)]

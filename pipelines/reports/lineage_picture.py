"""The asset graph as a picture whose node names can be read: ``docs/images/lineage.png``.

Drawn from the Dagster definitions themselves (every asset, its group and its upstream
assets), not from a screenshot of the UI, where the whole graph fits the window only at a zoom
that makes the names unreadable. Layered left to right: an asset's column is its longest
path from an asset with no upstream; inside a column, assets are sorted by group and name.
Each box is coloured by its group and labelled with its full key (``marts/capex_quarterly``)
at 8 pt, one box per row, so no two labels can overlap. ``make docs`` redraws it; matplotlib
only, with the reproducibility rules of :mod:`pipelines.reports.charts`.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from pipelines.reports.drawing import DPI, _figure, _png, _rc_context

if TYPE_CHECKING:
    from matplotlib.figure import Figure

GROUP_ORDER = ("raw", "sec", "marts", "coverage", "metrics", "tco", "reports")
#: Light fills, one per group (the edge is the group's darker tone).
GROUP_FILL = {
    "raw": ("#E8F1FA", "#0072B2"),
    "sec": ("#F3E8F6", "#AA4499"),
    "marts": ("#FDF1DC", "#E69F00"),
    "coverage": ("#EEEEEE", "#777777"),
    "metrics": ("#E3F4EE", "#009E73"),
    "tco": ("#FBE5DA", "#D55E00"),
    "reports": ("#F9F3C8", "#997700"),
}
FONT_PT = 8
COLUMN_IN = 2.45
ROW_IN = 0.4


@cache
def asset_graph() -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """(key, group, upstream keys) of every asset of ``pipelines.definitions``."""
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    rows = []
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        parents = tuple(sorted(p.to_user_string() for p in node.parent_keys))
        rows.append((key.to_user_string(), node.group_name or "default", parents))
    return tuple(sorted(rows))


def layout(
    nodes: tuple[tuple[str, str, tuple[str, ...]], ...],
) -> dict[str, tuple[int, int]]:
    """key -> (column, row): column = longest path from a source, rows by (group, key)."""
    parents = {key: [p for p in ups if p != key] for key, _, ups in nodes}
    groups = {key: group for key, group, _ in nodes}
    depth: dict[str, int] = {}

    def column(key: str) -> int:
        if key not in depth:
            depth[key] = 0  # a cycle (none exists) cannot recurse forever
            depth[key] = 1 + max((column(p) for p in parents[key] if p in parents), default=-1)
        return depth[key]

    for key in parents:
        column(key)

    def rank(key: str) -> tuple[int, str]:
        group = groups[key]
        return (GROUP_ORDER.index(group) if group in GROUP_ORDER else len(GROUP_ORDER), key)

    positions = {}
    for col in sorted(set(depth.values())):
        for row, key in enumerate(sorted((k for k, d in depth.items() if d == col), key=rank)):
            positions[key] = (col, row)
    return positions


def lineage_figure() -> tuple[Figure, list[Any]]:
    """The figure and its node labels (matplotlib ``Text``)."""
    nodes = asset_graph()
    where = layout(nodes)
    columns = max(c for c, _ in where.values()) + 1
    rows = max(r for _, r in where.values()) + 1
    figure = _figure(COLUMN_IN * columns + 0.4, ROW_IN * rows + 1.3)
    ax = figure.add_subplot()
    ax.set_axis_off()
    ax.set_xlim(-0.55, columns - 0.45)
    ax.set_ylim(rows - 0.5, -0.5)
    labels: dict[str, Any] = {}
    for key, group, _ in nodes:
        x, y = where[key]
        fill, edge = GROUP_FILL.get(group, ("#FFFFFF", "#333333"))
        labels[key] = ax.text(
            x,
            y,
            key,
            ha="center",
            va="center",
            fontsize=FONT_PT,
            bbox={"boxstyle": "round,pad=0.3", "facecolor": fill, "edgecolor": edge},
            zorder=3,
        )
    for key, _, ups in nodes:  # edges from the right side of a box to the left of the next
        for parent in ups:
            if parent in labels:
                ax.annotate(
                    "",
                    xy=(0, 0.5),
                    xycoords=labels[key],
                    xytext=(1, 0.5),
                    textcoords=labels[parent],
                    arrowprops={
                        "arrowstyle": "-|>",
                        "color": "#8A8A8A",
                        "lw": 0.6,
                        "alpha": 0.6,
                        "shrinkA": 2,
                        "shrinkB": 2,
                    },
                    zorder=1,
                )
    from matplotlib.patches import Patch

    present = [g for g in GROUP_ORDER if any(n[1] == g for n in nodes)]
    figure.legend(
        handles=[
            Patch(facecolor=GROUP_FILL[g][0], edgecolor=GROUP_FILL[g][1], label=g) for g in present
        ],
        loc="outside lower center",
        ncols=len(present),
        frameon=False,
        fontsize=FONT_PT + 1,
        title="asset groups; an arrow goes from an asset to one that reads it",
        title_fontsize=FONT_PT + 1,
    )
    return figure, list(labels.values())


def lineage_png() -> bytes:
    """``docs/images/lineage.png``: the picture at :data:`pipelines.reports.drawing.DPI`."""
    with _rc_context():
        figure, _ = lineage_figure()
        figure.set_dpi(DPI)
        return _png(figure)

"""Issue 20, point 6: charts a reader can trust. One colour per company and group in every
chart, stable when a company is added; end labels that never overlap; missing quarters marked;
hatching only where it distinguishes bars; a guidance label that says which number it is."""

import itertools

import polars as pl

from pipelines import settings
from pipelines.reports import charts, metric_charts
from pipelines.reports.charts import (
    entity_color,
    meaningful_hatch,
    missing_slots,
    spread_labels,
)

COMPANIES = ["AMD", "AMZN", "AVGO", "CRWV", "GOOGL", "META", "MRVL", "MSFT", "NVDA", "ORCL"]
GROUPS = ["MAMG", "AI_SEMI", "AI_CAPEX_SPENDERS", "AI_CHIP_SUPPLIERS"]


def test_colours_do_not_move_when_a_company_is_added():
    before = [("company", t) for t in COMPANIES] + [("group", g) for g in GROUPS]
    after = sorted([*before, ("company", "XNEO"), ("company", "AAA"), ("group", "NEOCLOUD")])
    old = metric_charts._series_colors(sorted(before))
    new = metric_charts._series_colors(after)
    assert {e: new[e] for e in old} == old
    # the same colour for a company in the capex chart and the metric charts
    assert all(old[("company", t)] == entity_color(t) for t in COMPANIES)
    assert old[("group", "MAMG")] == entity_color("MAMG", "group")


def test_every_company_and_group_of_the_ledger_has_its_own_colour():
    colours = [entity_color(t) for t in COMPANIES] + [entity_color(g, "group") for g in GROUPS]
    assert len(set(colours)) == len(colours)
    # one not pinned gets a colour from its name alone, the same every time
    assert entity_color("XNEO") == entity_color("XNEO") in charts.FALLBACK_PALETTE


def test_capex_chart_colours_follow_the_ticker_not_the_position():
    """A ticker that sorts first (AAA) used to take the first palette colour from AMZN."""
    import inspect

    source = inspect.getsource(charts.capex_chart)
    assert "entity_color(t)" in source and "PALETTE[i" not in source


def test_end_labels_never_overlap():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    quarters = ["2025Q1", "2025Q2", "2025Q3"]
    rows = [
        {"entity_type": "company", "entity": t, "calendar_quarter": q, "pct": 60.0 + i * 0.4}
        for i, t in enumerate(["AMZN", "GOOGL", "META", "MSFT"])
        for q in quarters
    ]
    rows += [{"entity_type": "group", "entity": "MAMG", "calendar_quarter": q, "pct": 60.5}
             for q in quarters]  # fmt: skip
    figure = Figure(figsize=(8, 3), dpi=100)
    FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    ax.set_ylim(0, 120)
    texts = metric_charts._ratio_lines(ax, pl.DataFrame(rows), "pct", quarters)
    figure.canvas.draw()
    boxes = [t.get_window_extent() for t in texts]
    assert len(boxes) == 5
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b), (a, b)


def test_spread_labels_keeps_order_and_gap():
    placed = spread_labels([10.0, 10.1, 10.2, 50.0], min_gap=2.0)
    assert placed[3] > placed[2]
    ordered = sorted(placed[:3])
    assert all(b - a >= 2.0 - 1e-9 for a, b in itertools.pairwise(ordered))
    assert spread_labels([1.0, 9.0], min_gap=2.0) == [1.0, 9.0]


def test_missing_quarters_are_marked():
    present = {("AMZN", "2025Q1"), ("AMZN", "2025Q2"), ("MSFT", "2025Q2")}
    assert missing_slots(["AMZN", "MSFT"], ["2025Q1", "2025Q2"], present) == [("MSFT", "2025Q1")]
    import inspect

    assert 'marker="x"' in inspect.getsource(charts.capex_chart)


def test_hatching_only_where_it_distinguishes():
    assert meaningful_hatch([True] * 6) == [False] * 6  # every chip assumed: no pattern
    assert meaningful_hatch([False] * 6) == [False] * 6
    assert meaningful_hatch([True, False, True]) == [True, False, True]


def test_the_guidance_label_says_which_number_it_is():
    assert metric_charts.implied_label(12.34, None) == "implied 12.3"
    assert metric_charts.implied_label(12.34, 11.0) == "implied 12.3 / actual 11.0"


def test_the_lineage_picture_names_can_be_read():
    """docs/images/lineage.png is drawn from the definitions: every asset's full key at 8 pt
    or more at 100 dpi, no label over another, and shown by the README."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from pipelines.reports.lineage_picture import asset_graph, lineage_figure

    figure, labels = lineage_figure()
    FigureCanvasAgg(figure)
    figure.set_dpi(charts.DPI)
    figure.canvas.draw()
    assert sorted(t.get_text() for t in labels) == sorted(key for key, _, _ in asset_graph())
    assert min(t.get_fontsize() for t in labels) >= 8
    boxes = [t.get_bbox_patch().get_window_extent() for t in labels]
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b), (a, b)
    readme = (settings.REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert "](docs/images/lineage.png)" in readme
    assert (charts.DOCS_IMAGES_DIR / "lineage.png").is_file()

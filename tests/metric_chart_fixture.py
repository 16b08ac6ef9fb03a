"""A few rows of each metrics table the charts read, for tests/test_reports.py's small
warehouse, and what the metrics charts must plot from them (rows, pixels)."""

METRICS_TABLES = """
CREATE SCHEMA metrics;
CREATE TABLE metrics.capex_intensity (
    entity_type VARCHAR, entity VARCHAR, calendar_quarter VARCHAR, period VARCHAR,
    capex_to_revenue_pct DOUBLE);
INSERT INTO metrics.capex_intensity VALUES
    ('company', 'MSFT', '2025Q1', 'quarter', 23.9),
    ('company', 'MSFT', '2025Q2', 'quarter', 22.4),
    ('group', 'MAMG', '2025Q2', 'quarter', 22.5),
    ('group', 'MAMG', '2025Q1', 'quarter', NULL);   -- not computed: not plotted
CREATE TABLE metrics.cash_coverage (
    entity_type VARCHAR, entity VARCHAR, calendar_quarter VARCHAR, period VARCHAR,
    capex_to_ocf_pct DOUBLE, fcf_after_capex_usd_m DOUBLE);
INSERT INTO metrics.cash_coverage VALUES
    ('company', 'MSFT', '2025Q2', 'quarter', 42.7, 22921),
    ('company', 'AMZN', '2025Q2', 'quarter', 104.6, -1368),
    ('company', 'AMZN', '2025Q2', 'ttm', 90.0, 5000);   -- TTM: not drawn
CREATE TABLE metrics.supplier_capture (
    calendar_quarter VARCHAR, supplier_group VARCHAR, spender_group VARCHAR,
    suppliers_present BIGINT, suppliers_expected BIGINT, supplier_ai_revenue_usd_m DOUBLE,
    spender_capex_usd_m DOUBLE,
    supplier_revenue_to_capex_pct DOUBLE, supplier_revenue_to_prev_quarter_capex_pct DOUBLE);
INSERT INTO metrics.supplier_capture VALUES
    ('2025Q1', 'AI_SEMI', 'MAMG', 2, 2, 5840, 71138, 8.2, 8.3),
    ('2025Q2', 'AI_SEMI', 'MAMG', 2, 2, 6691, 87431, 7.7, 9.4),
    ('2025Q3', 'AI_SEMI', 'MAMG', 0, 2, NULL, NULL, NULL, NULL);   -- nothing to plot
CREATE TABLE metrics.guidance_implied (
    ticker VARCHAR, guided_period VARCHAR, statement_number BIGINT, statement_date DATE,
    remaining_quarters VARCHAR, implied_remaining_low_usd_m DOUBLE,
    implied_remaining_point_usd_m DOUBLE, implied_remaining_high_usd_m DOUBLE,
    actual_remaining_usd_m DOUBLE);
INSERT INTO metrics.guidance_implied VALUES
    ('GOOGL', 'FY2025Q1', 1, '2025-02-04', 'FY2025Q1', 16000, 17000, 18000, 17197),
    ('GOOGL', 'FY2025', 2, '2025-07-23', 'FY2025Q3, FY2025Q4', NULL, 45357, NULL, NULL),
    ('META', 'FY2025', 1, '2025-07-29', NULL, NULL, NULL, NULL, NULL);  -- no implied spend
"""
METRICS_ROWS = {
    "capex_intensity": 3,
    "cash_coverage": 2,
    "supplier_capture": 2,
    "guidance_implied": 2,
}
# Figure size (inches) x 100 dpi; guidance_implied is 1.8 in + 0.42 in per row (at least 3).
METRICS_PIXELS = {
    "capex_intensity": (1200, 600),
    "cash_coverage": (1200, 750),
    "supplier_capture": (1200, 750),
    "guidance_implied": (1200, 306),
}

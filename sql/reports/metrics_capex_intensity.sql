-- Capex / revenue per company and group, for reports/capex_intensity.png (companies with a
-- capex series and every group; only computed ratios are drawn).
SELECT entity_type, entity, calendar_quarter, period, capex_to_revenue_pct
FROM metrics.capex_intensity
WHERE capex_to_revenue_pct IS NOT NULL
ORDER BY entity_type, entity, period, calendar_quarter

-- Capex / operating cash flow and free cash flow after capex per quarter, for
-- reports/cash_coverage.png.
SELECT entity_type, entity, calendar_quarter, period, capex_to_ocf_pct, fcf_after_capex_usd_m
FROM metrics.cash_coverage
WHERE period = 'quarter'
  AND (capex_to_ocf_pct IS NOT NULL OR fcf_after_capex_usd_m IS NOT NULL)
ORDER BY entity_type, entity, calendar_quarter

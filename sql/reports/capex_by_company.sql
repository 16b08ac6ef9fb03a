-- Hyperscaler capex per company and calendar quarter, for reports/capex_by_company.png.
SELECT ticker, calendar_quarter, capex_usd_m, capex_yoy_pct, capex_is_derived
FROM marts.capex_quarterly
ORDER BY calendar_quarter, ticker

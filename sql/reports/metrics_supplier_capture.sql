-- Suppliers' AI revenue against spenders' capex per quarter, for reports/supplier_capture.png.
SELECT calendar_quarter, supplier_group, spender_group, suppliers_present, suppliers_expected,
       supplier_ai_revenue_usd_m,
       spender_capex_usd_m, supplier_revenue_to_capex_pct,
       supplier_revenue_to_prev_quarter_capex_pct
FROM metrics.supplier_capture
ORDER BY spender_group, calendar_quarter

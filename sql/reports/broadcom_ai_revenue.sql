-- Broadcom AI revenue, consensus and guidance per fiscal quarter, for reports/broadcom_ai_revenue.png.
SELECT ticker, fiscal_year, fiscal_quarter, is_reported, ai_revenue_usd_m, ai_revenue_consensus_usd_m,
       ai_revenue_guidance_usd_m
FROM marts.ai_revenue_quarterly
WHERE ticker = 'AVGO'
ORDER BY fiscal_year, fiscal_quarter

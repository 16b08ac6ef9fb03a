-- AI revenue, consensus and guidance per fiscal quarter, for the AI-revenue chart (the chart
-- keeps the company named in pipelines/reports/charts.toml).
SELECT a.ticker, c.name, c.fiscal_calendar, a.fiscal_year, a.fiscal_quarter, a.is_reported,
       a.ai_revenue_usd_m, a.ai_revenue_consensus_usd_m, a.ai_revenue_guidance_usd_m
FROM marts.ai_revenue_quarterly AS a
JOIN raw.companies AS c USING (ticker)
ORDER BY a.ticker, a.fiscal_year, a.fiscal_quarter

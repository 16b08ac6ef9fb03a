-- Capex per company and calendar quarter, for reports/capex_by_company.png (the chart keeps
-- the members of the group named in pipelines/reports/charts.toml).
SELECT q.ticker, c.name, q.calendar_quarter, q.capex_usd_m, q.capex_yoy_pct, q.capex_is_derived,
       coalesce((SELECT list(g.group_name ORDER BY g.group_name) FROM raw.group_members AS g
                 WHERE g.ticker = q.ticker), []) AS groups
FROM marts.capex_quarterly AS q
JOIN raw.companies AS c USING (ticker)
ORDER BY q.calendar_quarter, q.ticker

-- Group totals per calendar quarter from marts.capex_quarterly.
-- A total exists only when every member of the group has a capex figure for the quarter:
-- a quarter with a member missing gets NULL, never a partial sum.
WITH members AS (
    SELECT group_name, ticker FROM raw.companies WHERE group_name = $group_name
),
grid AS (
    SELECT DISTINCT q.calendar_quarter, m.group_name, m.ticker
    FROM marts.capex_quarterly AS q
    CROSS JOIN members AS m
),
joined AS (
    SELECT g.group_name, g.calendar_quarter, g.ticker, q.capex_usd_m
    FROM grid AS g
    LEFT JOIN marts.capex_quarterly AS q
      ON q.ticker = g.ticker AND q.calendar_quarter = g.calendar_quarter
)
SELECT
    group_name,
    calendar_quarter,
    count(*) AS members_expected,
    count(capex_usd_m) AS members_reported,
    count(capex_usd_m) = count(*) AS is_complete,
    CASE WHEN count(capex_usd_m) = count(*) THEN sum(capex_usd_m) END AS capex_usd_m,
    string_agg(CASE WHEN capex_usd_m IS NULL THEN ticker END, ', ' ORDER BY ticker) AS missing_members,
    max(CASE WHEN ticker = 'MSFT' THEN capex_usd_m END) AS msft_capex_usd_m,
    max(CASE WHEN ticker = 'AMZN' THEN capex_usd_m END) AS amzn_capex_usd_m,
    max(CASE WHEN ticker = 'META' THEN capex_usd_m END) AS meta_capex_usd_m,
    max(CASE WHEN ticker = 'GOOGL' THEN capex_usd_m END) AS googl_capex_usd_m
FROM joined
GROUP BY group_name, calendar_quarter
ORDER BY calendar_quarter

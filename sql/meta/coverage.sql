-- Every company and metric of marts.company_quarterly, every calendar quarter from
-- staging.coverage_settings.from_quarter to the company's latest quarter with any figure
-- (a company whose latest quarter is before the start has no rows): present, derived or
-- missing. A missing quarter is explained by the first raw.coverage_notes row (file order)
-- for the company and the metric (or '*') whose quarter range holds it; the reason keeps
-- the note and the pipeline's own reason (marts.company_quarterly.missing_reason).
-- Every unverified figure of staging.figures (its source a claim list or a machine summary,
-- any metric and value kind) is listed too, status 'unverified', at the calendar quarter its
-- fiscal period ends in, with its typed reason (unverified_reason = the source_type).
WITH settings AS (
    SELECT from_quarter FROM staging.coverage_settings
),
latest AS (
    SELECT ticker, max(calendar_quarter) AS latest_quarter
    FROM marts.company_quarterly
    WHERE value_usd_m IS NOT NULL
    GROUP BY ticker
),
series AS (
    SELECT DISTINCT ticker, metric FROM marts.company_quarterly
),
grid AS (
    SELECT s.ticker, s.metric, quarter_label(i.idx) AS calendar_quarter
    FROM series AS s
    JOIN latest AS l ON l.ticker = s.ticker
    JOIN settings AS st ON l.latest_quarter >= st.from_quarter
    CROSS JOIN LATERAL (
        SELECT unnest(generate_series(
            quarter_index(st.from_quarter), quarter_index(l.latest_quarter)
        )) AS idx
    ) AS i
),
cells AS (
    SELECT
        g.ticker,
        g.metric,
        g.calendar_quarter,
        q.value_usd_m,
        q.is_derived,
        -- the pipeline's own reason; Python printed a NULL reason as 'None'
        CASE WHEN q.ticker IS NULL THEN 'no figure sourced for this quarter'
             ELSE coalesce(q.missing_reason, 'None') END AS own_reason
    FROM grid AS g
    LEFT JOIN marts.company_quarterly AS q
        ON q.ticker = g.ticker AND q.metric = g.metric
       AND q.calendar_quarter = g.calendar_quarter
),
noted AS (
    SELECT
        c.*,
        -- rowid: raw.coverage_notes in file order, the first matching note wins
        (SELECT coalesce(n.reason, 'None')
         FROM raw.coverage_notes AS n
         WHERE n.ticker = c.ticker AND n.metric IN (c.metric, '*')
           AND n.first_quarter <= c.calendar_quarter AND c.calendar_quarter <= n.last_quarter
         ORDER BY n.rowid
         LIMIT 1) AS note
    FROM cells AS c
    WHERE c.value_usd_m IS NULL
)
SELECT
    ticker,
    metric,
    calendar_quarter,
    CASE WHEN is_derived THEN 'derived' ELSE 'present' END AS status,
    value_usd_m,
    TRUE AS explained,
    NULL::VARCHAR AS reason,
    NULL::VARCHAR AS value_kind,
    NULL::VARCHAR AS basis,
    NULL::VARCHAR AS unverified_reason
FROM cells
WHERE value_usd_m IS NOT NULL
UNION ALL
SELECT
    ticker,
    metric,
    calendar_quarter,
    'missing' AS status,
    NULL::DOUBLE AS value_usd_m,
    note IS NOT NULL AS explained,
    CASE WHEN note <> '' THEN note || ' (' || own_reason || ')'
         ELSE 'unexplained: ' || own_reason END AS reason,
    NULL::VARCHAR AS value_kind,
    NULL::VARCHAR AS basis,
    NULL::VARCHAR AS unverified_reason
FROM noted
UNION ALL
SELECT
    f.ticker,
    f.metric,
    q.calendar_quarter,
    'unverified' AS status,
    CASE WHEN f.unit = 'USD_m' THEN f.value END AS value_usd_m,
    TRUE AS explained,
    'only source is a ' || replace(f.source_type, '_', ' ') || ': ' || f.source_title AS reason,
    f.value_kind,
    f.basis,
    f.source_type AS unverified_reason
FROM staging.figures AS f
JOIN staging.fiscal_quarters AS q
    ON q.ticker = f.ticker AND q.fiscal_year = f.fiscal_year
   AND q.fiscal_quarter = coalesce(f.fiscal_quarter, 4)
WHERE NOT f.is_verified

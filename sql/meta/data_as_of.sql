-- One row: the newest dated verified figure of raw.financials (latest published; an unverified
-- figure, whose source is a claim list or a machine summary, never sets it; ties by ticker, then
-- metric, then the latest fiscal period: the old code left ties after metric to an unstable
-- sort, the latest period is what it picked on both reference builds), and the row counts.
-- No dated figure: the counts with NULLs.
WITH counts AS (
    SELECT
        count(*) AS financials_rows,
        count(*) FILTER (WHERE published IS NULL) AS undated_rows
    FROM raw.financials
),
newest AS (
    SELECT *
    FROM raw.financials
    WHERE published IS NOT NULL
      AND source_type NOT IN ('claim_list', 'machine_summary')
    ORDER BY published DESC, ticker, metric,
             fiscal_year DESC NULLS LAST, fiscal_quarter DESC NULLS LAST
    LIMIT 1
)
SELECT
    n.published AS as_of,
    n.ticker,
    n.metric,
    n.value_kind,
    CASE WHEN n.published IS NOT NULL THEN
        'FY' || coalesce(CAST(n.fiscal_year AS VARCHAR), 'None')
        || coalesce('Q' || n.fiscal_quarter, '')
    END AS fiscal_period,
    n.source_title,
    n.source_url,
    CAST(c.financials_rows AS BIGINT) AS financials_rows,
    CAST(c.undated_rows AS BIGINT) AS undated_rows
FROM counts AS c
LEFT JOIN newest AS n ON TRUE

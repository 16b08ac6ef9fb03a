-- Capex per company and calendar quarter at each vintage: the company's cash capex in its own
-- definition (raw.companies: capex_metric, less capex_less_metric if any), from the discrete
-- quarters of staging.discrete_quarters; growth against the same table by quarter label.
-- Port of pipelines/marts/capex.py::build_capex_quarterly.
WITH companies AS (
    SELECT ticker, capex_metric, nullif(capex_less_metric, '') AS less_metric, capex_definition
    FROM raw.companies
    WHERE coalesce(capex_metric, '') <> ''
),
dq AS (
    SELECT * FROM as_of.discrete_quarters
),
-- each company's rows: every calendar quarter from its first to its last with a figure of its
-- capex definition (a quarter with only one of purchases / proceeds is a row with the reason)
spans AS (
    SELECT d.as_of, d.ticker, min(quarter_index(d.calendar_quarter)) AS first_q,
        max(quarter_index(d.calendar_quarter)) AS last_q
    FROM dq AS d
    JOIN companies AS c ON c.ticker = d.ticker AND d.metric IN (c.capex_metric, c.less_metric)
    GROUP BY ALL
),
quarters AS (
    SELECT s.as_of, s.ticker, fq.calendar_quarter, fq.fiscal_year, fq.fiscal_quarter,
        fq.period_start, fq.period_end
    FROM spans AS s
    CROSS JOIN LATERAL (SELECT unnest(range(s.first_q, s.last_q + 1)) AS idx) AS i
    JOIN staging.fiscal_quarters AS fq
        ON fq.ticker = s.ticker AND fq.calendar_quarter = quarter_label(i.idx)
),
inventory AS (
    SELECT DISTINCT as_of, ticker, metric, fiscal_year, year_periods
    FROM as_of.reported_periods
),
figures AS (
    SELECT
        q.*,
        c.capex_definition,
        c.capex_metric,
        c.less_metric,
        g.value AS gross_value,
        g.method AS gross_method,
        p.value AS proceeds_value,
        p.method AS proceeds_method,
        g.source_kind AS gross_kind,
        g.source_ref AS gross_ref,
        p.source_kind AS proceeds_kind,
        p.source_ref AS proceeds_ref,
        -- capex.py::_missing: why a figure of the definition is missing
        c.capex_metric || ' FY' || q.fiscal_year || 'Q' || q.fiscal_quarter
            || ' not reported and not derivable (FY' || q.fiscal_year || ' has: '
            || coalesce(gi.year_periods, 'nothing') || ')' AS gross_missing,
        c.less_metric || ' FY' || q.fiscal_year || 'Q' || q.fiscal_quarter
            || ' not reported and not derivable (FY' || q.fiscal_year || ' has: '
            || coalesce(pi.year_periods, 'nothing') || ')' AS proceeds_missing,
        l.value AS leases_value,
        l.is_derived AS leases_is_derived,
        r.value AS revenue_value
    FROM quarters AS q
    JOIN companies AS c USING (ticker)
    LEFT JOIN dq AS g
        ON g.as_of = q.as_of AND g.ticker = q.ticker AND g.metric = c.capex_metric
        AND g.fiscal_year = q.fiscal_year AND g.fiscal_quarter = q.fiscal_quarter
    LEFT JOIN dq AS p
        ON p.as_of = q.as_of AND p.ticker = q.ticker AND p.metric = c.less_metric
        AND p.fiscal_year = q.fiscal_year AND p.fiscal_quarter = q.fiscal_quarter
    LEFT JOIN dq AS l
        ON l.as_of = q.as_of AND l.ticker = q.ticker AND l.metric = 'capex_incl_finance_leases'
        AND l.fiscal_year = q.fiscal_year AND l.fiscal_quarter = q.fiscal_quarter
    LEFT JOIN dq AS r
        ON r.as_of = q.as_of AND r.ticker = q.ticker AND r.metric = 'revenue'
        AND r.fiscal_year = q.fiscal_year AND r.fiscal_quarter = q.fiscal_quarter
    LEFT JOIN inventory AS gi
        ON gi.as_of = q.as_of AND gi.ticker = q.ticker AND gi.metric = c.capex_metric
        AND gi.fiscal_year = q.fiscal_year
    LEFT JOIN inventory AS pi
        ON pi.as_of = q.as_of AND pi.ticker = q.ticker AND pi.metric = c.less_metric
        AND pi.fiscal_year = q.fiscal_year
),
capex AS (
    SELECT
        *,
        CASE
            WHEN less_metric IS NULL THEN gross_value
            WHEN gross_value IS NOT NULL AND proceeds_value IS NOT NULL
                THEN gross_value - proceeds_value
        END AS capex_usd_m,
        CASE
            WHEN less_metric IS NULL THEN gross_method
            WHEN gross_value IS NOT NULL AND proceeds_value IS NOT NULL THEN
                'purchases - proceeds = ' || fmt_num(gross_value) || ' - '
                || fmt_num(proceeds_value)
                || CASE WHEN gross_method IS NOT NULL OR proceeds_method IS NOT NULL
                    THEN ' [' || concat_ws('; ', 'purchases: ' || gross_method,
                        'proceeds: ' || proceeds_method) || ']'
                    ELSE '' END
        END AS capex_derivation,
        CASE
            WHEN less_metric IS NULL THEN CASE WHEN gross_value IS NULL THEN gross_missing END
            WHEN gross_value IS NULL OR proceeds_value IS NULL THEN concat_ws(
                '; ',
                CASE WHEN gross_value IS NULL THEN gross_missing END,
                CASE WHEN proceeds_value IS NULL THEN proceeds_missing END
            )
        END AS missing_reason,
        CASE
            WHEN less_metric IS NULL THEN gross_kind
            WHEN gross_kind = proceeds_kind THEN gross_kind
            WHEN gross_kind IS NOT NULL AND proceeds_kind IS NOT NULL THEN 'mixed'
        END AS source_kind,
        CASE
            WHEN less_metric IS NULL THEN gross_ref
            ELSE 'purchases: ' || gross_ref || ' | proceeds: ' || proceeds_ref
        END AS source_ref
    FROM figures
),
levels AS (
    SELECT
        *,
        share_pct(capex_usd_m, revenue_value) AS capex_to_revenue_pct,
        quarter_index(calendar_quarter) AS idx
    FROM capex
),
with_ttm AS (
    -- trailing twelve months: this quarter and the three before, by label; NULL if any is
    -- missing (summed in the old order: this quarter first)
    SELECT
        a.*,
        a.capex_usd_m + b1.capex_usd_m + b2.capex_usd_m + b3.capex_usd_m AS capex_ttm_usd_m
    FROM levels AS a
    LEFT JOIN levels AS b1 ON b1.as_of = a.as_of AND b1.ticker = a.ticker AND b1.idx = a.idx - 1
    LEFT JOIN levels AS b2 ON b2.as_of = a.as_of AND b2.ticker = a.ticker AND b2.idx = a.idx - 2
    LEFT JOIN levels AS b3 ON b3.as_of = a.as_of AND b3.ticker = a.ticker AND b3.idx = a.idx - 3
)
SELECT
    a.as_of,
    a.ticker,
    a.calendar_quarter,
    CAST(a.fiscal_year AS BIGINT) AS fiscal_year,
    CAST(a.fiscal_quarter AS BIGINT) AS fiscal_quarter,
    a.period_start,
    a.period_end,
    CAST(a.capex_usd_m AS DOUBLE) AS capex_usd_m,
    a.capex_definition,
    CASE WHEN a.capex_usd_m IS NOT NULL THEN a.capex_derivation IS NOT NULL END
        AS capex_is_derived,
    a.capex_derivation,
    a.missing_reason,
    pct_change(a.capex_usd_m, pq.capex_usd_m)::DOUBLE AS capex_qoq_pct,
    pct_change(a.capex_usd_m, py.capex_usd_m)::DOUBLE AS capex_yoy_pct,
    a.capex_ttm_usd_m::DOUBLE AS capex_ttm_usd_m,
    pct_change(a.capex_ttm_usd_m, py.capex_ttm_usd_m)::DOUBLE AS capex_ttm_yoy_pct,
    CASE WHEN a.less_metric IS NOT NULL THEN a.gross_value END::DOUBLE
        AS capex_purchases_gross_usd_m,
    CASE WHEN a.less_metric IS NOT NULL THEN a.proceeds_value END::DOUBLE AS proceeds_pp_e_usd_m,
    pct_change(
        CASE WHEN a.less_metric IS NOT NULL THEN a.gross_value END,
        CASE WHEN py.less_metric IS NOT NULL THEN py.gross_value END
    )::DOUBLE AS capex_purchases_gross_yoy_pct,
    a.leases_value::DOUBLE AS capex_incl_finance_leases_usd_m,
    a.leases_is_derived AS capex_incl_finance_leases_is_derived,
    pct_change(a.leases_value, py.leases_value)::DOUBLE AS capex_incl_finance_leases_yoy_pct,
    a.revenue_value::DOUBLE AS revenue_usd_m,
    a.capex_to_revenue_pct::DOUBLE AS capex_to_revenue_pct,
    (a.capex_to_revenue_pct - pq.capex_to_revenue_pct)::DOUBLE
        AS capex_to_revenue_change_pct_points,
    CASE WHEN a.capex_usd_m IS NOT NULL THEN a.source_kind END AS capex_source_kind,
    CASE WHEN a.capex_usd_m IS NOT NULL THEN a.source_ref END AS capex_source_ref
FROM with_ttm AS a
LEFT JOIN with_ttm AS pq ON pq.as_of = a.as_of AND pq.ticker = a.ticker AND pq.idx = a.idx - 1
LEFT JOIN with_ttm AS py ON py.as_of = a.as_of AND py.ticker = a.ticker AND py.idx = a.idx - 4

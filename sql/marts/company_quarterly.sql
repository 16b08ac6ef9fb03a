-- Every company's quarterly figures in one long table at each vintage: capex (the company's
-- own definition, as_of.capex_quarterly) and the flow metrics of staging.discrete_quarters,
-- each from the company's first to its last quarter with the metric; gaps with the reason.
-- Port of pipelines/marts/company.py::build_company_quarterly.
WITH spans AS (
    SELECT d.as_of, d.ticker, d.metric, min(quarter_index(d.calendar_quarter)) AS first_q,
        max(quarter_index(d.calendar_quarter)) AS last_q
    FROM as_of.discrete_quarters AS d
    JOIN raw.companies AS c USING (ticker)
    -- the capex components are in marts.capex_quarterly (company.py METRICS)
    WHERE list_contains(company_flow_metrics(), d.metric)
    GROUP BY ALL
),
quarters AS (
    SELECT s.as_of, s.ticker, s.metric, fq.calendar_quarter, fq.fiscal_year, fq.fiscal_quarter,
        fq.period_start, fq.period_end
    FROM spans AS s
    CROSS JOIN LATERAL (SELECT unnest(range(s.first_q, s.last_q + 1)) AS idx) AS i
    JOIN staging.fiscal_quarters AS fq
        ON fq.ticker = s.ticker AND fq.calendar_quarter = quarter_label(i.idx)
),
inventory AS (
    SELECT DISTINCT as_of, ticker, metric, fiscal_year, year_periods
    FROM as_of.reported_periods
)
SELECT
    as_of,
    ticker,
    'capex' AS metric,
    calendar_quarter,
    fiscal_year,
    fiscal_quarter,
    period_start,
    period_end,
    capex_usd_m AS value_usd_m,
    capex_definition AS definition,
    capex_is_derived AS is_derived,
    capex_derivation AS derivation,
    missing_reason,
    capex_source_kind AS source_kind,
    capex_source_ref AS source_ref
FROM as_of.capex_quarterly
UNION ALL
SELECT
    q.as_of,
    q.ticker,
    q.metric,
    q.calendar_quarter,
    CAST(q.fiscal_year AS BIGINT),
    CAST(q.fiscal_quarter AS BIGINT),
    q.period_start,
    q.period_end,
    d.value,
    q.metric,
    d.is_derived,
    d.method,
    CASE WHEN d.value IS NULL THEN
        q.metric || ' FY' || q.fiscal_year || 'Q' || q.fiscal_quarter
        || ' not reported and not derivable (FY' || q.fiscal_year || ' has: '
        || coalesce(inv.year_periods, 'nothing') || ')'
    END,
    d.source_kind,
    d.source_ref
FROM quarters AS q
LEFT JOIN as_of.discrete_quarters AS d
    ON d.as_of = q.as_of AND d.ticker = q.ticker AND d.metric = q.metric
    AND d.fiscal_year = q.fiscal_year AND d.fiscal_quarter = q.fiscal_quarter
LEFT JOIN inventory AS inv
    ON inv.as_of = q.as_of AND inv.ticker = q.ticker AND inv.metric = q.metric
    AND inv.fiscal_year = q.fiscal_year

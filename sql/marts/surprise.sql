-- Surprise against the consensus, long: one row per company, metric and period with a
-- consensus (any value_kind 'consensus' figure of staging.figures_known), for every company,
-- not only those with AI revenue. The consensus in force is picked as in
-- marts.ai_revenue_quarterly (by order of preference: the latest published on or before the
-- results; one quoted within 7 days after them; an undated one whose document is dated on or
-- before them; for a period not reported yet, the latest dated one), and its age at the
-- results is held against getvariable('consensus_max_age_days').
WITH consensus AS (
    SELECT ticker, metric, basis, fiscal_year, fiscal_quarter, value, unit, published,
           published_before, compiled_by, source_title,
           starts_with(coalesce(source_url, ''), 'seed/') AS from_seed
    FROM staging.figures_known
    WHERE value_kind = 'consensus' AND basis IN ('discrete', 'fy')
),

periods AS (
    SELECT DISTINCT ticker, metric, basis, fiscal_year, fiscal_quarter FROM consensus
),

-- the actual: a discrete quarter as reported or derived (staging.discrete_quarters), else a
-- reported figure of the same basis (adjusted EPS, a fiscal year)
actuals AS (
    SELECT p.*,
           coalesce(d.value, a.value) AS actual,
           CASE WHEN d.value IS NOT NULL THEN coalesce(d.method, 'reported')
                WHEN a.value IS NOT NULL THEN 'reported' END AS actual_method,
           CASE WHEN d.value IS NULL THEN a.source_title END AS actual_source
    FROM periods AS p
    LEFT JOIN staging.discrete_quarters AS d
        ON p.basis = 'discrete' AND d.ticker = p.ticker AND d.metric = p.metric
       AND d.fiscal_year = p.fiscal_year AND d.fiscal_quarter = p.fiscal_quarter
    LEFT JOIN staging.actual_figures AS a
        ON a.ticker = p.ticker AND a.metric = p.metric AND a.basis = p.basis
       AND a.fiscal_year = p.fiscal_year
       AND a.fiscal_quarter IS NOT DISTINCT FROM p.fiscal_quarter
),

-- a period's results date: the earliest first publication of any of its actuals of the same
-- basis (a quarter: any metric's discrete figure; a year: any full-year figure)
results AS (
    SELECT ticker, basis, fiscal_year, fiscal_quarter, min(first_published) AS results_date
    FROM staging.actual_figures
    WHERE basis IN ('discrete', 'fy')
    GROUP BY ALL
),

rows AS (
    SELECT a.*, r.results_date, a.actual IS NOT NULL AS is_reported
    FROM actuals AS a
    LEFT JOIN results AS r
        ON r.ticker = a.ticker AND r.basis = a.basis AND r.fiscal_year = a.fiscal_year
       AND r.fiscal_quarter IS NOT DISTINCT FROM a.fiscal_quarter
),

candidates AS (
    SELECT r.ticker, r.metric, r.basis, r.fiscal_year, r.fiscal_quarter, c.value, c.unit,
           coalesce(c.published, c.published_before) AS published, c.compiled_by,
           c.source_title, c.from_seed,
           CASE
               WHEN NOT r.is_reported AND c.published IS NOT NULL THEN 4
               WHEN r.results_date IS NULL THEN NULL
               WHEN c.published IS NULL AND c.published_before <= r.results_date THEN 3
               WHEN c.published IS NULL THEN NULL
               WHEN c.published <= r.results_date THEN 1
               WHEN c.published <= r.results_date + 7 THEN 2
           END AS tier
    FROM rows AS r
    JOIN consensus AS c
      ON c.ticker = r.ticker AND c.metric = r.metric AND c.basis = r.basis
     AND c.fiscal_year = r.fiscal_year
     AND c.fiscal_quarter IS NOT DISTINCT FROM r.fiscal_quarter
),

picks AS (
    SELECT *,
           CASE tier WHEN 1 THEN 'on_or_before_results' WHEN 2 THEN 'quoted_after_results'
                     WHEN 3 THEN 'undated_before_results' ELSE 'latest_available' END AS timing
    FROM candidates
    WHERE tier IS NOT NULL
    QUALIFY row_number() OVER (
        PARTITION BY ticker, metric, basis, fiscal_year, fiscal_quarter
        ORDER BY CASE tier WHEN 4 THEN 1 WHEN 1 THEN 1 WHEN 2 THEN 2 ELSE 3 END,
                 CASE WHEN tier = 2 THEN epoch(published) ELSE -epoch(published) END NULLS LAST,
                 from_seed, value
    ) = 1
),

consensus_counts AS (
    SELECT ticker, metric, basis, fiscal_year, fiscal_quarter, count(*) AS consensus_figures,
           any_value(unit) AS unit
    FROM consensus
    GROUP BY ALL
)

SELECT
    r.ticker,
    r.metric,
    claim_fiscal_label(r.fiscal_year, r.fiscal_quarter) AS period,
    r.basis,
    r.fiscal_year,
    r.fiscal_quarter,
    fq.calendar_quarter,
    n.unit,
    r.is_reported,
    r.results_date,
    r.actual,
    r.actual_method,
    r.actual_source,
    p.value AS consensus,
    p.published AS consensus_published,
    p.timing AS consensus_timing,
    p.compiled_by AS consensus_compiled_by,
    p.source_title AS consensus_source,
    p.from_seed AS consensus_from_seed,
    CAST(n.consensus_figures AS BIGINT) AS consensus_figures,
    CAST(r.results_date - p.published AS BIGINT) AS consensus_age_days,
    r.results_date - p.published > getvariable('consensus_max_age_days') AS is_stale,
    CAST(r.actual - p.value AS DOUBLE) AS surprise_abs,
    pct_change(r.actual, p.value)::DOUBLE AS surprise_pct,
    surprise_status(r.is_reported, pct_change(r.actual, p.value), p.timing,
                    r.results_date - p.published) AS surprise_status
FROM rows AS r
JOIN consensus_counts AS n USING (ticker, metric, basis, fiscal_year, fiscal_quarter)
LEFT JOIN picks AS p
    ON p.ticker = r.ticker AND p.metric = r.metric AND p.basis = r.basis
   AND p.fiscal_year = r.fiscal_year AND p.fiscal_quarter IS NOT DISTINCT FROM r.fiscal_quarter
LEFT JOIN staging.fiscal_quarters AS fq
    ON fq.ticker = r.ticker AND fq.fiscal_year = r.fiscal_year
   AND fq.fiscal_quarter = r.fiscal_quarter

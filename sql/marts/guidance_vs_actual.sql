-- Company guidance against the outcome, long: one row per company, metric and guided period,
-- for every company with guidance. Two kinds of guidance:
--   raw.financials (revenue, AI revenue: guidance_low / _mid / _high): the guidance in force at
--     the results, picked as marts.ai_revenue_quarterly picks it (the latest given on or before
--     the results; an undated one whose document is dated by then; for a period not reported
--     yet, the latest dated one), each bound separately;
--   raw.capex_guidance (the hyperscalers' and others' capex): the latest statement of
--     marts.capex_guidance against the capex reported for the whole guided period (its
--     actuals_metric: cash capex, or capex incl. finance leases where the guidance includes them).
-- A statement known only from the seed article is shown, never compared (outcome
-- seed_statement). The point is the stated mid, else the midpoint of the range, else the bound given
-- (guidance_point).
WITH guidance AS (
    SELECT ticker, metric, basis, fiscal_year, fiscal_quarter, value_kind, value, unit,
           published, published_before, source_title,
           starts_with(coalesce(source_url, ''), 'seed/') AS from_seed
    FROM staging.figures_known
    WHERE value_kind IN ('guidance_low', 'guidance_mid', 'guidance_high')
      AND basis IN ('discrete', 'fy')
),

periods AS (
    SELECT ticker, metric, basis, fiscal_year, fiscal_quarter, any_value(unit) AS unit
    FROM guidance
    GROUP BY ALL
),

results AS (
    SELECT ticker, basis, fiscal_year, fiscal_quarter, min(first_published) AS results_date
    FROM staging.actual_figures
    WHERE basis IN ('discrete', 'fy')
    GROUP BY ALL
),

rows AS (
    SELECT p.*, coalesce(d.value, a.value) AS actual, r.results_date,
           coalesce(d.value, a.value) IS NOT NULL AS is_reported
    FROM periods AS p
    LEFT JOIN staging.discrete_quarters AS d
        ON p.basis = 'discrete' AND d.ticker = p.ticker AND d.metric = p.metric
       AND d.fiscal_year = p.fiscal_year AND d.fiscal_quarter = p.fiscal_quarter
    LEFT JOIN staging.actual_figures AS a
        ON a.ticker = p.ticker AND a.metric = p.metric AND a.basis = p.basis
       AND a.fiscal_year = p.fiscal_year
       AND a.fiscal_quarter IS NOT DISTINCT FROM p.fiscal_quarter
    LEFT JOIN results AS r
        ON r.ticker = p.ticker AND r.basis = p.basis AND r.fiscal_year = p.fiscal_year
       AND r.fiscal_quarter IS NOT DISTINCT FROM p.fiscal_quarter
),

picks AS (
    SELECT r.ticker, r.metric, r.basis, r.fiscal_year, r.fiscal_quarter, g.value_kind, g.value,
           coalesce(g.published, g.published_before) AS given, g.source_title, g.from_seed
    FROM rows AS r
    JOIN guidance AS g
      ON g.ticker = r.ticker AND g.metric = r.metric AND g.basis = r.basis
     AND g.fiscal_year = r.fiscal_year
     AND g.fiscal_quarter IS NOT DISTINCT FROM r.fiscal_quarter
    WHERE (NOT r.is_reported AND g.published IS NOT NULL)
       OR g.published <= r.results_date
       OR (g.published IS NULL AND g.published_before <= r.results_date)
    QUALIFY row_number() OVER (
        PARTITION BY r.ticker, r.metric, r.basis, r.fiscal_year, r.fiscal_quarter, g.value_kind
        ORDER BY g.published IS NULL, g.published DESC, g.from_seed, g.value
    ) = 1
),

financial_guidance AS (
    SELECT r.ticker, r.metric, claim_fiscal_label(r.fiscal_year, r.fiscal_quarter) AS period,
           r.basis, r.fiscal_year, r.fiscal_quarter, 'raw.financials' AS guidance_table,
           r.unit, lo.value AS low, mi.value AS mid, hi.value AS high,
           greatest(lo.given, mi.given, hi.given) AS given_on,
           coalesce(mi.source_title, lo.source_title, hi.source_title) AS guidance_source,
           coalesce(mi.from_seed, lo.from_seed, hi.from_seed, FALSE) AS from_seed,
           r.is_reported, r.results_date, r.actual,
           CASE WHEN r.is_reported THEN 'reported ' || r.metric END AS actual_basis
    FROM rows AS r
    LEFT JOIN picks AS lo
        ON lo.value_kind = 'guidance_low' AND lo.ticker = r.ticker AND lo.metric = r.metric
       AND lo.basis = r.basis AND lo.fiscal_year = r.fiscal_year
       AND lo.fiscal_quarter IS NOT DISTINCT FROM r.fiscal_quarter
    LEFT JOIN picks AS mi
        ON mi.value_kind = 'guidance_mid' AND mi.ticker = r.ticker AND mi.metric = r.metric
       AND mi.basis = r.basis AND mi.fiscal_year = r.fiscal_year
       AND mi.fiscal_quarter IS NOT DISTINCT FROM r.fiscal_quarter
    LEFT JOIN picks AS hi
        ON hi.value_kind = 'guidance_high' AND hi.ticker = r.ticker AND hi.metric = r.metric
       AND hi.basis = r.basis AND hi.fiscal_year = r.fiscal_year
       AND hi.fiscal_quarter IS NOT DISTINCT FROM r.fiscal_quarter
),

capex_guidance AS (
    SELECT g.ticker,
           CASE g.actuals_metric WHEN 'incl_finance_leases' THEN 'capex_incl_finance_leases'
                ELSE 'capex' END AS metric,
           g.guided_period AS period,
           CASE WHEN g.guided_period LIKE '%Q_' THEN 'discrete' ELSE 'fy' END AS basis,
           CAST(regexp_extract(g.guided_period, '^FY(\d{4})', 1) AS BIGINT) AS fiscal_year,
           CAST(nullif(regexp_extract(g.guided_period, '^FY\d{4}Q([1-4])$', 1), '') AS BIGINT)
               AS fiscal_quarter,
           'raw.capex_guidance' AS guidance_table, 'USD_m' AS unit,
           g.low_usd_m AS low, g.mid_usd_m AS mid, g.high_usd_m AS high,
           g.known_since AS given_on, g.source_title AS guidance_source, g.from_seed,
           g.quarters_reported = g.quarters_in_period AS is_reported,
           NULL::DATE AS results_date,
           CASE WHEN g.quarters_reported = g.quarters_in_period
                THEN g.reported_to_date_usd_m END AS actual,
           CASE WHEN g.quarters_reported = g.quarters_in_period
                THEN 'sum of ' || CAST(g.quarters_in_period AS VARCHAR) || ' reported quarters ('
                     || g.actuals_metric || ' capex, marts.capex_quarterly)' END AS actual_basis
    FROM marts.capex_guidance AS g
),

both_kinds AS (
    SELECT * FROM financial_guidance
    UNION ALL
    SELECT * FROM capex_guidance
)

SELECT
    ticker, metric, period, basis, fiscal_year, fiscal_quarter, guidance_table, unit,
    CAST(low AS DOUBLE) AS guided_low,
    CAST(mid AS DOUBLE) AS guided_mid,
    CAST(high AS DOUBLE) AS guided_high,
    CAST(guidance_point(low, mid, high) AS DOUBLE) AS guided_point,
    guidance_point_method(low, mid, high) AS point_method,
    given_on,
    guidance_source,
    from_seed AS guidance_from_seed,
    is_reported,
    results_date,
    CAST(actual AS DOUBLE) AS actual,
    actual_basis,
    CASE WHEN NOT from_seed
         THEN CAST(actual - guidance_point(low, mid, high) AS DOUBLE) END AS actual_vs_point_abs,
    CASE WHEN NOT from_seed
         THEN pct_change(actual, guidance_point(low, mid, high))::DOUBLE END
        AS actual_vs_point_pct,
    CASE
        WHEN actual IS NULL THEN 'not_reported'
        -- a statement known only from the seed article is a claim, never the reference
        WHEN from_seed THEN 'seed_statement'
        WHEN guidance_point(low, mid, high) IS NULL THEN 'no_guidance'
        WHEN high IS NOT NULL AND actual > high THEN 'above_range'
        WHEN low IS NOT NULL AND actual < low THEN 'below_range'
        WHEN low IS NOT NULL AND high IS NOT NULL THEN 'within_range'
        WHEN actual > guidance_point(low, mid, high) THEN 'above_point'
        WHEN actual < guidance_point(low, mid, high) THEN 'below_point'
        ELSE 'at_point'
    END AS outcome
FROM both_kinds

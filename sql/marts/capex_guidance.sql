-- Capex guidance per company and guided period, at each vintage: the statements of
-- raw.capex_guidance known then, the latest and the previous one, and what the latest implies
-- for the rest of the period against the capex published by then (as_of.capex_quarterly).
--
-- Known at a vintage: today everything; at a past date a statement counts from given_on, else
-- given_before, else the date of the document reporting it (pipelines/marts/build.py known_on).
-- Order of statements (raw/README.md): by coalesce(given_on, given_before - 1 day), so prior
-- guidance known only from a later article sorts before its replacement; undated statements
-- (neither date) by their document's date, and a statement with no date at all first; ties by
-- report date, then source title (the latest is the last in that order).
WITH statements AS (
    SELECT
        v.as_of,
        g.*,
        coalesce(g.given_on, g.given_before - 1, g.reported_on) AS statement_date
    FROM staging.vintages AS v
    JOIN raw.capex_guidance AS g
      ON v.as_of = today_vintage()
      OR coalesce(g.given_on, g.given_before, g.reported_on) <= v.as_of
),

ranked AS (
    SELECT
        *,
        count(*) OVER w_period AS statements,
        row_number() OVER (
            PARTITION BY as_of, ticker, guided_period
            ORDER BY
                (statement_date IS NOT NULL) DESC,
                statement_date DESC NULLS LAST,
                reported_on DESC NULLS LAST,
                coalesce(source_title, '') DESC
        ) AS recency
    FROM statements
    WINDOW w_period AS (PARTITION BY as_of, ticker, guided_period)
),

periods AS (
    SELECT
        l.as_of,
        l.ticker,
        l.guided_period,
        CAST(regexp_extract(l.guided_period, '^FY(\d{4})', 1) AS BIGINT) AS fiscal_year,
        CAST(nullif(regexp_extract(l.guided_period, '^FY\d{4}Q([1-4])$', 1), '') AS BIGINT)
            AS guided_quarter,
        l.statements,
        l AS latest,
        p AS previous,
        guidance_point(l.low_usd_m, l.mid_usd_m, l.high_usd_m) AS point_usd_m,
        guidance_point_method(l.low_usd_m, l.mid_usd_m, l.high_usd_m) AS point_method,
        guidance_point(p.low_usd_m, p.mid_usd_m, p.high_usd_m) AS previous_point_usd_m,
        -- guidance including finance leases is compared with that series, else cash capex
        l.capex_definition = 'incl_finance_leases' AS incl_leases
    FROM ranked AS l
    LEFT JOIN ranked AS p
      ON p.as_of = l.as_of AND p.ticker = l.ticker AND p.guided_period = l.guided_period
     AND p.recency = 2
    WHERE l.recency = 1
),

capex AS (
    SELECT
        as_of, ticker, fiscal_year, fiscal_quarter,
        capex_usd_m, capex_incl_finance_leases_usd_m
    FROM as_of.capex_quarterly
),

-- the quarters of each guided period (all four of a year, or the one guided quarter) with the
-- capex reported for them
period_quarters AS (
    SELECT
        p.as_of, p.ticker, p.guided_period, k.fiscal_quarter,
        CASE WHEN p.incl_leases THEN c.capex_incl_finance_leases_usd_m ELSE c.capex_usd_m END
            AS value_usd_m
    FROM periods AS p
    CROSS JOIN LATERAL (
        SELECT unnest(CASE WHEN p.guided_quarter IS NULL THEN [1, 2, 3, 4]
                           ELSE [p.guided_quarter] END) AS fiscal_quarter
    ) AS k
    LEFT JOIN capex AS c
      ON c.as_of = p.as_of AND c.ticker = p.ticker
     AND c.fiscal_year = p.fiscal_year AND c.fiscal_quarter = k.fiscal_quarter
),

reported AS (
    SELECT
        as_of, ticker, guided_period,
        count(*) AS quarters_in_period,
        count(value_usd_m) AS quarters_reported,
        -- reported to date only when the reported quarters are the first ones of the period
        -- (no gap); nothing reported yet counts as 0
        CASE
            WHEN coalesce(max(fiscal_quarter) FILTER (WHERE value_usd_m IS NOT NULL), 0)
                 - coalesce(min(fiscal_quarter), 1) + 1 = count(value_usd_m)
              OR count(value_usd_m) = 0
            THEN sum_in_order(coalesce(
                list(value_usd_m ORDER BY fiscal_quarter) FILTER (WHERE value_usd_m IS NOT NULL),
                []))
        END AS reported_to_date_usd_m
    FROM period_quarters
    GROUP BY ALL
),

-- the latest quarter with a figure up to the end of the guided period
last_reported AS (
    SELECT
        p.as_of, p.ticker, p.guided_period,
        arg_max(
            {'fiscal_year': c.fiscal_year, 'fiscal_quarter': c.fiscal_quarter,
             'value': CASE WHEN p.incl_leases THEN c.capex_incl_finance_leases_usd_m
                           ELSE c.capex_usd_m END},
            c.fiscal_year * 4 + c.fiscal_quarter
        ) AS last
    FROM periods AS p
    JOIN capex AS c
      ON c.as_of = p.as_of AND c.ticker = p.ticker
     AND (c.fiscal_year, c.fiscal_quarter) <= (p.fiscal_year, coalesce(p.guided_quarter, 4))
     AND (CASE WHEN p.incl_leases THEN c.capex_incl_finance_leases_usd_m
               ELSE c.capex_usd_m END) IS NOT NULL
    GROUP BY ALL
),

implied AS (
    SELECT
        p.*,
        r.quarters_in_period,
        r.quarters_reported,
        r.reported_to_date_usd_m,
        r.quarters_in_period - r.quarters_reported AS remaining,
        lr.last,
        CASE WHEN r.quarters_in_period > r.quarters_reported
            THEN p.latest.low_usd_m - r.reported_to_date_usd_m END AS implied_low,
        CASE WHEN r.quarters_in_period > r.quarters_reported
            THEN p.point_usd_m - r.reported_to_date_usd_m END AS implied_point,
        CASE WHEN r.quarters_in_period > r.quarters_reported
            THEN p.latest.high_usd_m - r.reported_to_date_usd_m END AS implied_high
    FROM periods AS p
    JOIN reported AS r USING (as_of, ticker, guided_period)
    LEFT JOIN last_reported AS lr USING (as_of, ticker, guided_period)
)

SELECT
    i.as_of,
    i.ticker,
    i.guided_period,
    i.latest.basis AS basis,
    coalesce(
        i.latest.period_start,
        CASE WHEN i.guided_quarter IS NULL THEN fq.fiscal_year_start ELSE fq.period_start END
    ) AS period_start,
    coalesce(
        i.latest.period_end,
        CASE WHEN i.guided_quarter IS NULL THEN fq.fiscal_year_end ELSE fq.period_end END
    ) AS period_end,
    CAST(i.statements AS BIGINT) AS statements,
    i.latest.capex_definition AS capex_definition,
    i.latest.qualifier AS qualifier,
    i.latest.low_usd_m AS low_usd_m,
    i.latest.mid_usd_m AS mid_usd_m,
    i.latest.high_usd_m AS high_usd_m,
    CAST(i.point_usd_m AS DOUBLE) AS point_usd_m,
    i.point_method,
    i.latest.given_on AS given_on,
    CASE
        WHEN i.latest.given_on IS NOT NULL THEN 'given_on'
        WHEN i.latest.given_before IS NOT NULL THEN 'given_before'
        ELSE 'document_date'
    END AS date_basis,
    coalesce(i.latest.given_on, i.latest.given_before, i.latest.reported_on) AS known_since,
    i.latest.given_before AS given_before,
    i.latest.source_title AS source_title,
    starts_with(coalesce(i.latest.source_url, ''), 'seed/') AS from_seed,
    i.previous.low_usd_m AS previous_low_usd_m,
    i.previous.mid_usd_m AS previous_mid_usd_m,
    i.previous.high_usd_m AS previous_high_usd_m,
    CAST(i.previous_point_usd_m AS DOUBLE) AS previous_point_usd_m,
    i.previous.given_on AS previous_given_on,
    i.previous.given_before AS previous_given_before,
    i.previous.capex_definition AS previous_capex_definition,
    i.previous.source_title AS previous_source_title,
    CASE WHEN i.previous.ticker IS NOT NULL
        THEN starts_with(coalesce(i.previous.source_url, ''), 'seed/') END AS previous_from_seed,
    i.latest.low_usd_m - i.previous.low_usd_m AS revision_low_usd_m,
    i.latest.high_usd_m - i.previous.high_usd_m AS revision_high_usd_m,
    CAST(i.point_usd_m - i.previous_point_usd_m AS DOUBLE) AS revision_point_usd_m,
    pct_change(i.point_usd_m, i.previous_point_usd_m)::DOUBLE AS revision_point_pct,
    CASE WHEN i.incl_leases THEN 'incl_finance_leases' ELSE 'cash' END AS actuals_metric,
    CAST(i.quarters_in_period AS BIGINT) AS quarters_in_period,
    CAST(i.quarters_reported AS BIGINT) AS quarters_reported,
    i.reported_to_date_usd_m,
    CASE WHEN i.last IS NOT NULL
        THEN 'FY' || i.last.fiscal_year || 'Q' || i.last.fiscal_quarter END
        AS last_reported_quarter,
    i.last.value AS last_reported_quarter_usd_m,
    CAST(i.implied_low AS DOUBLE) AS implied_remaining_low_usd_m,
    CAST(i.implied_point AS DOUBLE) AS implied_remaining_point_usd_m,
    CAST(i.implied_high AS DOUBLE) AS implied_remaining_high_usd_m,
    CAST(i.implied_point / i.remaining AS DOUBLE) AS implied_per_quarter_point_usd_m,
    pct_change(i.implied_point / i.remaining, i.last.value)::DOUBLE
        AS implied_per_quarter_vs_last_pct,
    CASE WHEN i.remaining = 0
        THEN pct_change(i.reported_to_date_usd_m, i.point_usd_m) END::DOUBLE
        AS reported_vs_point_pct
FROM implied AS i
LEFT JOIN staging.fiscal_quarters AS fq
  ON fq.ticker = i.ticker
 AND fq.fiscal_year = i.fiscal_year
 AND fq.fiscal_quarter = coalesce(i.guided_quarter, 1)

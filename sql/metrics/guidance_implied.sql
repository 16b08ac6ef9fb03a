-- Guidance-implied spend (pipelines/metrics/guidance_implied.py): one row per statement of
-- raw.capex_guidance. "Then" is the capex mart as known on the statement's date
-- (as_of.capex_quarterly at as_of = statement_date: staging.vintages holds every statement
-- date), "today" is marts.capex_quarterly.
WITH statement AS (
    SELECT g.*, g.rowid AS row_id,
           -- given_on, else the day before given_before, else the reporting document's date
           coalesce(g.given_on, (g.given_before - INTERVAL 1 DAY)::DATE, g.reported_on)
               AS statement_date,
           CASE WHEN g.given_on IS NOT NULL THEN 'given_on'
                WHEN g.given_before IS NOT NULL THEN 'given_before'
                ELSE 'document_date' END AS date_basis,
           CAST(substr(g.guided_period, 3, 4) AS BIGINT) AS fy,
           -- FY2025 guides quarters 1-4, FY2026Q1 quarter 1 only
           CASE WHEN length(g.guided_period) = 6 THEN [1, 2, 3, 4]
                ELSE [CAST(substr(g.guided_period, 8, 1) AS BIGINT)] END AS quarters,
           g.capex_definition = 'incl_finance_leases' AS incl_leases,
           -- guidance_point: the stated figure, else the middle of the range, else one bound
           CASE WHEN g.mid_usd_m IS NOT NULL THEN g.mid_usd_m
                WHEN g.low_usd_m IS NOT NULL AND g.high_usd_m IS NOT NULL
                    THEN (g.low_usd_m + g.high_usd_m) / 2.0
                ELSE coalesce(g.low_usd_m, g.high_usd_m) END AS point,
           CASE WHEN c.capex_metric IS NOT NULL AND c.capex_metric <> '' THEN NULL
                ELSE g.ticker || ' has no capex series (no capex_metric in raw.companies)'
           END AS no_series
    FROM raw.capex_guidance AS g
    LEFT JOIN raw.companies AS c USING (ticker)
),
numbered AS (  -- statements of a period in the order they were made (undated first)
    SELECT *,
           row_number() OVER (
               PARTITION BY ticker, guided_period
               -- the old sort key (marts/guidance.py pick_latest_and_previous); a full tie
               -- kept the file's order, so does the row id of raw.capex_guidance
               ORDER BY statement_date IS NOT NULL, statement_date NULLS FIRST,
                        reported_on NULLS FIRST, coalesce(source_title, ''), row_id
           ) AS statement_number,
           count(*) OVER (PARTITION BY ticker, guided_period) AS statements_for_period
    FROM statement
),
numbered_prev AS (
    SELECT *,
           lag(point) OVER (PARTITION BY ticker, guided_period ORDER BY statement_number)
               AS previous_point
    FROM numbered
),
capex_then AS (  -- the definition's capex column, as known on each vintage
    SELECT as_of, ticker, fiscal_year, fiscal_quarter,
           capex_usd_m, capex_incl_finance_leases_usd_m
    FROM as_of.capex_quarterly
),
-- each statement x each quarter of its period (pos: 1-based place in the period), with the
-- capex of the quarter and of the same quarter a year earlier, then and today, and both
-- quarters' last days (from the company's fiscal calendar)
cell AS (
    SELECT s.ticker, s.guided_period, s.statement_number, u.pos, u.q,
           CASE WHEN s.incl_leases THEN t.capex_incl_finance_leases_usd_m
                ELSE t.capex_usd_m END AS then_value,
           CASE WHEN s.incl_leases THEN tp.capex_incl_finance_leases_usd_m
                ELSE tp.capex_usd_m END AS then_prev,
           CASE WHEN s.incl_leases THEN n.capex_incl_finance_leases_usd_m
                ELSE n.capex_usd_m END AS today_value,
           CASE WHEN s.incl_leases THEN np.capex_incl_finance_leases_usd_m
                ELSE np.capex_usd_m END AS today_prev,
           e.period_end AS quarter_end,
           ep.period_end AS prev_quarter_end
    FROM numbered AS s
    CROSS JOIN LATERAL (
        SELECT unnest(s.quarters) AS q, unnest(range(1, len(s.quarters) + 1)) AS pos
    ) AS u
    LEFT JOIN capex_then AS t
        ON t.as_of = s.statement_date AND t.ticker = s.ticker
       AND t.fiscal_year = s.fy AND t.fiscal_quarter = u.q
    LEFT JOIN capex_then AS tp
        ON tp.as_of = s.statement_date AND tp.ticker = s.ticker
       AND tp.fiscal_year = s.fy - 1 AND tp.fiscal_quarter = u.q
    LEFT JOIN marts.capex_quarterly AS n
        ON n.ticker = s.ticker AND n.fiscal_year = s.fy AND n.fiscal_quarter = u.q
    LEFT JOIN marts.capex_quarterly AS np
        ON np.ticker = s.ticker AND np.fiscal_year = s.fy - 1 AND np.fiscal_quarter = u.q
    LEFT JOIN staging.fiscal_quarters AS e
        ON e.ticker = s.ticker AND e.fiscal_year = s.fy AND e.fiscal_quarter = u.q
    LEFT JOIN staging.fiscal_quarters AS ep
        ON ep.ticker = s.ticker AND ep.fiscal_year = s.fy - 1 AND ep.fiscal_quarter = u.q
),
-- published to date: the leading quarters known on the date; the rest remain
cell_published AS (
    SELECT c.*,
           c.pos < coalesce(min(c.pos) FILTER (c.then_value IS NULL) OVER w, 99) AS published,
           max(c.q) FILTER (c.then_value IS NOT NULL) OVER w AS last_known_q
    FROM cell AS c
    WINDOW w AS (PARTITION BY c.ticker, c.guided_period, c.statement_number)
),
per_statement AS (
    SELECT c.ticker, c.guided_period, c.statement_number,
           count(*) AS quarters_in_period,
           count(*) FILTER (c.published) AS quarters_published,
           count(*) FILTER (NOT c.published) AS quarters_remaining,
           string_agg('FY' || s.fy || 'Q' || c.q, ', ' ORDER BY c.pos) FILTER (c.published)
               AS published_quarters,
           string_agg('FY' || s.fy || 'Q' || c.q, ', ' ORDER BY c.pos) FILTER (NOT c.published)
               AS remaining_quarters,
           sum_left_to_right(list(c.then_value ORDER BY c.pos) FILTER (c.published))
               AS published_sum,
           -- unknown on the date while a later quarter of the period is known
           string_agg('FY' || s.fy || 'Q' || c.q, ', ' ORDER BY c.pos)
               FILTER (c.then_value IS NULL AND c.q < coalesce(c.last_known_q, 0)) AS gap,
           -- remaining, ended before the date, yet unknown on it
           string_agg('FY' || s.fy || 'Q' || c.q, ', ' ORDER BY c.pos)
               FILTER (NOT c.published AND c.then_value IS NULL
                       AND c.quarter_end < s.statement_date) AS ended,
           -- the year-earlier quarters of the remaining ones
           string_agg('FY' || (s.fy - 1) || 'Q' || c.q, ', ' ORDER BY c.pos)
               FILTER (NOT c.published) AS year_earlier_quarters,
           CASE WHEN count(c.then_prev) FILTER (NOT c.published)
                     = count(*) FILTER (NOT c.published)
                THEN sum_left_to_right(list(c.then_prev ORDER BY c.pos) FILTER (NOT c.published))
           END AS year_earlier_then,
           -- every remaining year-earlier quarter unknown on the date had ended SETTLED_DAYS
           -- (120) days before it: quarterly results come within ~60 days, annual within ~90,
           -- so today's figure may stand in for one whose source gives no publication date
           s.statement_date IS NOT NULL AND coalesce(bool_and(
               c.prev_quarter_end IS NOT NULL AND s.statement_date - c.prev_quarter_end >= 120
           ) FILTER (NOT c.published AND c.then_prev IS NULL), TRUE) AS year_earlier_settled,
           CASE WHEN count(coalesce(c.then_prev, c.today_prev)) FILTER (NOT c.published)
                     = count(*) FILTER (NOT c.published)
                THEN sum_left_to_right(list(coalesce(c.then_prev, c.today_prev) ORDER BY c.pos)
                                       FILTER (NOT c.published))
           END AS year_earlier_today,
           CASE WHEN count(c.today_value) FILTER (NOT c.published)
                     = count(*) FILTER (NOT c.published)
                THEN sum_left_to_right(list(c.today_value ORDER BY c.pos)
                                       FILTER (NOT c.published))
           END AS actual_remaining,
           CASE WHEN count(c.today_value) = count(*)
                THEN sum_left_to_right(list(c.today_value ORDER BY c.pos))
           END AS actual_period
    FROM cell_published AS c
    JOIN numbered AS s USING (ticker, guided_period, statement_number)
    GROUP BY c.ticker, c.guided_period, c.statement_number, s.statement_date
),
implied AS (
    SELECT s.*, p.* EXCLUDE (ticker, guided_period, statement_number),
           CASE WHEN p.gap IS NOT NULL OR p.ended IS NOT NULL OR s.no_series IS NOT NULL
                    THEN NULL
                ELSE coalesce(p.published_sum, 0.0) END AS published_to_date,
           CASE WHEN p.quarters_remaining = 0 THEN NULL
                WHEN p.year_earlier_then IS NOT NULL THEN p.year_earlier_then
                WHEN p.year_earlier_settled THEN p.year_earlier_today END AS year_earlier,
           CASE WHEN p.quarters_remaining = 0 THEN NULL
                WHEN p.year_earlier_then IS NOT NULL THEN 'published_by_statement_date'
                WHEN p.year_earlier_settled AND p.year_earlier_today IS NOT NULL
                    THEN 'today_for_undated_quarters' END AS year_earlier_basis
    FROM numbered_prev AS s
    JOIN per_statement AS p USING (ticker, guided_period, statement_number)
),
amounts AS (  -- implied remaining = guided total - published to date, when anything remains
    SELECT *,
           CASE WHEN quarters_remaining > 0 THEN low_usd_m - published_to_date END AS imp_low,
           CASE WHEN quarters_remaining > 0 THEN point - published_to_date END AS imp_point,
           CASE WHEN quarters_remaining > 0 THEN high_usd_m - published_to_date END AS imp_high
    FROM implied
)
SELECT ticker, guided_period,
       CAST(statement_number AS BIGINT) AS statement_number,
       CAST(statements_for_period AS BIGINT) AS statements_for_period,
       statement_number = statements_for_period AS is_latest,
       statement_date,
       date_basis,
       capex_definition,
       CASE WHEN incl_leases THEN 'incl_finance_leases' ELSE 'cash capex' END AS actuals_metric,
       qualifier,
       low_usd_m, mid_usd_m, high_usd_m,
       point::DOUBLE AS point_usd_m,
       previous_point::DOUBLE AS previous_point_usd_m,
       (point - previous_point)::DOUBLE AS revision_point_usd_m,
       CAST(quarters_in_period AS BIGINT) AS quarters_in_period,
       CAST(quarters_published AS BIGINT) AS quarters_published,
       published_quarters,
       published_to_date::DOUBLE AS published_to_date_usd_m,
       remaining_quarters,
       imp_low::DOUBLE AS implied_remaining_low_usd_m,
       imp_point::DOUBLE AS implied_remaining_point_usd_m,
       imp_high::DOUBLE AS implied_remaining_high_usd_m,
       (imp_point / quarters_remaining)::DOUBLE AS implied_per_quarter_point_usd_m,
       year_earlier::DOUBLE AS year_earlier_quarters_usd_m,
       year_earlier_basis,
       -- growth over a zero or negative base says nothing
       CASE WHEN year_earlier > 0 THEN (imp_low / year_earlier - 1.0) * 100.0 END::DOUBLE
           AS implied_growth_low_pct,
       CASE WHEN year_earlier > 0 THEN (imp_point / year_earlier - 1.0) * 100.0 END::DOUBLE
           AS implied_growth_point_pct,
       CASE WHEN year_earlier > 0 THEN (imp_high / year_earlier - 1.0) * 100.0 END::DOUBLE
           AS implied_growth_high_pct,
       actual_period IS NOT NULL AS is_period_reported,
       actual_remaining::DOUBLE AS actual_remaining_usd_m,
       actual_period::DOUBLE AS actual_period_usd_m,
       CASE WHEN imp_point > 0 THEN (actual_remaining / imp_point - 1.0) * 100.0 END::DOUBLE
           AS actual_vs_implied_point_pct,
       nullif(concat_ws('; ',
           CASE
               WHEN no_series IS NOT NULL THEN 'capex published to date unknown: ' || no_series
               WHEN ended IS NOT NULL AND gap IS NULL THEN
                   'capex published to date unknown: ' || ended || ' ended before '
                   || statement_date || ' but has no figure dated on or before it (undated, '
                   || 'missing or not yet published)'
               WHEN gap IS NOT NULL THEN
                   'capex published to date unknown: ' || gap || ' had no figure dated on or '
                   || 'before ' || coalesce(CAST(statement_date AS VARCHAR), 'None')
                   || ' while a later quarter of the period had (undated or later-dated figure)'
               WHEN imp_point IS NULL THEN
                   'implied: ' || CASE WHEN quarters_remaining = 0
                                           THEN 'every quarter of the period was already published'
                                       WHEN point IS NULL THEN 'no such bound in the statement'
                                       ELSE 'capex published to date unknown' END
           END,
           CASE WHEN quarters_remaining > 0 AND year_earlier IS NULL THEN
                'year-earlier quarters (' || year_earlier_quarters || ') not all known: no '
                || 'figure dated on or before ' || coalesce(CAST(statement_date AS VARCHAR), 'None')
                || ', and not reported 120 days before it' END
       ), '') AS missing_reason,
       source_title
FROM amounts

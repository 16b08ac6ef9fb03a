-- Who captures the capex (pipelines/metrics/supplier_capture.py): per calendar quarter and
-- spender group, the supplier group's AI / data-center revenue against the spenders' capex.
-- The groups and revenue metrics are configuration (pipelines/metrics/config.toml, loaded
-- into staging.metrics_config: one row per list element, `position` = order in the file),
-- resolved against raw.groups here.
WITH supplier_group AS (  -- the first candidate raw.groups defines
    SELECT value AS group_name
    FROM staging.metrics_config
    WHERE section = 'supplier_capture' AND key = 'supplier_group'
      AND value IN (SELECT group_name FROM raw.groups)
    ORDER BY position
    LIMIT 1
),
spender_group AS (  -- every configured one raw.groups defines (the others are skipped)
    SELECT DISTINCT value AS group_name
    FROM staging.metrics_config
    WHERE section = 'supplier_capture' AND key = 'spender_groups'
      AND value IN (SELECT group_name FROM raw.groups)
),
supplier_metric AS (  -- first found wins per company and quarter
    SELECT value AS metric, min(position) AS rank
    FROM staging.metrics_config
    WHERE section = 'supplier_capture' AND key = 'supplier_metrics'
    GROUP BY value
),
supplier AS (
    SELECT DISTINCT m.ticker
    FROM raw.group_members AS m
    JOIN supplier_group AS g USING (group_name)
),
revenue AS (  -- a supplier's revenue per quarter: the best-ranked metric it has a value for
    SELECT c.ticker, quarter_index(c.calendar_quarter) AS qi, c.metric, c.value_usd_m AS value
    FROM marts.company_quarterly AS c
    JOIN supplier USING (ticker)
    JOIN supplier_metric AS m USING (metric)
    WHERE c.value_usd_m IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY c.ticker, c.calendar_quarter ORDER BY m.rank) = 1
),
quarter AS (  -- from the first to the last quarter any supplier has revenue
    SELECT unnest(range(min(qi), max(qi) + 1)) AS qi FROM revenue HAVING count(*) > 0
),
supplied AS (
    SELECT q.qi,
           count(r.ticker) AS suppliers_present,
           -- summed in ticker order, like the old code (exact for non-whole figures too)
           sum_left_to_right(list(r.value ORDER BY s.ticker) FILTER (r.ticker IS NOT NULL))
               AS total,
           string_agg(s.ticker || ': ' || r.metric || ' ' || format('{:,.0f}', r.value), '; '
                      ORDER BY s.ticker) FILTER (r.ticker IS NOT NULL) AS suppliers_listed,
           string_agg(s.ticker, ', ' ORDER BY s.ticker) FILTER (r.ticker IS NULL)
               AS suppliers_missing
    FROM quarter AS q
    CROSS JOIN supplier AS s
    LEFT JOIN revenue AS r ON r.ticker = s.ticker AND r.qi = q.qi
    GROUP BY q.qi
),
capex AS (
    SELECT group_name, quarter_index(calendar_quarter) AS qi, total_usd_m, incomplete_reason
    FROM marts.group_quarterly
    WHERE metric = 'capex'
),
paired AS (
    SELECT s.*, sp.group_name AS spender_group,
           now.total_usd_m AS spend, now.group_name IS NOT NULL AS has_now,
           now.incomplete_reason AS now_reason,
           before.total_usd_m AS spend_before, before.group_name IS NOT NULL AS has_before,
           before.incomplete_reason AS before_reason
    FROM supplied AS s
    CROSS JOIN spender_group AS sp
    LEFT JOIN capex AS now ON now.group_name = sp.group_name AND now.qi = s.qi
    LEFT JOIN capex AS before ON before.group_name = sp.group_name AND before.qi = s.qi - 1
)
SELECT quarter_label(p.qi) AS calendar_quarter,
       (SELECT group_name FROM supplier_group) AS supplier_group,
       p.spender_group,
       CAST((SELECT count(*) FROM supplier) AS BIGINT) AS suppliers_expected,
       CAST(p.suppliers_present AS BIGINT) AS suppliers_present,
       p.suppliers_listed,
       p.suppliers_missing,
       p.total::DOUBLE AS supplier_ai_revenue_usd_m,
       p.spend::DOUBLE AS spender_capex_usd_m,
       formula_ratio_pct(p.total, p.spend, TRUE)::DOUBLE AS supplier_revenue_to_capex_pct,
       p.spend_before::DOUBLE AS spender_capex_prev_quarter_usd_m,
       formula_ratio_pct(p.total, p.spend_before, TRUE)::DOUBLE
           AS supplier_revenue_to_prev_quarter_capex_pct,
       -- a NULL ratio over a zero or negative capex total gets no reason (as before)
       nullif(concat_ws(' | ',
           CASE WHEN p.total IS NULL THEN
                'no supplier of ' || (SELECT group_name FROM supplier_group)
                || ' has AI revenue for ' || quarter_label(p.qi) END,
           CASE WHEN p.spend IS NULL THEN
                p.spender_group || ' capex ' || quarter_label(p.qi) || ': '
                || CASE WHEN p.has_now AND coalesce(p.now_reason, '') <> '' THEN p.now_reason
                        ELSE 'no capex total for the quarter' END END,
           CASE WHEN p.spend_before IS NULL THEN
                p.spender_group || ' capex ' || quarter_label(p.qi - 1) || ': '
                || CASE WHEN p.has_before AND coalesce(p.before_reason, '') <> ''
                        THEN p.before_reason
                        ELSE 'no capex total for the quarter' END END
       ), '') AS missing_reason
FROM paired AS p

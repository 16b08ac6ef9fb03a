-- Every member of every group (raw.group_members), per metric summed per group and calendar
-- quarter, as known at each vintage: the member's figure from as_of.company_quarterly, or why it
-- has none, and its share of the group total.
--
-- The quarters of a (group, metric) run from the first to the last quarter any member has a
-- row for (with or without a figure), gaps included, so a member missing in the middle of the
-- span shows up with its reason.
WITH group_metrics AS (
    -- flows in USD m whose sum across companies is meaningful (sql/macros/vocabulary.sql)
    SELECT unnest(group_metrics()) AS metric
),

company AS (
    SELECT
        cq.as_of, cq.ticker, cq.metric, cq.calendar_quarter, cq.value_usd_m, cq.definition,
        cq.is_derived, cq.missing_reason
    FROM as_of.company_quarterly AS cq
    JOIN group_metrics USING (metric)
),

-- a company's series of a metric, at a vintage (to tell "outside its span" from "no series")
series AS (
    SELECT DISTINCT as_of, ticker, metric FROM company
),

spans AS (
    SELECT
        c.as_of, gm.group_name, c.metric,
        min(quarter_index(c.calendar_quarter)) AS first_index,
        max(quarter_index(c.calendar_quarter)) AS last_index
    FROM company AS c
    JOIN raw.group_members AS gm USING (ticker)
    GROUP BY ALL
),

grid AS (
    SELECT
        s.as_of,
        s.group_name,
        s.metric,
        quarter_label(q.idx) AS calendar_quarter,
        gm.ticker,
        c.value_usd_m,
        c.definition,
        c.is_derived,
        CASE
            WHEN c.value_usd_m IS NOT NULL THEN NULL
            WHEN c.ticker IS NOT NULL THEN c.missing_reason
            WHEN se.ticker IS NOT NULL
                THEN s.metric || ' ' || quarter_label(q.idx) || ' outside the company''s reported span'
            ELSE 'no ' || s.metric || ' series for this company'
        END AS missing_reason
    FROM spans AS s
    CROSS JOIN LATERAL (SELECT unnest(range(s.first_index, s.last_index + 1)) AS idx) AS q
    JOIN raw.group_members AS gm ON gm.group_name = s.group_name
    LEFT JOIN company AS c
        ON c.as_of = s.as_of
       AND c.ticker = gm.ticker
       AND c.metric = s.metric
       AND c.calendar_quarter = quarter_label(q.idx)
    LEFT JOIN series AS se
        ON se.as_of = s.as_of AND se.ticker = gm.ticker AND se.metric = s.metric
),

-- the group total only when every member has a figure (never a partial sum), added in ticker
-- order with Kahan summation as polars did (bit-equal totals of non-whole figures)
totals AS (
    SELECT
        as_of, group_name, metric, calendar_quarter,
        CASE WHEN count(value_usd_m) = count(*)
            THEN sum_kahan(list(value_usd_m ORDER BY ticker))
        END AS total_usd_m
    FROM grid
    GROUP BY ALL
)

SELECT
    g.as_of,
    g.group_name,
    g.metric,
    g.calendar_quarter,
    g.ticker,
    g.value_usd_m,
    g.definition,
    g.is_derived,
    share_pct(g.value_usd_m, t.total_usd_m)::DOUBLE AS share_pct,
    g.missing_reason
FROM grid AS g
JOIN totals AS t USING (as_of, group_name, metric, calendar_quarter)

-- Group totals per metric and calendar quarter, at each vintage, from the member rows of
-- marts.group_member_quarterly (one grid of members x quarters, defined there): the total
-- only when every member has a figure (never a partial sum), else the members missing and
-- why; QoQ / YoY growth of the total and the trailing-twelve-month sum, looked up by quarter
-- label (a gap in the quarters gives NULL, never the wrong base).
WITH totals AS (
    SELECT
        as_of,
        group_name,
        metric,
        calendar_quarter,
        count(*) AS members_expected,
        count(value_usd_m) AS members_reported,
        count(value_usd_m) = count(*) AS is_complete,
        string_agg(ticker, ', ' ORDER BY ticker) FILTER (WHERE value_usd_m IS NULL)
            AS missing_members,
        string_agg(ticker || ': ' || missing_reason, ' | ' ORDER BY ticker || ': ' || missing_reason)
            FILTER (WHERE value_usd_m IS NULL) AS incomplete_reason,
        -- members added in ticker order, as polars did (bit-equal for non-whole figures)
        sum_kahan(list(value_usd_m ORDER BY ticker) FILTER (WHERE value_usd_m IS NOT NULL))
            AS sum_usd_m
    FROM as_of.group_member_quarterly
    GROUP BY ALL
),

complete AS (
    SELECT
        as_of, group_name, metric, calendar_quarter,
        quarter_index(calendar_quarter) AS idx,
        members_expected, members_reported, is_complete,
        CASE WHEN NOT is_complete THEN missing_members END AS missing_members,
        CASE WHEN NOT is_complete THEN coalesce(incomplete_reason, '') END AS incomplete_reason,
        CASE WHEN is_complete THEN sum_usd_m END AS total_usd_m
    FROM totals
),

-- TTM: the quarter and the three before, all four present, added newest first (Python's sum)
with_ttm AS (
    SELECT
        t.*,
        t.total_usd_m + q1.total_usd_m + q2.total_usd_m + q3.total_usd_m AS ttm_usd_m
    FROM complete AS t
    LEFT JOIN complete AS q1
        ON q1.as_of = t.as_of AND q1.group_name = t.group_name AND q1.metric = t.metric
       AND q1.idx = t.idx - 1
    LEFT JOIN complete AS q2
        ON q2.as_of = t.as_of AND q2.group_name = t.group_name AND q2.metric = t.metric
       AND q2.idx = t.idx - 2
    LEFT JOIN complete AS q3
        ON q3.as_of = t.as_of AND q3.group_name = t.group_name AND q3.metric = t.metric
       AND q3.idx = t.idx - 3
)

SELECT
    t.as_of,
    t.group_name,
    t.metric,
    t.calendar_quarter,
    CAST(t.members_expected AS BIGINT) AS members_expected,
    CAST(t.members_reported AS BIGINT) AS members_reported,
    t.is_complete,
    t.missing_members,
    t.incomplete_reason,
    t.total_usd_m,
    pct_change(t.total_usd_m, prev_q.total_usd_m)::DOUBLE AS qoq_pct,
    pct_change(t.total_usd_m, prev_y.total_usd_m)::DOUBLE AS yoy_pct,
    t.ttm_usd_m,
    pct_change(t.ttm_usd_m, prev_y.ttm_usd_m)::DOUBLE AS ttm_yoy_pct
FROM with_ttm AS t
LEFT JOIN with_ttm AS prev_q
    ON prev_q.as_of = t.as_of AND prev_q.group_name = t.group_name AND prev_q.metric = t.metric
   AND prev_q.idx = t.idx - 1
LEFT JOIN with_ttm AS prev_y
    ON prev_y.as_of = t.as_of AND prev_y.group_name = t.group_name AND prev_y.metric = t.metric
   AND prev_y.idx = t.idx - 4

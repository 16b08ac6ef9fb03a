-- Cash coverage per company and group, per calendar quarter and on trailing twelve months
-- (pipelines/metrics/ratios.py): capex / operating cash flow, % (NULL over a zero or negative
-- operating cash flow) and free cash flow after capex. The same shape as
-- metrics.capex_intensity and metrics.depreciation_vs_capex: only the `pair` CTE and the final
-- SELECT differ between the three files.
WITH pair AS (
    SELECT 'capex' AS numerator_metric, 'operating_cash_flow' AS denominator_metric,
           TRUE AS positive_denominator
),
metric AS (  -- the two figures, in the order the old code lists their reasons
    SELECT numerator_metric AS metric, 0 AS metric_pos FROM pair
    UNION ALL
    SELECT denominator_metric, 1 FROM pair
),
window_size AS (
    SELECT * FROM (VALUES ('quarter', 1), ('ttm', 4)) AS w(period, quarters)
),
figure AS (
    SELECT c.ticker, c.metric, quarter_index(c.calendar_quarter) AS qi, c.calendar_quarter,
           c.value_usd_m, c.missing_reason
    FROM marts.company_quarterly AS c
    JOIN metric AS m USING (metric)
),
series AS (
    SELECT DISTINCT ticker, metric FROM figure
),
-- companies with a series of both figures
company AS (
    SELECT ticker FROM series GROUP BY ticker HAVING count(*) = 2
),
-- a company is its own single member; a group counts every member, and gets rows when at
-- least one member has both series (a group of chip suppliers gets no capex rows)
entity_member AS (
    SELECT 'company' AS entity_type, ticker AS entity, ticker AS member FROM company
    UNION ALL
    SELECT 'group', g.group_name, g.ticker
    FROM raw.group_members AS g
    WHERE g.group_name IN (
        SELECT group_name FROM raw.group_members WHERE ticker IN (SELECT ticker FROM company)
    )
),
-- rows run from the first to the last quarter any member with both series has a figure
-- (NULL or not) of either metric
span AS (
    SELECT e.entity_type, e.entity, min(f.qi) AS first_qi, max(f.qi) AS last_qi
    FROM entity_member AS e
    JOIN figure AS f ON f.ticker = e.member AND e.member IN (SELECT ticker FROM company)
    GROUP BY ALL
),
definition AS (  -- each company's capex definition as company_quarterly names it (one per
    -- company: the old code took its first non-empty capex row's)
    SELECT ticker, min(definition) AS definition
    FROM marts.company_quarterly
    WHERE metric = 'capex' AND definition <> ''
    GROUP BY ticker
),
entity AS (
    SELECT e.entity_type, e.entity, count(*) AS members_expected,
           CASE WHEN e.entity_type = 'company'
                THEN coalesce(any_value(d.definition), 'no capex series')
                ELSE string_agg(e.member || ': ' || coalesce(d.definition, 'no capex series'),
                                '; ' ORDER BY e.member)
           END AS capex_definitions
    FROM entity_member AS e
    LEFT JOIN definition AS d ON d.ticker = e.member
    GROUP BY e.entity_type, e.entity
),
grid AS (  -- entity x calendar quarter (the window's last) x window
    SELECT s.entity_type, s.entity, q.qi, w.period, w.quarters
    FROM span AS s
    CROSS JOIN LATERAL (SELECT unnest(range(s.first_qi, s.last_qi + 1)) AS qi) AS q
    CROSS JOIN window_size AS w
),
-- every member, figure and quarter of every window: the value or why there is none
cell AS (
    SELECT g.entity_type, g.entity, g.qi, g.period, g.quarters, e.member, m.metric,
           m.metric_pos, o.offset_pos, f.value_usd_m AS value,
           CASE
               WHEN f.value_usd_m IS NOT NULL THEN NULL
               WHEN f.ticker IS NOT NULL THEN
                   m.metric || ' ' || quarter_label(g.qi - g.quarters + 1 + o.offset_pos) || ': '
                   || coalesce(nullif(f.missing_reason, ''), 'not reported')
               WHEN s.ticker IS NOT NULL THEN
                   m.metric || ' ' || quarter_label(g.qi - g.quarters + 1 + o.offset_pos)
                   || ' outside ' || e.member || '''s reported span'
               ELSE 'no ' || m.metric || ' series for ' || e.member
           END AS reason
    FROM grid AS g
    JOIN entity_member AS e USING (entity_type, entity)
    CROSS JOIN metric AS m
    CROSS JOIN LATERAL (SELECT unnest(range(g.quarters)) AS offset_pos) AS o
    LEFT JOIN figure AS f
        ON f.ticker = e.member AND f.metric = m.metric
       AND f.qi = g.qi - g.quarters + 1 + o.offset_pos
    LEFT JOIN series AS s ON s.ticker = e.member AND s.metric = m.metric
),
-- a member's figure over the window: every quarter needed, summed oldest first
member_sum AS (
    SELECT entity_type, entity, qi, period, member,
           CASE WHEN count(value) FILTER (metric_pos = 0) = any_value(quarters)
                THEN sum_left_to_right(list(value ORDER BY offset_pos) FILTER (metric_pos = 0))
           END AS numerator,
           CASE WHEN count(value) FILTER (metric_pos = 1) = any_value(quarters)
                THEN sum_left_to_right(list(value ORDER BY offset_pos) FILTER (metric_pos = 1))
           END AS denominator
    FROM cell
    GROUP BY ALL
),
-- a member's reasons, each once, in the order first met (numerator's quarters, then the
-- denominator's); a group's are prefixed with the member
member_reason AS (
    SELECT entity_type, entity, qi, period, member,
           string_agg(CASE WHEN entity_type = 'group' THEN member || ': ' || reason
                           ELSE reason END,
                      ' | ' ORDER BY pos) AS reasons
    FROM (
        SELECT entity_type, entity, qi, period, member, reason,
               min(metric_pos * 10 + offset_pos) AS pos
        FROM cell
        WHERE reason IS NOT NULL
        GROUP BY ALL
    )
    GROUP BY ALL
),
-- the entity's sums: only when every member has the figure (never a partial sum)
summed AS (
    SELECT s.entity_type, s.entity, s.qi, s.period,
           count(*) FILTER (s.numerator IS NOT NULL AND s.denominator IS NOT NULL)
               AS members_complete,
           string_agg(s.member, ', ' ORDER BY s.member)
               FILTER (s.numerator IS NULL OR s.denominator IS NULL) AS missing_members,
           CASE WHEN count(s.numerator) = count(*)
                THEN sum_left_to_right(list(s.numerator ORDER BY s.member)) END AS numerator,
           CASE WHEN count(s.denominator) = count(*)
                THEN sum_left_to_right(list(s.denominator ORDER BY s.member)) END AS denominator,
           string_agg(r.reasons, ' | ' ORDER BY s.member) AS input_reason
    FROM member_sum AS s
    LEFT JOIN member_reason AS r USING (entity_type, entity, qi, period, member)
    GROUP BY ALL
),
ratio AS (
    SELECT s.*,
           formula_ratio_pct(s.numerator, s.denominator, p.positive_denominator) AS ratio_pct,
           CASE WHEN formula_ratio_pct(s.numerator, s.denominator, p.positive_denominator)
                     IS NULL
                THEN coalesce(s.input_reason,
                              formula_ratio_pct_reason(s.numerator, s.denominator,
                                                       p.numerator_metric, p.denominator_metric,
                                                       p.positive_denominator))
           END AS ratio_reason
    FROM summed AS s
    CROSS JOIN pair AS p
)
SELECT r.entity_type, r.entity, quarter_label(r.qi) AS calendar_quarter, r.period,
       CAST(e.members_expected AS BIGINT) AS members_expected,
       CAST(r.members_complete AS BIGINT) AS members_complete,
       r.missing_members,
       r.numerator::DOUBLE AS capex_usd_m,
       r.denominator::DOUBLE AS operating_cash_flow_usd_m,
       r.ratio_pct::DOUBLE AS capex_to_ocf_pct,
       -- vs the same window ending four quarters earlier (a row of this table)
       (r.ratio_pct - earlier.ratio_pct)::DOUBLE AS capex_to_ocf_yoy_change_pp,
       (r.denominator - r.numerator)::DOUBLE AS fcf_after_capex_usd_m,
       e.capex_definitions,
       -- the ratio's reason, else the free cash flow's (in practice the first: free cash flow
       -- is missing only when an input is, and then so is the ratio)
       coalesce(r.ratio_reason,
                CASE WHEN r.denominator IS NULL OR r.numerator IS NULL THEN
                     coalesce(r.input_reason,
                              concat_ws(' and ',
                                        CASE WHEN r.denominator IS NULL
                                             THEN 'operating_cash_flow' END,
                                        CASE WHEN r.numerator IS NULL THEN 'capex' END)
                              || ' missing')
                END) AS missing_reason
FROM ratio AS r
JOIN entity AS e USING (entity_type, entity)
LEFT JOIN ratio AS earlier
    ON earlier.entity_type = r.entity_type AND earlier.entity = r.entity
   AND earlier.period = r.period AND earlier.qi = r.qi - 4

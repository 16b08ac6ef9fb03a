-- Coverage of each fiscal year (sec.fiscal_year_coverage; see docs/sec.md). Inputs:
-- __sec_quarterly (latest series of sql/sec/quarterly.sql), __sec_vintages, __sec_fiscal_years,
-- __sec_facts (every fact: which filings exist), __sec_concepts.
-- Output: one row per ticker x metric x fiscal year from the first to the last fiscal year
-- holding a fact of the metric.
--
-- status
--   complete      four quarters that sum to the full year within the tolerance
--   mismatch      four quarters that do not
--   no_full_year  four quarters, no full-year fact to check them against
--   incomplete    a quarter is missing although its filing is in the file (or no filing is)
--   open          only quarters not filed yet are missing (the year is still running)
--   annual_only   the company files annual reports only (20-F, 40-F): no quarter exists
--   no_data       no fact of the metric's concepts at all (fiscal_year is empty)
-- tolerance = 2.5 x the coarsest precision of the quarters and the full year (five
-- figures, each rounded by up to half its last printed unit).
WITH metrics AS (
    SELECT gid, any_value(ticker) AS ticker, any_value(metric) AS metric,
           any_value(taxonomy) AS taxonomy, any_value(unit) AS unit,
           string_agg(concept, ', ' ORDER BY priority) AS concepts
    FROM __sec_concepts
    GROUP BY gid
),
top AS (
    SELECT sid, fiscal_year, q_from, q_to, max(vintage) AS vintage
    FROM __sec_vintages
    GROUP BY ALL
),
spans AS (  -- latest vintage of every span, with its concept
    SELECT m.gid, m.concept, m.priority, v.*
    FROM __sec_vintages AS v
    JOIN top USING (sid, fiscal_year, q_from, q_to, vintage)
    JOIN __sec_concepts AS m USING (sid)
),
year_range AS (
    SELECT gid, min(fiscal_year) AS lo, max(fiscal_year) AS hi FROM spans GROUP BY gid
),
years AS (
    SELECT m.gid, m.ticker, m.metric, m.taxonomy, m.unit, m.concepts, y.fiscal_year, y.fy_start,
           y.fy_end, (date_diff('day', y.fy_start, y.fy_end) + 1) / 4.0 AS qlen
    FROM year_range AS r
    JOIN metrics AS m USING (gid)
    JOIN __sec_fiscal_years AS y
      ON y.ticker = m.ticker AND y.fiscal_year BETWEEN r.lo AND r.hi
),
filings AS (  -- periodic reports in the file, each with the end of its own period: that of
              -- its latest duration fact ended before it was filed (comparative columns end
              -- earlier; a period after the report, e.g. repurchases to date, is left out)
    SELECT ticker, accn, form, filed, max("end") FILTER (WHERE "end" < filed) AS report_end
    FROM __sec_facts
    WHERE "start" IS NOT NULL
      AND (form LIKE '10-Q%' OR form LIKE '10-K%' OR form LIKE '20-F%' OR form LIKE '40-F%')
    GROUP BY ALL
),
company AS (
    SELECT ticker, max(filed) AS last_filed, min(filed) AS first_filed,
           count(DISTINCT accn) FILTER (WHERE form LIKE '10-Q%') AS quarterly_filings,
           string_agg(DISTINCT form, ', ' ORDER BY form) AS forms
    FROM filings
    GROUP BY ticker
),
quarters AS (
    SELECT ticker, metric, fiscal_year, count(*) AS n,
           string_agg(CAST(fiscal_quarter AS VARCHAR), ',' ORDER BY fiscal_quarter) AS present,
           sum(value) AS total, min(decimals) AS decimals,
           string_agg(DISTINCT concept, ', ' ORDER BY concept) AS quarter_concepts,
           count(*) FILTER (WHERE vintage = 'earlier_consistent') AS earlier_vintage,
           count(*) FILTER (WHERE vintage = 'mixed_basis') AS mixed_basis
    FROM __sec_quarterly
    GROUP BY ALL
),
full_year AS (  -- the full year of the highest-priority concept that has one
    SELECT gid, fiscal_year, arg_min(fact.val, priority) AS val,
           arg_min(concept, priority) AS concept, arg_min(prec, priority) AS prec
    FROM spans
    WHERE q_from = 1 AND q_to = 4
    GROUP BY ALL
),
year_concepts AS (  -- concepts of the quarters kept and of the full year
    SELECT gid, fiscal_year, string_agg(DISTINCT concept, ', ' ORDER BY concept) AS concepts_used
    FROM (
        SELECT m.gid, q.fiscal_year, q.concept
        FROM __sec_quarterly AS q JOIN metrics AS m USING (ticker, metric)
        UNION ALL
        SELECT gid, fiscal_year, concept FROM full_year
    )
    GROUP BY ALL
),
restated AS (  -- spans of the year whose value changed after its first report
    SELECT gid, fiscal_year,
           string_agg(
               printf('%s (%s) %s restated (vintage %d, %s %s filed %s)',
                      CASE WHEN q_from = q_to THEN 'Q' || q_to
                           WHEN q_from = 1 THEN (CASE q_to WHEN 2 THEN 'H1' WHEN 3 THEN '9M'
                                                 ELSE 'FY' END)
                           ELSE 'Q' || q_from || '-Q' || q_to END,
                      concept, format('{:,.1f} m', fact.val / 1e6), vintage, fact.form,
                      fact.accn, CAST(fact.filed AS VARCHAR)),
               '; ' ORDER BY q_from, q_to) AS what
    FROM spans
    WHERE vintage > 0
    GROUP BY ALL
),
span_names AS (
    SELECT * FROM (VALUES (1, 1, '3M'), (1, 2, 'H1'), (1, 3, '9M'), (1, 4, 'FY'))
        AS t(q_from, q_to, label)
),
slots AS (  -- each quarter of each year, with the first periodic report of that period (a
            -- later report's comparative column is not the filing that lacks the quarter)
    SELECT y.*, r.q, CAST(y.fy_start + CAST(round(r.q * y.qlen) AS INTEGER) - 1 AS DATE) AS q_end,
           (SELECT arg_min(printf('%s %s (filed %s)', f.form, f.accn, CAST(f.filed AS VARCHAR)),
                           f.filed)
            FROM filings AS f
            WHERE f.ticker = y.ticker
              AND abs(date_diff('day', f.report_end,
                                y.fy_start + CAST(round(r.q * y.qlen) AS INTEGER) - 1)) <= 10
              AND f.filed > y.fy_start + CAST(round(r.q * y.qlen) AS INTEGER) - 1
              AND (f.form LIKE '10-Q%') = (r.q < 4)
           ) AS filing
    FROM years AS y, range(1, 5) AS r(q)
),
missing AS (
    SELECT s.gid, s.fiscal_year, s.q, s.q_end, s.concepts, s.filing, c.last_filed,
           c.first_filed, prev.filing AS prev_filing,
           (SELECT string_agg(coalesce(n.label, 'Q' || p.q_from || '-Q' || p.q_to), ', '
                              ORDER BY p.q_from)
            FROM spans AS p LEFT JOIN span_names AS n USING (q_from, q_to)
            WHERE p.gid = s.gid AND p.fiscal_year = s.fiscal_year AND p.q_to = s.q
           ) AS legs_ending_here,
           ytd.label AS long_leg, short.label AS short_leg,
           EXISTS (SELECT 1 FROM spans AS p WHERE p.gid = s.gid
                   AND p.fiscal_year = s.fiscal_year AND p.q_from = 1 AND p.q_to = s.q)
               AS has_long
    FROM slots AS s
    JOIN company AS c USING (ticker)
    LEFT JOIN slots AS prev ON prev.gid = s.gid AND prev.fiscal_year = s.fiscal_year
                           AND prev.q = s.q - 1
    LEFT JOIN span_names AS ytd ON ytd.q_from = 1 AND ytd.q_to = s.q
    LEFT JOIN span_names AS short ON short.q_from = 1 AND short.q_to = s.q - 1
    LEFT JOIN __sec_quarterly AS x
      ON x.ticker = s.ticker AND x.metric = s.metric AND x.fiscal_year = s.fiscal_year
     AND x.fiscal_quarter = s.q
    WHERE x.fiscal_quarter IS NULL
),
missing_reasons AS (
    SELECT gid, fiscal_year,
           string_agg(CAST(q AS VARCHAR), ',' ORDER BY q) AS missing,
           bool_and(q_end > last_filed) AS only_unfiled,
           string_agg(
               'Q' || q || ': ' || CASE
                   WHEN q_end > last_filed
                       THEN 'not filed yet (latest filing in the file: '
                            || CAST(last_filed AS VARCHAR) || ')'
                   WHEN q > 1 AND has_long
                       THEN long_leg || ' present but no ' || short_leg || ' and no 3M: '
                            || CASE WHEN prev_filing IS NULL
                                    THEN 'no filing for Q' || (q - 1) || ' in the file (first: '
                                         || CAST(first_filed AS VARCHAR) || ')'
                                    ELSE 'no standard concept in that filing: ' || prev_filing
                                         || ' tags none of ' || concepts || ' for '
                                         || short_leg END
                   WHEN filing IS NULL
                       THEN 'no filing for this quarter in the file (first: '
                            || CAST(first_filed AS VARCHAR) || ')'
                   ELSE 'no standard concept in that filing: ' || filing || ' tags none of '
                        || concepts || ' for the quarter'
                        || CASE WHEN q > 1 THEN ' or its year-to-date legs' ELSE '' END
                        || coalesce(' (only ' || legs_ending_here || ' ending there)', '')
               END,
               '; ' ORDER BY q) AS why
    FROM missing
    GROUP BY ALL
),
joined AS (
    SELECT y.ticker, y.metric, y.taxonomy, y.unit, y.concepts, y.fiscal_year, y.fy_start, y.fy_end,
           coalesce(q.n, 0) AS quarters, q.present, q.total, q.decimals, q.quarter_concepts,
           q.earlier_vintage, q.mixed_basis, fy.val AS full_year, fy.concept AS full_year_concept,
           fy.prec AS full_year_prec, mr.missing, mr.only_unfiled, mr.why, rs.what AS restated,
           yc.concepts_used,
           lag(yc.concepts_used) OVER (PARTITION BY y.gid ORDER BY y.fiscal_year) AS prev_used,
           c.quarterly_filings, c.forms
    FROM years AS y
    JOIN company AS c USING (ticker)
    LEFT JOIN quarters AS q
      ON q.ticker = y.ticker AND q.metric = y.metric AND q.fiscal_year = y.fiscal_year
    LEFT JOIN full_year AS fy ON fy.gid = y.gid AND fy.fiscal_year = y.fiscal_year
    LEFT JOIN missing_reasons AS mr ON mr.gid = y.gid AND mr.fiscal_year = y.fiscal_year
    LEFT JOIN restated AS rs ON rs.gid = y.gid AND rs.fiscal_year = y.fiscal_year
    LEFT JOIN year_concepts AS yc ON yc.gid = y.gid AND yc.fiscal_year = y.fiscal_year
),
judged AS (
    SELECT *,
           2.5 * greatest(power(10, -coalesce(decimals, 0)), coalesce(full_year_prec, 1))
               AS tolerance,
           CASE WHEN quarters = 4 AND full_year IS NOT NULL THEN total - full_year END
               AS difference,
           CASE WHEN concepts_used LIKE '%,%'
                    THEN 'concept switch within the year: ' || concepts_used
                WHEN prev_used IS NOT NULL AND prev_used <> concepts_used
                    THEN 'concept switch: ' || prev_used || ' before, ' || concepts_used
                         || ' from this year'
           END AS switch_note
    FROM joined
)
SELECT ticker, metric, fiscal_year, fy_start, fy_end, CAST(quarters AS BIGINT) AS quarters,
       present AS quarters_present, missing AS quarters_missing,
       CASE WHEN unit_usd THEN total / 1e6 END AS quarters_sum_usd_m,
       CASE WHEN unit_usd THEN full_year / 1e6 END AS full_year_usd_m,
       total AS quarters_sum, full_year, difference, tolerance,
       CASE WHEN difference IS NOT NULL THEN abs(difference) <= tolerance END
           AS sums_to_full_year,
       full_year_concept, concepts_used,
       CASE
           WHEN quarterly_filings = 0 THEN 'annual_only'
           WHEN quarters = 4 AND difference IS NULL THEN 'no_full_year'
           WHEN quarters = 4 AND abs(difference) <= tolerance THEN 'complete'
           WHEN quarters = 4 THEN 'mismatch'
           WHEN only_unfiled THEN 'open'
           ELSE 'incomplete'
       END AS status,
       nullif(concat_ws('; ',
           CASE WHEN quarterly_filings = 0
                THEN 'annual-only filer (' || forms || ')'
                     || CASE WHEN taxonomy = 'ifrs-full' THEN ', IFRS (ifrs-full)' ELSE '' END
                     || ': no quarter can be derived' END,
           CASE WHEN quarterly_filings > 0 THEN why END,
           CASE WHEN quarters = 4 AND difference IS NULL
                THEN 'no full-year fact of ' || concepts || ' to check the quarters against' END,
           CASE WHEN quarters = 4 AND abs(difference) > tolerance
                THEN printf('quarters sum to %s, full year %s: off by %s, beyond ±%s',
                            format('{:,.1f} m', total / 1e6), format('{:,.1f} m', full_year / 1e6),
                            format('{:,.1f} m', difference / 1e6),
                            format('{:,.1f} m', tolerance / 1e6))
                     || coalesce('; restated after first report: ' || restated,
                                 '; no restatement: the quarters as filed do not add up') END,
           CASE WHEN earlier_vintage > 0
                THEN earlier_vintage || ' quarter(s) from legs on an earlier basis (see '
                     || 'vintage_note)' END,
           CASE WHEN mixed_basis > 0
                THEN mixed_basis || ' quarter(s) from legs on two bases: no filing reports '
                     || 'both on one (see vintage_note)' END,
           switch_note
       ), '') AS reason
FROM (SELECT *, unit = 'USD' AS unit_usd FROM judged)
UNION ALL  -- a metric without any fact in the file still gets a row that says so
SELECT m.ticker, m.metric, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL, 'no_data',
       'no fact of ' || m.concepts || ' (' || m.taxonomy || ', ' || m.unit || ') in the file'
FROM metrics AS m
WHERE m.gid NOT IN (SELECT gid FROM year_range)

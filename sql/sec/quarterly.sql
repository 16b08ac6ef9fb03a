-- Discrete quarterly values from companyfacts, two vintages (see pipelines/sec/derive.py).
-- Inputs: __sec_facts (rows of sec.facts) and __sec_concepts(sid, gid, ticker, metric,
-- taxonomy, concept, unit, priority): the concepts that define each metric of each company,
-- priority 1 first; sid numbers the rows, gid the (ticker, metric) pairs.
-- Output: one row per vintage ('latest', 'first') x ticker x metric x quarter.
--
-- Rules
-- * Periods are read from start/end only (fy/fp describe the filing, not the period).
-- * A period of 84-98 days is a quarter (13 weeks = 90 days end-start, 14 weeks = 97).
-- * Periods sharing a start date form a year-to-date chain (3M, 6M, 9M, 12M); a longer link
--   minus the link ending one quarter (84-98 days) earlier gives that quarter:
--   YTD(n) - YTD(n-1). With a full year as the longer link this is fiscal Q4 = FY - 9M.
-- * A three-month fact wins over a difference for the same quarter end; a concept of lower
--   priority number wins over both.
-- * latest: every period at its latest filing (filed, then accession number).
--   first: the earliest filing that gave the quarter; for a difference the longer period as
--   first filed minus the shorter one as it stood on that date.
-- * Fiscal years start where 10-K annual facts (350-380 days) start, or the day after one
--   ends; fiscal_quarter counts 91.3-day steps from there; fiscal_year = year the year ends.
-- Written for speed (bench/sec_bench.py): integer group keys, scalar sort keys, no windows.
WITH selected AS MATERIALIZED (
    SELECT m.sid, f."start", f."end", date_diff('day', f."start", f."end") AS days,
           f.val, f.accn, f.form, f.filed, f.cik,
           strftime(f.filed, '%Y%m%d') || f.accn AS version  -- orders by (filed, accn)
    FROM __sec_facts AS f
    JOIN __sec_concepts AS m USING (ticker, taxonomy, concept, unit)
    WHERE f."start" IS NOT NULL
      AND date_diff('day', f."start", f."end") >= 84
      AND isfinite(f.val)
),
periods AS MATERIALIZED (  -- one row per reported period: its latest and its first version
    SELECT sid, "start", "end", any_value(days) AS days, any_value(cik) AS cik,
           arg_max(val, version) AS l_val, max(version) AS l_version,
           arg_max(form, version) AS l_form, max(filed) AS l_filed,
           arg_min(val, version) AS f_val, min(version) AS f_version,
           arg_min(form, version) AS f_form, min(filed) AS f_filed
    FROM selected
    GROUP BY sid, "start", "end"
),
differences AS MATERIALIZED (  -- longer link minus the link one quarter shorter
    SELECT d.sid, d."start", d."end", d.days, d.cik,
           d.l_val, d.l_version, d.l_form, d.l_filed,
           d.f_val, d.f_version, d.f_form, d.f_filed,
           p."end" AS prev_end, p.l_val AS p_l_val, p.l_version AS p_l_version,
           p.l_filed AS p_l_filed,
           p.f_val AS p_f_val, p.f_version AS p_f_version, p.f_filed AS p_f_filed
    FROM periods AS d
    JOIN periods AS p
      ON p.sid = d.sid AND p."start" = d."start"
     AND p."end" BETWEEN d."end" - 99 AND d."end" - 85
    WHERE d.days > 98
),
as_of AS (     -- the shorter link as it stood when the longer one was first filed
    SELECT d.sid, d."start", d."end",
           arg_max(v.val, v.version) AS a_val, max(v.version) AS a_version,
           max(v.filed) AS a_filed
    FROM differences AS d
    JOIN selected AS v
      ON v.sid = d.sid AND v."start" = d."start" AND v."end" = d.prev_end
     AND v.filed <= d.f_filed
    GROUP BY d.sid, d."start", d."end"
),
candidates AS MATERIALIZED (
    SELECT row_number() OVER () AS cid, *
    FROM (
        SELECT sid, cik, "start" AS period_start, "end" AS period_end,
               'discrete' AS method, 0 AS method_rank,
               l_val, substr(l_version, 9) AS l_accn, CAST(NULL AS VARCHAR) AS l_sub_accn,
               l_form, l_filed,
               f_val, substr(f_version, 9) AS f_accn, CAST(NULL AS VARCHAR) AS f_sub_accn,
               f_form, f_filed
        FROM periods
        WHERE days BETWEEN 84 AND 98
        UNION ALL
        SELECT d.sid, d.cik, d.prev_end + 1, d."end",
               CASE WHEN d.days > 300 THEN 'fy_minus_9m' ELSE 'ytd_difference' END, 1,
               d.l_val - d.p_l_val, substr(d.l_version, 9), substr(d.p_l_version, 9),
               d.l_form, greatest(d.l_filed, d.p_l_filed),
               d.f_val - coalesce(a.a_val, d.p_f_val), substr(d.f_version, 9),
               substr(coalesce(a.a_version, d.p_f_version), 9), d.f_form,
               greatest(d.f_filed, coalesce(a.a_filed, d.p_f_filed))
        FROM differences AS d
        LEFT JOIN as_of AS a ON a.sid = d.sid AND a."start" = d."start" AND a."end" = d."end"
    )
),
ranked AS (    -- scalar sort keys (days counted from 1900-01-01, < 100000 until 2173)
    SELECT c.cid, m.gid, c.period_end,
           (((m.priority * 2 + c.method_rank) * 100
             + abs(date_diff('day', c.period_start, c.period_end) - 90)) * 100000
            + date_diff('day', DATE '1900-01-01', c.period_start)) AS latest_rank,
           ((((m.priority * 100000 + date_diff('day', DATE '1900-01-01', c.f_filed)) * 2
              + c.method_rank) * 100
             + abs(date_diff('day', c.period_start, c.period_end) - 90)) * 100000
            + date_diff('day', DATE '1900-01-01', c.period_start)) AS first_rank
    FROM candidates AS c
    JOIN __sec_concepts AS m USING (sid)
),
picked AS (    -- per company, metric and quarter end: the winning candidate of each vintage
    SELECT gid, period_end, arg_min(cid, latest_rank) AS l_cid, arg_min(cid, first_rank) AS f_cid
    FROM ranked
    GROUP BY gid, period_end
),
both_vintages AS MATERIALIZED (
    SELECT 'latest' AS vintage, c.sid, c.cik, c.period_start, c.period_end, c.method,
           c.l_val AS value, c.l_accn AS accn, c.l_sub_accn AS subtracted_accn,
           c.l_form AS form, c.l_filed AS filed
    FROM picked AS p JOIN candidates AS c ON c.cid = p.l_cid
    UNION ALL
    SELECT 'first', c.sid, c.cik, c.period_start, c.period_end, c.method,
           c.f_val, c.f_accn, c.f_sub_accn, c.f_form, c.f_filed
    FROM picked AS p JOIN candidates AS c ON c.cid = p.f_cid
),
annual AS (
    SELECT DISTINCT m.ticker, s."start", s."end"
    FROM selected AS s
    JOIN __sec_concepts AS m USING (sid)
    WHERE s.days BETWEEN 350 AND 380
      AND (s.form LIKE '10-K%' OR s.form LIKE '20-F%' OR s.form LIKE '40-F%')
),
fy_starts AS (  -- fiscal-year starts: of an annual fact, or the day after one ends
    SELECT ticker, fy_start, max(fy_end) AS fy_end
    FROM (
        SELECT ticker, "start" AS fy_start, "end" AS fy_end FROM annual
        UNION ALL
        SELECT ticker, "end" + 1, CAST(NULL AS DATE) FROM annual
    )
    GROUP BY ALL
),
quarter_starts AS (
    SELECT DISTINCT m.ticker, b.period_start
    FROM both_vintages AS b
    JOIN __sec_concepts AS m USING (sid)
),
start_labels AS ( -- for each quarter start, the latest fiscal-year start at most 380 days before
    SELECT q.ticker, q.period_start, max(s.fy_start) AS fy_start,
           arg_max({'e': s.fy_end}, s.fy_start).e AS fy_end  -- fy_end may be NULL
    FROM quarter_starts AS q
    JOIN fy_starts AS s
      ON s.ticker = q.ticker AND s.fy_start <= q.period_start
     AND s.fy_start > q.period_start - 380
    GROUP BY q.ticker, q.period_start
)
SELECT b.vintage, m.ticker, CAST(b.cik AS BIGINT) AS cik, m.metric, m.taxonomy, m.concept,
       m.unit, b.period_start, b.period_end,
       CAST(CASE WHEN date_diff('day', l.fy_start, b.period_end) <= 380
                 THEN year(coalesce(l.fy_end, l.fy_start + 363)) END AS BIGINT) AS fiscal_year,
       CAST(CASE WHEN date_diff('day', l.fy_start, b.period_end) <= 380
                 THEN least(4, greatest(1,
                      round((date_diff('day', l.fy_start, b.period_end) + 1) / 91.3)))
            END AS BIGINT) AS fiscal_quarter,
       CAST(b.value AS DOUBLE) AS value,
       CASE WHEN m.unit = 'USD' THEN b.value / 1e6 END AS value_usd_m,
       b.method, b.accn, b.subtracted_accn, b.form, b.filed
FROM both_vintages AS b
JOIN __sec_concepts AS m USING (sid)
LEFT JOIN start_labels AS l ON l.ticker = m.ticker AND l.period_start = b.period_start

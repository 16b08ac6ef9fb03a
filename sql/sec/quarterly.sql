-- Discrete fiscal quarters from the vintages of sql/sec/vintages.sql, two series (see
-- docs/sec.md). Inputs: __sec_vintages, __sec_concepts, __sec_fiscal_years.
-- Output: one row per series ('latest', 'first') x ticker x metric x fiscal year x quarter.
--
-- * A quarter is a reported fiscal span of one quarter (discrete), else the difference of
--   two spans of one concept with the same first quarter, one quarter apart:
--   (a..q) - (a..q-1) (ytd_difference; fy_minus_9m when the longer one is the full year).
-- * A lower concept priority wins, then a reported quarter over a difference, then the
--   difference with the earlier first quarter. Concepts are never mixed within a quarter.
-- * latest: a reported quarter at its latest vintage. A difference takes both legs at the
--   same vintage number: the latest of each when their vintage numbers agree (both legs
--   restated, or neither); otherwise (one leg restated, its counterpart never) both legs as
--   of the highest vintage they share, usually as first reported. The row says so in
--   vintage_note, with the value the latest legs would give.
-- * first: a reported quarter at its first vintage; a difference = the longer leg as first
--   reported minus the shorter leg as it stood on that day (its first value if it came later).
-- * Each leg is named by the filing that first published its value (accn, form, filed;
--   subtracted_* for the shorter leg); known_since = the later of the two dates.
WITH v AS (SELECT * FROM __sec_vintages),
latest_vintage AS (
    SELECT sid, fiscal_year, q_from, q_to, max(vintage) AS top
    FROM v
    GROUP BY ALL
),
discrete_latest AS (
    SELECT v.* FROM v
    JOIN latest_vintage AS t USING (sid, fiscal_year, q_from, q_to)
    WHERE v.vintage = t.top AND v.q_from = v.q_to
),
pairs AS (  -- longer span L (a..q) and shorter span S (a..q-1) of one concept
    SELECT l.sid, l.fiscal_year, l.q_from AS a, l.q_to AS q, l.top AS l_top, s.top AS s_top
    FROM latest_vintage AS l
    JOIN latest_vintage AS s
      ON s.sid = l.sid AND s.fiscal_year = l.fiscal_year AND s.q_from = l.q_from
     AND s.q_to = l.q_to - 1
    WHERE l.q_to > l.q_from
),
diff_latest AS (
    SELECT p.sid, p.fiscal_year, p.a, p.q, p.l_top, p.s_top,
           lv.fact AS l, lv.prec AS l_prec, lv.last_filed AS l_last,
           sv.fact AS s, sv.prec AS s_prec, sv.last_filed AS s_last,
           lt.fact AS l_latest, st.fact AS s_latest
    FROM pairs AS p
    JOIN v AS lv ON lv.sid = p.sid AND lv.fiscal_year = p.fiscal_year AND lv.q_from = p.a
                AND lv.q_to = p.q AND lv.vintage = least(p.l_top, p.s_top)
    JOIN v AS sv ON sv.sid = p.sid AND sv.fiscal_year = p.fiscal_year AND sv.q_from = p.a
                AND sv.q_to = p.q - 1 AND sv.vintage = least(p.l_top, p.s_top)
    JOIN v AS lt ON lt.sid = p.sid AND lt.fiscal_year = p.fiscal_year AND lt.q_from = p.a
                AND lt.q_to = p.q AND lt.vintage = p.l_top
    JOIN v AS st ON st.sid = p.sid AND st.fiscal_year = p.fiscal_year AND st.q_from = p.a
                AND st.q_to = p.q - 1 AND st.vintage = p.s_top
),
first_long AS (
    SELECT v.*, strftime(v.fact.filed, '%Y%m%d') || v.fact.accn AS l_version
    FROM v JOIN pairs AS p
      ON p.sid = v.sid AND p.fiscal_year = v.fiscal_year AND p.a = v.q_from AND p.q = v.q_to
    WHERE v.vintage = 0
),
short_versions AS (
    SELECT v.*, strftime(v.fact.filed, '%Y%m%d') || v.fact.accn AS s_version FROM v
),
diff_first AS (  -- the shorter leg as it stood when the longer one was first filed
    SELECT l.sid, l.fiscal_year, l.q_from AS a, l.q_to AS q,
           l.fact AS l, l.prec AS l_prec, l.last_filed AS l_last,
           coalesce(s.fact, s0.fact) AS s, coalesce(s.prec, s0.prec) AS s_prec,
           coalesce(s.last_filed, s0.last_filed) AS s_last
    FROM first_long AS l
    ASOF LEFT JOIN short_versions AS s
      ON s.sid = l.sid AND s.fiscal_year = l.fiscal_year AND s.q_from = l.q_from
     AND s.q_to = l.q_to - 1 AND l.l_version >= s.s_version
    LEFT JOIN v AS s0
      ON s0.sid = l.sid AND s0.fiscal_year = l.fiscal_year AND s0.q_from = l.q_from
     AND s0.q_to = l.q_to - 1 AND s0.vintage = 0
),
span_names AS (
    SELECT * FROM (VALUES (1, 1, '3M'), (1, 2, 'H1'), (1, 3, '9M'), (1, 4, 'FY'))
        AS t(q_from, q_to, label)
),
candidates AS (
    SELECT 'latest' AS series, sid, fiscal_year, q_to AS fq, 'discrete' AS method, 0 AS rank_,
           q_from AS a, fact AS l, prec AS l_prec, last_filed AS l_last,
           CAST(NULL AS STRUCT(val DOUBLE, accn VARCHAR, form VARCHAR, filed DATE,
                               "start" DATE, "end" DATE)) AS s,
           CAST(NULL AS BIGINT) AS s_prec, CAST(NULL AS DATE) AS s_last,
           CAST(NULL AS VARCHAR) AS vintage_note,
           'latest' AS vintage
    FROM discrete_latest
    UNION ALL
    SELECT 'first', sid, fiscal_year, q_to, 'discrete', 0, q_from, fact, prec, last_filed,
           NULL, NULL, NULL, NULL, 'first_reported'
    FROM v WHERE vintage = 0 AND q_from = q_to
    UNION ALL
    SELECT 'latest', d.sid, d.fiscal_year, d.q,
           CASE WHEN d.a = 1 AND d.q = 4 THEN 'fy_minus_9m' ELSE 'ytd_difference' END, 1, d.a,
           d.l, d.l_prec, d.l_last, d.s, d.s_prec, d.s_last,
           CASE WHEN d.l_top <> d.s_top THEN printf(
               '%s restated (vintage %d, filed %s) but %s %s (vintage %d): both legs taken at '
               || 'vintage %d (%s %s filed %s, %s %s filed %s); the latest legs would give %s',
               coalesce(ln.label, 'longer period'), d.l_top, d.l_latest.filed,
               coalesce(sn.label, 'shorter period'),
               CASE WHEN d.s_top = 0 THEN 'never restated' ELSE 'restated less often' END,
               d.s_top, least(d.l_top, d.s_top),
               coalesce(ln.label, 'longer'), format('{:,.1f} m', d.l.val / 1e6), d.l.filed,
               coalesce(sn.label, 'shorter'), format('{:,.1f} m', d.s.val / 1e6), d.s.filed,
               format('{:,.1f} m', (d.l_latest.val - d.s_latest.val) / 1e6))
           END,
           CASE WHEN d.l_top <> d.s_top THEN 'earlier_consistent' ELSE 'latest' END
    FROM diff_latest AS d
    LEFT JOIN span_names AS ln ON ln.q_from = d.a AND ln.q_to = d.q
    LEFT JOIN span_names AS sn ON sn.q_from = d.a AND sn.q_to = d.q - 1
    UNION ALL
    SELECT 'first', sid, fiscal_year, q,
           CASE WHEN a = 1 AND q = 4 THEN 'fy_minus_9m' ELSE 'ytd_difference' END, 1, a,
           l, l_prec, l_last, s, s_prec, s_last, NULL, 'first_reported'
    FROM diff_first
),
numbered AS MATERIALIZED (
    SELECT row_number() OVER () AS cid, * FROM candidates
),
picked AS (    -- per series, company, metric and fiscal quarter: the winning candidate
    SELECT arg_min(c.cid, (m.priority * 10 + c.rank_) * 10 + c.a) AS cid
    FROM numbered AS c
    JOIN __sec_concepts AS m USING (sid)
    GROUP BY c.series, m.gid, c.fiscal_year, c.fq
),
ranked AS (
    SELECT c.*, m.gid, m.ticker, m.metric, m.taxonomy, m.concept, m.unit
    FROM picked AS p
    JOIN numbered AS c USING (cid)
    JOIN __sec_concepts AS m USING (sid)
)
SELECT r.series AS vintage_series, r.ticker, CAST(f.cik AS BIGINT) AS cik, r.metric,
       r.taxonomy, r.concept, r.unit,
       CASE WHEN r.s IS NULL THEN r.l."start" ELSE CAST(r.s."end" + 1 AS DATE) END
           AS period_start,
       r.l."end" AS period_end,
       r.fiscal_year, CAST(r.fq AS BIGINT) AS fiscal_quarter,
       CAST(r.l.val - coalesce(r.s.val, 0) AS DOUBLE) AS value,
       CASE WHEN r.unit = 'USD' THEN (r.l.val - coalesce(r.s.val, 0)) / 1e6 END AS value_usd_m,
       CAST(-round(log10(greatest(r.l_prec, coalesce(r.s_prec, 1)))) AS BIGINT) AS decimals,
       r.method, r.vintage, r.vintage_note,
       r.l.accn AS accn, r.l.form AS form, r.l.filed AS filed,
       r.s.accn AS subtracted_accn, r.s.form AS subtracted_form, r.s.filed AS subtracted_filed,
       CAST(greatest(r.l.filed, coalesce(r.s.filed, r.l.filed)) AS DATE) AS known_since,
       CAST(greatest(r.l_last, coalesce(r.s_last, r.l_last)) AS DATE) AS last_filed
FROM ranked AS r
JOIN (SELECT ticker, any_value(cik) AS cik FROM __sec_vintages GROUP BY ticker) AS f USING (ticker)

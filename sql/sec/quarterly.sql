-- Discrete fiscal quarters from the vintages of sql/sec/vintages.sql, two series (see
-- docs/sec.md). Inputs: __sec_vintages, __sec_concepts, __sec_fiscal_years.
-- Output: one row per series ('latest', 'first') x ticker x metric x fiscal year x quarter.
--
-- * A quarter is a reported fiscal span of one quarter (discrete), else the difference of
--   two spans of one concept with the same first quarter, one quarter apart:
--   (a..q) - (a..q-1) (ytd_difference; fy_minus_9m when the longer one is the full year).
-- * A lower concept priority wins, then a reported quarter over a difference, then the
--   difference with the earlier first quarter. Concepts are never mixed within a quarter.
-- * latest: a reported quarter at its latest vintage. A difference pairs its two legs on one
--   accounting basis, by the filings that reported them:
--   - Bases. A restatement (vintage >= 1) shows that the series' basis changed after the day
--     the replaced value was last filed (p) and no later than the day of the restating filing
--     (x). The bases of a series (sid) are the fewest filing days that explain all its
--     restatements, each as late as possible: in filing order, a restatement whose (p, x]
--     holds no basis yet makes its day x a basis; one that does is a catch-up to that basis.
--     Filings of one day are one moment (an 8-K recasting past years and the 10-Q filed with
--     it are on one basis).
--   - A filing is on basis k = the number of bases on or before its day. A vintage holds
--     from its first basis (vintage 0: that of its first filing; a restatement: the first
--     basis after p) to the basis of the last filing that repeated it.
--   - The legs are taken on the latest basis both hold (the vintage of each covering it):
--     vintage = 'latest' when those are the latest vintages, else 'earlier_consistent' (the
--     other leg was restated onto a basis this one was never reported on). When no basis
--     holds both (a leg last reported before a basis change, the other first reported after
--     it), the latest legs are used and vintage = 'mixed_basis'. vintage_note names the leg
--     and the filings, and the value the latest legs would give.
-- * first: a reported quarter at its first vintage; a difference = the longer leg as first
--   reported minus the shorter leg as it stood on that day (its first value if it came later).
-- * Each leg is named by the filing that first published its value (accn, form, filed;
--   subtracted_* for the shorter leg); known_since = the later of the two dates.
WITH RECURSIVE v AS (SELECT * FROM __sec_vintages),
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
restatements AS (  -- (p, x]: after the day the replaced value was last filed, up to the day
                   -- of the restating filing
    SELECT n.sid, o.last_filed AS p, n.fact.filed AS x, n.fact
    FROM v AS n
    JOIN v AS o ON o.sid = n.sid AND o.fiscal_year = n.fiscal_year AND o.q_from = n.q_from
               AND o.q_to = n.q_to AND o.vintage = n.vintage - 1
    WHERE o.last_filed < n.fact.filed
),
basis_filings(sid, b) AS (  -- greedy: the earliest x, then the earliest x of (p, x] after it
    SELECT sid, min(x) FROM restatements GROUP BY sid
    UNION ALL
    SELECT r.sid, min(r.x)
    FROM basis_filings AS f
    JOIN restatements AS r ON r.sid = f.sid AND r.p >= f.b
    GROUP BY r.sid
),
bases AS (  -- basis k of each series, named by the (first) filing that restated on its day
    SELECT f.sid, f.b, row_number() OVER (PARTITION BY f.sid ORDER BY f.b) AS k,
           min(r.fact.accn) AS accn, arg_min(r.fact.form, r.fact.accn) AS form,
           f.b AS filed
    FROM basis_filings AS f
    JOIN restatements AS r ON r.sid = f.sid AND r.x = f.b
    GROUP BY f.sid, f.b
),
with_prev AS (
    SELECT *, lag(last_filed) OVER (
        PARTITION BY sid, fiscal_year, q_from, q_to ORDER BY vintage) AS prev_last
    FROM v
),
counted AS (  -- bases on or before each filing day of the vintages of series that have any
    SELECT u.sid, u.fiscal_year, u.q_from, u.q_to, u.vintage,
           count(*) FILTER (WHERE b.b <= u.fact.filed) AS k_first,
           count(*) FILTER (WHERE b.b <= u.prev_last) AS k_prev,
           count(*) FILTER (WHERE b.b <= u.last_filed) AS k_last
    FROM with_prev AS u
    JOIN bases AS b ON b.sid = u.sid
    GROUP BY ALL
),
held AS (  -- the bases each vintage holds: basis_from .. basis_to
    SELECT u.sid, u.fiscal_year, u.q_from, u.q_to, u.vintage,
           coalesce(c.k_last, 0) AS basis_to,
           CASE WHEN u.vintage = 0 THEN coalesce(c.k_first, 0)
                ELSE least(coalesce(c.k_prev, 0) + 1, coalesce(c.k_first, 0)) END AS basis_from
    FROM with_prev AS u
    LEFT JOIN counted AS c USING (sid, fiscal_year, q_from, q_to, vintage)
),
spans_held AS (
    SELECT sid, fiscal_year, q_from, q_to, max(vintage) AS top,
           min(basis_from) AS lo, max(basis_to) AS hi
    FROM held
    GROUP BY ALL
),
pairs AS (  -- longer span L (a..q) and shorter span S (a..q-1) of one concept
    SELECT l.sid, l.fiscal_year, l.q_from AS a, l.q_to AS q, l.top AS l_top, s.top AS s_top,
           l.lo AS l_lo, l.hi AS l_hi, s.lo AS s_lo, s.hi AS s_hi,
           CASE WHEN greatest(l.lo, s.lo) <= least(l.hi, s.hi) THEN least(l.hi, s.hi) END
               AS basis
    FROM spans_held AS l
    JOIN spans_held AS s
      ON s.sid = l.sid AND s.fiscal_year = l.fiscal_year AND s.q_from = l.q_from
     AND s.q_to = l.q_to - 1
    WHERE l.q_to > l.q_from
),
paired AS (  -- the vintage of each leg on the shared basis (the latest ones without one)
    SELECT p.sid, p.fiscal_year, p.a, p.q, p.l_top, p.s_top, p.l_lo, p.l_hi, p.s_lo, p.s_hi,
           p.basis, max(h.vintage) FILTER (WHERE h.q_to = p.q) AS l_vin,
           max(h.vintage) FILTER (WHERE h.q_to = p.q - 1) AS s_vin
    FROM pairs AS p
    JOIN held AS h
      ON h.sid = p.sid AND h.fiscal_year = p.fiscal_year AND h.q_from = p.a
     AND h.q_to IN (p.q, p.q - 1) AND (p.basis IS NULL OR h.basis_from <= p.basis)
    GROUP BY ALL
),
diff_latest AS (
    SELECT p.sid, p.fiscal_year, p.a, p.q, p.l_top, p.s_top, p.l_vin, p.s_vin, p.basis,
           p.l_lo, p.l_hi, p.s_lo, p.s_hi,
           lv.fact AS l, lv.prec AS l_prec, lv.last_filed AS l_last,
           sv.fact AS s, sv.prec AS s_prec, sv.last_filed AS s_last,
           lt.fact AS l_latest, st.fact AS s_latest, lt.last_filed AS l_latest_last,
           st.last_filed AS s_latest_last,
           -- the basis change the pair could not cross: the first basis after the leg reported
           -- last (both legs on one basis), or after the older leg (no basis holds both)
           CASE WHEN p.basis IS NOT NULL THEN p.basis + 1
                ELSE least(p.l_hi, p.s_hi) + 1 END AS crossed
    FROM paired AS p
    JOIN v AS lv ON lv.sid = p.sid AND lv.fiscal_year = p.fiscal_year AND lv.q_from = p.a
                AND lv.q_to = p.q AND lv.vintage = p.l_vin
    JOIN v AS sv ON sv.sid = p.sid AND sv.fiscal_year = p.fiscal_year AND sv.q_from = p.a
                AND sv.q_to = p.q - 1 AND sv.vintage = p.s_vin
    JOIN v AS lt ON lt.sid = p.sid AND lt.fiscal_year = p.fiscal_year AND lt.q_from = p.a
                AND lt.q_to = p.q AND lt.vintage = p.l_top
    JOIN v AS st ON st.sid = p.sid AND st.fiscal_year = p.fiscal_year AND st.q_from = p.a
                AND st.q_to = p.q - 1 AND st.vintage = p.s_top
),
first_long AS (
    SELECT v.*
    FROM v JOIN pairs AS p
      ON p.sid = v.sid AND p.fiscal_year = v.fiscal_year AND p.a = v.q_from AND p.q = v.q_to
    WHERE v.vintage = 0
),
diff_first AS (  -- the shorter leg as it stood when the longer one was first filed
    SELECT l.sid, l.fiscal_year, l.q_from AS a, l.q_to AS q,
           l.fact AS l, l.prec AS l_prec, l.last_filed AS l_last,
           coalesce(s.fact, s0.fact) AS s, coalesce(s.prec, s0.prec) AS s_prec,
           coalesce(s.last_filed, s0.last_filed) AS s_last
    FROM first_long AS l
    ASOF LEFT JOIN v AS s
      ON s.sid = l.sid AND s.fiscal_year = l.fiscal_year AND s.q_from = l.q_from
     AND s.q_to = l.q_to - 1 AND l.first_version >= s.first_version
    LEFT JOIN v AS s0
      ON s0.sid = l.sid AND s0.fiscal_year = l.fiscal_year AND s0.q_from = l.q_from
     AND s0.q_to = l.q_to - 1 AND s0.vintage = 0
),
span_names AS (
    SELECT * FROM (VALUES (1, 1, '3M'), (1, 2, 'H1'), (1, 3, '9M'), (1, 4, 'FY'))
        AS t(q_from, q_to, label)
),
noted AS (  -- n = the newer leg (restated, or first reported after the basis), o = the other
    SELECT d.*, coalesce(ln.label, 'longer period') AS l_label,
           coalesce(sn.label, 'shorter period') AS s_label,
           CASE WHEN l_newer THEN coalesce(ln.label, 'longer period')
                ELSE coalesce(sn.label, 'shorter period') END AS n_label,
           CASE WHEN l_newer THEN coalesce(sn.label, 'shorter period')
                ELSE coalesce(ln.label, 'longer period') END AS o_label,
           CASE WHEN l_newer THEN d.l_latest ELSE d.s_latest END AS n_leg,
           CASE WHEN l_newer THEN d.l_top ELSE d.s_top END AS n_vintage,
           CASE WHEN l_newer THEN d.s_latest ELSE d.l_latest END AS o_leg,
           CASE WHEN l_newer THEN d.s_latest_last ELSE d.l_latest_last END AS o_last,
           b.form AS b_form, b.accn AS b_accn, b.filed AS b_filed
    FROM (SELECT *, CASE WHEN basis IS NULL THEN s_hi < l_lo ELSE l_vin <> l_top END AS l_newer
          FROM diff_latest) AS d
    LEFT JOIN span_names AS ln ON ln.q_from = d.a AND ln.q_to = d.q
    LEFT JOIN span_names AS sn ON sn.q_from = d.a AND sn.q_to = d.q - 1
    LEFT JOIN bases AS b ON b.sid = d.sid AND b.k = d.crossed
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
    SELECT 'latest', sid, fiscal_year, q,
           CASE WHEN a = 1 AND q = 4 THEN 'fy_minus_9m' ELSE 'ytd_difference' END, 1, a,
           l, l_prec, l_last, s, s_prec, s_last,
           CASE WHEN basis IS NULL THEN printf(
               '%s %s (%s %s filed %s) was first reported on the basis of %s %s (filed %s); '
               || '%s %s (%s %s filed %s) was last reported on %s, before it: no filing '
               || 'reports both legs on one basis, the latest legs are used',
               n_label, format('{:,.1f} m', n_leg.val / 1e6), n_leg.form, n_leg.accn,
               n_leg.filed, b_form, b_accn, b_filed,
               o_label, format('{:,.1f} m', o_leg.val / 1e6), o_leg.form, o_leg.accn,
               o_leg.filed, o_last)
           WHEN l_vin <> l_top OR s_vin <> s_top THEN printf(
               '%s restated (vintage %d, %s %s filed %s); %s was last reported on %s, before '
               || '%s: both legs taken on the earlier basis (%s %s filed %s, %s %s filed %s); '
               || 'the latest legs would give %s',
               n_label, n_vintage, n_leg.form, n_leg.accn, n_leg.filed, o_label, o_last,
               CASE WHEN b_accn = n_leg.accn THEN 'that filing'
                    ELSE printf('the basis of %s %s (filed %s)', b_form, b_accn, b_filed) END,
               l_label, format('{:,.1f} m', l.val / 1e6), l.filed,
               s_label, format('{:,.1f} m', s.val / 1e6), s.filed,
               format('{:,.1f} m', (l_latest.val - s_latest.val) / 1e6))
           END,
           CASE WHEN basis IS NULL THEN 'mixed_basis'
                WHEN l_vin <> l_top OR s_vin <> s_top THEN 'earlier_consistent'
                ELSE 'latest' END
    FROM noted
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

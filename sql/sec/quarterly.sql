-- Discrete quarterly values from companyfacts, two vintages (see pipelines/sec/derive.py).
-- Inputs: __sec_facts (rows of sec.facts) and __sec_concepts(ticker, metric, taxonomy, concept,
-- unit, priority): which concepts define each metric of each company, priority 1 first.
-- Output: one row per vintage ('latest', 'first') x ticker x metric x quarter.
--
-- Rules
-- * Periods are read from start/end only (fy/fp describe the filing, not the period).
-- * A period of 84-98 days is a quarter (13 weeks = 90 days end-start, 14 weeks = 97).
-- * Periods sharing a start date form a year-to-date chain (3M, 6M, 9M, 12M); two consecutive
--   links whose difference spans a quarter give that quarter: YTD(n) - YTD(n-1). With a
--   full year as the longer link this is fiscal Q4 = FY - 9M.
-- * A three-month fact wins over a difference for the same quarter end.
-- * latest: every period at its latest filing (filed, then accession number).
--   first: the earliest filing that gave the quarter; for a difference the longer period as
--   first filed minus the shorter one as it stood on that date.
-- * Fiscal years start where 10-K annual facts (350-380 days) start, or the day after one
--   ends; fiscal_quarter counts 91.3-day steps from there; fiscal_year = year the year ends.
WITH selected AS (
    SELECT f.ticker, f.cik, m.metric, m.priority, f.taxonomy, f.concept, f.unit,
           f."start", f."end", f.val, f.accn, f.form, f.filed,
           date_diff('day', f."start", f."end") AS days
    FROM __sec_facts AS f
    JOIN __sec_concepts AS m USING (ticker, taxonomy, concept, unit)
    WHERE f."start" IS NOT NULL
      AND date_diff('day', f."start", f."end") >= 84
      AND isfinite(f.val)
),
periods AS (   -- one row per reported period with its latest and first versions
    SELECT ticker, cik, metric, priority, taxonomy, concept, unit, "start", "end", days,
           arg_max({'val': val, 'accn': accn, 'form': form, 'filed': filed}, (filed, accn)) AS latest,
           arg_min({'val': val, 'accn': accn, 'form': form, 'filed': filed}, (filed, accn)) AS first
    FROM selected
    GROUP BY ALL
),
steps AS (     -- each period next to the previous one of its year-to-date chain
    SELECT *,
           lag("end") OVER chain AS prev_end,
           lag(latest) OVER chain AS prev_latest,
           lag(first) OVER chain AS prev_first
    FROM periods
    WINDOW chain AS (PARTITION BY ticker, metric, priority, "start" ORDER BY "end")
),
differences AS (
    SELECT * FROM steps
    WHERE prev_end IS NOT NULL
      AND days > 98
      AND date_diff('day', prev_end + 1, "end") BETWEEN 84 AND 98
),
as_of AS (     -- the shorter period as it stood when the longer one was first filed
    SELECT d.ticker, d.metric, d.priority, d."start", d."end",
           arg_max({'val': v.val, 'accn': v.accn, 'filed': v.filed}, (v.filed, v.accn)) AS known
    FROM differences AS d
    JOIN selected AS v
      ON v.ticker = d.ticker AND v.metric = d.metric AND v.priority = d.priority
     AND v."start" = d."start" AND v."end" = d.prev_end AND v.filed <= d.first.filed
    GROUP BY ALL
),
candidates AS (
    SELECT ticker, cik, metric, priority, taxonomy, concept, unit,
           "start" AS period_start, "end" AS period_end,
           'discrete' AS method, 0 AS method_rank,
           latest.val AS latest_val, latest.accn AS latest_accn,
           CAST(NULL AS VARCHAR) AS latest_sub_accn, latest.form AS latest_form,
           latest.filed AS latest_filed,
           first.val AS first_val, first.accn AS first_accn,
           CAST(NULL AS VARCHAR) AS first_sub_accn, first.form AS first_form,
           first.filed AS first_filed
    FROM periods
    WHERE days BETWEEN 84 AND 98
    UNION ALL
    SELECT d.ticker, d.cik, d.metric, d.priority, d.taxonomy, d.concept, d.unit,
           d.prev_end + 1, d."end",
           CASE WHEN d.days > 300 THEN 'fy_minus_9m' ELSE 'ytd_difference' END, 1,
           d.latest.val - d.prev_latest.val, d.latest.accn,
           d.prev_latest.accn, d.latest.form,
           greatest(d.latest.filed, d.prev_latest.filed),
           d.first.val - coalesce(a.known.val, d.prev_first.val), d.first.accn,
           coalesce(a.known.accn, d.prev_first.accn), d.first.form,
           greatest(d.first.filed, coalesce(a.known.filed, d.prev_first.filed))
    FROM differences AS d
    LEFT JOIN as_of AS a
      ON a.ticker = d.ticker AND a.metric = d.metric AND a.priority = d.priority
     AND a."start" = d."start" AND a."end" = d."end"
),
picked AS (
    SELECT 'latest' AS vintage, ticker, cik, metric, taxonomy, concept, unit,
           period_start, period_end, method,
           latest_val AS value, latest_accn AS accn, latest_sub_accn AS subtracted_accn,
           latest_form AS form, latest_filed AS filed
    FROM candidates
    QUALIFY row_number() OVER (
        PARTITION BY ticker, metric, period_end
        ORDER BY priority, method_rank, abs(date_diff('day', period_start, period_end) - 90),
                 period_start
    ) = 1
    UNION ALL
    SELECT 'first', ticker, cik, metric, taxonomy, concept, unit,
           period_start, period_end, method,
           first_val, first_accn, first_sub_accn, first_form, first_filed
    FROM candidates
    QUALIFY row_number() OVER (
        PARTITION BY ticker, metric, period_end
        ORDER BY priority, first_filed, method_rank,
                 abs(date_diff('day', period_start, period_end) - 90), period_start
    ) = 1
),
annual AS (
    SELECT DISTINCT ticker, "start", "end"
    FROM selected
    WHERE days BETWEEN 350 AND 380
      AND (form LIKE '10-K%' OR form LIKE '20-F%' OR form LIKE '40-F%')
),
fy_starts AS (
    SELECT ticker, fy_start, max(fy_end) AS fy_end
    FROM (
        SELECT ticker, "start" AS fy_start, "end" AS fy_end FROM annual
        UNION ALL
        SELECT ticker, "end" + 1, CAST(NULL AS DATE) FROM annual
    )
    GROUP BY ALL
),
labelled AS (
    SELECT p.*, s.fy_start, s.fy_end
    FROM picked AS p
    ASOF LEFT JOIN fy_starts AS s
      ON p.ticker = s.ticker AND p.period_start >= s.fy_start
)
SELECT vintage, ticker, CAST(cik AS BIGINT) AS cik, metric, taxonomy, concept, unit,
       period_start, period_end,
       CAST(CASE WHEN date_diff('day', fy_start, period_end) <= 380
                 THEN year(coalesce(fy_end, fy_start + 363)) END AS BIGINT) AS fiscal_year,
       CAST(CASE WHEN date_diff('day', fy_start, period_end) <= 380
                 THEN least(4, greatest(1, round((date_diff('day', fy_start, period_end) + 1) / 91.3)))
            END AS BIGINT) AS fiscal_quarter,
       CAST(value AS DOUBLE) AS value,
       CASE WHEN unit = 'USD' THEN value / 1e6 END AS value_usd_m,
       method, accn, subtracted_accn, form, filed
FROM labelled

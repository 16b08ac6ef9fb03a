-- Every reported value of the configured concepts, placed in its fiscal period and grouped
-- into vintages (see docs/sec.md). Inputs: __sec_facts, __sec_components (one row per concept),
-- __sec_concepts (one row per series, sql/sec/series.sql), __sec_fiscal_years
-- (sql/sec/fiscal_years.sql). Output: one row per series (sid) x fiscal span x vintage.
-- * A series of several concepts (a sum or difference, e.g. purchases of property and equipment
--   plus principal payments on finance leases) takes the signed sum of facts that one filing
--   reports for one period with every concept: never legs of different filings.
--
-- * Fiscal span: the fiscal year holding the period's start (+10 days) and the fiscal quarters
--   it covers, q_from..q_to (1..1 = first quarter, 1..3 = nine months, 1..4 = full year).
--   Both ends must fall within 10 days of a quarter boundary (quarters = the year split in
--   four, so a 14-week quarter of a 53-week year still fits) and the period must not leave
--   its fiscal year: a trailing-twelve-month column (Amazon) has no span and is never used.
--   Periods a few days apart (NVIDIA FY2011 Q2 ending 2010-07-31 and 2010-08-01; Microsoft
--   FY2017 Q1 from 2016-07-02) get the same span: one fiscal period, not two.
-- * Precision: what the value is rounded to, read from its trailing zeros (1 .. 1,000,000
--   units; companyfacts has no `decimals`): decimals = -log10(precision).
-- * Vintage: the facts of one span in filing order (filed, accession); a value that differs
--   from the previous one by at least the coarser of the two precisions starts a new vintage
--   (a restatement). A change of rounding (thousands to tenths of a million) does not.
--   Each vintage is named by its first fact: the filing that first published that value,
--   whose value (and precision) it keeps; last_filed = the latest filing repeating it.
-- * first_version: 'yyyymmdd' || accession of the first filing reporting the value (the
--   filing order in which the first-reported series of sql/sec/quarterly.sql pairs legs).
WITH matched AS (  -- facts of the configured concepts, signed (a subtracted concept: -val)
    SELECT m.sid, m.concept, f.ticker, f.cik, f."start", f."end", m.sign * f.val AS val, f.accn,
           f.form, f.filed
    FROM __sec_facts AS f
    JOIN __sec_components AS m USING (ticker, taxonomy, concept, unit)
    WHERE f."start" IS NOT NULL
      AND isfinite(f.val)
      AND date_diff('day', f."start", f."end") BETWEEN 80 AND 380
),
summed AS (  -- a series of one concept: its facts; of several: their sum where one filing
             -- reports every concept for the same period
    SELECT d.sid, d.ticker, d.cik, d."start", d."end", d.val, d.accn, d.form, d.filed
    FROM matched AS d JOIN __sec_concepts AS c USING (sid)
    WHERE c.components = 1
    UNION ALL
    SELECT d.sid, d.ticker, d.cik, d."start", d."end", sum(d.val), d.accn, d.form, d.filed
    FROM (SELECT DISTINCT * FROM matched) AS d JOIN __sec_concepts AS c USING (sid)
    WHERE c.components > 1
    GROUP BY d.sid, d.ticker, d.cik, d."start", d."end", d.accn, d.form, d.filed
    HAVING count(*) = any_value(c.components)
       AND count(DISTINCT d.concept) = any_value(c.components)
),
selected AS MATERIALIZED (
    SELECT *,
           CASE WHEN val = 0 THEN 1
                WHEN val % 1000000 = 0 THEN 1000000
                WHEN val % 100000 = 0 THEN 100000
                WHEN val % 10000 = 0 THEN 10000
                WHEN val % 1000 = 0 THEN 1000
                WHEN val % 100 = 0 THEN 100
                WHEN val % 10 = 0 THEN 10
                ELSE 1 END AS prec
    FROM summed
),
placed AS (
    SELECT s.*, y.fiscal_year, y.fy_start,
           (date_diff('day', y.fy_start, y.fy_end) + 1) / 4.0 AS qlen,
           date_diff('day', y.fy_start, s."start") AS from_day,
           date_diff('day', y.fy_start, s."end") + 1 AS to_day
    FROM selected AS s
    JOIN __sec_fiscal_years AS y
      ON y.ticker = s.ticker AND s."start" + 10 BETWEEN y.fy_start AND y.fy_end
),
spans AS (
    SELECT *, CAST(round(from_day / qlen) AS INTEGER) + 1 AS q_from,
           CAST(round(to_day / qlen) AS INTEGER) AS q_to
    FROM placed
),
valid AS (
    SELECT sid, ticker, cik, fiscal_year, q_from, q_to, "start", "end", val, accn, form, filed, prec,
           strftime(filed, '%Y%m%d') || accn AS version
    FROM spans
    WHERE q_from BETWEEN 1 AND 4 AND q_to BETWEEN q_from AND 4
      AND abs(from_day - (q_from - 1) * qlen) <= 10
      AND abs(to_day - q_to * qlen) <= 10
),
changes AS (
    SELECT *,
           CASE WHEN prev_val IS NULL OR abs(val - prev_val) < greatest(prec, prev_prec)
                THEN 0 ELSE 1 END AS changed
    FROM (
        SELECT *, lag(val) OVER w AS prev_val, lag(prec) OVER w AS prev_prec
        FROM valid
        WINDOW w AS (PARTITION BY sid, fiscal_year, q_from, q_to ORDER BY filed, accn, val)
    )
),
numbered AS (
    SELECT *, sum(changed) OVER (
        PARTITION BY sid, fiscal_year, q_from, q_to ORDER BY filed, accn, val
        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS vintage
    FROM changes
)
SELECT sid, any_value(ticker) AS ticker, any_value(cik) AS cik, fiscal_year, q_from, q_to, CAST(vintage AS INTEGER) AS vintage,
       arg_min({'val': val, 'accn': accn, 'form': form, 'filed': filed, 'start': "start",
                'end': "end"}, version) AS fact,
       arg_min(prec, version) AS prec,  -- of the first fact, whose value is used
       max(filed) AS last_filed,
       min(version) AS first_version,
       count(*) AS filings
FROM numbered
GROUP BY sid, fiscal_year, q_from, q_to, vintage

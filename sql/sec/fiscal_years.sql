-- Fiscal years of each company, read from its own annual facts (see docs/sec.md).
-- Input: __sec_facts (rows of sec.facts). Output: one row per ticker x fiscal year:
--   ticker, fiscal_year, fy_start, fy_end, inferred.
--
-- * An annual fact is a duration of 350-380 days in an annual report (10-K, 10-KT, 20-F, 40-F
--   and their amendments), of any concept. Amazon's trailing-twelve-month columns are in 10-Qs
--   and never define a year.
-- * A company that has filed no annual report yet: its fiscal years start where its half-year
--   and nine-month 10-Q facts start (a year-to-date period starts with the fiscal year).
-- * Annual facts whose end dates lie within 30 days of each other are one fiscal year (NVIDIA
--   tags FY2010 from 2009-01-25 in one filing and from 2009-01-26 in another): its start and
--   end are those of the (start, end) pair reported most often.
-- * Years with no annual fact are inferred: a gap between two known years is split into
--   equal years, and two years are added before the first and after the last known year
--   (quarters filed before the first 10-K or after the latest one).
-- * fiscal_year is the calendar year in which the year ends, taken 7 days before the end so
--   that a 52/53-week year ending on 1-6 January keeps the previous year's name.
WITH long_periods AS MATERIALIZED (  -- one scan of the facts: distinct long periods by form
    SELECT ticker, "start", "end", form LIKE '10-Q%' AS quarterly, count(*) AS n
    FROM __sec_facts
    WHERE "start" IS NOT NULL
      AND date_diff('day', "start", "end") BETWEEN 150 AND 380
      AND (form LIKE '10-K%' OR form LIKE '20-F%' OR form LIKE '40-F%' OR form LIKE '10-Q%')
    GROUP BY ALL
),
annual_facts AS (
    SELECT ticker, "start", "end", n
    FROM long_periods
    WHERE NOT quarterly AND date_diff('day', "start", "end") >= 350
),
ytd_starts AS (  -- a company without any annual report: its half-year and nine-month facts
    SELECT ticker, "start", CAST("start" + INTERVAL 1 YEAR - INTERVAL 1 DAY AS DATE) AS "end",
           sum(n) AS n
    FROM long_periods
    WHERE quarterly AND date_diff('day', "start", "end") <= 300
      AND ticker NOT IN (SELECT ticker FROM annual_facts)
    GROUP BY ALL
),
annual AS (
    SELECT * FROM annual_facts UNION ALL SELECT * FROM ytd_starts
),
clustered AS (
    SELECT *, sum(CASE WHEN prev_end IS NULL OR date_diff('day', prev_end, "end") > 30
                       THEN 1 ELSE 0 END)
                  OVER (PARTITION BY ticker ORDER BY "end", "start") AS cluster
    FROM (SELECT *, lag("end") OVER (PARTITION BY ticker ORDER BY "end", "start") AS prev_end
          FROM annual)
),
known AS (
    SELECT ticker, cluster,
           arg_max("start", n * 100000 + date_diff('day', DATE '1900-01-01', "end")) AS fy_start,
           arg_max("end", n * 100000 + date_diff('day', DATE '1900-01-01', "end")) AS fy_end
    FROM clustered
    GROUP BY ALL
),
neighbours AS (
    SELECT *, lead(fy_start) OVER (PARTITION BY ticker ORDER BY fy_end) AS next_start,
           row_number() OVER (PARTITION BY ticker ORDER BY fy_end) AS k,
           count(*) OVER (PARTITION BY ticker) AS years
    FROM known
),
gaps AS (  -- whole years missing between two known years, split evenly
    SELECT ticker, fy_end AS after_end,
           date_diff('day', fy_end, next_start) - 1 AS gap_days,
           CAST(round((date_diff('day', fy_end, next_start) - 1) / 365.25) AS INTEGER) AS missing
    FROM neighbours
    WHERE next_start IS NOT NULL AND date_diff('day', fy_end, next_start) > 20
),
filled AS (
    SELECT ticker, after_end + CAST(1 + ((i - 1) * gap_days) // missing AS INTEGER) AS fy_start,
           after_end + CAST((i * gap_days) // missing AS INTEGER) AS fy_end
    FROM gaps, range(1, missing + 1) AS r(i)
    WHERE missing >= 1
),
edges AS (  -- two years before the first and after the last known year
    SELECT ticker,
           fy_start - CAST(round(i * 365.25) AS INTEGER) AS fy_start,
           fy_start - CAST(round((i - 1) * 365.25) + 1 AS INTEGER) AS fy_end
    FROM neighbours, range(1, 3) AS r(i)
    WHERE k = 1
    UNION ALL
    SELECT ticker,
           fy_end + CAST(round((i - 1) * 365.25) + 1 AS INTEGER),
           fy_end + CAST(round(i * 365.25) AS INTEGER)
    FROM neighbours, range(1, 3) AS r(i)
    WHERE k = years
),
all_years AS (
    SELECT ticker, fy_start, fy_end, false AS inferred FROM known
    UNION ALL
    SELECT ticker, fy_start, fy_end, true FROM filled
    UNION ALL
    SELECT ticker, fy_start, fy_end, true FROM edges
)
SELECT ticker, CAST(year(fy_end - 7) AS BIGINT) AS fiscal_year, fy_start, fy_end, inferred
FROM all_years
QUALIFY row_number() OVER (
    PARTITION BY ticker, year(fy_end - 7) ORDER BY inferred, fy_end DESC
) = 1

-- Is every company current? One row per company and fiscal quarter, from its first quarter
-- with an actual figure to the last quarter that ended before today (setting `today`; empty:
-- the day the model runs). A quarter is due `grace_days` after it ends: 45 days, 75 for the
-- fourth quarter, which ends the fiscal year. It is late when it is past due and no actual
-- figure of any metric and source for it (three months, year to date ending with it, or for
-- a fourth quarter its full year) had been published by today.
WITH params AS (
    SELECT coalesce(CAST(getvariable('today') AS DATE), current_date) AS today
),
figures AS (
    SELECT
        f.ticker,
        f.fiscal_year,
        coalesce(f.fiscal_quarter, 4) AS fiscal_quarter,
        count(*) AS figures,
        min(coalesce(f.published, f.published_before)) AS first_published
    FROM staging.figures AS f, params AS p
    WHERE f.value_kind = 'actual'
      AND (f.fiscal_quarter IS NOT NULL OR f.basis = 'fy')
      AND coalesce(f.published, f.published_before, p.today) <= p.today
    GROUP BY ALL
),
firsts AS (
    SELECT ticker, min(fiscal_year * 10 + fiscal_quarter) AS first_quarter
    FROM figures
    GROUP BY ticker
),
quarters AS (
    SELECT
        q.ticker,
        q.fiscal_year,
        q.fiscal_quarter,
        q.calendar_quarter,
        q.period_end,
        CASE WHEN q.fiscal_quarter = 4 THEN 75 ELSE 45 END AS grace_days,
        p.today
    FROM staging.fiscal_quarters AS q
    JOIN firsts AS s
        ON s.ticker = q.ticker AND q.fiscal_year * 10 + q.fiscal_quarter >= s.first_quarter
    CROSS JOIN params AS p
    WHERE q.period_end < p.today
)
SELECT
    q.ticker,
    q.fiscal_year,
    q.fiscal_quarter,
    q.calendar_quarter,
    q.period_end,
    CAST(q.grace_days AS BIGINT) AS grace_days,
    CAST(q.period_end + q.grace_days AS DATE) AS due_date,
    q.today AS measured_at,
    CAST(coalesce(f.figures, 0) AS BIGINT) AS figures,
    f.first_published,
    CASE
        WHEN f.figures IS NOT NULL THEN 'reported'
        WHEN q.today > q.period_end + q.grace_days THEN 'late'
        ELSE 'not_yet_due'
    END AS status,
    CASE
        WHEN f.figures IS NULL AND q.today > q.period_end + q.grace_days
            THEN CAST(q.today - (q.period_end + q.grace_days) AS BIGINT)
    END AS days_late
FROM quarters AS q
LEFT JOIN figures AS f USING (ticker, fiscal_year, fiscal_quarter)

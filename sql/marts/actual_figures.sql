-- Reported figures (value_kind = 'actual'), one per company x metric x basis x fiscal period.
-- Vintage rule: where the same figure was published more than once (a restatement, or a
-- comparative column of a later document), the row with the latest `published` date wins;
-- rows without a date rank below dated ones. `first_published` keeps the earliest date
-- (the results date when the release itself is among the rows).
SELECT
    f.ticker,
    c.group_name,
    c.fiscal_year_end_rule,
    f.metric,
    f.basis,
    f.fiscal_year,
    f.fiscal_quarter,
    f.value,
    f.unit,
    f.published,
    min(f.published) OVER (
        PARTITION BY f.ticker, f.metric, f.basis, f.fiscal_year, f.fiscal_quarter
    ) AS first_published,
    f.source_title,
    f.source_url,
    f.source_note
FROM raw.financials AS f
JOIN raw.companies AS c USING (ticker)
WHERE f.value_kind = 'actual'
QUALIFY row_number() OVER (
    PARTITION BY f.ticker, f.metric, f.basis, f.fiscal_year, f.fiscal_quarter
    ORDER BY f.published DESC NULLS LAST, f.source_title
) = 1
ORDER BY f.ticker, f.metric, f.fiscal_year, f.fiscal_quarter NULLS LAST, f.basis

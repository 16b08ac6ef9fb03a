-- The quarters the SEC connector derived from the filings (sec.quarterly: each quarter at its
-- latest filed value; sec.quarterly_as_first_reported: as first filed) as figures of the
-- ledger: the company's own fiscal year and quarter (staging.fiscal_quarters, matched on the
-- quarter's end date within a week), USD millions, the filing that reported each leg, and
-- `published` = the date the value became public (the later filing of its two legs). A value
-- first reported and later restated gives two rows; the point-in-time relation picks the one
-- known on each date. Both tables are empty while the connector is off.
WITH filed AS (
    SELECT 'latest' AS series, * FROM sec.quarterly
    UNION ALL BY NAME
    SELECT 'first' AS series, * FROM sec.quarterly_as_first_reported
),
usd AS (
    SELECT *
    FROM filed
    WHERE unit = 'USD' AND value_usd_m IS NOT NULL
    -- the first-reported row only where it became public on another date (on one date the
    -- latest series' pairing of the legs is the one to use)
    QUALIFY row_number() OVER (
        PARTITION BY ticker, metric, period_end, known_since ORDER BY series DESC
    ) = 1
)
SELECT
    u.ticker,
    u.metric,
    'actual' AS value_kind,
    'discrete' AS basis,
    coalesce(q.fiscal_year, u.fiscal_year) AS fiscal_year,
    coalesce(q.fiscal_quarter, u.fiscal_quarter) AS fiscal_quarter,
    u.period_start,
    u.period_end,
    u.value_usd_m AS value,
    'USD_m' AS unit,
    -- XBRL decimals -6 = exact to the million = exact to the unit USD_m
    CASE WHEN u.decimals < -6 THEN power(10.0, -u.decimals) / 1e6 END AS stated_precision,
    u.known_since AS published,
    u.taxonomy || ':' || u.concept AS concept,
    u.method,
    u.accn AS accession,
    u.form,
    u.filed,
    u.subtracted_accn AS subtracted_accession,
    u.form || ' filed ' || strftime(u.filed, '%Y-%m-%d') || ' (' || u.accn || ')'
        || CASE WHEN u.subtracted_accn IS NOT NULL
            THEN ' less ' || u.subtracted_form || ' filed '
                || strftime(u.subtracted_filed, '%Y-%m-%d') || ' (' || u.subtracted_accn || ')'
            ELSE '' END AS source_title,
    'https://www.sec.gov/Archives/edgar/data/' || u.cik || '/' || replace(u.accn, '-', '') || '/'
        AS source_url,
    u.taxonomy || ':' || u.concept || ' ' || strftime(u.period_start, '%Y-%m-%d') || '..'
        || strftime(u.period_end, '%Y-%m-%d') || ' = ' || format('{:.0f}', u.value)
        || ' ' || u.unit AS source_quote,
    u.method || CASE WHEN u.vintage_note IS NOT NULL THEN '; ' || u.vintage_note ELSE '' END
        AS source_note,
    q.fiscal_year IS NOT NULL AS on_calendar
FROM usd AS u
LEFT JOIN staging.fiscal_quarters AS q
    ON q.ticker = u.ticker AND abs(date_diff('day', q.period_end, u.period_end)) <= 7
QUALIFY row_number() OVER (
    PARTITION BY u.ticker, u.metric, u.period_end, u.known_since
    ORDER BY abs(date_diff('day', q.period_end, u.period_end))
) = 1

-- SEC-derived quarterly capex (sec.quarterly, latest filed) against the curated raw capex
-- (raw.financials, actual discrete quarters), for every quarter both have.
-- Each company's capex is the capex_metric of raw.companies (gross purchases where capex is net
-- of proceeds), which sec.quarterly carries under the same name (raw/filing_concepts.csv);
-- $tickers: the companies the connector fetched.
-- A curated figure with several vintages is compared at its latest `published` date.
-- Every quarter of the full SEC history is compared where a curated figure exists.
WITH curated AS (
    SELECT f.ticker, f.metric, f.period_start, f.period_end, f.value AS curated_usd_m,
           f.published, f.source_title
    FROM raw.financials AS f
    JOIN raw.companies AS m ON f.ticker = m.ticker AND f.metric = m.capex_metric
    WHERE f.value_kind = 'actual' AND f.basis = 'discrete' AND f.unit = 'USD_m'
      AND f.period_end IS NOT NULL
    QUALIFY row_number() OVER (
        PARTITION BY f.ticker, f.metric, f.period_end ORDER BY f.published DESC NULLS LAST
    ) = 1
)
SELECT q.ticker, q.fiscal_year, q.fiscal_quarter, q.calendar_quarter,
       q.period_start, q.period_end, c.metric AS curated_metric, q.concept, q.method,
       q.vintage, q.known_since, q.value_usd_m AS sec_usd_m, c.curated_usd_m,
       (q.value_usd_m - c.curated_usd_m) / nullif(c.curated_usd_m, 0) AS relative_difference,
       abs(q.value_usd_m - c.curated_usd_m) <= $tolerance * abs(c.curated_usd_m) AS within_tolerance,
       c.source_title AS curated_source
FROM sec.quarterly AS q
JOIN curated AS c  -- the same fiscal quarter: end dates at most 7 days apart
  ON q.ticker = c.ticker AND q.metric = c.metric AND abs(date_diff('day', q.period_end, c.period_end)) <= 7
 AND (c.period_start IS NULL OR abs(date_diff('day', q.period_start, c.period_start)) <= 7)
WHERE list_contains($tickers, q.ticker) AND q.value_usd_m IS NOT NULL
ORDER BY q.ticker, q.period_end

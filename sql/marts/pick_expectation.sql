-- The consensus / estimate / guidance figure a quarter is compared with.
-- Input view `expectation_requests` (ticker, metric, fiscal_year, fiscal_quarter, as_of);
-- parameters $value_kind ('consensus', 'estimate', 'guidance_mid', ...) and $window_days.
-- `as_of` is the results date of the quarter (the `published` date of its actual), or NULL
-- when the quarter is not reported yet.
--
-- Several figures may exist for one quarter, each with its publication date. Rule, in
-- order of preference:
--   1. on_or_before_results: the latest figure published on or before `as_of`;
--   2. quoted_after_results: none before, but a figure quoted within $window_days days
--      after the results (a post-results article quoting the pre-results expectation,
--      e.g. "beats the 15.84 bn consensus"): the earliest such;
--   3. date_unknown: a row without a publication date;
--   4. latest_available: the quarter is not reported yet: the latest figure published.
-- Ties on the same date prefer a source other than the seed, then the lower value.
WITH candidates AS (
    SELECT
        r.ticker, r.metric, r.fiscal_year, r.fiscal_quarter,
        f.value, f.published, f.source_title,
        coalesce(f.source_url, '') LIKE 'seed/%' AS from_seed,
        CASE
            WHEN r.as_of IS NULL AND f.published IS NOT NULL THEN 4
            WHEN f.published IS NULL THEN 3
            WHEN f.published <= r.as_of THEN 1
            WHEN f.published <= r.as_of + CAST($window_days AS INTEGER) THEN 2
        END AS tier
    FROM expectation_requests AS r
    JOIN raw.financials AS f
      ON f.ticker = r.ticker
     AND f.metric = r.metric
     AND f.fiscal_year = r.fiscal_year
     AND f.fiscal_quarter = r.fiscal_quarter
     AND f.basis = 'discrete'
     AND f.value_kind = $value_kind
)
SELECT
    ticker, metric, fiscal_year, fiscal_quarter,
    value,
    published,
    CASE tier
        WHEN 1 THEN 'on_or_before_results'
        WHEN 2 THEN 'quoted_after_results'
        WHEN 3 THEN 'date_unknown'
        ELSE 'latest_available'
    END AS timing,
    source_title AS source,
    from_seed
FROM candidates
WHERE tier IS NOT NULL
QUALIFY row_number() OVER (
    PARTITION BY ticker, metric, fiscal_year, fiscal_quarter
    ORDER BY
        CASE tier WHEN 4 THEN 1 WHEN 1 THEN 1 WHEN 2 THEN 2 ELSE 3 END,
        CASE WHEN tier = 2 THEN epoch(published) ELSE -epoch(published) END NULLS LAST,
        from_seed,
        value
) = 1
ORDER BY ticker, metric, fiscal_year, fiscal_quarter

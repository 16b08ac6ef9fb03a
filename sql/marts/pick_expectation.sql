-- The consensus / estimate / guidance figure a quarter is compared with.
-- Inputs: view `expectation_requests` (ticker, metric, fiscal_year, fiscal_quarter, as_of,
-- is_reported) and view `expectation_candidates` (the non-actual rows of raw.financials that
-- were known at the time being judged); parameters $value_kind ('consensus', 'estimate',
-- 'guidance_mid', ...) and $window_days.
-- `as_of` is the results date of the quarter (the first `published` date of its actuals),
-- NULL when the quarter is not reported yet or its results are undated.
--
-- Several figures may exist for one quarter, each with its publication date. Rule, in
-- order of preference:
--   1. on_or_before_results: the latest figure published on or before `as_of`;
--   2. quoted_after_results: none before, but a figure quoted within $window_days days
--      after the results (a post-results article quoting the pre-results expectation,
--      e.g. "beats the 15.84 bn consensus"): the earliest such;
--   3. undated_before_results: an undated figure whose document is dated on or before
--      `as_of` (`published_before`): it was public by then, but when is unknown;
--   4. latest_available: the quarter is not reported yet: the latest dated figure.
-- An undated figure with no document date, or one whose document is later than the
-- results, is never taken as the figure in force; nor is anything for a reported quarter
-- whose results date is unknown.
-- Ties on the same date prefer a source other than the seed, then the lower value.
WITH candidates AS (
    SELECT
        r.ticker, r.metric, r.fiscal_year, r.fiscal_quarter,
        f.value, coalesce(f.published, f.published_before) AS published,
        f.published IS NULL AS undated,
        f.compiled_by,
        f.source_title,
        coalesce(f.source_url, '') LIKE 'seed/%' AS from_seed,
        CASE
            WHEN NOT r.is_reported AND f.published IS NOT NULL THEN 4
            WHEN r.as_of IS NULL THEN NULL
            WHEN f.published IS NULL AND f.published_before <= r.as_of THEN 3
            WHEN f.published IS NULL THEN NULL
            WHEN f.published <= r.as_of THEN 1
            WHEN f.published <= r.as_of + CAST($window_days AS INTEGER) THEN 2
        END AS tier
    FROM expectation_requests AS r
    JOIN expectation_candidates AS f
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
        WHEN 3 THEN 'undated_before_results'
        ELSE 'latest_available'
    END AS timing,
    source_title AS source,
    compiled_by,
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

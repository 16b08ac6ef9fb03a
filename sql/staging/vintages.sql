-- The dates the point-in-time models are computed for: today (9999-12-31: everything the
-- warehouse holds), each claim's date (claims are judged as known then) and the date of each
-- capex-guidance statement (what it implied, against the capex published by then).
SELECT DISTINCT as_of
FROM (
    SELECT DATE '9999-12-31' AS as_of
    UNION ALL
    SELECT CAST(left(publish_date, 10) AS DATE) FROM raw.claims
    UNION ALL
    SELECT coalesce(given_on, given_before - INTERVAL 1 DAY, reported_on)::DATE
    FROM raw.capex_guidance
)
WHERE as_of IS NOT NULL

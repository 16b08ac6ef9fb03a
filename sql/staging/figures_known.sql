-- The figures known at each vintage: today (9999-12-31) everything; at a past date a figure
-- counts from its publication date, an undated one from its document's date
-- (published_before), and a figure with neither date only today
-- (pipelines/marts/build.py known_on).
SELECT v.as_of, f.*
FROM staging.vintages AS v
JOIN staging.figures AS f
    ON v.as_of = today_vintage()
    OR coalesce(f.published, f.published_before) <= v.as_of

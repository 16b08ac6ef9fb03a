-- Flatten SEC companyfacts JSON files into one row per fact (the long table sec.facts).
-- Parameter $1: list of file paths. Relation __sec_companies(cik, ticker) names the companies.
-- Shape of a file: {"cik": 789019, "entityName": "...", "facts": {"<taxonomy>": {"<concept>":
--   {"label": "...", "units": {"<unit>": [{"start", "end", "val", "accn", "fy", "fp", "form",
--   "filed", "frame"}]}}}}. Instant facts (balance sheet) have no "start".
WITH files AS (
    SELECT cik, unnest(map_entries(facts)) AS tx
    FROM read_json(
        $1,
        format = 'auto',
        maximum_object_size = 2147483647,
        columns = {
            'cik': 'BIGINT',
            'facts': 'MAP(VARCHAR, MAP(VARCHAR, STRUCT(units MAP(VARCHAR, STRUCT("start" DATE, "end" DATE, val DOUBLE, accn VARCHAR, fy BIGINT, fp VARCHAR, form VARCHAR, filed DATE, frame VARCHAR)[]))))'
        }
    )
),
concepts AS (
    SELECT cik, tx.key AS taxonomy, unnest(map_entries(tx.value)) AS ce FROM files
),
units AS (
    SELECT cik, taxonomy, ce.key AS concept, unnest(map_entries(ce.value.units)) AS un FROM concepts
),
facts AS (
    SELECT cik, taxonomy, concept, un.key AS unit, unnest(un.value) AS x FROM units
)
SELECT
    c.ticker,
    f.cik,
    f.taxonomy,
    f.concept,
    f.unit,
    f.x."start" AS "start",
    f.x."end" AS "end",
    f.x.val AS val,
    f.x.accn AS accn,
    f.x.fy AS fy,
    f.x.fp AS fp,
    f.x.form AS form,
    f.x.filed AS filed,
    f.x.frame AS frame
FROM facts AS f
JOIN __sec_companies AS c USING (cik)

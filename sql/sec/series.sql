-- One row per series of the concept map (see docs/sec.md): a company's metric at one priority,
-- the signed sum of its concepts (raw/filing_concepts.csv). Input: __sec_components(sid, gid,
-- ticker, metric, taxonomy, concept, unit, priority, sign), one row per concept. concept names
-- the series: the concept itself, or its concepts joined by ' + ' / ' - ' in file order.
SELECT sid, any_value(gid) AS gid, any_value(ticker) AS ticker, any_value(metric) AS metric,
       any_value(taxonomy) AS taxonomy,
       ltrim(string_agg(CASE WHEN sign < 0 THEN ' - ' ELSE ' + ' END || concept, ''
                        ORDER BY sign DESC, concept), ' +') AS concept,
       any_value(unit) AS unit, any_value(priority) AS priority, count(*) AS components
FROM __sec_components
GROUP BY sid

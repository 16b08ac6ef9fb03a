-- marts.claim_checks: every claim of raw.claims judged twice, as of today and as of the
-- claim's date, against the union of the claim-facts tables (marts.claim_facts, one vintage
-- per as_of; tco.claim_facts, the same at every vintage). Port of
-- pipelines/marts/claim_checks.py (normalize_facts, build_claim_checks,
-- build_claim_checks_as_of, change_reason); the verdict is claim_judge (sql/macros/claims.sql).
-- A claim about a statement (raw.claims.subject_type = 'statement': guidance, consensus) is
-- judged, in both passes, against the statement in force on the claim's date (marts.claim_facts
-- rows with in_force_on set: as known then, and as known today); a later statement is shown
-- beside the verdict (revised_value, revised_on, revision), never compared.
WITH claims AS (
    SELECT *, CAST(left(publish_date, 10) AS DATE) AS claim_date FROM raw.claims
),

claim_days AS (
    -- the vintages marts.claim_facts holds besides today (the Python judged a claim date
    -- without marts facts against no facts at all, not even the TCO ones)
    SELECT DISTINCT as_of AS vintage FROM marts.claim_facts WHERE as_of IS NOT NULL
),

tco_facts AS (
    -- tco.claim_facts in the full fact columns (its optional columns defaulted)
    SELECT entity, metric, period, computed_value, unit, method, NULL::VARCHAR AS claim_id,
           'warehouse' AS basis, 'equal' AS comparison, tolerance, 'tco' AS domain,
           NULL::DATE AS in_force_on, NULL::DATE AS statement_date,
           NULL::DOUBLE AS revised_value, NULL::DATE AS revised_on, NULL::VARCHAR AS revision
    FROM tco.claim_facts
),

facts AS (
    SELECT coalesce(as_of, today_vintage()) AS vintage, entity, metric, period,
           computed_value, unit, method, claim_id, basis, comparison,
           NULL::DOUBLE AS tolerance, 'marts' AS domain, in_force_on, statement_date,
           revised_value, revised_on, revision
    FROM marts.claim_facts
    UNION ALL
    SELECT today_vintage(), * FROM tco_facts
    UNION ALL
    SELECT d.vintage, t.* FROM tco_facts AS t CROSS JOIN claim_days AS d
),

passes AS (
    -- each claim as of today and as of its own date
    SELECT *, today_vintage() AS vintage FROM claims
    UNION ALL
    SELECT *, claim_date FROM claims
),

candidates AS (
    -- a claim's facts: those for the claim itself, then those for its (entity, metric,
    -- period); the first by (the statement in force for a statement claim, has a figure,
    -- basis warehouse, claim-specific, marts) is chosen
    SELECT p.claim_id AS for_claim, p.vintage, f.*,
           row_number() OVER (
               PARTITION BY p.claim_id, p.vintage
               ORDER BY p.subject_type = 'statement' AND f.in_force_on IS NOT NULL DESC,
                        f.computed_value IS NULL, f.basis <> 'warehouse', f.claim_id IS NULL,
                        f.domain <> 'marts', coalesce(f.claim_id, '') = '', f.domain
           ) AS rank
    FROM passes AS p
    JOIN facts AS f
      ON f.vintage = p.vintage
     AND ((coalesce(f.claim_id, '') <> '' AND f.claim_id = p.claim_id)
          OR (coalesce(f.claim_id, '') = '' AND f.entity = p.entity AND f.metric = p.metric
              AND f.period = p.period))
),

others AS (
    SELECT for_claim, vintage,
           string_agg(domain || ': ' || fmt_grouped(computed_value, 4) || ' ' || unit || ' ('
                      || basis || ')', '; ' ORDER BY rank) AS other_facts
    FROM candidates
    WHERE rank > 1
    GROUP BY ALL
),

chosen AS (
    SELECT p.*,
           f.domain AS fact_domain, f.basis AS fact_basis, f.method AS fact_method,
           f.unit AS fact_unit, f.comparison AS fact_comparison, f.tolerance AS fact_tolerance,
           f.for_claim IS NOT NULL AS has_fact,
           f.statement_date, f.revised_value, f.revised_on, f.revision,
           -- a figure in another unit is converted where a factor is known (Python _convert)
           f.computed_value IS NOT NULL AND claim_unit_factor(f.unit, p.unit) IS NULL
               AS not_convertible,
           CASE WHEN f.computed_value IS NULL OR f.unit = p.unit THEN f.computed_value
                ELSE f.computed_value * claim_unit_factor(f.unit, p.unit) END AS computed,
           o.other_facts
    FROM passes AS p
    LEFT JOIN candidates AS f
        ON f.for_claim = p.claim_id AND f.vintage = p.vintage AND f.rank = 1
    LEFT JOIN others AS o
        ON o.for_claim = p.claim_id AND o.vintage = p.vintage
),

judged AS (
    SELECT c.*,
           CASE WHEN c.not_convertible
                THEN {'status': 'not_computable', 'difference': NULL::DOUBLE,
                      'tolerance': NULL::DOUBLE, 'rule': NULL::VARCHAR}
                ELSE claim_judge(c.stated_value, c.computed, c.decimals, c.qualifier,
                                 coalesce(c.fact_comparison, 'equal'), c.fact_tolerance)
           END AS verdict
    FROM chosen AS c
),

checked AS (
    SELECT j.*,
           CASE WHEN NOT j.has_fact
                THEN 'no computed figure for (' || j.entity || ', ' || j.metric || ', '
                     || j.period || ') in marts.claim_facts or tco.claim_facts'
                WHEN j.not_convertible
                THEN 'not computable: computed in ' || j.fact_unit || ', stated in ' || j.unit
                     || ', no conversion'
                WHEN j.verdict.status = 'not_computable' THEN j.fact_method
                ELSE 'computed ' || fmt_grouped(j.computed, 4) || ' vs stated'
                     || CASE WHEN coalesce(j.qualifier, '') <> '' THEN ' ' || j.qualifier
                             ELSE '' END
                     || ' ' || fmt_grouped(j.stated_value, 4) || ' ' || j.unit
                     || ' (difference ' || fmt_grouped(j.verdict.difference, 4) || '; rule '
                     || j.verdict.rule || ')'
           END AS reason,
           CASE WHEN j.verdict.status <> 'not_computable' THEN j.computed END AS computed_value
    FROM judged AS j
),

today AS (SELECT * FROM checked WHERE vintage = today_vintage()),

then_ AS (SELECT * FROM checked WHERE vintage = claim_date)

SELECT t.claim_id,
       'A' || CAST(t.article_no AS VARCHAR) || ' ' || t.publisher || ', ' || t.publish_date
           || ' ' || t.citation AS source,
       CAST(t.article_no AS BIGINT) AS article_no,
       t.entity, t.metric, t.period, t.subject_type,
       CAST(t.stated_value AS DOUBLE) AS stated_value,
       t.qualifier,
       CAST(t.decimals AS BIGINT) AS decimals,
       CAST(t.computed_value AS DOUBLE) AS computed_value,
       t.unit,
       t.verdict.difference AS difference,
       t.verdict.tolerance AS tolerance,
       t.verdict.rule AS tolerance_rule,
       t.verdict.status AS status,
       t.reason,
       t.fact_domain, t.fact_basis, t.fact_method, t.other_facts, t.meaning_en,
       t.claim_date,
       t.statement_date,
       CAST(t.revised_value AS DOUBLE) AS revised_value,
       t.revised_on,
       t.revision,
       h.verdict.status AS status_as_of_claim,
       CAST(h.computed_value AS DOUBLE) AS computed_value_as_of_claim,
       h.verdict.difference AS difference_as_of_claim,
       h.reason AS reason_as_of_claim,
       t.verdict.status <> h.verdict.status AS verdict_changed,
       -- why today's verdict differs from the one as of the claim's date
       CASE WHEN t.verdict.status = h.verdict.status
                 AND h.computed_value IS NOT DISTINCT FROM t.computed_value THEN NULL
            WHEN h.computed_value IS NULL AND t.computed_value IS NOT NULL
                 AND t.subject_type = 'statement'
                THEN 'became computable: a source published after the claim dates the statement '
                     || 'in force on the claim''s date'
            WHEN h.computed_value IS NULL AND t.computed_value IS NOT NULL
                THEN 'became computable with figures published after the claim'
            WHEN h.computed_value IS NOT NULL AND t.computed_value IS NULL
                THEN 'no longer computable with today''s figures'
            WHEN h.computed_value <> t.computed_value AND t.subject_type = 'statement'
                THEN 'the statement in force on the claim''s date reads differently today (a '
                     || 'corrected or earlier-dated source): '
                     || fmt_grouped(h.computed_value, 4) || ' then, '
                     || fmt_grouped(t.computed_value, 4) || ' today'
            WHEN h.computed_value <> t.computed_value
                THEN 'figures changed after the claim (restated or a later vintage): computed '
                     || fmt_grouped(h.computed_value, 4) || ' then, '
                     || fmt_grouped(t.computed_value, 4) || ' today'
            ELSE 'same figure, different verdict'
       END AS change_reason
FROM today AS t
LEFT JOIN then_ AS h USING (claim_id)

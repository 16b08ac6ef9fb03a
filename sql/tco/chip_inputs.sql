-- One row per costed chip: its TCO assumptions (raw.tco_assumptions), the specs that
-- normalise its cost (raw.accelerators), and the provenance of its values
-- (raw.tco_assumption_sources: the chip's own row for a field, else the shared '*' row;
-- raw.accelerator_sources: the source of each spec used).
WITH candidates AS (
    SELECT
        a.chip,
        s.field,
        s.source_kind,
        s.source_title,
        s.reasoning,
        row_number() OVER (PARTITION BY a.chip, s.field ORDER BY s.chip = '*') AS pick
    FROM raw.tco_assumptions AS a
    JOIN raw.tco_assumption_sources AS s ON s.chip = a.chip OR s.chip = '*'
),
chosen AS (
    SELECT chip, field, source_kind, source_title, reasoning FROM candidates WHERE pick = 1
),
assumed AS (
    SELECT
        chip,
        string_agg(field, ', ' ORDER BY field)
            FILTER (WHERE source_kind = 'assumption') AS assumed_fields,
        -- values whose reasoning says they were calibrated or tuned to hit a target figure
        string_agg(field, ', ' ORDER BY field)
            FILTER (WHERE regexp_matches(lower(reasoning), 'calibrat|tuned')) AS calibrated_fields
    FROM chosen
    GROUP BY chip
),
-- provenance as text: 'field, field: source title; ...' per chip
assumption_titles AS (
    SELECT chip, coalesce(source_title, 'no source document (see reasoning)') AS title,
           string_agg(field, ', ' ORDER BY field) AS fields
    FROM chosen
    GROUP BY ALL
),
assumption_sources AS (
    SELECT chip, string_agg(fields || ': ' || title, '; ' ORDER BY fields) AS assumption_sources
    FROM assumption_titles
    GROUP BY chip
),
spec_titles AS (
    SELECT chip, source_title, string_agg(field, ', ' ORDER BY field) AS fields
    FROM raw.accelerator_sources
    WHERE field IN ('bf16_dense_tflops', 'hbm_tbps', 'hbm_gb')
    GROUP BY ALL
),
spec_sources AS (
    SELECT chip, string_agg(fields || ': ' || source_title, '; ' ORDER BY fields) AS spec_sources
    FROM spec_titles
    GROUP BY chip
)
SELECT
    a.chip,
    acc.vendor,
    a.capital_usd,
    a.life_years,
    a.cost_of_capital,
    a.it_power_kw,
    a.power_utilisation,
    a.pue,
    a.electricity_usd_per_kwh,
    a.rent_usd_per_kw_month,
    a.maintenance_pct_of_capital_per_year,
    acc.bf16_dense_tflops,
    acc.hbm_tbps,
    acc.hbm_gb,
    cap.source_kind AS capital_source_kind,
    cap.reasoning AS capital_reasoning,
    assumed.assumed_fields,
    assumed.calibrated_fields,
    spec_sources.spec_sources,
    assumption_sources.assumption_sources
FROM raw.tco_assumptions AS a
LEFT JOIN raw.accelerators AS acc ON acc.chip = a.chip
LEFT JOIN chosen AS cap ON cap.chip = a.chip AND cap.field = 'capital_usd'
LEFT JOIN assumed ON assumed.chip = a.chip
LEFT JOIN spec_sources ON spec_sources.chip = a.chip
LEFT JOIN assumption_sources ON assumption_sources.chip = a.chip
ORDER BY a.chip

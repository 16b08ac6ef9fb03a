-- Systems at world size: totals computed from per-chip specs x chip count, compared with
-- the totals a source states, and ratios against a reference system (variable tco_reference_system).
-- A total is the computed one when chip count and per-chip spec are known, else the stated
-- one; *_basis says which. Division by a missing or zero total gives NULL.
WITH systems AS (
    SELECT
        s.system,
        s.chip,
        s.chip_count,
        acc.bf16_dense_tflops AS chip_bf16_dense_tflops,
        acc.hbm_tbps AS chip_hbm_tbps,
        s.chip_count * acc.bf16_dense_tflops / 1000.0 AS computed_total_bf16_pflops,
        s.chip_count * acc.hbm_tbps AS computed_total_hbm_tbps,
        s.stated_total_bf16_pflops,
        s.stated_total_hbm_tbps
    FROM raw.systems AS s
    LEFT JOIN raw.accelerators AS acc ON acc.chip = s.chip
),
totals AS (
    SELECT
        *,
        coalesce(computed_total_bf16_pflops, stated_total_bf16_pflops) AS total_bf16_pflops,
        CASE
            WHEN computed_total_bf16_pflops IS NOT NULL THEN 'computed'
            WHEN stated_total_bf16_pflops IS NOT NULL THEN 'stated'
            ELSE 'unknown'
        END AS total_bf16_pflops_basis,
        coalesce(computed_total_hbm_tbps, stated_total_hbm_tbps) AS total_hbm_tbps,
        CASE
            WHEN computed_total_hbm_tbps IS NOT NULL THEN 'computed'
            WHEN stated_total_hbm_tbps IS NOT NULL THEN 'stated'
            ELSE 'unknown'
        END AS total_hbm_tbps_basis,
        computed_total_hbm_tbps - stated_total_hbm_tbps AS hbm_tbps_computed_minus_stated,
        computed_total_bf16_pflops - stated_total_bf16_pflops
            AS bf16_pflops_computed_minus_stated,
        CASE WHEN chip_count IS NULL AND chip_hbm_tbps > 0
            THEN stated_total_hbm_tbps / chip_hbm_tbps END AS implied_chip_count_from_hbm
    FROM systems
),
reference AS (
    SELECT total_bf16_pflops, total_hbm_tbps, chip_hbm_tbps
    FROM totals
    WHERE system = getvariable('tco_reference_system')::VARCHAR
)
SELECT
    t.system,
    t.chip,
    t.chip_count,
    t.chip_bf16_dense_tflops,
    t.chip_hbm_tbps,
    t.computed_total_bf16_pflops,
    t.stated_total_bf16_pflops,
    t.bf16_pflops_computed_minus_stated,
    t.total_bf16_pflops,
    t.total_bf16_pflops_basis,
    t.computed_total_hbm_tbps,
    t.stated_total_hbm_tbps,
    t.hbm_tbps_computed_minus_stated,
    t.total_hbm_tbps,
    t.total_hbm_tbps_basis,
    t.implied_chip_count_from_hbm,
    getvariable('tco_reference_system')::VARCHAR AS reference_system,
    t.total_bf16_pflops / nullif(r.total_bf16_pflops, 0) AS bf16_pflops_system_over_reference_x,
    r.total_bf16_pflops / nullif(t.total_bf16_pflops, 0) AS bf16_pflops_reference_over_system_x,
    t.total_hbm_tbps / nullif(r.total_hbm_tbps, 0) AS hbm_tbps_system_over_reference_x,
    r.total_hbm_tbps / nullif(t.total_hbm_tbps, 0) AS hbm_tbps_reference_over_system_x,
    r.chip_hbm_tbps / nullif(t.chip_hbm_tbps, 0) AS chip_hbm_tbps_reference_over_system_x
FROM totals AS t
LEFT JOIN reference AS r ON TRUE
ORDER BY t.total_hbm_tbps DESC NULLS LAST, t.system

-- TCO comparisons, as in pipelines/tco/frames.py and pipelines/tco/model.py.

-- chip / reference; NULL when either is missing or the reference is 0
CREATE OR REPLACE MACRO tco_ratio(chip, reference) AS
    CASE WHEN reference <> 0 THEN chip / reference END;

-- Advantage of the chip over the reference (both costs per unit), percent, positive = chip
-- cheaper; NULL when either cost is missing or 0. reading: 'cost_saving' =
-- (1 - chip / reference) x 100, 'reference_premium' = (reference / chip - 1) x 100.
CREATE OR REPLACE MACRO tco_advantage_pct(chip, reference, reading) AS
    CASE
        WHEN chip IS NULL OR reference IS NULL OR chip = 0 OR reference = 0 THEN NULL
        WHEN reading = 'cost_saving' THEN (1.0 - chip / reference) * 100.0
        WHEN reading = 'reference_premium' THEN (reference / chip - 1.0) * 100.0
    END;

-- Python f"{x:,.6g}" (6 significant digits, thousands separators): the number format of the
-- method texts of tco.claim_facts (DuckDB's format() follows the same rules)
CREATE OR REPLACE MACRO fmt_g6(x) AS format('{:,.6g}', CAST(x AS DOUBLE));

-- Python f"{x:.4f}" / f"{x:.2f}"
CREATE OR REPLACE MACRO fmt_f4(x) AS format('{:.4f}', CAST(x AS DOUBLE));
CREATE OR REPLACE MACRO fmt_f2(x) AS format('{:.2f}', CAST(x AS DOUBLE));

-- Scalar macros of the marts models (group totals, guidance, AI revenue).

-- Sum of a list of DOUBLEs the way polars' group_by(...).agg(sum) adds them: Kahan
-- (compensated) summation, left to right, from 0. DuckDB's sum() adds in any order and its
-- fsum() compensates differently; both change the last bit of a total of non-whole figures
-- (e.g. 395.371 among whole USD m), and tables must stay bit-equal. Pass the list in the
-- order the old code held the rows in: list(x ORDER BY ...). (list_reduce needs the
-- accumulator's type to be the elements' type, hence the list of {s: value, c: 0} structs.)
CREATE OR REPLACE MACRO sum_kahan(values_list) AS
    list_reduce(
        list_transform(values_list, lambda v: {'s': CAST(v AS DOUBLE), 'c': CAST(0.0 AS DOUBLE)}),
        lambda acc, item: {
            's': acc.s + (item.s - acc.c),
            'c': ((acc.s + (item.s - acc.c)) - acc.s) - (item.s - acc.c)
        },
        {'s': CAST(0.0 AS DOUBLE), 'c': CAST(0.0 AS DOUBLE)}
    ).s;

-- Sum of a list of DOUBLEs strictly left to right from 0, as Python's sum() adds.
CREATE OR REPLACE MACRO sum_in_order(values_list) AS
    list_reduce(values_list, lambda acc, v: acc + v, CAST(0.0 AS DOUBLE));

-- The figure a capex guidance is compared on: the stated mid, else the midpoint of the range,
-- else the one bound given; and how it was chosen (marts.capex_guidance).
CREATE OR REPLACE MACRO guidance_point(low, mid, high) AS
    CASE
        WHEN mid IS NOT NULL THEN mid
        WHEN low IS NOT NULL AND high IS NOT NULL THEN (low + high) / 2.0
        WHEN low IS NOT NULL THEN low
        ELSE high
    END;
CREATE OR REPLACE MACRO guidance_point_method(low, mid, high) AS
    CASE
        WHEN mid IS NOT NULL THEN 'stated_mid'
        WHEN low IS NOT NULL AND high IS NOT NULL THEN 'midpoint_of_range'
        WHEN low IS NOT NULL THEN 'lower_bound'
        WHEN high IS NOT NULL THEN 'upper_bound'
        ELSE 'none'
    END;

-- How to read a surprise against the consensus (marts.ai_revenue_quarterly): beat / miss /
-- in_line, or why it is not a clean one. consensus_timing: the pick's timing (NULL = no
-- consensus); age_days: results date minus the consensus' date. A consensus older than
-- getvariable('consensus_max_age_days') at the results is stale.
CREATE OR REPLACE MACRO surprise_status(is_reported, surprise_pct, consensus_timing, age_days) AS
    CASE
        WHEN NOT is_reported THEN 'not_reported'
        WHEN consensus_timing IS NULL OR surprise_pct IS NULL THEN 'no_consensus'
        WHEN consensus_timing = 'undated_before_results' THEN 'undated_consensus'
        WHEN age_days > getvariable('consensus_max_age_days') THEN 'stale_consensus'
        WHEN surprise_pct > 0.0 THEN 'beat'
        WHEN surprise_pct < -0.0 THEN 'miss'
        ELSE 'in_line'
    END;

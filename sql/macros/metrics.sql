-- Scalar macros of the metrics models (pipelines/metrics/formulas.py in SQL).

-- Python's float(sum(values)) for a list: added left to right from the first element, so a
-- sum of non-whole USD m figures is bit-equal to the old code's. NULL for an empty list.
CREATE OR REPLACE MACRO sum_left_to_right(values_list) AS
    CASE WHEN len(values_list) > 0 THEN list_reduce(values_list, lambda a, b: a + b) END;

-- formulas.ratio_pct: numerator / denominator x 100, NULL when an input is missing, the
-- denominator is zero or (positive_denominator) negative.
CREATE OR REPLACE MACRO formula_ratio_pct(numerator, denominator, positive_denominator) AS
    CASE WHEN numerator IS NULL OR denominator IS NULL OR denominator = 0
              OR (positive_denominator AND denominator < 0) THEN NULL
         ELSE numerator / denominator * 100.0 END;

-- Why formulas.ratio_pct gives no value (NULL when it gives one), in its words.
CREATE OR REPLACE MACRO formula_ratio_pct_reason(
    numerator, denominator, numerator_name, denominator_name, positive_denominator
) AS
    CASE WHEN numerator IS NULL OR denominator IS NULL THEN
              concat_ws(' and ',
                        CASE WHEN numerator IS NULL THEN numerator_name END,
                        CASE WHEN denominator IS NULL THEN denominator_name END) || ' missing'
         WHEN denominator = 0 THEN denominator_name || ' is zero'
         WHEN positive_denominator AND denominator < 0 THEN
              denominator_name || ' is negative (' || format('{:g}', denominator)
              || '): the ratio is not meaningful'
    END;

-- Every figure with its provenance, one long relation. Today all of it is curated
-- (raw.financials); filed figures (SEC) join here later with their own source_kind.
-- stated_precision: the place value of the figure's last printed digit in its unit (NULL =
-- exact to the unit); a figure with stated_precision > 1 is not used to derive a quarter.
-- source_type: the kind of document the figure was read from; is_verified is false for a
-- figure whose only source is a claim list or a machine summary.
SELECT
    ticker,
    metric,
    value_kind,
    basis,
    fiscal_year,
    fiscal_quarter,
    period_start,
    period_end,
    value,
    unit,
    CAST(stated_precision AS DOUBLE) AS stated_precision,
    published,
    published_before,
    compiled_by,
    source_title,
    source_url,
    source_type,
    source_type NOT IN ('claim_list', 'machine_summary') AS is_verified,
    source_quote,
    source_note,
    'curated' AS source_kind
FROM raw.financials

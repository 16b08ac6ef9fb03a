-- Every figure with its provenance, one long relation: the curated figures (raw.financials,
-- source_kind 'curated') and the quarters derived from SEC filings (staging.filed_figures,
-- source_kind 'filing', empty while the connector is off).
-- stated_precision: the place value of the figure's last printed digit in its unit (NULL =
-- exact to the unit); a figure with stated_precision > 1 is not used to derive a quarter.
-- source_type: the kind of document the figure was read from; is_verified is false for a
-- figure whose only source is a claim list or a machine summary.
-- source_rank: the precedence among figures of one company, metric and period (docs/keep-
-- current.md): 1 a filed 10-Q / 10-K (or a verbatim copy of one), 2 the company's press
-- release, 3 a secondary source, 4 unverified (a claim list or a machine summary).
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
    NOT list_contains(unverified_source_types(), source_type) AS is_verified,
    source_quote,
    source_note,
    'curated' AS source_kind,
    source_rank(source_type) AS source_rank,
    CAST(NULL AS VARCHAR) AS accession,
    CAST(NULL AS VARCHAR) AS form
FROM raw.financials
UNION ALL
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
    stated_precision,
    published,
    CAST(NULL AS DATE) AS published_before,
    CAST(NULL AS VARCHAR) AS compiled_by,
    source_title,
    source_url,
    'filing' AS source_type,
    true AS is_verified,
    source_quote,
    source_note,
    'filing' AS source_kind,
    source_rank('filing') AS source_rank,
    accession,
    form
FROM staging.filed_figures

-- Where sources disagree: every reported figure (today) of one company, metric and period
-- whose best figure from another kind of source (curated vs filing) differs from the figure
-- the ledger uses (staging.actual_figures, chosen by source_rank) by more than
-- reconciliation_tolerance() (0.5 %), with both values and their sources.
WITH per_kind AS (  -- each kind of source's own best figure of each period
    SELECT *, coalesce(accession, source_url, source_title) AS source_ref
    FROM staging.figures
    WHERE value_kind = 'actual'
    QUALIFY row_number() OVER (
        PARTITION BY source_kind, ticker, metric, basis, fiscal_year, fiscal_quarter
        ORDER BY source_rank, published DESC NULLS LAST, published_before DESC NULLS LAST,
            source_title
    ) = 1
)
SELECT
    u.ticker,
    u.metric,
    u.basis,
    u.fiscal_year,
    u.fiscal_quarter,
    u.value AS used_value,
    u.source_kind AS used_source_kind,
    u.source_ref AS used_source_ref,
    u.published AS used_published,
    o.value AS other_value,
    o.source_kind AS other_source_kind,
    o.source_type AS other_source_type,
    o.source_ref AS other_source_ref,
    o.published AS other_published,
    u.unit,
    CAST(o.value - u.value AS DOUBLE) AS difference,
    CASE WHEN u.value <> 0 THEN CAST((o.value - u.value) / abs(u.value) AS DOUBLE) END
        AS relative_difference
FROM staging.actual_figures AS u
JOIN per_kind AS o
    ON o.ticker = u.ticker AND o.metric = u.metric AND o.basis = u.basis
    AND o.fiscal_year = u.fiscal_year
    AND o.fiscal_quarter IS NOT DISTINCT FROM u.fiscal_quarter
    AND o.unit = u.unit
    AND o.source_kind <> u.source_kind
WHERE abs(o.value - u.value) > reconciliation_tolerance() * abs(u.value)

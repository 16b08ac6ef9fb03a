-- Reported figures (value_kind = 'actual'), one per company x metric x basis x fiscal period,
-- at each vintage (as_of) from the figures known then (as_of.figures_known); the port of
-- sql/marts/actual_figures.sql, which ran once per vintage on the rows known on its date.
-- Precedence: where sources give one period, the best source wins (source_rank: a filing,
-- then the company's press release, then a secondary source, then an unverified one; the
-- others stay in staging.figures; meta.reconciliation lists where they disagree). Vintage rule among the
-- figures of the best source: where the same figure was published more than once (a
-- restatement, or a comparative column of a later document), the row with the latest
-- `published` date wins; undated rows rank below dated ones. `first_published` keeps the earliest date (the results
-- date when the release itself is among the rows); `known_by` is the earliest date the figure
-- is known to have been public (`published`, else the undated row's document date).
SELECT
    f.as_of,
    f.ticker,
    c.fiscal_calendar,
    f.metric,
    f.basis,
    f.fiscal_year,
    f.fiscal_quarter,
    f.value,
    f.unit,
    f.stated_precision,
    f.published,
    min(f.published) OVER (
        PARTITION BY f.as_of, f.ticker, f.metric, f.basis, f.fiscal_year, f.fiscal_quarter
    ) AS first_published,
    min(coalesce(f.published, f.published_before)) OVER (
        PARTITION BY f.as_of, f.ticker, f.metric, f.basis, f.fiscal_year, f.fiscal_quarter
    ) AS known_by,
    f.source_title,
    f.source_url,
    f.source_note,
    f.source_kind,
    f.source_rank,
    -- the reference a mart row names: the filing's accession, else the source's address
    coalesce(f.accession, f.source_url, f.source_title) AS source_ref
FROM as_of.figures_known AS f
JOIN raw.companies AS c USING (ticker)
WHERE f.value_kind = 'actual'
QUALIFY row_number() OVER (
    PARTITION BY f.as_of, f.ticker, f.metric, f.basis, f.fiscal_year, f.fiscal_quarter
    ORDER BY f.source_rank, f.published DESC NULLS LAST, f.published_before DESC NULLS LAST,
        f.source_title
) = 1

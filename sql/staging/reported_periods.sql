-- What each company reported of a flow metric per fiscal year, at each vintage: the inputs of
-- the discrete-quarter derivation (staging.discrete_quarters) and the inventory a missing
-- reason quotes ("FY2025 has: Q2, FY"). Port of the first half of
-- pipelines/marts/capex.py::discrete_figures.
WITH reported AS (
    -- a discrete quarter sits in slot (discrete, Q); a year-to-date figure in (cumulative, the
    -- quarter it ends in); any other basis (fy) in (cumulative, 4). Where two figures fall in
    -- one slot, the later one in (fiscal_quarter NULLS LAST, basis) order wins, as the old
    -- loop over the ordered figures overwrote the slot.
    SELECT
        as_of,
        ticker,
        metric,
        fiscal_year,
        CASE WHEN basis = 'discrete' THEN 'discrete' ELSE 'cumulative' END AS kind,
        CASE WHEN basis IN ('discrete', 'ytd') THEN fiscal_quarter ELSE 4 END AS fiscal_quarter,
        value,
        -- a figure printed coarser than the unit (e.g. USD bn to 1 decimal) is shown but not
        -- used to derive another quarter: its rounding error would land in that quarter
        coalesce(stated_precision <= 1, true) AS is_exact,
        source_kind,
        source_ref
    FROM as_of.actual_figures
    -- flow metrics whose quarters add up to the year (sql/macros/vocabulary.sql), and the
    -- net-of-proceeds full year that a missing full year of proceeds is derived from
    WHERE list_contains(derivable_metrics(), metric)
       OR metric = 'capex_purchases_pp_e_net_of_proceeds'
    QUALIFY row_number() OVER (
        PARTITION BY as_of, ticker, metric, fiscal_year, kind,
            CASE WHEN basis IN ('discrete', 'ytd') THEN fiscal_quarter ELSE 4 END
        ORDER BY fiscal_quarter DESC NULLS FIRST, basis DESC
    ) = 1
),
net_of_proceeds AS (
    -- a company whose capex is purchases less proceeds: a full year of the subtracted metric
    -- that is not printed is the printed full-year purchases less the printed full-year
    -- purchases net of proceeds
    SELECT
        net.as_of,
        net.ticker,
        c.capex_less_metric AS metric,
        net.fiscal_year,
        'cumulative' AS kind,
        4 AS fiscal_quarter,
        gross.value - net.value AS value,
        gross.is_exact AND net.is_exact AS is_exact,
        CASE WHEN gross.source_kind = net.source_kind THEN net.source_kind ELSE 'mixed' END
            AS source_kind,
        gross.source_ref || ' ; ' || net.source_ref AS source_ref,
        'FY proceeds = FY purchases - FY purchases net of proceeds (as printed) = '
            || format('{:.0f}', gross.value) || ' - ' || format('{:.0f}', net.value) AS derivation
    FROM reported AS net
    JOIN raw.companies AS c
        ON c.ticker = net.ticker
        AND coalesce(c.capex_metric, '') <> ''
        AND coalesce(c.capex_less_metric, '') <> ''
    JOIN reported AS gross
        ON gross.as_of = net.as_of
        AND gross.ticker = net.ticker
        AND gross.metric = c.capex_metric
        AND gross.fiscal_year = net.fiscal_year
        AND gross.kind = 'cumulative'
        AND gross.fiscal_quarter = 4
    WHERE net.metric = 'capex_purchases_pp_e_net_of_proceeds'
        AND net.kind = 'cumulative'
        AND net.fiscal_quarter = 4
        AND NOT EXISTS (
            SELECT 1 FROM reported AS p
            WHERE p.as_of = net.as_of AND p.ticker = net.ticker
                AND p.metric = c.capex_less_metric AND p.fiscal_year = net.fiscal_year
                AND p.kind = 'cumulative' AND p.fiscal_quarter = 4
        )
),
periods AS (
    SELECT *, NULL::VARCHAR AS derivation
    FROM reported
    WHERE metric <> 'capex_purchases_pp_e_net_of_proceeds'
    UNION ALL
    SELECT * FROM net_of_proceeds
),
labelled AS (
    SELECT
        *,
        CASE
            WHEN kind = 'discrete' THEN 'Q' || fiscal_quarter
            WHEN derivation IS NOT NULL THEN 'FY derived from the printed net figure'
            WHEN fiscal_quarter = 2 THEN 'H1'
            WHEN fiscal_quarter = 3 THEN '9M'
            WHEN fiscal_quarter = 4 THEN 'FY'
            ELSE 'YTD' || fiscal_quarter
        END AS period
    FROM periods
),
inventory AS (
    -- the year's inventory: discrete quarters, then cumulative figures, each by quarter (a
    -- grouped aggregate joined back: an ordered string_agg as a window function is ~30x slower)
    SELECT
        as_of,
        ticker,
        metric,
        fiscal_year,
        string_agg(period, ', ' ORDER BY kind DESC, fiscal_quarter) AS year_periods
    FROM labelled
    GROUP BY ALL
)
SELECT
    l.as_of,
    l.ticker,
    l.metric,
    CAST(l.fiscal_year AS BIGINT) AS fiscal_year,
    l.kind,
    CAST(l.fiscal_quarter AS BIGINT) AS fiscal_quarter,
    l.period,
    CAST(l.value AS DOUBLE) AS value,
    l.is_exact,
    l.derivation,
    l.source_kind,
    l.source_ref,
    i.year_periods
FROM labelled AS l
JOIN inventory AS i USING (as_of, ticker, metric, fiscal_year)

-- Companies with AI or data-center revenue, per fiscal quarter, at each vintage (old code:
-- pipelines/marts/ai_revenue.py with sql/marts/pick_expectation.sql, run once per vintage).
-- Nothing here names a company: a company is in when it has an AI or data-center revenue
-- figure or expectation known at the vintage.
--
-- Inputs at each as_of: reported figures (as_of.actual_figures), discrete quarters as reported
-- or derived (as_of.discrete_quarters), and the expectations known then (consensus, estimate,
-- guidance: the non-actual rows of as_of.figures_known).
WITH actuals AS (
    SELECT * FROM as_of.actual_figures
),

expectations AS (
    SELECT
        as_of, ticker, metric, value_kind, basis, fiscal_year, fiscal_quarter, value,
        published, published_before, compiled_by, source_title, source_url
    FROM as_of.figures_known
    WHERE value_kind <> 'actual'
),

ai_companies AS (
    SELECT DISTINCT as_of, ticker
    FROM (
        SELECT as_of, ticker, metric FROM actuals
        UNION ALL
        SELECT as_of, ticker, metric FROM expectations
    )
    WHERE metric IN ('ai_revenue', 'data_center_revenue')
      AND ticker IN (SELECT ticker FROM raw.companies)
),

discrete AS (
    SELECT d.as_of, d.ticker, d.metric, d.fiscal_year, d.fiscal_quarter, d.value
    FROM as_of.discrete_quarters AS d
    JOIN ai_companies USING (as_of, ticker)
),

reported_actuals AS (
    SELECT a.*
    FROM actuals AS a
    JOIN ai_companies USING (as_of, ticker)
    WHERE a.basis = 'discrete'
),

-- a quarter's results date: the earliest first publication of any of its discrete actuals
-- (NULL when its actuals are all undated)
results AS (
    SELECT as_of, ticker, fiscal_year, fiscal_quarter, min(first_published) AS results_date
    FROM reported_actuals
    GROUP BY ALL
),

-- reported: a discrete actual of any metric, or any discrete quarter derived from the figures
reported AS (
    SELECT DISTINCT as_of, ticker, fiscal_year, fiscal_quarter
    FROM (
        SELECT as_of, ticker, fiscal_year, fiscal_quarter FROM reported_actuals
        UNION ALL
        SELECT as_of, ticker, fiscal_year, fiscal_quarter FROM discrete
    )
),

eps AS (
    SELECT as_of, ticker, fiscal_year, fiscal_quarter, value AS eps_adjusted_usd
    FROM reported_actuals
    WHERE metric = 'eps_adjusted'
),

-- the rows: quarters with revenue / AI / data-center revenue, adjusted EPS, or an expectation
quarters AS (
    SELECT DISTINCT as_of, ticker, fiscal_year, fiscal_quarter
    FROM (
        SELECT as_of, ticker, fiscal_year, fiscal_quarter
        FROM discrete
        WHERE metric IN ('revenue', 'ai_revenue', 'data_center_revenue')
        UNION ALL
        SELECT as_of, ticker, fiscal_year, fiscal_quarter FROM eps
        UNION ALL
        SELECT e.as_of, e.ticker, e.fiscal_year, e.fiscal_quarter
        FROM expectations AS e
        JOIN ai_companies USING (as_of, ticker)
        WHERE e.basis = 'discrete'
    )
),

quarter_facts AS (
    SELECT
        q.as_of, q.ticker, q.fiscal_year, q.fiscal_quarter,
        CASE WHEN q.fiscal_quarter = 4 THEN q.fiscal_year + 1 ELSE q.fiscal_year END
            AS next_fiscal_year,
        q.fiscal_quarter % 4 + 1 AS next_fiscal_quarter,
        r.results_date,
        rep.ticker IS NOT NULL AS is_reported
    FROM quarters AS q
    LEFT JOIN results AS r USING (as_of, ticker, fiscal_year, fiscal_quarter)
    LEFT JOIN reported AS rep USING (as_of, ticker, fiscal_year, fiscal_quarter)
),

-- What to pick an expectation for. 'own': each row's quarter, judged at its results date;
-- 'next': the following quarter, judged at THIS quarter's results date (the consensus in
-- force when the guidance for it was given).
requests AS (
    SELECT
        'own' AS request, qf.as_of, qf.ticker, m.metric, qf.fiscal_year, qf.fiscal_quarter,
        qf.fiscal_year AS row_fiscal_year, qf.fiscal_quarter AS row_fiscal_quarter,
        qf.results_date AS judged_on, qf.is_reported
    FROM quarter_facts AS qf
    CROSS JOIN (VALUES ('revenue'), ('ai_revenue'), ('eps_adjusted')) AS m(metric)
    UNION ALL
    SELECT
        'next', qf.as_of, qf.ticker, m.metric, qf.next_fiscal_year, qf.next_fiscal_quarter,
        qf.fiscal_year, qf.fiscal_quarter,
        qf.results_date, nrep.ticker IS NOT NULL
    FROM quarter_facts AS qf
    CROSS JOIN (VALUES ('revenue'), ('ai_revenue'), ('eps_adjusted')) AS m(metric)
    LEFT JOIN reported AS nrep
      ON nrep.as_of = qf.as_of AND nrep.ticker = qf.ticker
     AND nrep.fiscal_year = qf.next_fiscal_year AND nrep.fiscal_quarter = qf.next_fiscal_quarter
),

-- which kinds are picked for which requests, and how many days after the results a quoted
-- consensus still counts as the pre-results one
pick_kinds AS (
    SELECT *
    FROM (VALUES
        ('own', 'consensus', 7), ('own', 'estimate', 7), ('next', 'consensus', 7),
        ('own', 'guidance_mid', 0), ('own', 'guidance_low', 0), ('own', 'guidance_high', 0)
    ) AS k(request, value_kind, window_days)
),

-- The expectation in force (old sql/marts/pick_expectation.sql), by order of preference:
--   1. on_or_before_results: the latest published on or before the results date;
--   2. quoted_after_results: none before, but one quoted within window_days after the
--      results (a post-results article quoting the pre-results figure): the earliest such;
--   3. undated_before_results: an undated figure whose document is dated on or before the
--      results (public by then, but when is unknown);
--   4. latest_available: the quarter is not reported yet: the latest dated figure.
-- An undated figure with no document date, or one whose document is later than the results,
-- is never the figure in force; nor is anything for a reported quarter with no results date.
-- Ties on the same date prefer a source other than the seed, then the lower value.
candidates AS (
    SELECT
        r.request, r.as_of, r.ticker, r.metric, r.fiscal_year, r.fiscal_quarter,
        r.row_fiscal_year, r.row_fiscal_quarter, k.value_kind,
        f.value,
        coalesce(f.published, f.published_before) AS published,
        f.compiled_by,
        f.source_title,
        starts_with(coalesce(f.source_url, ''), 'seed/') AS from_seed,
        CASE
            WHEN NOT r.is_reported AND f.published IS NOT NULL THEN 4
            WHEN r.judged_on IS NULL THEN NULL
            WHEN f.published IS NULL AND f.published_before <= r.judged_on THEN 3
            WHEN f.published IS NULL THEN NULL
            WHEN f.published <= r.judged_on THEN 1
            WHEN f.published <= r.judged_on + CAST(k.window_days AS INTEGER) THEN 2
        END AS tier
    FROM requests AS r
    JOIN pick_kinds AS k USING (request)
    JOIN expectations AS f
      ON f.as_of = r.as_of
     AND f.ticker = r.ticker
     AND f.metric = r.metric
     AND f.fiscal_year = r.fiscal_year
     AND f.fiscal_quarter = r.fiscal_quarter
     AND f.basis = 'discrete'
     AND f.value_kind = k.value_kind
),

ranked AS (
    -- the first candidate of each (request, quarter, kind) in order of preference (DISTINCT ON:
    -- a window's row_number() costs ~30x more here)
    SELECT DISTINCT ON (
        request, as_of, ticker, metric, row_fiscal_year, row_fiscal_quarter, value_kind
    )
        request, as_of, ticker, metric, row_fiscal_year, row_fiscal_quarter, value_kind,
        value, published, tier, source_title, compiled_by, from_seed
    FROM candidates
    WHERE tier IS NOT NULL
    ORDER BY
        request, as_of, ticker, metric, row_fiscal_year, row_fiscal_quarter, value_kind,
        CASE tier WHEN 4 THEN 1 WHEN 1 THEN 1 WHEN 2 THEN 2 ELSE 3 END,
        CASE WHEN tier = 2 THEN epoch(published) ELSE -epoch(published) END NULLS LAST,
        from_seed,
        value
),

picks AS (
    SELECT
        request, as_of, ticker, metric, row_fiscal_year, row_fiscal_quarter, value_kind,
        {
            'value': value,
            'published': published,
            'timing': CASE tier
                WHEN 1 THEN 'on_or_before_results'
                WHEN 2 THEN 'quoted_after_results'
                WHEN 3 THEN 'undated_before_results'
                ELSE 'latest_available'
            END,
            'source': source_title,
            'compiled_by': compiled_by,
            'from_seed': from_seed
        } AS pick
    FROM ranked
),

-- one row per quarter with every pick it uses (a struct each; NULL when none)
picked AS (
    SELECT
        as_of, ticker, row_fiscal_year AS fiscal_year, row_fiscal_quarter AS fiscal_quarter,
        any_value(pick) FILTER (WHERE request = 'own' AND value_kind = 'consensus'
            AND metric = 'revenue') AS rev_c,
        any_value(pick) FILTER (WHERE request = 'own' AND value_kind = 'consensus'
            AND metric = 'ai_revenue') AS ai_c,
        any_value(pick) FILTER (WHERE request = 'own' AND value_kind = 'consensus'
            AND metric = 'eps_adjusted') AS eps_c,
        any_value(pick) FILTER (WHERE request = 'own' AND value_kind = 'estimate'
            AND metric = 'ai_revenue') AS ai_e,
        any_value(pick) FILTER (WHERE request = 'next' AND value_kind = 'consensus'
            AND metric = 'revenue') AS next_rev_c,
        any_value(pick) FILTER (WHERE request = 'next' AND value_kind = 'consensus'
            AND metric = 'ai_revenue') AS next_ai_c
    FROM picks
    GROUP BY ALL
),

-- guidance for a quarter: the stated mid, else the midpoint of low and high (dated by the
-- later of the two), else the low bound; a high bound alone is not used
guidance_by_metric AS (
    SELECT
        as_of, ticker, metric, row_fiscal_year AS fiscal_year,
        row_fiscal_quarter AS fiscal_quarter,
        CASE
            WHEN mid IS NOT NULL THEN mid.value
            WHEN low IS NOT NULL AND high IS NOT NULL THEN (low.value + high.value) / 2.0
            WHEN low IS NOT NULL THEN low.value
        END AS value,
        CASE
            WHEN mid IS NOT NULL THEN mid.published
            WHEN low IS NOT NULL AND high IS NOT NULL THEN greatest(low.published, high.published)
            WHEN low IS NOT NULL THEN low.published
        END AS published
    FROM (
        SELECT
            as_of, ticker, metric, row_fiscal_year, row_fiscal_quarter,
            any_value(pick) FILTER (WHERE value_kind = 'guidance_mid') AS mid,
            any_value(pick) FILTER (WHERE value_kind = 'guidance_low') AS low,
            any_value(pick) FILTER (WHERE value_kind = 'guidance_high') AS high
        FROM picks
        WHERE request = 'own' AND value_kind LIKE 'guidance_%'
        GROUP BY ALL
    )
),

guidance AS (
    SELECT
        as_of, ticker, fiscal_year, fiscal_quarter,
        any_value(value) FILTER (WHERE metric = 'revenue') AS rev_g,
        any_value(published) FILTER (WHERE metric = 'revenue') AS rev_g_date,
        any_value(value) FILTER (WHERE metric = 'ai_revenue') AS ai_g,
        any_value(published) FILTER (WHERE metric = 'ai_revenue') AS ai_g_date
    FROM guidance_by_metric
    GROUP BY ALL
),

-- revenue, AI and data-center revenue of each discrete quarter, side by side
levels AS (
    SELECT
        as_of, ticker, fiscal_year, fiscal_quarter,
        fiscal_year * 4 + fiscal_quarter AS period_index,
        any_value(value) FILTER (WHERE metric = 'revenue') AS rev,
        any_value(value) FILTER (WHERE metric = 'ai_revenue') AS ai,
        any_value(value) FILTER (WHERE metric = 'data_center_revenue') AS dc
    FROM discrete
    WHERE metric IN ('revenue', 'ai_revenue', 'data_center_revenue')
    GROUP BY ALL
),

rows AS (
    SELECT
        qf.as_of, qf.ticker, qf.fiscal_year, qf.fiscal_quarter, qf.results_date, qf.is_reported,
        cur.rev, cur.ai, cur.dc,
        eps.eps_adjusted_usd AS eps,
        p.rev_c, p.ai_c, p.eps_c, p.ai_e,
        -- the next quarter's consensus only for a quarter with a results date
        CASE WHEN qf.results_date IS NOT NULL THEN p.next_rev_c END AS next_rev_c,
        CASE WHEN qf.results_date IS NOT NULL THEN p.next_ai_c END AS next_ai_c,
        g.rev_g, g.rev_g_date, g.ai_g, g.ai_g_date,
        -- next-quarter guidance counts only when given on or after these results (with them)
        CASE WHEN qf.results_date IS NOT NULL AND ng.rev_g_date >= qf.results_date
            THEN ng.rev_g END AS next_rev_g,
        CASE WHEN qf.results_date IS NOT NULL AND ng.ai_g_date >= qf.results_date
            THEN ng.ai_g END AS next_ai_g,
        qf.results_date - p.rev_c.published AS rev_age,
        qf.results_date - p.ai_c.published AS ai_age,
        qf.results_date - p.eps_c.published AS eps_age,
        -- previous fiscal quarter and the same quarter a year earlier
        prev.rev AS prev_rev, prev.ai AS prev_ai, prev.dc AS prev_dc,
        ly.rev AS ly_rev, ly.ai AS ly_ai, ly.dc AS ly_dc
    FROM quarter_facts AS qf
    LEFT JOIN picked AS p USING (as_of, ticker, fiscal_year, fiscal_quarter)
    LEFT JOIN eps USING (as_of, ticker, fiscal_year, fiscal_quarter)
    LEFT JOIN levels AS cur USING (as_of, ticker, fiscal_year, fiscal_quarter)
    LEFT JOIN guidance AS g USING (as_of, ticker, fiscal_year, fiscal_quarter)
    LEFT JOIN guidance AS ng
      ON ng.as_of = qf.as_of AND ng.ticker = qf.ticker
     AND ng.fiscal_year = qf.next_fiscal_year AND ng.fiscal_quarter = qf.next_fiscal_quarter
    LEFT JOIN levels AS prev
      ON prev.as_of = qf.as_of AND prev.ticker = qf.ticker
     AND prev.period_index = qf.fiscal_year * 4 + qf.fiscal_quarter - 1
    LEFT JOIN levels AS ly
      ON ly.as_of = qf.as_of AND ly.ticker = qf.ticker
     AND ly.fiscal_year = qf.fiscal_year - 1 AND ly.fiscal_quarter = qf.fiscal_quarter
),

surprises AS (
    SELECT
        *,
        pct_change(rev, rev_c.value) AS rev_s,
        pct_change(ai, ai_c.value) AS ai_s,
        pct_change(eps, eps_c.value) AS eps_s
    FROM rows
)

SELECT
    s.as_of,
    s.ticker,
    s.fiscal_year,
    s.fiscal_quarter,
    fq.calendar_quarter,
    fq.period_start,
    fq.period_end,
    s.is_reported,
    s.results_date,
    s.rev AS revenue_usd_m,
    s.ai AS ai_revenue_usd_m,
    share_pct(s.ai, s.rev)::DOUBLE AS ai_revenue_share_pct,
    s.dc AS data_center_revenue_usd_m,
    share_pct(s.dc, s.rev)::DOUBLE AS data_center_revenue_share_pct,
    pct_change(s.rev, s.prev_rev)::DOUBLE AS revenue_qoq_pct,
    pct_change(s.rev, s.ly_rev)::DOUBLE AS revenue_yoy_pct,
    pct_change(s.ai, s.prev_ai)::DOUBLE AS ai_revenue_qoq_pct,
    pct_change(s.ai, s.ly_ai)::DOUBLE AS ai_revenue_yoy_pct,
    pct_change(s.dc, s.prev_dc)::DOUBLE AS data_center_revenue_qoq_pct,
    pct_change(s.dc, s.ly_dc)::DOUBLE AS data_center_revenue_yoy_pct,
    s.rev_c.value AS revenue_consensus_usd_m,
    s.rev_c.published AS revenue_consensus_published,
    s.rev_c.timing AS revenue_consensus_timing,
    s.rev_c.source AS revenue_consensus_source,
    s.rev_c.from_seed AS revenue_consensus_from_seed,
    s.rev_c.compiled_by AS revenue_consensus_compiled_by,
    CAST(s.rev_age AS BIGINT) AS revenue_consensus_age_days,
    s.rev_s::DOUBLE AS revenue_surprise_pct,
    surprise_status(s.is_reported, s.rev_s, s.rev_c.timing, s.rev_age)
        AS revenue_surprise_status,
    s.ai_c.value AS ai_revenue_consensus_usd_m,
    s.ai_c.published AS ai_revenue_consensus_published,
    s.ai_c.timing AS ai_revenue_consensus_timing,
    s.ai_c.source AS ai_revenue_consensus_source,
    s.ai_c.from_seed AS ai_revenue_consensus_from_seed,
    CAST(s.ai_age AS BIGINT) AS ai_revenue_consensus_age_days,
    s.ai_s::DOUBLE AS ai_revenue_surprise_pct,
    surprise_status(s.is_reported AND s.ai IS NOT NULL, s.ai_s, s.ai_c.timing, s.ai_age)
        AS ai_revenue_surprise_status,
    s.ai_e.value AS ai_revenue_estimate_usd_m,
    s.ai_e.source AS ai_revenue_estimate_source,
    s.ai_e.from_seed AS ai_revenue_estimate_from_seed,
    CAST(s.rev_g AS DOUBLE) AS revenue_guidance_usd_m,
    s.rev_g_date AS revenue_guidance_published,
    pct_change(s.rev, s.rev_g)::DOUBLE AS revenue_vs_guidance_pct,
    CAST(s.ai_g AS DOUBLE) AS ai_revenue_guidance_usd_m,
    s.ai_g_date AS ai_revenue_guidance_published,
    CAST(s.next_rev_g AS DOUBLE) AS next_q_revenue_guidance_usd_m,
    s.next_rev_c.value AS next_q_revenue_consensus_usd_m,
    s.next_rev_c.published AS next_q_revenue_consensus_published,
    pct_change(s.next_rev_g, s.next_rev_c.value)::DOUBLE AS next_q_guidance_vs_consensus_pct,
    CAST(s.next_ai_g AS DOUBLE) AS next_q_ai_revenue_guidance_usd_m,
    s.next_ai_c.value AS next_q_ai_revenue_consensus_usd_m,
    pct_change(s.next_ai_g, s.next_ai_c.value)::DOUBLE AS next_q_ai_guidance_vs_consensus_pct,
    s.eps AS eps_adjusted_usd,
    s.eps_c.value AS eps_consensus_usd,
    s.eps_c.published AS eps_consensus_published,
    s.eps_c.from_seed AS eps_consensus_from_seed,
    CAST(s.eps_age AS BIGINT) AS eps_consensus_age_days,
    s.eps_s::DOUBLE AS eps_surprise_pct,
    surprise_status(s.is_reported AND s.eps IS NOT NULL, s.eps_s, s.eps_c.timing, s.eps_age)
        AS eps_surprise_status
FROM surprises AS s
JOIN staging.fiscal_quarters AS fq USING (ticker, fiscal_year, fiscal_quarter)

-- marts.claim_facts: the marts domain's figures in the claims' vocabulary (entity, metric,
-- period, unit), once from everything known today (as_of NULL) and once per claim date (as_of
-- = that date) from the point-in-time marts (as_of.*) as known then. Port of
-- pipelines/marts/claims.py (capex_facts, guidance_facts, ai_revenue_facts,
-- seed_internal_facts, facts_frame): the method strings are the Python f-strings, figures
-- printed with fmt_grouped (Python _fmt) and None printed as 'None'.
WITH vintages AS (
    -- today plus every claim date (raw.claims.publish_date is 'YYYY-MM-DD[ HH:MM]')
    SELECT today_vintage() AS as_of
    UNION
    SELECT DISTINCT CAST(left(publish_date, 10) AS DATE) FROM raw.claims
),

rules AS (
    SELECT ticker, fiscal_calendar AS rule, claim_is_calendar_year(fiscal_calendar) AS is_cal
    FROM raw.companies
),

-- ------------------------------------------------------------------ capex (companies)
capex AS (
    SELECT c.*, r.rule, r.is_cal,
           c.calendar_quarter AS label,
           CAST(CAST(left(c.calendar_quarter, 4) AS BIGINT) - 1 AS VARCHAR)
               || substr(c.calendar_quarter, 5) AS prev_label,
           claim_period_labels(r.rule, c.fiscal_year, c.fiscal_quarter, c.calendar_quarter)
               AS labels
    FROM as_of.capex_quarterly AS c
    JOIN vintages AS v USING (as_of)
    JOIN rules AS r USING (ticker)
),

capex_with_prev AS (
    SELECT c.*,
           p.ticker IS NOT NULL AS has_prev,
           p.capex_usd_m AS prev_capex_usd_m,
           p.missing_reason AS prev_missing_reason,
           CASE WHEN c.capex_usd_m IS NOT NULL THEN
                    c.capex_definition || ' ' || fmt_grouped(c.capex_usd_m, 0) || ' m'
                    || CASE WHEN coalesce(c.capex_derivation, '') <> ''
                            THEN ' (' || c.capex_derivation || ')' ELSE '' END
                ELSE 'not computable: ' || coalesce(c.missing_reason, 'None')
           END AS level_how,
           CASE WHEN c.capex_yoy_pct IS NOT NULL THEN
                    c.capex_definition || ': ' || c.label || ' ' || fmt_grouped(c.capex_usd_m, 0)
                    || ' m vs ' || c.prev_label || ' ' || fmt_grouped(p.capex_usd_m, 0) || ' m'
                ELSE
                    'not computable: ' || c.ticker || ' capex missing for '
                    || concat_ws(', ',
                                 CASE WHEN c.capex_usd_m IS NULL THEN c.label END,
                                 CASE WHEN p.ticker IS NULL OR p.capex_usd_m IS NULL
                                      THEN c.prev_label END)
                    || ' ('
                    || CASE WHEN c.capex_usd_m IS NULL THEN coalesce(c.missing_reason, 'None')
                            WHEN p.ticker IS NOT NULL THEN coalesce(p.missing_reason, 'None')
                            ELSE 'quarter outside the data' END
                    || ')'
           END AS yoy_how
    FROM capex AS c
    LEFT JOIN as_of.capex_quarterly AS p
        ON p.as_of = c.as_of AND p.ticker = c.ticker AND p.calendar_quarter = c.prev_label
),

company_items AS (
    -- (a lateral join would trip DuckDB over macros inside struct literals: unnest in the
    -- select list instead)
    SELECT c.as_of, c.ticker, c.label, c.labels,
           unnest([
             {'n': 1, 'metric': 'capex_usd_bn', 'value': claim_bn(c.capex_usd_m),
              'unit': 'USD_bn', 'method': c.level_how},
             {'n': 2, 'metric': 'capex_yoy_pct', 'value': c.capex_yoy_pct,
              'unit': 'percent', 'method': c.yoy_how},
             {'n': 3, 'metric': 'capex_qoq_pct', 'value': c.capex_qoq_pct,
              'unit': 'percent', 'method': c.capex_definition || ', vs previous calendar quarter'},
             {'n': 4, 'metric': 'capex_to_revenue_pct', 'value': c.capex_to_revenue_pct,
              'unit': 'percent',
              'method': c.capex_definition || ' ' || fmt_grouped(c.capex_usd_m, 0)
                        || ' / revenue ' || fmt_grouped(c.revenue_usd_m, 0)}
           ]) AS it
    FROM capex_with_prev AS c
),

company_capex_facts AS (
    -- per period label: level, growth, intensity (the intensity only where it is known)
    SELECT as_of, ticker AS entity, it.metric, unnest(labels) AS period,
           it.value AS computed_value, it.unit, it.method, 1 AS part, ticker AS k1, label AS k2,
           generate_subscripts(labels, 1) AS k3, it.n AS k4
    FROM company_items
    WHERE it.n < 4 OR it.value IS NOT NULL

    UNION ALL
    -- the change in capex intensity, calendar-year companies only
    SELECT as_of, ticker, 'capex_to_revenue_change_pct_points',
           shift_quarter(label, -1) || '-' || label,
           capex_to_revenue_change_pct_points, 'pct_points',
           'capex/revenue ' || label || ' minus ' || shift_quarter(label, -1) || ' ('
           || capex_definition || ' / total revenue)',
           1, ticker, label, 99, 5
    FROM capex_with_prev
    WHERE capex_to_revenue_change_pct_points IS NOT NULL AND is_cal

    UNION ALL
    -- annual: the trailing twelve months at a calendar year's last quarter
    SELECT as_of, ticker, 'capex_usd_bn', left(label, 4), claim_bn(capex_ttm_usd_m), 'USD_bn',
           CASE WHEN capex_ttm_usd_m IS NOT NULL
                THEN 'sum of calendar ' || left(label, 4) || ' quarters (' || capex_definition
                     || ')'
                ELSE 'not computable: a calendar ' || left(label, 4) || ' quarter is missing' END,
           2, ticker, label, 1, 1
    FROM capex_with_prev
    WHERE label LIKE '%Q4'

    UNION ALL
    -- annual: the fiscal year at its last quarter (non-calendar-year companies)
    SELECT as_of, ticker, 'capex_usd_bn', claim_fiscal_label(fiscal_year, NULL),
           claim_bn(capex_ttm_usd_m), 'USD_bn',
           CASE WHEN capex_ttm_usd_m IS NOT NULL
                THEN 'sum of fiscal ' || CAST(fiscal_year AS VARCHAR) || ' quarters ('
                     || capex_definition || ')'
                ELSE 'not computable: a fiscal quarter is missing' END,
           2, ticker, label, 1, 2
    FROM capex_with_prev
    WHERE NOT is_cal AND fiscal_quarter = 4
),

-- ---------------------------------------------------------------------- capex (groups)
group_parts AS (
    -- the members' figures named in each total's method
    SELECT as_of, group_name, calendar_quarter,
           string_agg(ticker || ' ' || fmt_grouped(value_usd_m, 0), ' + ' ORDER BY ticker)
               AS parts
    FROM as_of.group_member_quarterly
    JOIN vintages USING (as_of)
    WHERE metric = 'capex'
    GROUP BY ALL
),

groups AS (
    SELECT g.*, g.calendar_quarter AS label, left(g.calendar_quarter, 4) AS yr,
           CAST(CAST(left(g.calendar_quarter, 4) AS BIGINT) - 1 AS VARCHAR) AS prev_yr,
           CAST(CAST(left(g.calendar_quarter, 4) AS BIGINT) - 1 AS VARCHAR)
               || substr(g.calendar_quarter, 5) AS prev_label,
           p.parts
    FROM as_of.group_quarterly AS g
    JOIN vintages AS v USING (as_of)
    LEFT JOIN group_parts AS p USING (as_of, group_name, calendar_quarter)
    WHERE g.metric = 'capex'
),

group_items AS (
    SELECT g.as_of, g.group_name, g.label,
           unnest([
             {'n': 1, 'metric': 'capex_usd_bn', 'period': g.label,
              'value': claim_bn(g.total_usd_m), 'unit': 'USD_bn',
              'method': CASE WHEN g.is_complete
                             THEN 'sum of ' || CAST(g.members_reported AS VARCHAR)
                                  || ' members: ' || coalesce(g.parts, '')
                                  || ' m (marts.group_quarterly)'
                             ELSE 'not computable: ' || g.label || ' incomplete ('
                                  || coalesce(g.incomplete_reason, 'None') || ')' END},
             {'n': 2, 'metric': 'capex_yoy_pct', 'period': g.label, 'value': g.yoy_pct,
              'unit': 'percent',
              'method': CASE WHEN g.yoy_pct IS NOT NULL
                             THEN g.label || ' total vs ' || g.prev_label
                                  || ' total (marts.group_quarterly)'
                             ELSE 'not computable: the ' || g.label || ' or ' || g.prev_label
                                  || ' total is NULL (a member is missing; see '
                                  || 'marts.group_quarterly)' END},
             {'n': 3, 'metric': 'capex_qoq_pct', 'period': g.label, 'value': g.qoq_pct,
              'unit': 'percent', 'method': 'vs previous quarter total'},
             -- annual, at the year's last quarter
             {'n': 4, 'metric': 'capex_usd_bn', 'period': g.yr,
              'value': claim_bn(g.ttm_usd_m), 'unit': 'USD_bn',
              'method': CASE WHEN g.ttm_usd_m IS NOT NULL
                             THEN 'sum of the four ' || g.yr || ' quarterly totals'
                             ELSE 'not computable: a ' || g.yr || ' quarter is incomplete' END},
             {'n': 5, 'metric': 'capex_yoy_pct', 'period': g.yr, 'value': g.ttm_yoy_pct,
              'unit': 'percent',
              'method': CASE WHEN g.ttm_yoy_pct IS NOT NULL
                             THEN g.yr || ' total vs ' || g.prev_yr || ' total'
                             ELSE 'not computable: ' || g.yr || ' or ' || g.prev_yr
                                  || ' has an incomplete quarter' END}
         ]) AS it
    FROM groups AS g
),

group_capex_facts AS (
    SELECT as_of, group_name AS entity, it.metric, it.period, it.value AS computed_value,
           it.unit, it.method, 3 AS part, group_name AS k1, label AS k2, 0 AS k3, it.n AS k4
    FROM group_items
    -- the annual facts at the year's last quarter
    WHERE it.n <= 3 OR label LIKE '%Q4'
),

-- ----------------------------------------------------------------------- capex guidance
guidance AS (
    SELECT g.*, r.rule,
           CAST(regexp_extract(g.guided_period, '^FY(\d{4})(?:Q([1-4]))?$', 1) AS BIGINT) AS fy,
           CAST(nullif(regexp_extract(g.guided_period, '^FY(\d{4})(?:Q([1-4]))?$', 2), '')
                AS BIGINT) AS fq,
           CASE WHEN g.reported_to_date_usd_m IS NOT NULL
                THEN '; reported ' || coalesce(g.actuals_metric, 'None') || ' capex for '
                     || g.guided_period || ': ' || fmt_grouped(claim_bn(g.reported_to_date_usd_m), 3)
                     || ' bn over ' || CAST(g.quarters_reported AS VARCHAR) || ' of '
                     || CAST(g.quarters_in_period AS VARCHAR) || ' quarters'
                ELSE '' END AS reported
    FROM as_of.capex_guidance AS g
    JOIN vintages AS v USING (as_of)
    JOIN rules AS r USING (ticker)
),

guidance_quarters AS (
    -- a guided quarter's calendar quarter (staging.fiscal_quarters: the company's calendar)
    SELECT g.*, q.calendar_quarter
    FROM guidance AS g
    LEFT JOIN staging.fiscal_quarters AS q
        ON q.ticker = g.ticker AND q.fiscal_year = g.fy AND q.fiscal_quarter = g.fq
),

guidance_statements AS (
    -- the latest and the previous statement of each guided period
    SELECT g.as_of, g.ticker, g.guided_period, g.capex_definition, g.reported,
           claim_period_labels(g.rule, g.fy, g.fq, g.calendar_quarter) AS labels,
           st.n, st.prefix, st.which, st.low, st.mid, st.high, st.from_seed, st.source,
           st.given
    FROM guidance_quarters AS g,
         (SELECT unnest([
             {'n': 1, 'prefix': 'capex_guidance', 'which': 'latest',
              'low': g.low_usd_m, 'mid': g.mid_usd_m, 'high': g.high_usd_m,
              'from_seed': g.from_seed, 'source': g.source_title,
              'given': coalesce(g.given_on, g.given_before)},
             {'n': 2, 'prefix': 'capex_guidance_prior', 'which': 'previous',
              'low': g.previous_low_usd_m, 'mid': g.previous_mid_usd_m,
              'high': g.previous_high_usd_m, 'from_seed': g.previous_from_seed,
              'source': g.previous_source_title,
              'given': coalesce(g.previous_given_on, g.previous_given_before)}
         ]) AS st) AS s
    WHERE st.source IS NOT NULL
),

guidance_facts AS (
    SELECT s.as_of, s.ticker AS entity, s.prefix || x.suffix || '_usd_bn' AS metric, p.period,
           CASE WHEN coalesce(s.from_seed, FALSE) THEN NULL ELSE claim_bn(x.value) END
               AS computed_value,
           'USD_bn' AS unit,
           CASE WHEN coalesce(s.from_seed, FALSE)
                THEN 'not computable: the warehouse knows this guidance only from the seed '
                     || 'itself (' || s.source || '); comparing it would be circular'
                     || s.reported
                WHEN x.value IS NULL
                THEN 'not computable: the ' || s.which || ' guidance has no '
                     || coalesce(nullif(trim(x.suffix, '_'), ''), 'point') || ' figure'
                ELSE 'marts.capex_guidance ' || s.guided_period || ' ('
                     || coalesce(s.capex_definition, 'None') || '), given '
                     || coalesce(CAST(s.given AS VARCHAR), 'None') || ': ' || s.source
           END AS method,
           4 AS part, s.ticker AS k1, s.guided_period AS k2, s.n AS k3, x.n * 10 + p.n AS k4
    FROM guidance_statements AS s,
         (SELECT unnest([
             {'n': 1, 'suffix': '', 'value': s.mid},
             {'n': 2, 'suffix': '_low', 'value': s.low},
             {'n': 3, 'suffix': '_high', 'value': s.high}
         ]) AS x) AS v,
         (SELECT unnest(s.labels) AS period, generate_subscripts(s.labels, 1) AS n) AS p
),

-- ------------------------------------------------------------------------- AI revenue
ai AS (
    SELECT a.*,
           claim_period_labels(r.rule, a.fiscal_year, a.fiscal_quarter, a.calendar_quarter)
               AS labels,
           claim_fiscal_label(a.fiscal_year, a.fiscal_quarter) AS quarter
    FROM as_of.ai_revenue_quarterly AS a
    JOIN vintages AS v USING (as_of)
    JOIN rules AS r USING (ticker)
),

ai_items AS (
    SELECT a.as_of, a.ticker, a.fiscal_year, a.fiscal_quarter, a.labels,
         unnest([
             {'n': 1, 'metric': 'revenue_usd_bn', 'value': claim_bn(a.revenue_usd_m),
              'unit': 'USD_bn',
              'method': a.ticker || ' ' || a.quarter || ' revenue '
                        || fmt_grouped(a.revenue_usd_m, 1) || ' m (marts.ai_revenue_quarterly)'
                        || claim_versus(a.revenue_usd_m, a.revenue_consensus_usd_m,
                                        a.revenue_consensus_published,
                                        a.revenue_consensus_timing, 'consensus')},
             {'n': 2, 'metric': 'ai_revenue_usd_bn', 'value': claim_bn(a.ai_revenue_usd_m),
              'unit': 'USD_bn',
              'method': a.ticker || ' ' || a.quarter || ' AI revenue '
                        || fmt_grouped(a.ai_revenue_usd_m, 1) || ' m as reported'
                        || claim_versus(a.ai_revenue_usd_m, a.ai_revenue_consensus_usd_m,
                                        a.ai_revenue_consensus_published,
                                        a.ai_revenue_consensus_timing, 'consensus')},
             {'n': 3, 'metric': 'data_center_revenue_usd_bn',
              'value': claim_bn(a.data_center_revenue_usd_m), 'unit': 'USD_bn',
              'method': 'data-center revenue'},
             {'n': 4, 'metric': 'revenue_yoy_pct', 'value': a.revenue_yoy_pct,
              'unit': 'percent', 'method': 'revenue vs same fiscal quarter a year earlier'},
             {'n': 5, 'metric': 'ai_revenue_yoy_pct', 'value': a.ai_revenue_yoy_pct,
              'unit': 'percent', 'method': 'AI revenue vs same fiscal quarter a year earlier'},
             {'n': 6, 'metric': 'ai_revenue_qoq_pct', 'value': a.ai_revenue_qoq_pct,
              'unit': 'percent', 'method': 'AI revenue vs previous fiscal quarter'},
             {'n': 7, 'metric': 'revenue_surprise_pct', 'value': a.revenue_surprise_pct,
              'unit': 'percent', 'method': 'revenue vs consensus'},
             {'n': 8, 'metric': 'ai_revenue_surprise_pct', 'value': a.ai_revenue_surprise_pct,
              'unit': 'percent', 'method': 'AI revenue vs consensus'},
             {'n': 9, 'metric': 'revenue_guidance_usd_bn',
              'value': claim_bn(a.revenue_guidance_usd_m), 'unit': 'USD_bn',
              'method': 'company revenue guidance for ' || a.quarter || ' given '
                        || coalesce(CAST(a.revenue_guidance_published AS VARCHAR), 'None')
                        || claim_versus(a.revenue_guidance_usd_m, a.revenue_consensus_usd_m,
                                        a.revenue_consensus_published,
                                        a.revenue_consensus_timing, 'consensus')},
             {'n': 10, 'metric': 'ai_revenue_guidance_usd_bn',
              'value': claim_bn(a.ai_revenue_guidance_usd_m), 'unit': 'USD_bn',
              'method': 'company AI-revenue guidance for ' || a.quarter || ' given '
                        || coalesce(CAST(a.ai_revenue_guidance_published AS VARCHAR), 'None')
                        || claim_versus(a.ai_revenue_guidance_usd_m,
                                        a.ai_revenue_consensus_usd_m,
                                        a.ai_revenue_consensus_published,
                                        a.ai_revenue_consensus_timing, 'consensus')},
             -- a consensus the warehouse knows only from the seed is not an independent figure
             CASE WHEN a.revenue_consensus_usd_m IS NOT NULL AND a.revenue_consensus_from_seed
                  THEN {'n': 11, 'metric': 'revenue_consensus_usd_bn', 'value': NULL::DOUBLE,
                        'unit': 'USD_bn',
                        'method': 'not computable: the warehouse''s revenue consensus for this '
                                  || 'quarter is the seed''s own figure ('
                                  || coalesce(a.revenue_consensus_source, 'None')
                                  || '); comparing it would be circular. It is used as the '
                                  || 'consensus of marts.ai_revenue_quarterly'
                                  || replace(claim_versus(a.revenue_usd_m,
                                                          a.revenue_consensus_usd_m,
                                                          a.revenue_consensus_published,
                                                          a.revenue_consensus_timing,
                                                          'it: reported'),
                                             '; vs it: reported',
                                             ', where the reported figure compares with')
                                  || replace(claim_versus(a.revenue_guidance_usd_m,
                                                          a.revenue_consensus_usd_m,
                                                          a.revenue_consensus_published,
                                                          a.revenue_consensus_timing, 'it'),
                                             '; vs it',
                                             '; the company''s guidance compares with')}
                  ELSE {'n': 11, 'metric': 'revenue_consensus_usd_bn',
                        'value': claim_bn(a.revenue_consensus_usd_m), 'unit': 'USD_bn',
                        'method': 'revenue consensus published '
                                  || coalesce(CAST(a.revenue_consensus_published AS VARCHAR),
                                              'None')
                                  || ' (' || coalesce(a.revenue_consensus_timing, 'None')
                                  || '): ' || coalesce(a.revenue_consensus_source, 'None')} END,
             CASE WHEN a.ai_revenue_consensus_usd_m IS NOT NULL
                       AND a.ai_revenue_consensus_from_seed
                  THEN {'n': 12, 'metric': 'ai_revenue_consensus_usd_bn',
                        'value': NULL::DOUBLE, 'unit': 'USD_bn',
                        'method': 'not computable: the warehouse''s AI-revenue consensus for '
                                  || 'this quarter is the seed''s own figure ('
                                  || coalesce(a.ai_revenue_consensus_source, 'None')
                                  || '); comparing it would be circular. It is used as the '
                                  || 'consensus of marts.ai_revenue_quarterly'
                                  || replace(claim_versus(a.ai_revenue_usd_m,
                                                          a.ai_revenue_consensus_usd_m,
                                                          a.ai_revenue_consensus_published,
                                                          a.ai_revenue_consensus_timing,
                                                          'it: reported'),
                                             '; vs it: reported',
                                             ', where the reported figure compares with')
                                  || replace(claim_versus(a.ai_revenue_guidance_usd_m,
                                                          a.ai_revenue_consensus_usd_m,
                                                          a.ai_revenue_consensus_published,
                                                          a.ai_revenue_consensus_timing, 'it'),
                                             '; vs it',
                                             '; the company''s guidance compares with')}
                  ELSE {'n': 12, 'metric': 'ai_revenue_consensus_usd_bn',
                        'value': claim_bn(a.ai_revenue_consensus_usd_m), 'unit': 'USD_bn',
                        'method': 'AI-revenue consensus published '
                                  || coalesce(CAST(a.ai_revenue_consensus_published AS VARCHAR),
                                              'None')
                                  || ' (' || coalesce(a.ai_revenue_consensus_timing, 'None')
                                  || '): ' || coalesce(a.ai_revenue_consensus_source, 'None')}
                  END,
             CASE WHEN a.eps_consensus_usd IS NOT NULL AND a.eps_consensus_from_seed
                  THEN {'n': 13, 'metric': 'eps_adjusted_consensus_usd', 'value': NULL::DOUBLE,
                        'unit': 'USD_per_share',
                        'method': 'not computable: the warehouse''s EPS consensus is the '
                                  || 'seed''s own figure'}
                  ELSE {'n': 13, 'metric': 'eps_adjusted_consensus_usd',
                        'value': a.eps_consensus_usd, 'unit': 'USD_per_share',
                        'method': 'EPS consensus published '
                                  || coalesce(CAST(a.eps_consensus_published AS VARCHAR),
                                              'None')} END,
             -- an AI-revenue estimate known only from the seed: say so (else no fact)
             CASE WHEN a.ai_revenue_estimate_usd_m IS NOT NULL
                       AND a.ai_revenue_estimate_from_seed
                  THEN {'n': 14, 'metric': 'ai_revenue_estimate_usd_bn', 'value': NULL::DOUBLE,
                        'unit': 'USD_bn',
                        'method': 'not computable: the only estimate in the warehouse is the '
                                  || 'seed''s own ('
                                  || coalesce(a.ai_revenue_estimate_source, 'None') || ')'}
                  ELSE {'n': 14, 'metric': 'ai_revenue_estimate_usd_bn', 'value': NULL::DOUBLE,
                        'unit': 'USD_bn', 'method': NULL::VARCHAR} END
         ]) AS it
    FROM ai AS a
),

ai_facts AS (
    SELECT as_of, ticker AS entity, it.metric, unnest(labels) AS period,
           it.value AS computed_value, it.unit, it.method, 5 AS part, ticker AS k1,
           claim_fiscal_label(fiscal_year, fiscal_quarter) AS k2,
           generate_subscripts(labels, 1) AS k3, it.n AS k4
    FROM ai_items
    -- a NULL figure is a fact only when its method says why
    WHERE it.method IS NOT NULL
      AND (it.value IS NOT NULL OR starts_with(it.method, 'not computable'))
),

-- ------------------------------------------------ statements in force on a claim's date
-- A statement claim (raw.claims.subject_type = 'statement') is judged against the statement
-- in force on the claim's date: the latest dated on or before it, as known then (as_of = the
-- claim's date) and as known today (a source published later may date a statement made
-- before the claim). A statement dated after the claim is a revision, shown beside the
-- verdict (revised_value, revised_on, revision), never compared. Statements known only from
-- the seed itself are never compared (circular); a consensus or estimate older than
-- getvariable('consensus_max_age_days') on the claim's date is stale, not in force.
statement_passes AS (
    SELECT claim_id, entity, metric, period, unit, claim_date,
           claim_statement_figure(metric) AS fig, claim_guidance_statement(metric) AS guide,
           unnest([claim_date, today_vintage()]) AS as_of
    FROM (SELECT *, CAST(left(publish_date, 10) AS DATE) AS claim_date FROM raw.claims)
    WHERE subject_type = 'statement'
      AND (claim_statement_figure(metric) IS NOT NULL
           OR claim_guidance_statement(metric) IS NOT NULL)
),

guidance_periods AS (
    SELECT g.*,
           CAST(regexp_extract(g.guided_period, '^FY(\d{4})', 1) AS BIGINT) AS fy,
           CAST(nullif(regexp_extract(g.guided_period, '^FY\d{4}Q([1-4])$', 1), '') AS BIGINT)
               AS fq,
           coalesce(g.given_on, g.given_before - 1, g.reported_on) AS stated_on,
           coalesce(g.given_on, g.given_before, g.reported_on) AS known_on,
           starts_with(coalesce(g.source_url, ''), 'seed/') AS from_seed
    FROM raw.capex_guidance AS g
),

guidance_known AS (
    SELECT g.ticker, g.guided_period, g.capex_definition, g.low_usd_m, g.mid_usd_m,
           g.high_usd_m, g.stated_on, g.known_on, g.reported_on, g.from_seed, g.source_title,
           unnest(claim_period_labels(r.rule, g.fy, g.fq, q.calendar_quarter)) AS period
    FROM guidance_periods AS g
    JOIN rules AS r USING (ticker)
    LEFT JOIN staging.fiscal_quarters AS q
        ON q.ticker = g.ticker AND q.fiscal_year = g.fy AND q.fiscal_quarter = g.fq
),

figure_known AS (
    SELECT f.as_of, f.ticker, f.metric, f.value_kind, f.value, f.compiled_by, f.source_title,
           coalesce(f.published, f.published_before) AS stated_on,
           starts_with(coalesce(f.source_url, ''), 'seed/') AS from_seed,
           unnest(claim_period_labels(r.rule, f.fiscal_year, f.fiscal_quarter,
                                      q.calendar_quarter)) AS period
    FROM as_of.figures_known AS f
    JOIN rules AS r USING (ticker)
    LEFT JOIN staging.fiscal_quarters AS q
        ON q.ticker = f.ticker AND q.fiscal_year = f.fiscal_year
       AND q.fiscal_quarter = f.fiscal_quarter
    WHERE f.value_kind <> 'actual' AND f.basis IN ('discrete', 'fy')
      AND f.as_of IN (SELECT as_of FROM statement_passes)
),

-- every statement of a claim's subject: a capex guidance or a figure of raw.financials, as
-- known at the pass's vintage (today: everything), with its value in the claim's unit
statement_candidates AS (
    SELECT p.claim_id, p.as_of, p.claim_date, p.guide.which AS which,
           k.stated_on, k.reported_on, k.from_seed, k.source_title,
           claim_bn(CASE p.guide.part WHEN 'low' THEN k.low_usd_m WHEN 'high' THEN k.high_usd_m
                                      ELSE k.mid_usd_m END) AS value,
           claim_bn(guidance_point(k.low_usd_m, k.mid_usd_m, k.high_usd_m)) AS point,
           -- a range end as the claim names it, else the whole statement
           coalesce(CASE p.guide.part WHEN 'low' THEN claim_guidance_text(NULL, k.low_usd_m, NULL)
                                      WHEN 'high' THEN claim_guidance_text(NULL, k.high_usd_m, NULL)
                    END,
                    claim_guidance_text(k.low_usd_m, k.mid_usd_m, k.high_usd_m)) AS value_text,
           'capex guidance for ' || k.guided_period || ' ('
               || coalesce(k.capex_definition, 'None') || ')' AS what,
           FALSE AS can_be_stale
    FROM statement_passes AS p
    JOIN guidance_known AS k
      ON p.guide IS NOT NULL AND k.ticker = p.entity AND k.period = p.period
     AND (p.as_of = today_vintage() OR k.known_on <= p.as_of)

    UNION ALL
    SELECT p.claim_id, p.as_of, p.claim_date, 1, k.stated_on, NULL::DATE, k.from_seed,
           k.source_title || CASE WHEN k.compiled_by IS NOT NULL
                                  THEN ' (compiled by ' || k.compiled_by || ')' ELSE '' END,
           k.value / CAST(p.fig.divisor AS DOUBLE), k.value / CAST(p.fig.divisor AS DOUBLE),
           fmt_grouped(k.value / CAST(p.fig.divisor AS DOUBLE), 3) || ' '
               || CASE WHEN p.unit = 'USD_bn' THEN 'bn' ELSE p.unit END,
           replace(p.fig.value_kind, '_', ' ') || ' of ' || p.fig.metric || ' for ' || p.period,
           p.fig.value_kind IN ('consensus', 'estimate')
    FROM statement_passes AS p
    JOIN figure_known AS k
      ON p.fig IS NOT NULL AND k.as_of = p.as_of AND k.ticker = p.entity
     AND k.period = p.period AND k.metric = p.fig.metric AND k.value_kind = p.fig.value_kind
),

statement_ranked AS (
    -- the statements dated on or before the claim's date, latest first (ties: the lower
    -- value, as marts.ai_revenue_quarterly picks); the seed's own statements apart
    SELECT *,
           row_number() OVER (PARTITION BY claim_id, as_of
                              ORDER BY stated_on DESC, reported_on DESC NULLS LAST, value,
                                       source_title DESC) AS recency
    FROM statement_candidates
    WHERE stated_on <= claim_date AND NOT from_seed
),

statement_revisions AS (
    -- the latest statement known today dated after the claim's date
    SELECT claim_id,
           first(c ORDER BY c.stated_on DESC, c.reported_on DESC NULLS LAST, c.value,
                 c.source_title DESC) AS rev
    FROM statement_candidates AS c
    WHERE as_of = today_vintage() AND stated_on > claim_date AND NOT from_seed
    GROUP BY claim_id
),

statement_seed AS (
    SELECT DISTINCT claim_id, as_of
    FROM statement_candidates
    WHERE from_seed AND stated_on <= claim_date
),

statement_facts AS (
    SELECT p.as_of, p.entity, p.metric, p.period, p.unit, p.claim_id, p.claim_date,
           s.stated_on AS statement_date,
           CASE WHEN s.can_be_stale
                     AND p.claim_date - s.stated_on > getvariable('consensus_max_age_days')
                THEN NULL ELSE s.value END AS computed_value,
           CASE WHEN s.claim_id IS NULL
                THEN 'not computable: no ' || coalesce(p.fig.value_kind, 'capex guidance')
                     || CASE WHEN coalesce(p.guide.which, 1) = 2 THEN ' before the one' ELSE '' END
                     || ' in force on ' || CAST(p.claim_date AS VARCHAR) || ' known '
                     || CASE WHEN p.as_of = today_vintage() THEN 'today' ELSE 'then' END
                     || CASE WHEN z.claim_id IS NOT NULL
                             THEN ' other than the seed''s own (comparing it would be circular)'
                             ELSE '' END
                WHEN s.value IS NULL
                THEN 'not computable: the ' || s.what || ' in force on '
                     || CAST(p.claim_date AS VARCHAR) || ' has no ' || p.guide.part
                     || ' figure (' || coalesce(s.value_text, 'None') || ')'
                WHEN s.can_be_stale
                     AND p.claim_date - s.stated_on > getvariable('consensus_max_age_days')
                THEN 'not computable: the latest ' || s.what || ' before '
                     || CAST(p.claim_date AS VARCHAR) || ' (' || s.value_text || ', '
                     || CAST(s.stated_on AS VARCHAR) || ') is '
                     || CAST(p.claim_date - s.stated_on AS VARCHAR) || ' days old, over '
                     || CAST(getvariable('consensus_max_age_days') AS VARCHAR)
                     || ' (consensus_max_age_days): stale'
                ELSE 'the ' || s.what
                     || CASE WHEN s.which = 2 THEN ' before the one' ELSE '' END
                     || ' in force on ' || CAST(p.claim_date AS VARCHAR) || ', known '
                     || CASE WHEN p.as_of = today_vintage() THEN 'today' ELSE 'then' END
                     || ': ' || s.value_text || ', stated ' || CAST(s.stated_on AS VARCHAR)
                     || ': ' || s.source_title
           END AS method,
           coalesce(r.rev.value, r.rev.point) AS revised_value,
           r.rev.stated_on AS revised_on,
           claim_revision_text(coalesce(s.value, s.point), coalesce(r.rev.value, r.rev.point),
                               r.rev.value_text, r.rev.stated_on) AS revision
    FROM statement_passes AS p
    LEFT JOIN statement_ranked AS s
        ON s.claim_id = p.claim_id AND s.as_of = p.as_of
       AND s.recency = coalesce(p.guide.which, 1)
    LEFT JOIN statement_revisions AS r ON r.claim_id = p.claim_id
    LEFT JOIN statement_seed AS z ON z.claim_id = p.claim_id AND z.as_of = p.as_of
),

warehouse_facts AS (
    -- part, k1..k4: the position of each fact in the Python's list (companies per label,
    -- annual, groups, guidance, AI revenue, then the claims), for its keep-first dedup
    SELECT * FROM company_capex_facts
    UNION ALL SELECT * FROM group_capex_facts
    UNION ALL SELECT * FROM guidance_facts
    UNION ALL SELECT * FROM ai_facts
),

-- ---------------------------------------------------- seed-internal facts (from the claims)
claims AS (
    SELECT *, row_number() OVER (ORDER BY claim_id) AS claim_no FROM raw.claims
),

related_ids AS (
    SELECT claim_id,
           unnest(string_split(coalesce(related_claim_ids, ''), ';')) AS related_id,
           generate_subscripts(string_split(coalesce(related_claim_ids, ''), ';'), 1) AS pos
    FROM claims
),

related AS (
    -- the claims a claim names in related_claim_ids, in their order (unknown ids dropped)
    SELECT i.claim_id, i.pos, r.claim_id AS rid, r.article_no AS r_article_no,
           r.entity AS r_entity, r.metric AS r_metric, r.period AS r_period,
           r.stated_value AS r_value, r.unit AS r_unit, claim_year(r.period) AS r_year
    FROM related_ids AS i
    JOIN claims AS r ON r.claim_id = i.related_id
),

related_ranked AS (
    SELECT r.*, c.entity, c.metric, c.period, c.article_no, c.unit,
           -- the same quantity stated by another article
           r.r_entity = c.entity AND r.r_metric = c.metric AND r.r_period = c.period
               AND r.r_article_no <> c.article_no AS same_qty,
           -- a subset count bounds its superset
           r.r_entity = c.entity AND r.r_period = c.period
               AND (claim_subset_of(c.metric) = r.r_metric
                    OR claim_subset_of(r.r_metric) = c.metric) AS subset_match,
           r.r_metric = 'capex_'
               || regexp_extract(c.metric, '^capex_yoy_(forecast|consensus)_pct$', 1)
               || '_usd_bn'
               AND r.r_entity = c.entity AND r.r_period = c.period AS yoy_level,
           -- the qoq levels are sorted by period (a stable sort: ties keep their order)
           row_number() OVER (PARTITION BY r.claim_id, r.r_unit <> 'percent'
                              ORDER BY r.r_period, r.pos) AS level_no,
           row_number() OVER (PARTITION BY r.claim_id ORDER BY r.r_year, r.pos) AS year_no
    FROM related AS r
    JOIN claims AS c USING (claim_id)
),

related_share AS (
    -- share: the first related figure of the claim's own entity (not a percent) is the total
    SELECT claim_id, arg_min(rid, pos) AS total_id, arg_min(r_value, pos) AS total_value,
           arg_min(r_unit, pos) AS total_unit
    FROM related_ranked
    WHERE r_entity = entity AND r_unit <> 'percent'
    GROUP BY claim_id
),

related_agg AS (
    SELECT r.claim_id,
           count(*) AS n_related,
           count(DISTINCT r.r_unit) AS n_units,
           min(r.r_unit) AS one_unit,
           bool_and(r.r_year IS NOT NULL AND r.r_year <> 0) AS all_years,
           -- the first related figure matching each rule (Python keeps the first fact)
           arg_min(r.rid, r.pos) FILTER (WHERE r.same_qty) AS same_id,
           arg_min(r.r_value, r.pos) FILTER (WHERE r.same_qty) AS same_value,
           arg_min(r.r_article_no, r.pos) FILTER (WHERE r.same_qty) AS same_article,
           arg_min(r.rid, r.pos) FILTER (WHERE r.subset_match) AS subset_id,
           arg_min(r.r_value, r.pos) FILTER (WHERE r.subset_match) AS subset_value,
           arg_min(r.r_metric, r.pos) FILTER (WHERE r.subset_match) AS subset_metric,
           arg_min(r.r_article_no, r.pos) FILTER (WHERE r.subset_match) AS subset_article,
           arg_min(r.rid, r.pos) FILTER (WHERE r.yoy_level) AS level_id,
           arg_min(r.r_value, r.pos) FILTER (WHERE r.yoy_level) AS level_value,
           list(r ORDER BY r.pos) AS rel,
           list(r ORDER BY r.r_period, r.pos) FILTER (WHERE r.r_unit <> 'percent') AS levels,
           list(r ORDER BY r.r_year, r.pos) AS by_year,
           list(r.r_value ORDER BY r.pos)
               FILTER (WHERE starts_with(r.r_entity, r.entity || ' - ')
                       AND r.r_unit = s.total_unit) AS share_part_values,
           string_agg(fmt_grouped(r.r_value, 3) || ' (' || r.rid || ')', ' + ' ORDER BY r.pos)
               FILTER (WHERE starts_with(r.r_entity, r.entity || ' - ')
                       AND r.r_unit = s.total_unit) AS share_parts_text,
           any_value(s.total_id) AS total_id,
           any_value(s.total_value) AS total_value,
           any_value(s.total_unit) AS total_unit
    FROM related_ranked AS r
    LEFT JOIN related_share AS s USING (claim_id)
    GROUP BY r.claim_id
),

seed_rules AS (
    -- which rule of seed_internal_facts applies to each claim (the first that matches)
    SELECT c.claim_id, c.entity, c.metric, c.period, c.unit, c.claim_no, a.* EXCLUDE (claim_id),
           CASE
               WHEN a.same_id IS NOT NULL THEN 'same_quantity'
               WHEN claim_is_subset_metric(c.metric) THEN 'subset'
               WHEN regexp_full_match(c.metric, '(capex)_yoy_(forecast|consensus)_pct')
                    AND claim_year(c.period) IS NOT NULL THEN 'yoy_forecast'
               WHEN regexp_full_match(c.metric, 'capex_(forecast|consensus)_usd_bn')
                   THEN 'forecast_level'
               WHEN c.metric LIKE '%\_ratio\_x' ESCAPE '\' AND a.n_related = 2
                    AND a.n_units = 1 THEN 'ratio'
               WHEN contains(c.metric, '_total_') AND a.n_related > 0 AND a.n_units = 1
                    AND a.one_unit = c.unit THEN 'total'
               WHEN c.metric LIKE '%\_cagr\_pct' ESCAPE '\' AND a.n_related = 2
                    AND a.all_years THEN 'cagr'
               WHEN contains(c.metric, '_qoq') AND c.metric LIKE '%\_pct' ESCAPE '\'
                   THEN 'qoq'
               WHEN c.metric LIKE '%\_share\_pct' ESCAPE '\' AND a.n_related > 0
                   THEN 'share'
           END AS seed_rule
    FROM claims AS c
    LEFT JOIN related_agg AS a USING (claim_id)
),

seed_static AS (
    -- the rules that need no warehouse figure (the same for every vintage)
    SELECT claim_id, entity, metric, period, unit, claim_no, seed_rule,
           CASE seed_rule
               WHEN 'same_quantity' THEN same_value
               WHEN 'subset' THEN subset_value
               WHEN 'ratio' THEN rel[1].r_value / rel[2].r_value
               WHEN 'total' THEN list_reduce(list_transform(rel, lambda x: x.r_value),
                                             lambda x, y: x + y)
               WHEN 'cagr' THEN claim_cagr_pct(by_year[1].r_value, by_year[2].r_value,
                                               by_year[2].r_year - by_year[1].r_year)
               WHEN 'qoq' THEN
                   CASE WHEN len(levels) = 2
                             AND claim_consecutive_fiscal(levels[1].r_period, levels[2].r_period)
                        THEN pct_change(levels[2].r_value, levels[1].r_value) END
               WHEN 'share' THEN
                   CASE WHEN total_id IS NOT NULL AND len(share_part_values) > 0
                        THEN list_reduce(share_part_values, lambda x, y: x + y)
                             / total_value * 100.0::DOUBLE END
           END AS computed_value,
           CASE seed_rule
               WHEN 'same_quantity' THEN
                   'the same quantity is stated as ' || fmt_grouped(same_value, 3)
                   || ' in article ' || CAST(same_article AS VARCHAR) || ' (' || same_id
                   || '); at most one of the two can be right'
               WHEN 'subset' THEN
                   CASE WHEN claim_subset_of(metric) = subset_metric
                        THEN metric || ' counts a subset of ' || subset_metric || ', stated as '
                             || fmt_grouped(subset_value, 3) || ' (' || subset_id
                             || ', article ' || CAST(subset_article AS VARCHAR)
                             || '): an upper bound'
                        ELSE metric || ' includes ' || subset_metric || ', stated as '
                             || fmt_grouped(subset_value, 3) || ' (' || subset_id
                             || ', article ' || CAST(subset_article AS VARCHAR)
                             || '): a lower bound' END
               WHEN 'ratio' THEN
                   fmt_grouped(rel[1].r_value, 3) || ' / ' || fmt_grouped(rel[2].r_value, 3)
                   || ' (' || rel[1].rid || ' / ' || rel[2].rid || ', ' || rel[1].r_unit || ')'
               WHEN 'total' THEN
                   array_to_string(list_transform(rel, lambda x: fmt_grouped(x.r_value, 3)
                                                         || ' (' || x.rid || ')'), ' + ')
               WHEN 'cagr' THEN
                   '(' || fmt_grouped(by_year[2].r_value, 3) || ' / '
                   || fmt_grouped(by_year[1].r_value, 3) || ')^(1/'
                   || CAST(by_year[2].r_year - by_year[1].r_year AS VARCHAR) || ') - 1 ('
                   || by_year[1].rid || ' ' || by_year[1].r_period || ' -> '
                   || by_year[2].rid || ' ' || by_year[2].r_period || ')'
               WHEN 'qoq' THEN
                   CASE WHEN len(levels) = 2
                             AND claim_consecutive_fiscal(levels[1].r_period, levels[2].r_period)
                        THEN fmt_grouped(levels[2].r_value, 3) || ' / '
                             || fmt_grouped(levels[1].r_value, 3) || ' - 1 ('
                             || levels[2].rid || ' over ' || levels[1].rid || ')'
                        ELSE 'not computable: the previous quarter''s level is not stated in '
                             || 'the seed, and the warehouse has no such figure (the company '
                             || 'does not report it)' END
               WHEN 'share' THEN
                   CASE WHEN total_id IS NOT NULL AND len(share_part_values) > 0
                        THEN '(' || share_parts_text || ') / ' || fmt_grouped(total_value, 3)
                             || ' (' || total_id || '), ' || total_unit
                        ELSE 'not computable: the related figures ('
                             || array_to_string(list_transform(rel, lambda x: x.rid || ' '
                                                || fmt_grouped(x.r_value, 3) || ' '
                                                || x.r_unit), ', ')
                             || ') give no parts in the total''s unit' END
           END AS method,
           CASE WHEN seed_rule = 'subset' AND claim_subset_of(metric) = subset_metric
                    THEN 'upper_bound'
                WHEN seed_rule = 'subset' THEN 'lower_bound'
                ELSE 'equal' END AS comparison
    FROM seed_rules
    WHERE seed_rule IN ('same_quantity', 'ratio', 'total', 'cagr', 'qoq', 'share')
       OR (seed_rule = 'subset' AND subset_id IS NOT NULL)
),

actual AS (
    -- the warehouse's own capex levels (no claim_id), looked up by the forecast rules
    SELECT as_of, entity, period, computed_value, method
    FROM warehouse_facts
    WHERE metric = 'capex_usd_bn'
),

seed_yoy AS (
    -- a forecast / consensus growth: the claim's own level over the warehouse's actual of
    -- the year before
    SELECT v.as_of, s.claim_id, s.entity, s.metric, s.period, s.unit, s.claim_no,
           CASE WHEN s.level_id IS NOT NULL AND b.computed_value IS NOT NULL
                THEN pct_change(s.level_value, b.computed_value) END AS computed_value,
           CASE WHEN s.level_id IS NOT NULL AND b.computed_value IS NOT NULL
                THEN 'the claim''s own ' || s.period || ' level '
                     || fmt_grouped(s.level_value, 3) || ' bn (' || s.level_id
                     || ') over the warehouse''s '
                     || CAST(claim_year(s.period) - 1 AS VARCHAR) || ' actual '
                     || fmt_grouped(b.computed_value, 3) || ' bn (' || b.method || ')'
                ELSE 'not computable: needs the related level claim and the warehouse''s '
                     || 'prior-year actual' END AS method,
           CASE WHEN s.level_id IS NOT NULL AND b.computed_value IS NOT NULL
                THEN 'warehouse' ELSE 'seed_internal' END AS basis
    FROM seed_rules AS s
    CROSS JOIN vintages AS v
    LEFT JOIN actual AS b
        ON b.as_of = v.as_of AND b.entity = s.entity
       AND b.period = CAST(claim_year(s.period) - 1 AS VARCHAR)
    WHERE s.seed_rule = 'yoy_forecast'
),

seed_forecast AS (
    -- a forecast / consensus level of a year not fully reported: never computable; say how
    -- much of the year the warehouse has
    SELECT v.as_of, s.claim_id, s.entity, s.metric, s.period, s.unit, s.claim_no,
           count(q.computed_value) AS known,
           -- summed quarter by quarter, as Python's sum()
           list_reduce(list(q.computed_value ORDER BY q.period)
                           FILTER (WHERE q.computed_value IS NOT NULL),
                       lambda x, y: x + y) AS so_far
    FROM seed_rules AS s
    CROSS JOIN vintages AS v
    LEFT JOIN actual AS q
        ON q.as_of = v.as_of AND q.entity = s.entity
       AND q.period IN (s.period || 'Q1', s.period || 'Q2', s.period || 'Q3', s.period || 'Q4')
       AND claim_year(s.period) IS NOT NULL
    WHERE s.seed_rule = 'forecast_level'
    GROUP BY ALL
),

seed_facts AS (
    SELECT v.as_of, s.entity, s.metric, s.period, s.computed_value, s.unit, s.method,
           s.claim_id, 'seed_internal' AS basis, s.comparison, s.claim_no
    FROM seed_static AS s
    CROSS JOIN vintages AS v

    UNION ALL
    SELECT as_of, entity, metric, period, computed_value, unit, method, claim_id, basis,
           'equal', claim_no
    FROM seed_yoy

    UNION ALL
    SELECT as_of, entity, metric, period, NULL::DOUBLE, unit,
           'not computable: a ' || split_part(metric, '_', 2) || ' for ' || period
           || ', a year not fully reported; the warehouse has ' || CAST(known AS VARCHAR)
           || ' of 4 quarters of ' || coalesce(CAST(claim_year(period) AS VARCHAR), 'None')
           || CASE WHEN known > 0 THEN ' (' || fmt_grouped(so_far, 3) || ' bn so far)'
                   ELSE '' END,
           claim_id, 'seed_internal', 'equal', claim_no
    FROM seed_forecast
),

all_facts AS (
    SELECT as_of, entity, metric, period, computed_value, unit, method,
           NULL::VARCHAR AS claim_id, 'warehouse' AS basis, 'equal' AS comparison,
           NULL::DATE AS in_force_on, NULL::DATE AS statement_date,
           NULL::DOUBLE AS revised_value, NULL::DATE AS revised_on, NULL::VARCHAR AS revision,
           part, k1, k2, k3, k4
    FROM warehouse_facts
    UNION ALL
    SELECT as_of, entity, metric, period, computed_value, unit, method, claim_id, basis,
           comparison, NULL, NULL, NULL, NULL, NULL, 9, claim_id, '', claim_no, 0
    FROM seed_facts
    UNION ALL
    -- a statement fact replaces a seed fact of the same claim (part 0 sorts first)
    SELECT as_of, entity, metric, period, computed_value, unit, method, claim_id,
           'warehouse', 'equal', claim_date, statement_date, revised_value, revised_on,
           revision, 0, claim_id, '', 0, 0
    FROM statement_facts
)

-- exact duplicates of a key: the first fact in the Python's order is kept
SELECT entity, metric, period, CAST(computed_value AS DOUBLE) AS computed_value, unit,
       method, claim_id, basis, comparison, in_force_on, statement_date,
       CAST(revised_value AS DOUBLE) AS revised_value, revised_on, revision,
       CASE WHEN as_of = today_vintage() THEN NULL ELSE as_of END AS as_of
FROM all_facts
QUALIFY row_number() OVER (PARTITION BY as_of, entity, metric, period, claim_id
                           ORDER BY part, k1, k2, k3, k4) = 1

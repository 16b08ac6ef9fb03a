-- Macros of the claims models (marts.claim_facts, marts.claim_checks): the rules of
-- pipelines/marts/claims.py (judge, period labels, unit conversion) in SQL.

-- True when a fiscal-calendar rule (raw.companies.fiscal_calendar) has calendar quarters:
-- the year ends on the last day of December ('month_end:dec').
CREATE OR REPLACE MACRO claim_is_calendar_year(rule) AS
    lower(split_part(rule, ':', 1)) = 'month_end'
    AND lower(split_part(rule, ':', 2)) = 'dec'
    AND len(string_split(rule, ':')) = 2;

-- 'FY2025Q3' or 'FY2025' (the claims' spelling of a fiscal period).
CREATE OR REPLACE MACRO claim_fiscal_label(fiscal_year, fiscal_quarter) AS
    'FY' || CAST(fiscal_year AS VARCHAR)
    || CASE WHEN fiscal_quarter IS NULL THEN '' ELSE 'Q' || CAST(fiscal_quarter AS VARCHAR) END;

-- The claims' spellings of a company period (Python period_labels): the calendar label for
-- a calendar-year company ('2025Q2', or '2025' for a year); the fiscal label plus the calendar
-- quarter for the others.
CREATE OR REPLACE MACRO claim_period_labels(rule, fiscal_year, fiscal_quarter, calendar_quarter) AS
    CASE
        WHEN claim_is_calendar_year(rule) THEN
            CASE WHEN fiscal_quarter IS NOT NULL AND coalesce(calendar_quarter, '') <> ''
                     THEN [calendar_quarter]
                 WHEN fiscal_quarter IS NULL THEN [CAST(fiscal_year AS VARCHAR)]
                 ELSE []::VARCHAR[] END
        ELSE [claim_fiscal_label(fiscal_year, fiscal_quarter)]
             || CASE WHEN fiscal_quarter IS NOT NULL AND coalesce(calendar_quarter, '') <> ''
                         THEN [calendar_quarter] ELSE []::VARCHAR[] END
    END;

-- USD m -> USD bn, as the Python did it (value / 1000.0).
CREATE OR REPLACE MACRO claim_bn(value_m) AS value_m / 1000.0::DOUBLE;

-- A claim period that is a year ('2025') as its number, else NULL (Python _year).
CREATE OR REPLACE MACRO claim_year(period) AS
    CASE WHEN regexp_full_match(period, '\d{4}') THEN CAST(period AS BIGINT) END;

-- The unit factor from a fact's unit to a claim's unit (Python UNIT_FACTORS); 1 for the same
-- unit, NULL when there is no conversion.
CREATE OR REPLACE MACRO claim_unit_factor(from_unit, to_unit) AS
    CASE
        WHEN from_unit = to_unit THEN 1.0::DOUBLE
        WHEN from_unit = 'USD_m' AND to_unit = 'USD_bn' THEN 1e-3
        WHEN from_unit = 'USD_bn' AND to_unit = 'USD_m' THEN 1e3
        WHEN from_unit = 'GB_per_s' AND to_unit = 'TB_per_s' THEN 1e-3
        WHEN from_unit = 'TB_per_s' AND to_unit = 'GB_per_s' THEN 1e3
    END;

-- A metric counting a subset of what another metric counts (Python SUBSET_METRICS): the
-- superset metric of a subset metric, else NULL.
CREATE OR REPLACE MACRO claim_subset_of(metric) AS
    CASE metric
        WHEN 'telecom_equipment_seats_in_top10' THEN 'communications_seats_in_top10'
    END;
CREATE OR REPLACE MACRO claim_is_subset_metric(metric) AS
    claim_subset_of(metric) IS NOT NULL
    OR metric IN ('communications_seats_in_top10');

-- 'FY2025Q4' followed by 'FY2026Q1' (Python _consecutive: two fiscal quarters in a row).
CREATE OR REPLACE MACRO claim_consecutive_fiscal(a, b) AS
    coalesce(
        regexp_full_match(a, 'FY(\d{4})Q([1-4])') AND regexp_full_match(b, 'FY(\d{4})Q([1-4])')
        AND CAST(substr(a, 3, 4) AS BIGINT) * 4 + CAST(substr(a, 8, 1) AS BIGINT) + 1
            = CAST(substr(b, 3, 4) AS BIGINT) * 4 + CAST(substr(b, 8, 1) AS BIGINT),
        FALSE);

-- CAGR in percent (Python cagr_pct); NULL for missing or non-positive inputs.
CREATE OR REPLACE MACRO claim_cagr_pct(start_value, end_value, years) AS
    CASE WHEN start_value IS NULL OR end_value IS NULL OR start_value <= 0 OR end_value <= 0
              OR years <= 0 THEN NULL
         ELSE (pow(end_value / start_value, 1.0::DOUBLE / years) - 1.0::DOUBLE) * 100.0::DOUBLE
    END;

-- Half a unit of the last printed decimal: 1 decimal -> 0.05.
CREATE OR REPLACE MACRO claim_half_unit(decimals) AS
    0.5::DOUBLE * pow(10.0::DOUBLE, -decimals);

CREATE OR REPLACE MACRO claim_verdict(ok, diff, tol, rule) AS
    {'status': CASE WHEN ok THEN 'confirmed' ELSE 'contradicted' END,
     'difference': CAST(diff AS DOUBLE),
     'tolerance': CAST(tol AS DOUBLE),
     'rule': CAST(rule AS VARCHAR)};

-- Python judge(): a stated figure against a computed one -> struct(status, difference,
-- tolerance, rule). eps = 1e-9 x max(1, |stated|) absorbs float noise (87.431 - 87.4 vs
-- 0.05). Comparisons keep the Python's order of operations, so results are bit-equal.
CREATE OR REPLACE MACRO claim_judge(stated, computed, decimals, qualifier, comparison,
                                    declared_tolerance) AS
    CASE
        WHEN computed IS NULL OR isnan(computed) THEN
            {'status': 'not_computable', 'difference': NULL::DOUBLE, 'tolerance': NULL::DOUBLE,
             'rule': NULL::VARCHAR}
        WHEN declared_tolerance IS NOT NULL AND declared_tolerance > claim_half_unit(decimals) THEN
            claim_verdict(
                abs(computed - stated)
                    <= declared_tolerance + 1e-9 * greatest(1.0::DOUBLE, abs(stated)),
                computed - stated,
                declared_tolerance,
                '|difference| <= ' || format('{:g}', declared_tolerance)
                || ' (reproduction tolerance declared by the producer; printed precision alone '
                || 'would allow ' || format('{:g}', claim_half_unit(decimals)) || ')')
        WHEN comparison = 'upper_bound' THEN
            claim_verdict(
                stated <= computed + claim_half_unit(decimals)
                          + 1e-9 * greatest(1.0::DOUBLE, abs(stated)),
                computed - stated,
                claim_half_unit(decimals),
                'stated <= computed + ' || format('{:g}', claim_half_unit(decimals))
                || ' (computed is an upper bound)')
        WHEN comparison = 'lower_bound' THEN
            claim_verdict(
                stated >= computed - claim_half_unit(decimals)
                          - 1e-9 * greatest(1.0::DOUBLE, abs(stated)),
                computed - stated,
                claim_half_unit(decimals),
                'stated >= computed - ' || format('{:g}', claim_half_unit(decimals))
                || ' (computed is a lower bound)')
        WHEN qualifier IN ('more_than', 'at_least') THEN
            claim_verdict(
                computed >= stated - claim_half_unit(decimals)
                            - 1e-9 * greatest(1.0::DOUBLE, abs(stated)),
                computed - stated,
                claim_half_unit(decimals),
                'computed >= stated - ' || format('{:g}', claim_half_unit(decimals))
                || ' (' || qualifier || ')')
        WHEN qualifier IN ('less_than', 'up_to') THEN
            claim_verdict(
                computed <= stated + claim_half_unit(decimals)
                            + 1e-9 * greatest(1.0::DOUBLE, abs(stated)),
                computed - stated,
                claim_half_unit(decimals),
                'computed <= stated + ' || format('{:g}', claim_half_unit(decimals))
                || ' (' || qualifier || ')')
        WHEN qualifier = 'about' THEN
            claim_verdict(
                abs(computed - stated)
                    <= greatest(claim_half_unit(decimals), 0.05::DOUBLE * abs(stated))
                       + 1e-9 * greatest(1.0::DOUBLE, abs(stated)),
                computed - stated,
                greatest(claim_half_unit(decimals), 0.05::DOUBLE * abs(stated)),
                '|difference| <= '
                || format('{:g}', greatest(claim_half_unit(decimals), 0.05::DOUBLE * abs(stated)))
                || ' (about: max(half unit, 5 %))')
        WHEN qualifier = 'nearly' THEN
            claim_verdict(
                stated - greatest(claim_half_unit(decimals), 0.10::DOUBLE * abs(stated))
                       - 1e-9 * greatest(1.0::DOUBLE, abs(stated)) <= computed
                AND computed <= stated + claim_half_unit(decimals)
                                + 1e-9 * greatest(1.0::DOUBLE, abs(stated)),
                computed - stated,
                greatest(claim_half_unit(decimals), 0.10::DOUBLE * abs(stated)),
                'stated - '
                || format('{:g}', greatest(claim_half_unit(decimals), 0.10::DOUBLE * abs(stated)))
                || ' <= computed <= stated + ' || format('{:g}', claim_half_unit(decimals))
                || ' (nearly)')
        ELSE
            claim_verdict(
                abs(computed - stated)
                    <= claim_half_unit(decimals) + 1e-9 * greatest(1.0::DOUBLE, abs(stated)),
                computed - stated,
                claim_half_unit(decimals),
                '|difference| <= ' || format('{:g}', claim_half_unit(decimals)))
    END;

-- '; vs consensus 15,840 m (published 2025-09-05, quoted_after_results): +0.71 %' (Python
-- ai_revenue_facts.versus): a level against an expectation; '' when either is missing.
CREATE OR REPLACE MACRO claim_versus(value, base, published, timing, what) AS
    CASE WHEN value IS NULL OR base IS NULL THEN ''
         ELSE '; vs ' || what || ' ' || fmt_grouped(base, 1) || ' m'
              || CASE WHEN published IS NOT NULL
                      THEN ' (published ' || CAST(published AS VARCHAR)
                           || CASE WHEN coalesce(timing, '') <> '' THEN ', ' || timing || ')'
                                   ELSE ')' END
                      ELSE '' END
              || ': ' || format('{:+.2f}', pct_change(value, base)) || ' %'
    END;

-- ------------------------------------------------------------- statement claims
-- A statement claim's figure in raw.financials (raw.claims.subject_type = 'statement'): the
-- metric and value kind it names and the divisor from the figure's unit to the claim's; NULL
-- when the warehouse holds no statements of that kind (the claim is then judged as before).
CREATE OR REPLACE MACRO claim_statement_figure(metric) AS
    CASE metric
        WHEN 'revenue_consensus_usd_bn'
            THEN {'metric': 'revenue', 'value_kind': 'consensus', 'divisor': 1000.0}
        WHEN 'ai_revenue_consensus_usd_bn'
            THEN {'metric': 'ai_revenue', 'value_kind': 'consensus', 'divisor': 1000.0}
        WHEN 'eps_adjusted_consensus_usd'
            THEN {'metric': 'eps_adjusted', 'value_kind': 'consensus', 'divisor': 1.0}
        WHEN 'revenue_guidance_usd_bn'
            THEN {'metric': 'revenue', 'value_kind': 'guidance_mid', 'divisor': 1000.0}
        WHEN 'ai_revenue_guidance_usd_bn'
            THEN {'metric': 'ai_revenue', 'value_kind': 'guidance_mid', 'divisor': 1000.0}
        WHEN 'ai_revenue_estimate_usd_bn'
            THEN {'metric': 'ai_revenue', 'value_kind': 'estimate', 'divisor': 1000.0}
    END;

-- A capex-guidance claim (raw.capex_guidance): which statement (1 the one in force, 2 the one
-- before it: capex_guidance_prior_*) and which part (low, high, mid); NULL for other metrics.
CREATE OR REPLACE MACRO claim_guidance_statement(metric) AS
    CASE WHEN regexp_full_match(metric, 'capex_guidance(_prior)?(_low|_high)?_usd_bn') THEN
        {'which': CASE WHEN contains(metric, '_prior') THEN 2 ELSE 1 END,
         'part': CASE WHEN contains(metric, '_low_') THEN 'low'
                      WHEN contains(metric, '_high_') THEN 'high' ELSE 'mid' END}
    END;

-- A guidance statement as read: '66–72 bn', '85 bn', 'at least 30 bn' (USD m in, bn out).
CREATE OR REPLACE MACRO claim_guidance_text(low, mid, high) AS
    CASE WHEN low IS NOT NULL AND high IS NOT NULL
             THEN fmt_grouped(claim_bn(low), 3) || '–' || fmt_grouped(claim_bn(high), 3) || ' bn'
         WHEN mid IS NOT NULL THEN fmt_grouped(claim_bn(mid), 3) || ' bn'
         WHEN low IS NOT NULL THEN 'at least ' || fmt_grouped(claim_bn(low), 3) || ' bn'
         WHEN high IS NOT NULL THEN 'at most ' || fmt_grouped(claim_bn(high), 3) || ' bn'
    END;

-- A later statement beside the verdict: 'raised to 70 bn on 2025-10-29' (in_force and revised
-- in the claim's unit; NULL when there is no later statement).
CREATE OR REPLACE MACRO claim_revision_text(in_force, revised, revised_text, revised_on) AS
    CASE WHEN revised_on IS NOT NULL THEN
        CASE WHEN in_force IS NULL OR revised IS NULL THEN 'revised to '
             WHEN revised > in_force THEN 'raised to '
             WHEN revised < in_force THEN 'cut to '
             ELSE 'reaffirmed at ' END
        || revised_text || ' on ' || CAST(revised_on AS VARCHAR)
    END;

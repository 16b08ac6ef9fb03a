-- The metric vocabulary the models decide on, defined once (the raw validation of coverage
-- notes reads company_metrics() from this file too).

-- Flow metrics whose discrete quarters add up to the fiscal year, so a missing quarter can be
-- derived from year-to-date and full-year figures.
CREATE OR REPLACE MACRO derivable_metrics() AS [
    'capex_additions_to_pp_e', 'capex_purchases_pp_e', 'proceeds_pp_e_sales_incentives',
    'capex_incl_finance_leases', 'revenue', 'ai_revenue', 'data_center_revenue',
    'operating_cash_flow', 'depreciation_amortization'
];

-- The metrics of marts.company_quarterly besides capex (the company's own capex definition;
-- the capex components stay in marts.capex_quarterly).
CREATE OR REPLACE MACRO company_flow_metrics() AS [
    'revenue', 'ai_revenue', 'data_center_revenue', 'operating_cash_flow',
    'depreciation_amortization'
];
CREATE OR REPLACE MACRO company_metrics() AS list_prepend('capex', company_flow_metrics());

-- The metrics summed per group in marts.group_quarterly (flows whose sum across companies
-- is meaningful).
CREATE OR REPLACE MACRO group_metrics() AS [
    'capex', 'revenue', 'operating_cash_flow', 'depreciation_amortization'
];

-- Precedence of a figure's source (raw.financials.source_type; 'filing' for the connector's
-- filed quarters): the lower rank is used where sources give one period different values
-- (docs/keep-current.md). claim_list and machine_summary are unverified.
CREATE OR REPLACE MACRO source_rank(source_type) AS CASE source_type
    WHEN 'filing' THEN 1
    WHEN 'press_release' THEN 2
    WHEN 'secondary' THEN 3
    ELSE 4
END;
CREATE OR REPLACE MACRO unverified_source_types() AS ['claim_list', 'machine_summary'];

-- Largest relative difference between two sources of one figure that is not reported as a
-- disagreement (meta.reconciliation).
CREATE OR REPLACE MACRO reconciliation_tolerance() AS 0.005;

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

"""Metrics analysts argue about, computed from the marts: capex intensity, cash coverage,
depreciation vs capex, guidance-implied spend and who captures the capex (schema ``metrics``)."""

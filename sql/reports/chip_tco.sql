-- Chip TCO per HBM TB/s-hour and per dense-BF16 PFLOP/s-hour, for reports/chip_tco.png.
SELECT chip, tco_usd_per_tbps_hour, tco_usd_per_pflop_hour, capital_source_kind
FROM tco.chip_tco
ORDER BY chip

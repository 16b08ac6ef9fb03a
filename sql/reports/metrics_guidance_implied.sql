-- Capex implied by each guidance statement for the rest of its period, for
-- reports/guidance_implied.png.
SELECT ticker, guided_period, statement_number, statement_date, remaining_quarters,
       implied_remaining_low_usd_m, implied_remaining_point_usd_m, implied_remaining_high_usd_m,
       actual_remaining_usd_m
FROM metrics.guidance_implied
WHERE implied_remaining_point_usd_m IS NOT NULL
ORDER BY ticker, guided_period, statement_number

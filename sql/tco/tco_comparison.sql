-- Each costed chip of tco.chip_tco against the reference chip (getvariable
-- 'tco_reference_chip'), under the advantage reading getvariable('tco_advantage_reading')
-- ('reference_premium' or 'cost_saving'). No row at all when the reference chip is not
-- costed (the test reference_chip_is_costed fails then).
WITH settings AS (
    SELECT
        getvariable('tco_reference_chip')::VARCHAR AS reference_chip,
        getvariable('tco_advantage_reading')::VARCHAR AS reading
),
-- USD per HBM TB/s-hour is linear in the electricity price: its value at 0 and 1 USD/kWh,
-- summed in the order of pipelines/tco/model.py (power + rent + maintenance, then capital
-- + operating) so the break-even price is bit-equal to the Python one.
line AS (
    SELECT
        chip,
        (capital_usd_per_hour + ((0.0 + rent_usd_per_hour) + maintenance_usd_per_hour))
            / hbm_tbps AS at_zero,
        (capital_usd_per_hour
            + ((it_power_kw * power_utilisation * pue * 1.0 + rent_usd_per_hour)
               + maintenance_usd_per_hour)) / hbm_tbps AS at_one
    FROM tco.chip_tco
    WHERE hbm_tbps > 0
),
slope AS (
    SELECT chip, at_zero, at_one - at_zero AS per_usd_kwh FROM line
),
pairs AS (
    SELECT
        c.*,
        r.chip AS ref_chip,
        r.tco_usd_per_hour AS ref_per_hour,
        r.tco_usd_per_pflop_hour AS ref_per_pflop,
        r.tco_usd_per_tbps_hour AS ref_per_tbps,
        r.tco_usd_per_hbm_gb_hour AS ref_per_hbm_gb,
        r.capital_source_kind AS ref_capital_source_kind,
        r.calibrated_fields AS ref_calibrated_fields,
        s.reading,
        sc.at_zero AS a0, sc.per_usd_kwh AS a1,
        sr.at_zero AS b0, sr.per_usd_kwh AS b1
    FROM tco.chip_tco AS c
    JOIN settings AS s ON TRUE
    JOIN tco.chip_tco AS r ON r.chip = s.reference_chip
    LEFT JOIN slope AS sc ON sc.chip = c.chip
    LEFT JOIN slope AS sr ON sr.chip = r.chip
),
-- the caveat names the chip, then the reference (the reference alone on its own row)
caveat_chips AS (
    SELECT chip, 1 AS pos, chip AS who, capital_source_kind AS kind,
           calibrated_fields AS calibrated
    FROM pairs
    UNION ALL
    SELECT chip, 2, ref_chip, ref_capital_source_kind, ref_calibrated_fields
    FROM pairs
    WHERE chip <> ref_chip
),
caveat_parts AS (
    SELECT
        chip,
        string_agg(who, ', ' ORDER BY pos) FILTER (WHERE kind = 'assumption') AS assumed,
        string_agg(who || ' (' || calibrated || ')', '; ' ORDER BY pos)
            FILTER (WHERE calibrated <> '') AS calibrated
    FROM caveat_chips
    GROUP BY chip
)
SELECT
    p.chip,
    p.ref_chip AS reference_chip,
    p.reading AS advantage_reading,
    CASE p.reading
        WHEN 'reference_premium' THEN
            'reference_premium: (reference cost per unit / chip cost per unit - 1) x 100, '
            || 'i.e. how much more ' || p.ref_chip || ' costs per unit than this chip '
            || '(equivalently, how many more units this chip buys per dollar); '
            || 'positive = chip cheaper'
        ELSE
            'cost_saving: (1 - chip cost per unit / reference cost per unit) x 100, i.e. how '
            || 'much less this chip costs per unit than ' || p.ref_chip
            || '; positive = chip cheaper'
    END AS advantage_definition,
    p.tco_usd_per_hour,
    p.ref_per_hour AS reference_tco_usd_per_hour,
    tco_ratio(p.tco_usd_per_hour, p.ref_per_hour) AS tco_per_hour_ratio,
    tco_ratio(p.tco_usd_per_pflop_hour, p.ref_per_pflop) AS tco_per_pflop_ratio,
    tco_ratio(p.tco_usd_per_tbps_hour, p.ref_per_tbps) AS tco_per_tbps_ratio,
    tco_ratio(p.tco_usd_per_hbm_gb_hour, p.ref_per_hbm_gb) AS tco_per_hbm_gb_ratio,
    tco_advantage_pct(p.tco_usd_per_hour, p.ref_per_hour, p.reading) AS advantage_per_hour_pct,
    tco_advantage_pct(p.tco_usd_per_pflop_hour, p.ref_per_pflop, p.reading)
        AS advantage_per_pflop_pct,
    tco_advantage_pct(p.tco_usd_per_tbps_hour, p.ref_per_tbps, p.reading)
        AS advantage_per_tbps_pct,
    tco_advantage_pct(p.tco_usd_per_hbm_gb_hour, p.ref_per_hbm_gb, p.reading)
        AS advantage_per_hbm_gb_pct,
    tco_advantage_pct(p.tco_usd_per_tbps_hour, p.ref_per_tbps, 'cost_saving')
        AS advantage_per_tbps_cost_saving_pct,
    tco_advantage_pct(p.tco_usd_per_tbps_hour, p.ref_per_tbps, 'reference_premium')
        AS advantage_per_tbps_reference_premium_pct,
    -- the price where the two lines cross; none for parallel lines (slopes within 1e-15,
    -- math.isclose of the Python code) or a negative price
    CASE
        WHEN p.chip = p.ref_chip OR p.a1 IS NULL OR p.b1 IS NULL
            OR abs(p.a1 - p.b1) <= 1e-15 THEN NULL
        WHEN (p.b0 - p.a0) / (p.a1 - p.b1) >= 0 THEN (p.b0 - p.a0) / (p.a1 - p.b1)
    END AS breakeven_electricity_usd_per_kwh,
    nullif(concat_ws('; ',
        'capital_usd is an assumption, not a published price, for ' || k.assumed,
        'calibrated or tuned to a target figure: ' || k.calibrated
            || ' (reasoning in tco.chip_tco.capital_reasoning and raw.tco_assumption_sources)'
    ), '') AS caveat
FROM pairs AS p
LEFT JOIN caveat_parts AS k ON k.chip = p.chip

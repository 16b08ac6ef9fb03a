-- What the TCO domain computes for the chip and TCO claims it can test, keyed like raw.claims
-- (the chips, systems and periods of staging.tco_claim_settings). A fact is published only
-- when its value exists and is finite; a total a source merely states is not a fact about
-- itself, but it is the stated side of a ratio, and the method says so. The number formats
-- are Python's (fmt_g6 = {:,.6g}, fmt_f4 = {:.4f}).
WITH s AS (
    SELECT * FROM staging.tco_claim_settings
),
trn AS (
    SELECT t.*,
           -- calibrated inputs: agreement with the seed is by construction
           CASE WHEN t.calibrated_fields <> '' THEN
               ' Calibrated inputs (' || t.calibrated_fields || ') were chosen to land on the '
               || 'seed''s figures, so agreement shows the figures are reachable with documented '
               || 'inputs inside published ranges, not an independent confirmation.'
           ELSE '' END AS by_construction
    FROM tco.chip_tco AS t JOIN s ON t.chip = s.candidate_chip
),
nv AS (
    SELECT t.* FROM tco.chip_tco AS t JOIN s ON t.chip = s.nvidia_chip
),
chip_spec AS (
    SELECT a.* FROM raw.accelerators AS a JOIN s ON a.chip = s.candidate_chip
),
nv_spec AS (
    SELECT a.* FROM raw.accelerators AS a JOIN s ON a.chip = s.nvidia_chip
),
-- each system's total HBM TB/s and dense BF16 PFLOP/s, and how it was obtained
totals AS (
    SELECT
        system,
        m.measure,
        m.total,
        system || ' ' || CASE
            WHEN m.basis = 'computed' THEN
                CAST(chip_count AS VARCHAR) || ' x ' || fmt_g6(m.spec) || m.scale || ' = '
                || fmt_g6(m.total)
            ELSE fmt_g6(m.total) || ' as stated (raw.systems; no per-chip product)'
        END AS how,
        m.basis
    FROM tco.cluster_comparison,
    LATERAL (
        VALUES
            ('hbm_tbps', total_hbm_tbps, total_hbm_tbps_basis, chip_hbm_tbps, ''),
            ('bf16_pflops', total_bf16_pflops, total_bf16_pflops_basis,
             chip_bf16_dense_tflops, ' / 1,000')
    ) AS m(measure, total, basis, spec, scale)
    WHERE m.total IS NOT NULL
),
nvl_hbm AS (
    SELECT t.* FROM totals AS t JOIN s ON t.system = s.nvidia_system
    WHERE t.measure = 'hbm_tbps'
),
teton_hbm AS (
    SELECT t.* FROM totals AS t JOIN s ON t.system = s.trainium_system
    WHERE t.measure = 'hbm_tbps'
),
cm_hbm AS (
    SELECT t.* FROM totals AS t JOIN s ON t.system = s.huawei_system
    WHERE t.measure = 'hbm_tbps'
),
cm_pf AS (
    SELECT t.* FROM totals AS t JOIN s ON t.system = s.huawei_system
    WHERE t.measure = 'bf16_pflops'
),
nvl_pf AS (
    SELECT t.* FROM totals AS t JOIN s ON t.system = s.nvidia_system
    WHERE t.measure = 'bf16_pflops'
),
facts(entity, metric, period, computed_value, unit, method) AS (
    -- the candidate chip's cost per chip-hour
    SELECT
        s.candidate_chip, 'tco_capital_usd_per_hour', s.tco_period, trn.capital_usd_per_hour,
        'USD_per_hour',
        'tco.chip_tco.capital_usd_per_hour = capital_usd x annuity_factor(r, life) / 8,760; '
        || 'raw.tco_assumptions ' || s.candidate_chip || ': capital_usd '
        || fmt_g6(trn.capital_usd) || ', life ' || fmt_g6(trn.life_years)
        || ' y, cost of capital ' || fmt_g6(trn.cost_of_capital) || '.' || trn.by_construction
    FROM trn, s
    UNION ALL
    SELECT
        s.candidate_chip, 'tco_operating_usd_per_hour', s.tco_period,
        trn.operating_usd_per_hour, 'USD_per_hour',
        'tco.chip_tco.operating_usd_per_hour = power ' || fmt_f4(trn.power_usd_per_hour)
        || ' + rent ' || fmt_f4(trn.rent_usd_per_hour) || ' + maintenance '
        || fmt_f4(trn.maintenance_usd_per_hour) || '; it_power_kw ' || fmt_g6(trn.it_power_kw)
        || ', utilisation ' || fmt_g6(trn.power_utilisation) || ', PUE ' || fmt_g6(trn.pue)
        || ', ' || fmt_g6(trn.electricity_usd_per_kwh) || ' USD/kWh, '
        || fmt_g6(trn.rent_usd_per_kw_month) || ' USD/kW-month.' || trn.by_construction
    FROM trn, s
    UNION ALL
    SELECT
        s.candidate_chip, 'tco_total_usd_per_hour', s.tco_period, trn.tco_usd_per_hour,
        'USD_per_hour',
        'tco.chip_tco.tco_usd_per_hour = capital ' || fmt_f4(trn.capital_usd_per_hour)
        || ' + operating ' || fmt_f4(trn.operating_usd_per_hour) || '.' || trn.by_construction
    FROM trn, s
    UNION ALL
    -- advantage per TB/s of HBM bandwidth over the chip the claims call 'Nvidia'
    SELECT
        s.candidate_chip || ' vs Nvidia', 'tco_per_bandwidth_advantage_pct', s.tco_period,
        tco_advantage_pct(trn.tco_usd_per_tbps_hour, nv.tco_usd_per_tbps_hour,
                          s.headline_reading),
        'percent',
        'tco.chip_tco per HBM TB/s-hour: ' || s.nvidia_chip || ' '
        || fmt_f4(nv.tco_usd_per_tbps_hour) || ' vs ' || s.candidate_chip || ' '
        || fmt_f4(trn.tco_usd_per_tbps_hour) || ' USD; reading ' || s.headline_reading
        || ': (' || s.nvidia_chip || ' / ' || s.candidate_chip || ' - 1) x 100 '
        || '(the cost_saving reading gives '
        || fmt_f2(tco_advantage_pct(trn.tco_usd_per_tbps_hour, nv.tco_usd_per_tbps_hour,
                                    'cost_saving'))
        || ' %). ''Nvidia'' taken as ' || s.nvidia_chip || ', implied ' || s.nvidia_chip
        || ' TCO ' || fmt_f4(nv.tco_usd_per_hour) || ' USD per GPU-hour. '
        -- the caveat of tco.tco_comparison for this pair ('' when there is none)
        || concat_ws('; ',
            'capital_usd is an assumption, not a published price, for ' || nullif(concat_ws(', ',
                CASE WHEN trn.capital_source_kind = 'assumption' THEN trn.chip END,
                CASE WHEN nv.capital_source_kind = 'assumption' THEN nv.chip END), ''),
            'calibrated or tuned to a target figure: ' || nullif(concat_ws('; ',
                CASE WHEN trn.calibrated_fields <> ''
                    THEN trn.chip || ' (' || trn.calibrated_fields || ')' END,
                CASE WHEN nv.calibrated_fields <> ''
                    THEN nv.chip || ' (' || nv.calibrated_fields || ')' END), '')
                || ' (reasoning in tco.chip_tco.capital_reasoning and '
                || 'raw.tco_assumption_sources)')
        || '. ' || s.nvidia_chip || ' capital_usd ' || fmt_g6(nv.capital_usd) || ': '
        || coalesce(nullif(nv.capital_reasoning, ''), 'no reasoning')
    FROM trn, nv, s
    WHERE trn.tco_usd_per_tbps_hour <> 0 AND nv.tco_usd_per_tbps_hour <> 0
    UNION ALL
    -- per-chip specs (raw.accelerators, each value sourced in raw.accelerator_sources)
    SELECT s.candidate_chip, 'bf16_dense_tflops', s.spec_period, c.bf16_dense_tflops,
           'TFLOPs', 'raw.accelerators.bf16_dense_tflops (AWS Neuron documentation, dense BF16)'
    FROM chip_spec AS c, s
    UNION ALL
    SELECT s.candidate_chip, 'hbm_capacity_gb', s.spec_period, c.hbm_gb, 'GB',
           'raw.accelerators.hbm_gb: AWS Neuron documentation states 96 GiB = 103.08 GB per '
           || 'chip (10^9 bytes); read as GiB it is still 96, far from the seed''s 13'
    FROM chip_spec AS c, s
    UNION ALL
    SELECT s.candidate_chip, 'hbm_bandwidth_gbps', s.spec_period, c.hbm_tbps * 1000.0,
           'GB_per_s', 'raw.accelerators.hbm_tbps x 1,000 (TB/s -> GB/s)'
    FROM chip_spec AS c, s
    UNION ALL
    SELECT s.nvidia_chip || ' vs ' || s.candidate_chip, 'hbm_bandwidth_ratio_x', s.spec_period,
           tco_ratio(n.hbm_tbps, c.hbm_tbps), 'x',
           'per chip: raw.accelerators.hbm_tbps ' || s.nvidia_chip || ' '
           || fmt_g6(coalesce(n.hbm_tbps, 0)) || ' / ' || s.candidate_chip || ' '
           || fmt_g6(coalesce(c.hbm_tbps, 0))
    FROM chip_spec AS c, nv_spec AS n, s
    UNION ALL
    SELECT s.nvidia_chip || ' vs ' || s.candidate_chip, 'fp16_flops_ratio_x', s.spec_period,
           tco_ratio(n.bf16_dense_tflops, c.bf16_dense_tflops), 'x',
           'per chip, dense: raw.accelerators.bf16_dense_tflops ' || s.nvidia_chip || ' '
           || fmt_g6(coalesce(n.bf16_dense_tflops, 0)) || ' / ' || s.candidate_chip || ' '
           || fmt_g6(coalesce(c.bf16_dense_tflops, 0))
           || '; both vendors give FP16 = BF16 tensor rate (NVIDIA ''FP16/BF16 Tensor Core'', '
           || 'AWS ''667 BF16/FP16/TF32 TFLOPS'')'
    FROM chip_spec AS c, nv_spec AS n, s
    UNION ALL
    -- systems at world size (tco.cluster_comparison); only a computed total is a fact
    SELECT s.nvidia_system, 'world_size_hbm_bandwidth_tbps', s.spec_period, a.total,
           'TB_per_s',
           'tco.cluster_comparison: ' || a.how || ' TB/s (chip count x per-chip HBM TB/s)'
    FROM nvl_hbm AS a, s
    WHERE a.basis = 'computed'
    UNION ALL
    SELECT s.nvidia_system || ' vs ' || s.trainium_system, 'world_size_hbm_bandwidth_ratio_x',
           s.spec_period, tco_ratio(a.total, b.total), 'x',
           'tco.cluster_comparison total HBM TB/s: ' || a.how || ' over ' || b.how
    FROM nvl_hbm AS a, teton_hbm AS b, s
    UNION ALL
    SELECT s.huawei_system || ' vs ' || s.nvidia_system, 'world_size_hbm_bandwidth_ratio_x',
           s.spec_period, tco_ratio(a.total, b.total), 'x',
           'tco.cluster_comparison total HBM TB/s: ' || a.how || ' over ' || b.how
    FROM cm_hbm AS a, nvl_hbm AS b, s
    UNION ALL
    SELECT s.huawei_system || ' vs ' || s.nvidia_system, 'bf16_compute_ratio_x',
           s.spec_period, tco_ratio(a.total, b.total), 'x',
           'tco.cluster_comparison total dense BF16 PFLOP/s: ' || a.how || ' over ' || b.how
    FROM cm_pf AS a, nvl_pf AS b, s
)
SELECT
    f.entity,
    f.metric,
    f.period,
    f.computed_value,
    f.unit,
    f.method,
    -- reproduction tolerance of a headline claim; NULL: the claim's printed precision
    h.tolerance
FROM facts AS f
LEFT JOIN staging.tco_headline_tolerances AS h
    ON h.entity = f.entity AND h.metric = f.metric AND h.period = f.period
WHERE f.computed_value IS NOT NULL AND isfinite(f.computed_value)

-- THE derivation of discrete fiscal quarters from what was reported (staging.reported_periods),
-- at each vintage: a quarter reported as three months is taken as reported; a missing one is
-- derived by subtracting figures of the same fiscal year, with the method spelled out
-- ("Q4 = FY - 9M = 52729 - 38141"). Port of pipelines/marts/growth.py::derive_discrete_quarters
-- (+ capex.py::discrete_figures), whose method text depends on the ORDER in which a fixed-point
-- loop found each figure; so the loop is replayed step by step here, in the same order:
-- passes of 11 steps until a whole pass changes nothing:
--   up k (k = 1..4):   C_k     = C_(k-1) + Q_k   (a cumulative figure from the quarters)
--   down k (k = 4..2): C_(k-1) = C_k - Q_k       (e.g. H1 - Q2 gives Q1)
--   diff k (k = 1..4): Q_k     = C_k - C_(k-1)   (Q2 = H1 - Q1, Q4 = FY - 9M, ...)
-- with C_0 = 0 (no symbol) and C_k the figure to the end of quarter k (Q1, H1, 9M, FY). Only
-- exact figures (is_exact: not printed coarser than the unit) take part. The state is kept
-- in lists: qv/qm[k] = value/method of Q_k, cv/cs/cn[k + 1] = value/symbols/numbers of C_k.
WITH RECURSIVE
years AS (
    SELECT
        as_of,
        ticker,
        metric,
        fiscal_year,
        -- exact reported quarters Q1..Q4 and cumulative figures C0 (= 0), Q1, H1, 9M, FY
        [
            max(value) FILTER (WHERE kind = 'discrete' AND fiscal_quarter = 1 AND is_exact),
            max(value) FILTER (WHERE kind = 'discrete' AND fiscal_quarter = 2 AND is_exact),
            max(value) FILTER (WHERE kind = 'discrete' AND fiscal_quarter = 3 AND is_exact),
            max(value) FILTER (WHERE kind = 'discrete' AND fiscal_quarter = 4 AND is_exact)
        ]::DOUBLE[] AS dq,
        [
            0.0,
            max(value) FILTER (WHERE kind = 'cumulative' AND fiscal_quarter = 1 AND is_exact),
            max(value) FILTER (WHERE kind = 'cumulative' AND fiscal_quarter = 2 AND is_exact),
            max(value) FILTER (WHERE kind = 'cumulative' AND fiscal_quarter = 3 AND is_exact),
            max(value) FILTER (WHERE kind = 'cumulative' AND fiscal_quarter = 4 AND is_exact)
        ]::DOUBLE[] AS cq,
        max(derivation) AS fy_note
    FROM as_of.reported_periods
    GROUP BY ALL
),
steps(n, op, k) AS (
    VALUES (1, 'up', 1), (2, 'up', 2), (3, 'up', 3), (4, 'up', 4),
        (5, 'down', 4), (6, 'down', 3), (7, 'down', 2),
        (8, 'diff', 1), (9, 'diff', 2), (10, 'diff', 3), (11, 'diff', 4)
),
-- the derivation depends only on the exact figures: run it once per distinct set of them
derive(dq, cq, n, idle, qv, qm, cv, cs, cn) AS (
    SELECT
        dq,
        cq,
        0,
        0,
        dq,
        [NULL, NULL, NULL, NULL]::VARCHAR[],
        cq,
        ['', 'Q1', 'H1', '9M', 'FY'],
        list_concat([''], [fmt_num(c) FOR c IN cq[2:]])
    FROM (SELECT DISTINCT dq, cq FROM years)
    UNION ALL
    SELECT
        d.dq,
        d.cq,
        s.n,
        CASE WHEN fire THEN 0 ELSE d.idle + 1 END,
        CASE s.op
            WHEN 'diff' THEN list_set_if(d.qv, s.k, d.cv[s.k + 1] - d.cv[s.k], fire)
            ELSE d.qv
        END,
        CASE s.op
            WHEN 'diff' THEN list_set_if(
                d.qm,
                s.k,
                CASE WHEN d.cs[s.k] <> ''
                    THEN 'Q' || s.k || ' = ' || d.cs[s.k + 1] || ' - ' || paren_expr(d.cs[s.k])
                        || ' = ' || d.cn[s.k + 1] || ' - ' || paren_expr(d.cn[s.k])
                    ELSE 'Q' || s.k || ' = ' || d.cs[s.k + 1] || ' = ' || d.cn[s.k + 1]
                END,
                fire
            )
            ELSE d.qm
        END,
        CASE s.op
            WHEN 'up' THEN list_set_if(d.cv, s.k + 1, d.cv[s.k] + d.qv[s.k], fire)
            WHEN 'down' THEN list_set_if(d.cv, s.k, d.cv[s.k + 1] - d.qv[s.k], fire)
            ELSE d.cv
        END,
        CASE s.op
            WHEN 'up' THEN list_set_if(
                d.cs,
                s.k + 1,
                d.cs[s.k] || CASE WHEN d.cs[s.k] <> '' THEN ' + ' ELSE '' END || 'Q' || s.k,
                fire
            )
            WHEN 'down' THEN list_set_if(d.cs, s.k, d.cs[s.k + 1] || ' - Q' || s.k, fire)
            ELSE d.cs
        END,
        CASE s.op
            WHEN 'up' THEN list_set_if(
                d.cn,
                s.k + 1,
                d.cn[s.k] || CASE WHEN d.cs[s.k] <> '' THEN ' + ' ELSE '' END
                    || fmt_num(d.qv[s.k]),
                fire
            )
            WHEN 'down' THEN list_set_if(
                d.cn, s.k, d.cn[s.k + 1] || ' - ' || fmt_num(d.qv[s.k]), fire
            )
            ELSE d.cn
        END
    FROM derive AS d
    JOIN steps AS s ON s.n = d.n % 11 + 1
    -- does this step find a new figure? (the figure it computes is not known yet, its inputs are)
    CROSS JOIN LATERAL (
        SELECT CASE s.op
            WHEN 'up' THEN d.cv[s.k + 1] IS NULL AND d.cv[s.k] IS NOT NULL AND d.qv[s.k] IS NOT NULL
            WHEN 'down' THEN d.cv[s.k] IS NULL AND d.cv[s.k + 1] IS NOT NULL AND d.qv[s.k] IS NOT NULL
            ELSE d.qv[s.k] IS NULL AND d.cv[s.k + 1] IS NOT NULL AND d.cv[s.k] IS NOT NULL
        END AS fire
    ) AS f
    WHERE d.idle < 11  -- a whole pass without a new figure: the loop has ended
),
derived AS (
    SELECT dq, cq, qv, qm FROM derive WHERE idle = 11
),
quarters AS (
    SELECT
        y.as_of,
        y.ticker,
        y.metric,
        y.fiscal_year,
        q.fiscal_quarter,
        r.value AS reported_value,
        d.qv[q.fiscal_quarter] AS derived_value,
        d.qm[q.fiscal_quarter] AS derived_method,
        y.fy_note
    FROM years AS y
    JOIN derived AS d ON d.dq IS NOT DISTINCT FROM y.dq AND d.cq IS NOT DISTINCT FROM y.cq
    CROSS JOIN (SELECT unnest(range(1, 5)) AS fiscal_quarter) AS q
    -- a reported quarter is taken as reported, also one printed coarser than the unit
    LEFT JOIN as_of.reported_periods AS r
        ON r.as_of = y.as_of
        AND r.ticker = y.ticker
        AND r.metric = y.metric
        AND r.fiscal_year = y.fiscal_year
        AND r.kind = 'discrete'
        AND r.fiscal_quarter = q.fiscal_quarter
),
methods AS (
    SELECT
        *,
        CASE
            WHEN reported_value IS NOT NULL THEN NULL
            -- a method using a full year of proceeds derived from the net figure says so
            WHEN fy_note IS NOT NULL AND contains(derived_method, 'FY')
                THEN derived_method || ' (' || fy_note || ')'
            ELSE derived_method
        END AS method
    FROM quarters
    WHERE coalesce(reported_value, derived_value) IS NOT NULL
),
-- the figures a derived quarter was computed from: those whose symbol its method names
-- ('Q4 = FY - 9M = ...' names FY and 9M)
legs AS (
    SELECT m.as_of, m.ticker, m.metric, m.fiscal_year, m.fiscal_quarter,
        count(DISTINCT rp.source_kind) AS kinds, any_value(rp.source_kind) AS kind,
        string_agg(rp.symbol || ': ' || rp.source_ref, ' ; '
            ORDER BY rp.kind DESC, rp.fiscal_quarter) AS refs
    FROM (
        -- the symbols (alphanumeric words) of the method's formula
        SELECT *, regexp_extract_all(split_part(method, ' = ', 2), '[A-Za-z0-9]+') AS symbols
        FROM methods
    ) AS m
    JOIN (
        SELECT *, CASE WHEN derivation IS NOT NULL THEN 'FY' ELSE period END AS symbol
        FROM as_of.reported_periods
        WHERE is_exact
    ) AS rp
        ON rp.as_of = m.as_of AND rp.ticker = m.ticker AND rp.metric = m.metric
        AND rp.fiscal_year = m.fiscal_year
        AND list_contains(m.symbols, rp.symbol)
    WHERE m.method IS NOT NULL
    GROUP BY ALL
)
SELECT
    m.as_of,
    m.ticker,
    m.metric,
    CAST(m.fiscal_year AS BIGINT) AS fiscal_year,
    CAST(m.fiscal_quarter AS BIGINT) AS fiscal_quarter,
    fq.calendar_quarter,
    fq.period_start,
    fq.period_end,
    CAST(coalesce(m.reported_value, m.derived_value) AS DOUBLE) AS value,
    m.method IS NOT NULL AS is_derived,
    m.method,
    -- where the number came from: a reported quarter's own source; a derived one's, the
    -- sources of the year's exact figures it was derived from
    CASE
        WHEN m.method IS NULL THEN rp.source_kind
        WHEN y.kinds = 1 THEN y.kind
        ELSE 'mixed'
    END AS source_kind,
    CASE WHEN m.method IS NULL THEN rp.source_ref ELSE y.refs END AS source_ref
FROM methods AS m
JOIN staging.fiscal_quarters AS fq
    ON fq.ticker = m.ticker
    AND fq.fiscal_year = m.fiscal_year
    AND fq.fiscal_quarter = m.fiscal_quarter
LEFT JOIN as_of.reported_periods AS rp
    ON rp.as_of = m.as_of AND rp.ticker = m.ticker AND rp.metric = m.metric
    AND rp.fiscal_year = m.fiscal_year AND rp.kind = 'discrete'
    AND rp.fiscal_quarter = m.fiscal_quarter
LEFT JOIN legs AS y
    ON y.as_of = m.as_of AND y.ticker = m.ticker AND y.metric = m.metric
    AND y.fiscal_year = m.fiscal_year AND y.fiscal_quarter = m.fiscal_quarter

-- Scalar macros every model may use (created in the warehouse before the models run).

-- Today's vintage of a point-in-time model: everything the warehouse holds.
CREATE OR REPLACE MACRO today_vintage() AS DATE '9999-12-31';

-- (current / base - 1) x 100; NULL when either is NULL or the base is 0.
CREATE OR REPLACE MACRO pct_change(current_value, base_value) AS
    CASE WHEN current_value IS NULL OR base_value IS NULL OR base_value = 0 THEN NULL
         ELSE (current_value / base_value - 1.0) * 100.0 END;

-- part / total x 100; NULL when either is NULL or the total is 0.
CREATE OR REPLACE MACRO share_pct(part, total) AS
    CASE WHEN part IS NULL OR total IS NULL OR total = 0 THEN NULL
         ELSE part / total * 100.0 END;

-- '2025Q2' -> 8101 (year x 4 + quarter - 1) and back; shift by n quarters.
CREATE OR REPLACE MACRO quarter_index(label) AS
    CAST(left(label, 4) AS BIGINT) * 4 + CAST(substr(label, 6, 1) AS BIGINT) - 1;
CREATE OR REPLACE MACRO quarter_label(idx) AS
    CAST(idx // 4 AS VARCHAR) || 'Q' || CAST(idx % 4 + 1 AS VARCHAR);
CREATE OR REPLACE MACRO shift_quarter(label, n) AS quarter_label(quarter_index(label) + n);

-- Python's f"{x:.0f}" for a whole number, else f"{x:g}" (how derivations print figures).
CREATE OR REPLACE MACRO fmt_num(x) AS
    CASE WHEN x = round(x) THEN format('{:.0f}', x) ELSE format('{:g}', x) END;

-- Python's f"{x:,.{d}f}".rstrip("0").rstrip(".") (how claim methods print figures), 'NULL'
-- for NULL. Note: rstrip also strips the zeros of a whole number (43,300 -> '43,3').
CREATE OR REPLACE MACRO fmt_grouped(x, d) AS
    CASE WHEN x IS NULL THEN 'NULL'
         ELSE rtrim(rtrim(format('{:,.{}f}', x, d), '0'), '.') END;

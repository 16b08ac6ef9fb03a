-- Macros of the discrete-quarter derivation (sql/staging/discrete_quarters.sql).

-- Python's growth._paren: an expression with a space in it, in parentheses.
CREATE OR REPLACE MACRO paren_expr(s) AS
    CASE WHEN contains(s, ' ') THEN '(' || s || ')' ELSE s END;

-- The list l with its element i replaced by v when cond holds (else l unchanged).
CREATE OR REPLACE MACRO list_set_if(l, i, v, cond) AS
    list_transform(
        generate_series(1, len(l)),
        lambda j: CASE WHEN cond AND j = i THEN v ELSE l[j] END
    );

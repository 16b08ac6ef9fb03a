-- Schemas and bookkeeping tables every warehouse has. Safe to run on every refresh.
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS marts;
CREATE SCHEMA IF NOT EXISTS metrics;
CREATE SCHEMA IF NOT EXISTS tco;
CREATE SCHEMA IF NOT EXISTS sec;
CREATE SCHEMA IF NOT EXISTS quarantine;
CREATE SCHEMA IF NOT EXISTS meta;

CREATE TABLE IF NOT EXISTS quarantine.rejected_rows (
    run_id      VARCHAR NOT NULL,
    detected_at TIMESTAMP NOT NULL,
    dataset     VARCHAR NOT NULL,
    file        VARCHAR NOT NULL,
    row_number  INTEGER,
    "column"    VARCHAR,
    value       VARCHAR,
    rule        VARCHAR NOT NULL,
    record      VARCHAR
);
COMMENT ON TABLE quarantine.rejected_rows IS 'History of every run''s rejections: rows of raw files that failed validation, with the rule they broke and the run that found them. A rejected file never replaces its previous good table; its problems land here. What is still wrong now: quarantine.current_rejections.';
COMMENT ON COLUMN quarantine.rejected_rows.run_id IS 'Dagster run that read the file';
COMMENT ON COLUMN quarantine.rejected_rows.detected_at IS 'When the problem was found (UTC)';
COMMENT ON COLUMN quarantine.rejected_rows.dataset IS 'Raw dataset name (table in schema raw)';
COMMENT ON COLUMN quarantine.rejected_rows.file IS 'Path of the raw file';
COMMENT ON COLUMN quarantine.rejected_rows.row_number IS 'Line number in the file (header = line 1); NULL for file-level problems';
COMMENT ON COLUMN quarantine.rejected_rows."column" IS 'Column at fault; NULL for whole-row or file-level rules';
COMMENT ON COLUMN quarantine.rejected_rows.value IS 'Offending value as text';
COMMENT ON COLUMN quarantine.rejected_rows.rule IS 'Rule that failed, in words';
COMMENT ON COLUMN quarantine.rejected_rows.record IS 'The whole rejected row as JSON, when there is one';

CREATE TABLE IF NOT EXISTS meta.refresh_log (
    run_id      VARCHAR NOT NULL,
    started_at  TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NOT NULL,
    status      VARCHAR NOT NULL,
    assets      VARCHAR,
    message     VARCHAR
);
COMMENT ON TABLE meta.refresh_log IS 'One row per refresh run that reached the warehouse: when, which assets, and whether it was swapped in (success) or rejected (failure, tables unchanged).';
COMMENT ON COLUMN meta.refresh_log.run_id IS 'Dagster run id of the refresh';
COMMENT ON COLUMN meta.refresh_log.started_at IS 'When the run began building its private copy of the warehouse (UTC)';
COMMENT ON COLUMN meta.refresh_log.finished_at IS 'When the run swapped its copy in, or gave it up (UTC)';
COMMENT ON COLUMN meta.refresh_log.status IS 'success: the run''s tables replaced the live warehouse; failure: every data table kept its previous contents';
COMMENT ON COLUMN meta.refresh_log.assets IS 'Asset keys the run was asked to materialize, comma-separated; all = the whole warehouse';
COMMENT ON COLUMN meta.refresh_log.message IS 'What happened, in words: failed steps and number of quarantined rows on failure';

-- Rejections that still hold: for each dataset, only the rows of the latest run that read its
-- file (a full refresh, or a selection naming raw/<dataset>). Once a run reads the fixed file,
-- that dataset's rows leave this view; quarantine.rejected_rows keeps them all.
CREATE OR REPLACE VIEW quarantine.current_rejections AS
WITH datasets AS (
    SELECT DISTINCT dataset FROM quarantine.rejected_rows
),
last_read AS (
    SELECT d.dataset, arg_max(l.run_id, l.finished_at) AS run_id, max(l.finished_at) AS read_at
    FROM datasets AS d
    JOIN meta.refresh_log AS l
        ON l.assets = 'all' OR list_contains(string_split(l.assets, ', '), 'raw/' || d.dataset)
    GROUP BY d.dataset
)
SELECT r.*
FROM quarantine.rejected_rows AS r
JOIN last_read AS c ON c.dataset = r.dataset AND c.run_id = r.run_id;
COMMENT ON VIEW quarantine.current_rejections IS 'Rejected rows that still hold: per dataset, only those of the latest run that read its file (meta.refresh_log). Empty once every file is fixed and refreshed; the history of all runs is quarantine.rejected_rows.';
COMMENT ON COLUMN quarantine.current_rejections.run_id IS 'Latest run that read the file (and rejected it)';
COMMENT ON COLUMN quarantine.current_rejections.detected_at IS 'When the problem was found (UTC)';
COMMENT ON COLUMN quarantine.current_rejections.dataset IS 'Raw dataset name (table in schema raw)';
COMMENT ON COLUMN quarantine.current_rejections.file IS 'Path of the raw file';
COMMENT ON COLUMN quarantine.current_rejections.row_number IS 'Line number in the file (header = line 1); NULL for file-level problems';
COMMENT ON COLUMN quarantine.current_rejections."column" IS 'Column at fault; NULL for whole-row or file-level rules';
COMMENT ON COLUMN quarantine.current_rejections.value IS 'Offending value as text';
COMMENT ON COLUMN quarantine.current_rejections.rule IS 'Rule that failed, in words';
COMMENT ON COLUMN quarantine.current_rejections.record IS 'The whole rejected row as JSON, when there is one';

CREATE TABLE IF NOT EXISTS meta.table_versions (
    run_id       VARCHAR NOT NULL,
    table_name   VARCHAR NOT NULL,
    row_count    BIGINT NOT NULL,
    content_hash VARCHAR NOT NULL,
    written_at   TIMESTAMP NOT NULL
);
COMMENT ON TABLE meta.table_versions IS 'Row count and content hash of every table each successful refresh wrote, so you can see what changed since the last refresh.';
COMMENT ON COLUMN meta.table_versions.run_id IS 'Successful refresh run (see meta.refresh_log)';
COMMENT ON COLUMN meta.table_versions.table_name IS 'Data table, schema.table (schemas raw, marts, metrics, tco, sec)';
COMMENT ON COLUMN meta.table_versions.row_count IS 'Rows in the table after the run';
COMMENT ON COLUMN meta.table_versions.content_hash IS 'md5 of the table''s rows rendered as text and sorted: equal hashes mean equal contents, whatever the row order';
COMMENT ON COLUMN meta.table_versions.written_at IS 'When the run recorded the version, just before its swap (UTC)';

-- What changed between each successful refresh and the one before it, table by table.
CREATE OR REPLACE VIEW meta.table_changes AS
WITH runs AS (
    SELECT run_id, finished_at, row_number() OVER (ORDER BY finished_at, run_id) AS n
    FROM meta.refresh_log
    WHERE status = 'success'
),
versions AS (
    SELECT r.n, v.table_name, v.row_count, v.content_hash
    FROM meta.table_versions AS v
    JOIN runs AS r USING (run_id)
)
SELECT
    r.run_id,
    r.finished_at AS refreshed_at,
    t.table_name,
    CASE
        WHEN p.table_name IS NULL THEN 'added'
        WHEN c.table_name IS NULL THEN 'removed'
        WHEN p.content_hash <> c.content_hash THEN 'changed'
        ELSE 'unchanged'
    END AS change,
    p.row_count AS rows_before,
    c.row_count AS rows_after
FROM runs AS r
CROSS JOIN (SELECT DISTINCT table_name FROM meta.table_versions) AS t
LEFT JOIN versions AS c ON c.n = r.n AND c.table_name = t.table_name
LEFT JOIN versions AS p ON p.n = r.n - 1 AND p.table_name = t.table_name
WHERE c.table_name IS NOT NULL OR p.table_name IS NOT NULL;
COMMENT ON VIEW meta.table_changes IS 'For every successful refresh, each data table compared with the refresh before it: added, removed, changed (content hash differs) or unchanged.';
COMMENT ON COLUMN meta.table_changes.run_id IS 'Successful refresh run';
COMMENT ON COLUMN meta.table_changes.refreshed_at IS 'When that run swapped its tables in (UTC)';
COMMENT ON COLUMN meta.table_changes.table_name IS 'Data table, schema.table';
COMMENT ON COLUMN meta.table_changes.change IS 'added, removed, changed or unchanged compared with the previous successful refresh';
COMMENT ON COLUMN meta.table_changes.rows_before IS 'Rows after the previous successful refresh (NULL if the table is new)';
COMMENT ON COLUMN meta.table_changes.rows_after IS 'Rows after this refresh (NULL if the table was removed)';

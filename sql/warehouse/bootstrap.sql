-- Schemas and bookkeeping tables every warehouse has. Safe to run on every refresh.
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS marts;
CREATE SCHEMA IF NOT EXISTS tco;
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
COMMENT ON TABLE quarantine.rejected_rows IS 'Rows of raw files that failed validation, with the rule they broke. A rejected file never replaces its previous good table; its problems land here.';
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

CREATE TABLE IF NOT EXISTS meta.table_versions (
    run_id       VARCHAR NOT NULL,
    table_name   VARCHAR NOT NULL,
    row_count    BIGINT NOT NULL,
    content_hash VARCHAR NOT NULL,
    written_at   TIMESTAMP NOT NULL
);
COMMENT ON TABLE meta.table_versions IS 'Row count and content hash of every table each successful refresh wrote, so you can see what changed since the last refresh.';

-- Catch-up asks "was a job for this file already queued since then?" of every job, not only
-- the active ones the unique index covers.
CREATE INDEX jobs_key ON jobs (pipeline, key, created_at);

-- Reconcile runs: what each comparison of source and destination found and did.
CREATE TABLE reconcile_runs (
    id           INTEGER PRIMARY KEY,
    status       TEXT    NOT NULL CHECK (status IN
                     ('queued', 'running', 'done', 'dry_run', 'needs_confirmation', 'failed')),
    trigger      TEXT    NOT NULL,              -- schedule | api | cli
    dry_run      INTEGER NOT NULL DEFAULT 0,
    confirm      INTEGER NOT NULL DEFAULT 0,
    job_id       INTEGER,
    started_at   REAL    NOT NULL,
    finished_at  REAL,
    missing      INTEGER NOT NULL DEFAULT 0,
    different    INTEGER NOT NULL DEFAULT 0,
    queued       INTEGER NOT NULL DEFAULT 0,
    extra        INTEGER NOT NULL DEFAULT 0,
    bytes        INTEGER NOT NULL DEFAULT 0,
    report       TEXT    NOT NULL DEFAULT '{}'  -- JSON: samples, roots, missed deletions, problems
);
CREATE INDEX reconcile_runs_started ON reconcile_runs (started_at);

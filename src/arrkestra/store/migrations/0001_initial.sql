-- Events: every accepted webhook or replayed history record, stored before it is acknowledged.
CREATE TABLE events (
    id           INTEGER PRIMARY KEY,
    source       TEXT    NOT NULL,             -- sonarr | radarr | replay ...
    instance     TEXT    NOT NULL,
    event_type   TEXT    NOT NULL,
    received_at  REAL    NOT NULL,             -- unix seconds, UTC
    body         TEXT    NOT NULL,             -- the raw JSON as received
    dedupe_key   TEXT    NOT NULL,             -- instance + body hash
    remote_addr  TEXT,
    routed_to    TEXT    NOT NULL DEFAULT '[]' -- JSON list of pipelines the event was routed to
);
CREATE INDEX events_dedupe ON events (dedupe_key, received_at);
CREATE INDEX events_received ON events (received_at);
CREATE INDEX events_instance ON events (source, instance, received_at);

-- Jobs: the durable queue. Times are unix seconds (REAL), UTC.
CREATE TABLE jobs (
    id               INTEGER PRIMARY KEY,
    pipeline         TEXT    NOT NULL,
    key              TEXT    NOT NULL,          -- idempotency key, unique among active jobs
    params           TEXT    NOT NULL,          -- JSON object
    status           TEXT    NOT NULL CHECK (status IN
                         ('pending', 'running', 'succeeded', 'failed', 'dead', 'cancelled')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    created_at       REAL    NOT NULL,
    updated_at       REAL    NOT NULL,
    next_attempt_at  REAL    NOT NULL,
    lease_owner      TEXT,
    lease_expires_at REAL,
    last_error       TEXT,
    result           TEXT,                      -- JSON object
    finished_at      REAL,
    retried_at       REAL,
    event_id         INTEGER REFERENCES events (id) ON DELETE SET NULL
);
CREATE UNIQUE INDEX jobs_active_key ON jobs (pipeline, key)
    WHERE status IN ('pending', 'running', 'failed');
CREATE INDEX jobs_due ON jobs (next_attempt_at, id) WHERE status IN ('pending', 'failed');
CREATE INDEX jobs_running ON jobs (lease_expires_at) WHERE status = 'running';
CREATE INDEX jobs_status ON jobs (status, id);
CREATE INDEX jobs_pipeline ON jobs (pipeline, id);
CREATE INDEX jobs_event ON jobs (event_id);
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;

-- One row per attempt: the audit trail.
CREATE TABLE job_attempts (
    id          INTEGER PRIMARY KEY,
    job_id      INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    attempt     INTEGER NOT NULL,
    owner       TEXT    NOT NULL,
    started_at  REAL    NOT NULL,
    finished_at REAL,
    outcome     TEXT,                           -- succeeded | failed | dead | released | recovered | cancelled
    error       TEXT
);
CREATE INDEX job_attempts_job ON job_attempts (job_id, attempt);

-- Small key/value rows (checkpoints, pipeline pauses, filter hash) next to the data they describe.
CREATE TABLE state (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,                   -- JSON
    updated_at REAL NOT NULL
);

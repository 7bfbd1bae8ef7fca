-- Claiming filters by pipeline: without this index SQLite chose jobs_pipeline and sorted
-- every job the pipeline ever had (succeeded ones included) on each claim.
CREATE INDEX jobs_due_pipeline ON jobs (pipeline, next_attempt_at, id)
    WHERE status IN ('pending', 'failed');

-- A job whose shared run (a mirror batch) failed runs alone next time. This was read from
-- an error text on its released attempt row; it is a column of its own now, carried over.
ALTER TABLE jobs ADD COLUMN run_alone INTEGER NOT NULL DEFAULT 0 CHECK (run_alone IN (0, 1));
UPDATE jobs SET run_alone = 1
WHERE status IN ('pending', 'failed') AND EXISTS (
    SELECT 1 FROM job_attempts a
    WHERE a.job_id = jobs.id AND a.attempt = jobs.attempts + 1
      AND a.outcome = 'released' AND a.error IS NOT NULL
      AND a.started_at >= COALESCE(jobs.retried_at, jobs.created_at)
);

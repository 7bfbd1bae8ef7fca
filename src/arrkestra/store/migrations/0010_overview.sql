-- The dashboard's overview (store/overview.py) counts jobs on every page view; at 100,000
-- jobs each count below read every row of the table without these indexes (30 ms to 1.3 s).
-- Queue depth, the oldest waiting job and dead jobs per pipeline: the index alone answers.
CREATE INDEX jobs_status_pipeline ON jobs (status, pipeline, created_at);
-- Succeeded and dead jobs per pipeline in the last 24 h and 7 days: a range of the index.
CREATE INDEX jobs_status_finished ON jobs (status, finished_at, pipeline);
-- Bytes mirrored per day: the copies, by finish time (the expressions are the ones the
-- query writes, from the CopyResult model's paths).
CREATE INDEX jobs_copied ON jobs (
    pipeline, status, finished_at, json_extract(result, '$.bytes_transferred')
) WHERE json_extract(result, '$.outcome') = 'copied';

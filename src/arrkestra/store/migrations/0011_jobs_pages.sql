-- The dashboard's jobs and events pages list newest first (ORDER BY id DESC LIMIT n) under
-- a filter; each filter gets an index whose entries end in the rowid, so a page reads only
-- the rows it shows. Jobs by instance: the expression must stay the one store/jobs.py
-- queries with (list_jobs, INSTANCE_PATH) or SQLite will not use it.
CREATE INDEX jobs_instance ON jobs (json_extract(params, '$.instance'));
-- Events by source and instance (sonarr, hd), and by eventType.
CREATE INDEX events_source_instance ON events (source, instance);
CREATE INDEX events_type ON events (event_type);

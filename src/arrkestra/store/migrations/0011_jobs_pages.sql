-- The dashboard's jobs and events pages list newest first (ORDER BY id DESC LIMIT n) under
-- a filter; each filter gets an index whose entries end in the rowid, so a page reads only
-- the rows it shows. Jobs by instance: the expression must stay the one store/jobs.py
-- queries with (list_jobs, INSTANCE_PATH) or SQLite will not use it.
CREATE INDEX jobs_instance ON jobs (json_extract(params, '$.instance'));
-- Events by source, by instance and by eventType, each alone so its entries are in id
-- order (events_instance, on source, instance and received_at, would make SQLite sort
-- every event of a source to find the newest 50).
CREATE INDEX events_source ON events (source);
CREATE INDEX events_instance_name ON events (instance);
CREATE INDEX events_type ON events (event_type);

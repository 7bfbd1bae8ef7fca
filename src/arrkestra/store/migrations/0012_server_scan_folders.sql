-- A title's scans are those of its files' folders, in every media server: Plex scans and
-- the Jellyfin and Emby updates (jellyfin_scan, emby_scan) all name their folder in
-- params.folder. The pipeline list must stay the one store/titles.py queries with
-- (SCAN_PIPELINES), or SQLite will not use this partial index.
DROP INDEX IF EXISTS jobs_scan_folder;
CREATE INDEX jobs_scan_folder ON jobs (json_extract(params, '$.folder'))
    WHERE pipeline IN ('plex_scan', 'jellyfin_scan', 'emby_scan');

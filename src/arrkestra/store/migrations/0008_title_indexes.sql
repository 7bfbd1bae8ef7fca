-- First, job JSON SQLite cannot read. Python's json writes NaN and Infinity, SQLite's
-- JSON functions refuse them ("malformed JSON"), and the indexes below (and 0010's, 0011's)
-- read params and results with json_extract: one such row would fail this migration, and
-- the daemon would not start. arrkestra writes neither since this version
-- (core/json_values); a row an older version wrote has them turned into null
-- (arrkestra_readable_json, store/migrations/__init__.py), and text that is no JSON at all
-- is kept, quoted, under "unreadable" (such a job dies saying its params do not fit).
UPDATE jobs SET params = coalesce(arrkestra_readable_json(params),
                                  json_object('unreadable', params))
WHERE NOT json_valid(params);
UPDATE jobs SET result = coalesce(arrkestra_readable_json(result),
                                  json_object('outcome', 'unreadable', 'unreadable', result))
WHERE result IS NOT NULL AND NOT json_valid(result);
-- Titles (the dashboard's /ui/titles, store/titles.py): a series' or movie's rows found by
-- its text, and the search over every title, read from these indexes instead of every row.
-- Each expression must stay exactly the one store/titles.py queries with (built from the
-- job kinds' json_path), or SQLite will not use the index.
-- Jobs by title; instance and media_type say the title's kind (series/movie) from the
-- index alone.
CREATE INDEX jobs_title ON jobs (
    json_extract(params, '$.title'),
    json_extract(params, '$.instance'),
    json_extract(params, '$.media_type')
);
-- Webhooks (and replayed history records) by series.title / movie.title. A body SQLite's
-- JSON refuses (NaN, stored by an older version) reads as NULL: json_extract alone would
-- raise, failing this migration and every later insert (store/titles.py BODY).
CREATE INDEX events_series_title ON events (
    json_extract(CASE WHEN json_valid(body) THEN body END, '$.series.title')
);
CREATE INDEX events_movie_title ON events (
    json_extract(CASE WHEN json_valid(body) THEN body END, '$.movie.title')
);
-- Discovery's shows by title.
CREATE INDEX shows_title ON shows (title);
-- Plex scans by folder (a title's scans are those of its files' folders).
CREATE INDEX jobs_scan_folder ON jobs (json_extract(params, '$.folder'))
    WHERE pipeline = 'plex_scan';

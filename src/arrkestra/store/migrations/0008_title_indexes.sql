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
-- Webhooks (and replayed history records) by series.title / movie.title.
CREATE INDEX events_series_title ON events (json_extract(body, '$.series.title'));
CREATE INDEX events_movie_title ON events (json_extract(body, '$.movie.title'));
-- Discovery's shows by title.
CREATE INDEX shows_title ON shows (title);
-- Plex scans by folder (a title's scans are those of its files' folders).
CREATE INDEX jobs_scan_folder ON jobs (json_extract(params, '$.folder'))
    WHERE pipeline = 'plex_scan';

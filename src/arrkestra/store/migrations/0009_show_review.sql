-- Review mode (discovery.review): two processing statuses, `review` (the filters accept the
-- show, a person has not decided yet) and `approved` (a person said yes: the next adding pass
-- adds it), and `approved_at`, when a person approved it (kept while the filters accept it).
-- SQLite cannot change a CHECK constraint, so the table is rebuilt: create the new one, copy
-- every row, drop the old, rename, recreate every index (those of 0002 and 0008, and one for
-- the discovery page). The runner wraps this file in one transaction: a crash leaves the old
-- table and schema version as they were.
CREATE TABLE shows_new (
    tvmaze_id          INTEGER PRIMARY KEY,
    tvdb_id            INTEGER,
    imdb_id            TEXT,
    title              TEXT    NOT NULL,
    language           TEXT,
    country            TEXT,                   -- the network's country code, else the web channel's
    type               TEXT,
    status             TEXT,                   -- TVMaze's: Running, Ended, ...
    premiered          TEXT,                   -- YYYY-MM-DD
    ended              TEXT,
    network            TEXT,
    web_channel        TEXT,
    genres             TEXT    NOT NULL DEFAULT '[]',  -- JSON list
    runtime            INTEGER,
    rating             REAL,
    processing_status  TEXT    NOT NULL DEFAULT 'pending' CHECK (processing_status IN
                           ('pending', 'filtered', 'pending_tvdb', 'added', 'exists', 'failed',
                            'skipped', 'review', 'approved')),
    filter_reason      TEXT,                   -- readable: "genre Reality is excluded"
    filter_code        TEXT,                   -- the metric label: genre, country, ...
    rule               INTEGER,                -- which discovery rule accepted it (0-based)
    sonarr_series_id   INTEGER,
    added_to_sonarr_at REAL,
    last_checked       REAL,
    tvmaze_updated_at  INTEGER NOT NULL,
    retry_after        REAL,
    retry_count        INTEGER NOT NULL DEFAULT 0,
    error_message      TEXT,
    created_at         REAL    NOT NULL,
    updated_at         REAL    NOT NULL,
    approved_at        REAL                    -- review mode: when a person approved it
);
INSERT INTO shows_new (
    tvmaze_id, tvdb_id, imdb_id, title, language, country, type, status, premiered, ended,
    network, web_channel, genres, runtime, rating, processing_status, filter_reason,
    filter_code, rule, sonarr_series_id, added_to_sonarr_at, last_checked, tvmaze_updated_at,
    retry_after, retry_count, error_message, created_at, updated_at)
SELECT
    tvmaze_id, tvdb_id, imdb_id, title, language, country, type, status, premiered, ended,
    network, web_channel, genres, runtime, rating, processing_status, filter_reason,
    filter_code, rule, sonarr_series_id, added_to_sonarr_at, last_checked, tvmaze_updated_at,
    retry_after, retry_count, error_message, created_at, updated_at
FROM shows;
DROP TABLE shows;
ALTER TABLE shows_new RENAME TO shows;
CREATE INDEX shows_status ON shows (processing_status);
CREATE INDEX shows_tvdb ON shows (tvdb_id);
CREATE INDEX shows_language ON shows (language);
CREATE INDEX shows_country ON shows (country);
CREATE INDEX shows_type ON shows (type);
CREATE INDEX shows_premiered ON shows (premiered);
CREATE INDEX shows_retry_after ON shows (retry_after);
CREATE INDEX shows_updated ON shows (tvmaze_updated_at);
CREATE INDEX shows_title ON shows (title);  -- 0008's, for the titles page (store/titles.py)
-- The discovery page's title search (a substring: no index can seek it) scans this index
-- (status, then title; the id comes with it) instead of the table: a few ms over 90,000 rows.
CREATE INDEX shows_status_title ON shows (processing_status, title);

-- shows: the TVMaze catalogue as discovery keeps it, with what became of each show.
CREATE TABLE shows (
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
                            'skipped')),
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
    updated_at         REAL    NOT NULL
);
CREATE INDEX shows_status ON shows (processing_status);
CREATE INDEX shows_tvdb ON shows (tvdb_id);
CREATE INDEX shows_language ON shows (language);
CREATE INDEX shows_country ON shows (country);
CREATE INDEX shows_type ON shows (type);
CREATE INDEX shows_premiered ON shows (premiered);
CREATE INDEX shows_retry_after ON shows (retry_after);
CREATE INDEX shows_updated ON shows (tvmaze_updated_at);

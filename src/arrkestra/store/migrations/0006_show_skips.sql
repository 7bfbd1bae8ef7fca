-- show_skips: shows excluded from discovery by hand (TVMaze-Sync's `skipped`), keyed by TVMaze
-- id alone so a skip holds before the catalogue walk reaches the show. A catalogued show that is
-- skipped also has processing_status 'skipped'; this table is what keeps it so.
CREATE TABLE show_skips (
    tvmaze_id  INTEGER PRIMARY KEY,
    reason     TEXT,                   -- the user's words, if any
    skipped_at REAL    NOT NULL
);

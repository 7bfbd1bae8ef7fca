-- A job whose run found a root's mount down waits on that mount (its path): pending, the
-- attempt given back, made due by the mount monitor once the root is back. Its age then
-- counts from the end of the wait (aged_from), so an outage never ages it toward max_age.
-- Jobs that died of a mount error before this are left as they are (dead).
ALTER TABLE jobs ADD COLUMN waiting_on TEXT;
ALTER TABLE jobs ADD COLUMN aged_from REAL;
CREATE INDEX jobs_waiting_on ON jobs (waiting_on) WHERE waiting_on IS NOT NULL;

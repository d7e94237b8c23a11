-- Pausing admissions: intake stays as it is, but nobody is decided (neither by
-- the scheduler nor at entry in direct mode) until the event is resumed.
ALTER TABLE events ADD COLUMN paused INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1));

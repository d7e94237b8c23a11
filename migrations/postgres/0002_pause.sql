-- Pausing admissions: intake stays as it is, but nobody is decided (neither by
-- the scheduler nor at entry in direct mode) until the event is resumed.
ALTER TABLE events ADD COLUMN paused boolean NOT NULL DEFAULT false;

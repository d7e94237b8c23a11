-- Upkeep an operator does on an event (docs/AUDIT.md 6.2, README "Mending an
-- event"): archived events are left out of the event list; a winner's screen
-- shows the event's claim text and link, and a pass valid for pass_lifetime_s
-- (NULL: the server's default).
ALTER TABLE events ADD COLUMN archived INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1));
ALTER TABLE events ADD COLUMN claim_text TEXT CHECK (claim_text IS NULL OR length(claim_text) BETWEEN 1 AND 1000);
ALTER TABLE events ADD COLUMN claim_link TEXT CHECK (claim_link IS NULL OR length(claim_link) BETWEEN 1 AND 2000);
ALTER TABLE events ADD COLUMN pass_lifetime_s INTEGER CHECK (pass_lifetime_s IS NULL OR pass_lifetime_s BETWEEN 60 AND 604800);

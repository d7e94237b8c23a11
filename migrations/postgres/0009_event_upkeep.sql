-- Upkeep an operator does on an event (SQLite's 0013_event_upkeep): archived
-- events are left out of the event list; a winner's screen shows the event's
-- claim text and link, and a pass valid for pass_lifetime_s (NULL: the
-- server's default).
ALTER TABLE events ADD COLUMN archived boolean NOT NULL DEFAULT false;
ALTER TABLE events ADD COLUMN claim_text text CHECK (claim_text IS NULL OR char_length(claim_text) BETWEEN 1 AND 1000);
ALTER TABLE events ADD COLUMN claim_link text CHECK (claim_link IS NULL OR char_length(claim_link) BETWEEN 1 AND 2000);
ALTER TABLE events ADD COLUMN pass_lifetime_s bigint CHECK (pass_lifetime_s IS NULL OR pass_lifetime_s BETWEEN 60 AND 604800);

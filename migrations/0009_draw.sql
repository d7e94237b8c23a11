-- Fair open: an event's order is 'fifo' (places are seqs), 'shuffle' (entries
-- made in the pre-queue, before opens_at, get a random place at opening) or
-- 'lottery' (every entry made before the close gets a random place). The draw
-- writes each drawn entry's place once; entries after the drawn ones keep
-- place = seq. Decisions then go in place order: events.serving, decisions'
-- first_seq/last_seq and the guards below count places, which equal seqs for
-- every entry without a stored place.
ALTER TABLE events ADD COLUMN draw_order TEXT NOT NULL DEFAULT 'fifo' CHECK (draw_order IN ('fifo', 'shuffle', 'lottery'));
ALTER TABLE events ADD COLUMN prequeue_at INTEGER;       -- pre-queue opens (before opens_at)
ALTER TABLE events ADD COLUMN beacon TEXT;               -- public randomness named in advance
ALTER TABLE events ADD COLUMN draw_secret BLOB;          -- 32 bytes; SHA-256 is in the rules
ALTER TABLE events ADD COLUMN beacon_value TEXT;         -- posted by an admin after the cutoff
ALTER TABLE events ADD COLUMN draw_cutoff INTEGER;       -- entries created before it were drawn
ALTER TABLE events ADD COLUMN drawn INTEGER;             -- how many (seqs 1..drawn)
ALTER TABLE events ADD COLUMN drawn_at INTEGER;
ALTER TABLE entries ADD COLUMN place INTEGER CHECK (place IS NULL OR place >= 1);

CREATE UNIQUE INDEX entries_by_place ON entries(event_key, place) WHERE place IS NOT NULL;

CREATE TRIGGER entries_place_once
BEFORE UPDATE OF place ON entries
WHEN OLD.place IS NOT NULL OR NEW.place IS NULL OR NEW.status <> 'waiting'
BEGIN
    SELECT RAISE(ABORT, 'a place is given once, before any decision');
END;

CREATE TRIGGER events_draw_once
BEFORE UPDATE OF draw_secret, draw_cutoff, drawn, drawn_at, draw_order, beacon ON events
WHEN OLD.drawn_at IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'the draw is final');
END;

DROP TRIGGER entries_decision_is_final;
CREATE TRIGGER entries_decision_is_final
BEFORE UPDATE OF status ON entries
WHEN NEW.status IS NOT OLD.status
BEGIN
    SELECT RAISE(ABORT, 'entry already decided')
    WHERE OLD.status <> 'waiting'
       OR coalesce(OLD.place, OLD.seq) <= (SELECT serving FROM events WHERE key = OLD.event_key)
       OR (SELECT draw_order <> 'fifo' AND drawn_at IS NULL FROM events WHERE key = OLD.event_key);
END;

DROP TRIGGER expirations_only_waiting;
CREATE TRIGGER expirations_only_waiting
BEFORE INSERT ON expirations
BEGIN
    SELECT RAISE(ABORT, 'only a waiting entry can expire')
    WHERE NOT EXISTS (SELECT 1 FROM entries WHERE event_key = NEW.event_key AND seq = NEW.seq AND status = 'waiting'
                         AND coalesce(place, seq) > (SELECT serving FROM events WHERE key = NEW.event_key));
END;

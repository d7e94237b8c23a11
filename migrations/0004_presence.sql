-- Presence (abandonment) expiry: an event may require its waiting entrants to
-- stay present (poll or hold a live stream). An entry whose turn comes while its
-- entrant has been away longer than presence_timeout_s is expired: skipped
-- without a prize, and the next entry is considered instead.
ALTER TABLE events ADD COLUMN presence_timeout_s INTEGER
    CHECK (presence_timeout_s IS NULL OR presence_timeout_s BETWEEN 1 AND 86400);

-- Expired entries, one row each, written in the transaction that decides them
-- (before events.serving passes them). Append-only, like every decision.
CREATE TABLE expirations (
    event_key   INTEGER NOT NULL REFERENCES events(key),
    seq         INTEGER NOT NULL CHECK (seq >= 1),
    expired_at  INTEGER NOT NULL,
    PRIMARY KEY (event_key, seq)
) WITHOUT ROWID;

CREATE TRIGGER expirations_only_waiting
BEFORE INSERT ON expirations
BEGIN
    SELECT RAISE(ABORT, 'only a waiting entry can expire')
    WHERE NOT EXISTS (SELECT 1 FROM entries
                       WHERE event_key = NEW.event_key AND seq = NEW.seq AND status = 'waiting')
       OR NEW.seq <= (SELECT serving FROM events WHERE key = NEW.event_key);
END;

CREATE TRIGGER expirations_are_final_update
BEFORE UPDATE ON expirations
BEGIN
    SELECT RAISE(ABORT, 'expirations are final');
END;

CREATE TRIGGER expirations_are_final_delete
BEFORE DELETE ON expirations
BEGIN
    SELECT RAISE(ABORT, 'expirations are final');
END;

CREATE TRIGGER entries_expired_never_win
BEFORE UPDATE OF status ON entries
WHEN NEW.status = 'won'
BEGIN
    SELECT RAISE(ABORT, 'an expired entry cannot win')
    WHERE EXISTS (SELECT 1 FROM expirations WHERE event_key = NEW.event_key AND seq = NEW.seq);
END;

-- Last time each entrant was seen, written coarsely (not on every poll) so a
-- restart keeps a recent idea of who is still there.
CREATE TABLE presence (
    event_key  INTEGER NOT NULL REFERENCES events(key),
    seq        INTEGER NOT NULL,
    seen_at    INTEGER NOT NULL,
    PRIMARY KEY (event_key, seq)
) WITHOUT ROWID;

DROP VIEW entry_status;
CREATE VIEW entry_status AS
SELECT ev.id AS event,
       en.seq,
       en.user,
       CASE WHEN en.status = 'won' THEN 'won'
            WHEN x.seq IS NOT NULL THEN 'expired'
            WHEN en.seq <= ev.serving THEN 'lost'
            ELSE 'waiting' END AS status,
       en.created_at,
       CASE WHEN en.status = 'won' THEN en.decided_at
            WHEN x.seq IS NOT NULL THEN x.expired_at
            WHEN en.seq <= ev.serving THEN
                (SELECT d.decided_at FROM decisions d
                  WHERE d.event_key = en.event_key AND d.last_seq >= en.seq
                  ORDER BY d.last_seq LIMIT 1)
            END AS decided_at,
       en.payload
  FROM entries en
  JOIN events ev ON ev.key = en.event_key
  LEFT JOIN expirations x ON x.event_key = en.event_key AND x.seq = en.seq;

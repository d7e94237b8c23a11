-- Webhooks: an event's receiver (URL and signing secret), and the outbox of
-- deliveries. Outbox rows are written by triggers inside the transaction that
-- makes the decision causing them (a win, an expiry, the last prize), so a
-- crash can lose none; the deliverer adds event.closed and event.finished once
-- the database shows them. Times are milliseconds since 1970-01-01 UTC.
CREATE TABLE webhooks (
    event_key   INTEGER PRIMARY KEY REFERENCES events(key),
    url         TEXT    NOT NULL CHECK (length(url) BETWEEN 1 AND 2048),
    secret      TEXT    NOT NULL CHECK (length(secret) BETWEEN 16 AND 256),
    updated_at  INTEGER NOT NULL
);

CREATE TABLE webhook_outbox (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    event_key     INTEGER NOT NULL REFERENCES events(key),
    type          TEXT    NOT NULL CHECK (type IN ('entry.won', 'entry.expired', 'event.sold_out', 'event.closed', 'event.finished')),
    seq           INTEGER NOT NULL DEFAULT 0,   -- the entry's seq; 0 for event-wide types
    at            INTEGER NOT NULL,             -- when it happened
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_at       INTEGER NOT NULL,             -- next attempt no earlier than this
    delivered_at  INTEGER,
    gave_up_at    INTEGER,
    last_error    TEXT,
    UNIQUE (event_key, type, seq)
);
CREATE INDEX webhook_outbox_pending ON webhook_outbox(event_key, id) WHERE delivered_at IS NULL AND gave_up_at IS NULL;

CREATE TRIGGER webhook_entry_won
AFTER UPDATE OF status ON entries
WHEN NEW.status = 'won' AND OLD.status <> 'won' AND EXISTS (SELECT 1 FROM webhooks WHERE event_key = NEW.event_key)
BEGIN
    INSERT OR IGNORE INTO webhook_outbox (event_key, type, seq, at, next_at)
    VALUES (NEW.event_key, 'entry.won', NEW.seq, NEW.decided_at, NEW.decided_at);
END;

CREATE TRIGGER webhook_entry_expired
AFTER INSERT ON expirations
WHEN EXISTS (SELECT 1 FROM webhooks WHERE event_key = NEW.event_key)
BEGIN
    INSERT OR IGNORE INTO webhook_outbox (event_key, type, seq, at, next_at)
    VALUES (NEW.event_key, 'entry.expired', NEW.seq, NEW.expired_at, NEW.expired_at);
END;

CREATE TRIGGER webhook_sold_out
AFTER UPDATE OF awarded ON events
WHEN NEW.awarded >= NEW.prizes AND OLD.awarded < NEW.prizes AND EXISTS (SELECT 1 FROM webhooks WHERE event_key = NEW.key)
BEGIN
    INSERT OR IGNORE INTO webhook_outbox (event_key, type, seq, at, next_at)
    SELECT NEW.key, 'event.sold_out', 0, decided_at, decided_at FROM entries
     WHERE event_key = NEW.key AND status = 'won' ORDER BY seq DESC LIMIT 1;
END;

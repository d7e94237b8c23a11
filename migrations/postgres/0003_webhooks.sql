-- Webhooks: an event's receiver (URL and signing secret), and the outbox of
-- deliveries. Outbox rows are written by triggers inside the transaction that
-- makes the decision causing them (a win, an expiry, the last prize), so a
-- crash can lose none; the deliverer adds event.closed and event.finished once
-- the database shows them. Times are milliseconds since 1970-01-01 UTC.
CREATE TABLE webhooks (
    event_key   bigint PRIMARY KEY REFERENCES events(key),
    url         text   NOT NULL CHECK (length(url) BETWEEN 1 AND 2048),
    secret      text   NOT NULL CHECK (length(secret) BETWEEN 16 AND 256),
    updated_at  bigint NOT NULL
);

CREATE TABLE webhook_outbox (
    id            bigserial PRIMARY KEY,
    event_key     bigint NOT NULL REFERENCES events(key),
    type          text   NOT NULL CHECK (type IN ('entry.won', 'entry.expired', 'event.sold_out', 'event.closed', 'event.finished')),
    seq           bigint NOT NULL DEFAULT 0,   -- the entry's seq; 0 for event-wide types
    at            bigint NOT NULL,             -- when it happened
    attempts      integer NOT NULL DEFAULT 0,
    next_at       bigint NOT NULL,             -- next attempt no earlier than this
    delivered_at  bigint,
    gave_up_at    bigint,
    last_error    text,
    UNIQUE (event_key, type, seq)
);
CREATE INDEX webhook_outbox_pending ON webhook_outbox(event_key, id) WHERE delivered_at IS NULL AND gave_up_at IS NULL;

-- One statement-level trigger per decision statement: wins in seq order, then
-- the sold-out notice when this statement gave the last prize.
CREATE FUNCTION firstcome_webhook_wins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO webhook_outbox (event_key, type, seq, at, next_at)
    SELECT n.event_key, 'entry.won', n.seq, n.decided_at, n.decided_at
      FROM new_rows n JOIN old_rows o USING (event_key, seq)
     WHERE n.status = 'won' AND o.status <> 'won'
       AND EXISTS (SELECT 1 FROM webhooks w WHERE w.event_key = n.event_key)
     ORDER BY n.event_key, n.seq
    ON CONFLICT DO NOTHING;
    INSERT INTO webhook_outbox (event_key, type, seq, at, next_at)
    SELECT e.key, 'event.sold_out', 0, w.at, w.at
      FROM events e
      JOIN (SELECT n.event_key, max(n.decided_at) AS at FROM new_rows n JOIN old_rows o USING (event_key, seq)
             WHERE n.status = 'won' AND o.status <> 'won' GROUP BY n.event_key) w ON w.event_key = e.key
     WHERE e.awarded >= e.prizes AND EXISTS (SELECT 1 FROM webhooks h WHERE h.event_key = e.key)
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
-- Named to fire after entries_count_wins (triggers fire in name order), so
-- events.awarded already counts this statement's wins.
CREATE TRIGGER entries_webhook_wins AFTER UPDATE ON entries
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION firstcome_webhook_wins();

CREATE FUNCTION firstcome_webhook_expired() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO webhook_outbox (event_key, type, seq, at, next_at)
    SELECT n.event_key, 'entry.expired', n.seq, n.expired_at, n.expired_at
      FROM new_rows n
     WHERE EXISTS (SELECT 1 FROM webhooks w WHERE w.event_key = n.event_key)
     ORDER BY n.event_key, n.seq
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
CREATE TRIGGER expirations_webhook AFTER INSERT ON expirations
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION firstcome_webhook_expired();

-- event.sold_out carries the time of the decision that gave the last prize. In
-- a shuffle or lottery the winner with the highest seq may have been decided
-- earlier than that: take the latest decision time among the winners.
DROP TRIGGER webhook_sold_out;
CREATE TRIGGER webhook_sold_out
AFTER UPDATE OF awarded ON events
WHEN NEW.awarded >= NEW.prizes AND OLD.awarded < NEW.prizes AND EXISTS (SELECT 1 FROM webhooks WHERE event_key = NEW.key)
BEGIN
    INSERT OR IGNORE INTO webhook_outbox (event_key, type, seq, at, next_at)
    SELECT NEW.key, 'event.sold_out', 0, decided_at, decided_at FROM entries
     WHERE event_key = NEW.key AND status = 'won' ORDER BY decided_at DESC LIMIT 1;
END;

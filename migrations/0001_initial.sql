-- firstcome schema, version 1.
-- Times are integer milliseconds since 1970-01-01 UTC.
-- An entry's public status is derived: 'won' when status = 'won'; otherwise 'lost'
-- once its seq <= events.serving (decided), else 'waiting'. Storing losers
-- implicitly lets the scheduler decide any number of them with one row update.

CREATE TABLE events (
    key            INTEGER PRIMARY KEY,
    id             TEXT    NOT NULL UNIQUE
                           CHECK (length(id) BETWEEN 1 AND 64 AND id GLOB '[a-z0-9]*'
                                  AND id NOT GLOB '*[^a-z0-9-]*'),
    name           TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    prizes         INTEGER NOT NULL CHECK (prizes BETWEEN 1 AND 1000000),
    mode           TEXT    NOT NULL CHECK (mode IN ('queue', 'direct')),
    admit_per_tick INTEGER CHECK (admit_per_tick IS NULL OR admit_per_tick >= 1),
    opens_at       INTEGER,
    closes_at      INTEGER,
    closed_at      INTEGER,           -- set when an admin closes intake
    entries        INTEGER NOT NULL DEFAULT 0 CHECK (entries >= 0),   -- highest seq given
    serving        INTEGER NOT NULL DEFAULT 0 CHECK (serving BETWEEN 0 AND entries), -- highest decided seq
    awarded        INTEGER NOT NULL DEFAULT 0 CHECK (awarded BETWEEN 0 AND prizes),  -- kept by trigger
    created_at     INTEGER NOT NULL
);

CREATE TABLE entries (
    event_key   INTEGER NOT NULL REFERENCES events(key),
    seq         INTEGER NOT NULL CHECK (seq >= 1),
    user        TEXT    NOT NULL CHECK (length(user) BETWEEN 1 AND 512),
    payload     TEXT,
    status      TEXT    NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'won')),
    created_at  INTEGER NOT NULL,
    decided_at  INTEGER,              -- set for winners; losers take it from decisions
    PRIMARY KEY (event_key, seq)
) WITHOUT ROWID;

CREATE UNIQUE INDEX entries_by_user ON entries(event_key, user);
CREATE INDEX entries_winners ON entries(event_key, seq) WHERE status = 'won';

-- Entrant tokens are (event key, seq, HMAC-SHA256 of both under this key): a
-- token proves itself without a lookup, and a backup keeps its tokens valid.
CREATE TABLE secrets (
    name   TEXT PRIMARY KEY,
    value  BLOB NOT NULL CHECK (length(value) >= 32)
) WITHOUT ROWID;
INSERT INTO secrets (name, value) VALUES ('token_key', randomblob(32));

-- One row per scheduler step: seqs first_seq..last_seq were decided at decided_at.
CREATE TABLE decisions (
    event_key   INTEGER NOT NULL REFERENCES events(key),
    last_seq    INTEGER NOT NULL,
    first_seq   INTEGER NOT NULL CHECK (first_seq BETWEEN 1 AND last_seq),
    decided_at  INTEGER NOT NULL,
    PRIMARY KEY (event_key, last_seq)
) WITHOUT ROWID;

-- Never more than N winners: every win counts into events.awarded, which is
-- checked against prizes; a decided entry can never change again.
CREATE TRIGGER entries_decision_is_final
BEFORE UPDATE OF status ON entries
WHEN NEW.status IS NOT OLD.status
BEGIN
    SELECT RAISE(ABORT, 'entry already decided')
    WHERE OLD.status <> 'waiting'
       OR OLD.seq <= (SELECT serving FROM events WHERE key = OLD.event_key);
END;

CREATE TRIGGER entries_count_win
AFTER UPDATE OF status ON entries
WHEN NEW.status = 'won' AND OLD.status <> 'won'
BEGIN
    UPDATE events SET awarded = awarded + 1 WHERE key = NEW.event_key;
END;

CREATE TRIGGER entries_insert_waiting
BEFORE INSERT ON entries
WHEN NEW.status <> 'waiting'
BEGIN
    SELECT RAISE(ABORT, 'entries are inserted waiting');
END;

CREATE TRIGGER entries_no_delete
BEFORE DELETE ON entries
BEGIN
    SELECT RAISE(ABORT, 'entries are never deleted');
END;

CREATE TRIGGER events_counters_only_grow
BEFORE UPDATE OF entries, serving, awarded ON events
WHEN NEW.entries < OLD.entries OR NEW.serving < OLD.serving OR NEW.awarded < OLD.awarded
BEGIN
    SELECT RAISE(ABORT, 'event counters never decrease');
END;

-- Audit view with the public status of every entry.
CREATE VIEW entry_status AS
SELECT ev.id AS event,
       en.seq,
       en.user,
       CASE WHEN en.status = 'won' THEN 'won'
            WHEN en.seq <= ev.serving THEN 'lost'
            ELSE 'waiting' END AS status,
       en.created_at,
       CASE WHEN en.status = 'won' THEN en.decided_at
            WHEN en.seq <= ev.serving THEN
                (SELECT d.decided_at FROM decisions d
                  WHERE d.event_key = en.event_key AND d.last_seq >= en.seq
                  ORDER BY d.last_seq LIMIT 1)
            END AS decided_at,
       en.payload
  FROM entries en JOIN events ev ON ev.key = en.event_key;

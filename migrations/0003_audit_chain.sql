-- Verifiable audit: every entry is a link of a SHA-256 chain per event, and the
-- admin actions and decisions form a second chain (the control log), so anyone
-- holding an export can recompute the winners and detect any edit. Rows written
-- before this migration are chained by the binary right after it runs.
ALTER TABLE events ADD COLUMN rules TEXT;          -- canonical award rules at creation
ALTER TABLE events ADD COLUMN genesis BLOB;        -- SHA-256 of the rules
ALTER TABLE events ADD COLUMN head BLOB;           -- chain of the highest seq (genesis when empty)
ALTER TABLE events ADD COLUMN control_head BLOB;   -- last link of the control log
ALTER TABLE entries ADD COLUMN chain BLOB;         -- SHA-256(previous chain || canonical entry)

CREATE TABLE control_log (
    event_key  INTEGER NOT NULL REFERENCES events(key),
    position   INTEGER NOT NULL CHECK (position >= 1),
    record     TEXT    NOT NULL,   -- canonical JSON: an admin action or a decision
    chain      BLOB    NOT NULL,   -- SHA-256(previous link || record)
    PRIMARY KEY (event_key, position)
) WITHOUT ROWID;

CREATE TRIGGER control_log_append_only_update
BEFORE UPDATE ON control_log
BEGIN
    SELECT RAISE(ABORT, 'the control log is append-only');
END;

CREATE TRIGGER control_log_append_only_delete
BEFORE DELETE ON control_log
BEGIN
    SELECT RAISE(ABORT, 'the control log is append-only');
END;

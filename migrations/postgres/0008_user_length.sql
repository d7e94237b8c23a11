-- A stored name is 1 to 128 code points (docs/AUDIT.md 5.2), the limit the
-- service checks before it queues a submission (SQLite's 0012_user_length).
-- NOT VALID: rows from before are not rechecked; every new row is.
ALTER TABLE entries ADD CONSTRAINT entries_user_length CHECK (char_length("user") <= 128) NOT VALID;

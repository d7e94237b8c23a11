-- A stored name is 1 to 128 code points (docs/AUDIT.md 5.2), the limit the
-- service checks before it queues a submission. The column's CHECK (512) stays
-- for the rows before this migration; every new row is held to 128 here.
CREATE TRIGGER entries_user_length
BEFORE INSERT ON entries
WHEN length(NEW.user) > 128
BEGIN
    SELECT RAISE(ABORT, 'a user is at most 128 code points');
END;

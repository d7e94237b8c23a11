-- Console sessions ended by signing out (SQLite's 0010_console_sessions). A
-- session cookie is signed and carries its own end, so a signed-out one must be
-- refused by id, on every node, until that end; rows whose end has passed are
-- dropped as new ones are added.
CREATE TABLE ended_sessions (
    id          text   PRIMARY KEY CHECK (char_length(id) = 32),
    expires_at  bigint NOT NULL
);

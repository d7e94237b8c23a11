-- Console sessions ended by signing out. A session cookie is signed and carries
-- its own end, so a signed-out one must be refused by id until that end; rows
-- whose end has passed are dropped as new ones are added.
CREATE TABLE ended_sessions (
    id          TEXT    PRIMARY KEY CHECK (length(id) = 32),
    expires_at  INTEGER NOT NULL
) WITHOUT ROWID;

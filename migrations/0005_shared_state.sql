-- Admission signing keys move into the database (they were a file beside it), so
-- a backup and restore keep the JWKS and earlier admission tokens keep verifying.
-- The newest unretired key signs; every key here is published.
CREATE TABLE admission_keys (
    kid          TEXT    PRIMARY KEY,
    created_at   INTEGER NOT NULL,
    retired_at   INTEGER,
    private_pem  TEXT    NOT NULL
) WITHOUT ROWID;

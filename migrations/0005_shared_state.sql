-- Admission signing keys move into the database (they were a file beside it), so
-- a backup and restore keep the JWKS and earlier admission tokens keep verifying.
-- The newest unretired key signs; every key here is published.
CREATE TABLE admission_keys (
    kid          TEXT    PRIMARY KEY,
    created_at   INTEGER NOT NULL,
    retired_at   INTEGER,
    private_pem  TEXT    NOT NULL
) WITHOUT ROWID;

-- An entry's public status has one rule, in the binary (Event.status): the SQL
-- copy of it goes. `firstcome audit export --format csv` lists every entry
-- with its status.
DROP VIEW entry_status;

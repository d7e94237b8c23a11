-- Verified identity per event: entrants prove who they are with a JWT signed by
-- the operator's site; the entry's user is the token's `sub`.
ALTER TABLE events ADD COLUMN identity_algorithm TEXT
    CHECK (identity_algorithm IS NULL OR identity_algorithm IN ('HS256', 'ES256', 'RS256'));
ALTER TABLE events ADD COLUMN identity_key TEXT;       -- HS256 secret, or a PEM public key
ALTER TABLE events ADD COLUMN identity_issuer TEXT;    -- required `iss`, if set
ALTER TABLE events ADD COLUMN identity_audience TEXT;  -- required `aud`, if set

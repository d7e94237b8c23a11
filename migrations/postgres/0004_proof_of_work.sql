-- Proof-of-work at entry: each submission must carry a solved puzzle with this
-- many leading zero bits (0 = off).
ALTER TABLE events ADD COLUMN pow_bits integer NOT NULL DEFAULT 0 CHECK (pow_bits BETWEEN 0 AND 26);

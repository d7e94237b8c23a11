-- firstcome schema for PostgreSQL, version 1: the same tables, rules and
-- guarantees as the SQLite schema (migrations/0001-0005), for several nodes
-- sharing one database. Times are integer milliseconds since 1970-01-01 UTC.
-- An entry's public status is derived (see Event.status in the source): 'won'
-- when status = 'won'; 'expired' when it has an expirations row; otherwise
-- 'lost' once its seq <= events.serving, else 'waiting'.

CREATE TABLE events (
    key                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                  text   NOT NULL UNIQUE CHECK (id ~ '^[a-z0-9][a-z0-9-]{0,63}$'),
    name                text   NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    prizes              bigint NOT NULL CHECK (prizes BETWEEN 1 AND 1000000),
    mode                text   NOT NULL CHECK (mode IN ('queue', 'direct')),
    admit_per_tick      bigint CHECK (admit_per_tick IS NULL OR admit_per_tick >= 1),
    opens_at            bigint,
    closes_at           bigint,
    closed_at           bigint,           -- set when an admin closes intake
    entries             bigint NOT NULL DEFAULT 0 CHECK (entries >= 0),                  -- highest seq given
    serving             bigint NOT NULL DEFAULT 0 CHECK (serving BETWEEN 0 AND entries), -- highest decided seq
    awarded             bigint NOT NULL DEFAULT 0 CHECK (awarded BETWEEN 0 AND prizes),  -- kept by trigger
    created_at          bigint NOT NULL,
    identity_algorithm  text CHECK (identity_algorithm IS NULL OR identity_algorithm IN ('HS256', 'ES256', 'RS256')),
    identity_key        text,
    identity_issuer     text,
    identity_audience   text,
    rules               text   NOT NULL,  -- canonical award rules at creation
    genesis             bytea  NOT NULL,  -- SHA-256 of the rules
    head                bytea  NOT NULL,  -- chain of the highest seq (genesis when empty)
    control_head        bytea  NOT NULL,  -- last link of the control log
    presence_timeout_s  bigint CHECK (presence_timeout_s IS NULL OR presence_timeout_s BETWEEN 1 AND 86400),
    -- Raised by a trigger on every update: the order of an event's committed
    -- states, so every node's in-memory copy keeps the newest one.
    version             bigint NOT NULL DEFAULT 1
);

CREATE TABLE entries (
    event_key   bigint NOT NULL REFERENCES events(key),
    seq         bigint NOT NULL CHECK (seq >= 1),
    "user"      text   NOT NULL CHECK (char_length("user") BETWEEN 1 AND 512),
    payload     text,
    status      text   NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'won')),
    created_at  bigint NOT NULL,
    decided_at  bigint,               -- set for winners; losers take it from decisions
    chain       bytea  NOT NULL,      -- SHA-256(previous chain || canonical entry)
    PRIMARY KEY (event_key, seq),
    -- "user" first: a query by (event_key, seq) can then only use the primary
    -- key (with both led by event_key the planner sometimes took this one).
    UNIQUE ("user", event_key)
);
CREATE INDEX entries_winners ON entries (event_key, seq) WHERE status = 'won';

-- Shared secrets: the entrant token key (entrant tokens prove themselves on
-- every node), 32 random bytes inserted by the first node that starts.
CREATE TABLE secrets (
    name   text  PRIMARY KEY,
    value  bytea NOT NULL CHECK (length(value) >= 32)
);

-- One row per scheduler step: seqs first_seq..last_seq were decided at decided_at.
CREATE TABLE decisions (
    event_key   bigint NOT NULL REFERENCES events(key),
    last_seq    bigint NOT NULL,
    first_seq   bigint NOT NULL CHECK (first_seq BETWEEN 1 AND last_seq),
    decided_at  bigint NOT NULL,
    PRIMARY KEY (event_key, last_seq)
);

CREATE TABLE control_log (
    event_key  bigint NOT NULL REFERENCES events(key),
    position   bigint NOT NULL CHECK (position >= 1),
    record     text   NOT NULL,   -- canonical JSON: an admin action or a decision
    chain      bytea  NOT NULL,   -- SHA-256(previous link || record)
    PRIMARY KEY (event_key, position)
);

CREATE TABLE expirations (
    event_key   bigint NOT NULL REFERENCES events(key),
    seq         bigint NOT NULL CHECK (seq >= 1),
    expired_at  bigint NOT NULL,
    PRIMARY KEY (event_key, seq)
);

-- Last time each entrant was seen on any node, written coarsely.
CREATE TABLE presence (
    event_key  bigint NOT NULL REFERENCES events(key),
    seq        bigint NOT NULL,
    seen_at    bigint NOT NULL,
    PRIMARY KEY (event_key, seq)
);

-- ES256 keys that sign admission tokens; the newest unretired key signs, all are published.
CREATE TABLE admission_keys (
    kid          text   PRIMARY KEY,
    created_at   bigint NOT NULL,
    retired_at   bigint,
    private_pem  text   NOT NULL
);

-- The award scheduler's lease: the one node holding it (until expires_at,
-- database time) decides entries; any node takes it over once it expires.
CREATE TABLE scheduler_lease (
    name        text        PRIMARY KEY,
    holder      text        NOT NULL,
    expires_at  timestamptz NOT NULL
);

-- Never more than N winners: wins count into events.awarded, which is checked
-- against prizes; a decided entry never changes again; entries are never deleted.
CREATE FUNCTION firstcome_entries_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'entries are never deleted';
    END IF;
    IF NEW.event_key <> OLD.event_key OR NEW.seq <> OLD.seq OR NEW."user" <> OLD."user"
       OR NEW.created_at <> OLD.created_at OR NEW.chain <> OLD.chain
       OR NEW.payload IS DISTINCT FROM OLD.payload THEN
        RAISE EXCEPTION 'entries are immutable';
    END IF;
    IF NEW.status IS DISTINCT FROM OLD.status THEN
        IF OLD.status <> 'waiting' OR OLD.seq <= (SELECT serving FROM events WHERE key = OLD.event_key) THEN
            RAISE EXCEPTION 'entry already decided';
        END IF;
        IF EXISTS (SELECT 1 FROM expirations WHERE event_key = NEW.event_key AND seq = NEW.seq) THEN
            RAISE EXCEPTION 'an expired entry cannot win';
        END IF;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER entries_guard BEFORE UPDATE OR DELETE ON entries
    FOR EACH ROW EXECUTE FUNCTION firstcome_entries_guard();

CREATE FUNCTION firstcome_count_wins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE events e SET awarded = e.awarded + w.won
      FROM (SELECT n.event_key, count(*) AS won FROM new_rows n JOIN old_rows o USING (event_key, seq)
             WHERE n.status = 'won' AND o.status <> 'won' GROUP BY n.event_key) w
     WHERE e.key = w.event_key;
    RETURN NULL;
END $$;
CREATE TRIGGER entries_count_wins AFTER UPDATE ON entries
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION firstcome_count_wins();

CREATE FUNCTION firstcome_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%', TG_ARGV[0];
END $$;
-- Checked by the trigger's condition alone: no function call per inserted entry.
CREATE TRIGGER entries_insert_waiting BEFORE INSERT ON entries
    FOR EACH ROW WHEN (NEW.status <> 'waiting') EXECUTE FUNCTION firstcome_refuse('entries are inserted waiting');
CREATE TRIGGER entries_no_truncate BEFORE TRUNCATE ON entries
    FOR EACH STATEMENT EXECUTE FUNCTION firstcome_refuse('entries are never deleted');
CREATE TRIGGER control_log_append_only BEFORE UPDATE OR DELETE ON control_log
    FOR EACH ROW EXECUTE FUNCTION firstcome_refuse('the control log is append-only');
CREATE TRIGGER control_log_no_truncate BEFORE TRUNCATE ON control_log
    FOR EACH STATEMENT EXECUTE FUNCTION firstcome_refuse('the control log is append-only');
CREATE TRIGGER decisions_final BEFORE UPDATE OR DELETE ON decisions
    FOR EACH ROW EXECUTE FUNCTION firstcome_refuse('decisions are final');
CREATE TRIGGER decisions_no_truncate BEFORE TRUNCATE ON decisions
    FOR EACH STATEMENT EXECUTE FUNCTION firstcome_refuse('decisions are final');
CREATE TRIGGER expirations_final BEFORE UPDATE OR DELETE ON expirations
    FOR EACH ROW EXECUTE FUNCTION firstcome_refuse('expirations are final');
CREATE TRIGGER expirations_no_truncate BEFORE TRUNCATE ON expirations
    FOR EACH STATEMENT EXECUTE FUNCTION firstcome_refuse('expirations are final');

CREATE FUNCTION firstcome_expiration_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM entries WHERE event_key = NEW.event_key AND seq = NEW.seq AND status = 'waiting')
       OR NEW.seq <= (SELECT serving FROM events WHERE key = NEW.event_key) THEN
        RAISE EXCEPTION 'only a waiting entry can expire';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER expirations_only_waiting BEFORE INSERT ON expirations
    FOR EACH ROW EXECUTE FUNCTION firstcome_expiration_guard();

CREATE FUNCTION firstcome_events_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'events are never deleted';
    END IF;
    IF NEW.entries < OLD.entries OR NEW.serving < OLD.serving OR NEW.awarded < OLD.awarded THEN
        RAISE EXCEPTION 'event counters never decrease';
    END IF;
    NEW.version := OLD.version + 1;
    RETURN NEW;
END $$;
CREATE TRIGGER events_guard BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION firstcome_events_guard();

-- One group-commit batch in one statement, so the event rows stay locked for a
-- single round trip: locks each event of the batch (in key order, so nodes never
-- deadlock), then per submission, in order: an existing entry of the same user
-- is returned as it is (the caller sends each (event, user) once per batch); an event that
-- does not take entries refuses ('scheduled' or 'closed', the rule of
-- Event.acceptsEntries: a sold-out event still records, and its entries lose);
-- otherwise the entry gets the next gapless seq and its chain link
-- SHA-256(previous || '{"seq":' || seq || middle || created_at || tail), the
-- canonical entry record (AuditRecords.entry) with `middle` and `tail` built by
-- the caller. created_at is the batch's time, or the event's last entry time if
-- that is later (another node's clock or an earlier-locking batch), so times
-- never go back along the seqs. A payload of '' stands for none (stored payloads
-- are compact JSON, never empty).
-- Returns one row per locked event: its entries, head and version after the
-- batch, and per submission of that event (in order) its 1-based index, seq,
-- whether it was created, its refusal ('' if none; seq 0 then) and its chain
-- link (empty when refused). Submissions for unknown events come last, in a row
-- with event_key 0 and refusal 'missing'. Arrays, not a row per submission: the
-- caller decodes one row per event.
CREATE FUNCTION firstcome_submit(
    p_events text[], p_users text[], p_payloads text[], p_middles text[], p_tails text[], p_now bigint, p_max_seq bigint
) RETURNS TABLE (event_key bigint, entries bigint, head bytea, version bigint,
                 items integer[], seqs bigint[], created boolean[], refusals text[], chains bytea[])
LANGUAGE plpgsql AS $$
DECLARE
    ev          events%ROWTYPE;
    r           record;
    known       jsonb;
    hit         jsonb;
    s           bigint;
    h           bytea;
    at          bigint;
    refused     text;
    new_items   integer[];
    new_seqs    bigint[];
    new_chains  bytea[];
BEGIN
    -- Arrays are read through unnest only: subscripting them in a loop costs
    -- time in proportion to the index.
    FOR ev IN SELECT * FROM events e WHERE e.id = ANY (p_events) ORDER BY e.key FOR UPDATE LOOP
        s := ev.entries;
        h := ev.head;
        SELECT greatest(p_now, max(x.created_at)) INTO at FROM entries x WHERE x.event_key = ev.key AND x.seq = ev.entries;
        at := coalesce(at, p_now);
        refused := CASE
            WHEN ev.awarded >= ev.prizes THEN NULL
            WHEN ev.closed_at IS NOT NULL THEN 'closed'
            WHEN ev.closes_at IS NOT NULL AND p_now >= ev.closes_at THEN 'closed'
            WHEN ev.opens_at IS NOT NULL AND p_now < ev.opens_at THEN 'scheduled'
            END;
        -- The entries these users already have, in one lookup on the unique
        -- ("user", event_key) index (the caller sends each user once per batch).
        -- "event_key + 0" keeps a generic plan off the primary key, which would
        -- read every entry of the event.
        SELECT coalesce(jsonb_object_agg(x."user", jsonb_build_array(x.seq, encode(x.chain, 'hex'))), '{}') INTO known
          FROM entries x
         WHERE x."user" = ANY (p_users) AND x.event_key + 0 = ev.key;
        items := '{}'; seqs := '{}'; created := '{}'; refusals := '{}'; chains := '{}';
        new_items := '{}'; new_seqs := '{}'; new_chains := '{}';
        FOR r IN SELECT * FROM unnest(p_events, p_users, p_middles, p_tails) WITH ORDINALITY
                               AS b(event_id, name, middle, tail, n)
                  WHERE b.event_id = ev.id ORDER BY b.n LOOP
            items := items || r.n::integer;
            hit := known -> r.name;
            IF hit IS NOT NULL THEN
                seqs := seqs || (hit ->> 0)::bigint; created := created || false; refusals := refusals || ''::text;
                chains := chains || decode(hit ->> 1, 'hex');
            ELSIF refused IS NOT NULL OR s >= p_max_seq THEN
                seqs := seqs || 0::bigint; created := created || false; refusals := refusals || coalesce(refused, 'closed');
                chains := chains || ''::bytea;
            ELSE
                s := s + 1;
                h := sha256(h || '\x7b22736571223a'::bytea || convert_to(s::text || r.middle || at::text || r.tail, 'UTF8'));
                seqs := seqs || s; created := created || true; refusals := refusals || ''::text; chains := chains || h;
                new_items := new_items || r.n::integer; new_seqs := new_seqs || s; new_chains := new_chains || h;
            END IF;
        END LOOP;
        IF s > ev.entries THEN
            -- One statement for the batch's new entries.
            INSERT INTO entries (event_key, seq, "user", payload, created_at, chain)
            SELECT ev.key, n.seq, b.name, NULLIF(b.payload, ''), at, n.chain
              FROM unnest(new_items, new_seqs, new_chains) AS n(item, seq, chain)
              JOIN unnest(p_users, p_payloads) WITH ORDINALITY AS b(name, payload, i) ON b.i = n.item;
            UPDATE events e SET entries = s, head = h WHERE e.key = ev.key RETURNING e.version INTO ev.version;
        END IF;
        event_key := ev.key; entries := s; head := h; version := ev.version;
        RETURN NEXT;
    END LOOP;
    SELECT coalesce(array_agg(b.n::integer ORDER BY b.n), '{}') INTO items
      FROM unnest(p_events) WITH ORDINALITY AS b(event_id, n)
     WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.id = b.event_id);
    IF cardinality(items) > 0 THEN
        event_key := 0; entries := 0; head := ''::bytea; version := 0;
        seqs := array_fill(0::bigint, ARRAY[cardinality(items)]);
        created := array_fill(false, ARRAY[cardinality(items)]);
        refusals := array_fill('missing'::text, ARRAY[cardinality(items)]);
        chains := array_fill(''::bytea, ARRAY[cardinality(items)]);
        RETURN NEXT;
    END IF;
END $$;

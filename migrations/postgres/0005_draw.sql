-- Fair open: an event's order is 'fifo' (places are seqs), 'shuffle' (entries
-- made in the pre-queue, before opens_at, get a random place at opening) or
-- 'lottery' (every entry made before the close gets a random place). The draw
-- writes each drawn entry's place once; entries after the drawn ones keep
-- place = seq. Decisions then go in place order: events.serving, decisions'
-- first_seq/last_seq and the guards below count places, which equal seqs for
-- every entry without a stored place.
ALTER TABLE events ADD COLUMN draw_order text NOT NULL DEFAULT 'fifo' CHECK (draw_order IN ('fifo', 'shuffle', 'lottery'));
ALTER TABLE events ADD COLUMN prequeue_at bigint;       -- pre-queue opens (before opens_at)
ALTER TABLE events ADD COLUMN beacon text;              -- public randomness named in advance
ALTER TABLE events ADD COLUMN draw_secret bytea;        -- 32 bytes; SHA-256 is in the rules
ALTER TABLE events ADD COLUMN beacon_value text;        -- posted by an admin after the cutoff
ALTER TABLE events ADD COLUMN draw_cutoff bigint;       -- entries created before it were drawn
ALTER TABLE events ADD COLUMN drawn bigint;             -- how many (seqs 1..drawn)
ALTER TABLE events ADD COLUMN drawn_at bigint;
ALTER TABLE entries ADD COLUMN place bigint CHECK (place IS NULL OR place >= 1);

CREATE UNIQUE INDEX entries_by_place ON entries (event_key, place) WHERE place IS NOT NULL;

CREATE OR REPLACE FUNCTION firstcome_entries_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'entries are never deleted';
    END IF;
    IF NEW.event_key <> OLD.event_key OR NEW.seq <> OLD.seq OR NEW."user" <> OLD."user"
       OR NEW.created_at <> OLD.created_at OR NEW.chain <> OLD.chain
       OR NEW.payload IS DISTINCT FROM OLD.payload THEN
        RAISE EXCEPTION 'entries are immutable';
    END IF;
    IF NEW.place IS DISTINCT FROM OLD.place THEN
        IF OLD.place IS NOT NULL OR NEW.place IS NULL OR OLD.status <> 'waiting' THEN
            RAISE EXCEPTION 'a place is given once, before any decision';
        END IF;
    END IF;
    IF NEW.status IS DISTINCT FROM OLD.status THEN
        IF OLD.status <> 'waiting'
           OR coalesce(OLD.place, OLD.seq) <= (SELECT serving FROM events WHERE key = OLD.event_key)
           OR (SELECT draw_order <> 'fifo' AND drawn_at IS NULL FROM events WHERE key = OLD.event_key) THEN
            RAISE EXCEPTION 'entry already decided';
        END IF;
        IF EXISTS (SELECT 1 FROM expirations WHERE event_key = NEW.event_key AND seq = NEW.seq) THEN
            RAISE EXCEPTION 'an expired entry cannot win';
        END IF;
    END IF;
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION firstcome_expiration_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM entries
                    WHERE event_key = NEW.event_key AND seq = NEW.seq AND status = 'waiting'
                      AND coalesce(place, seq) > (SELECT serving FROM events WHERE key = NEW.event_key)) THEN
        RAISE EXCEPTION 'only a waiting entry can expire';
    END IF;
    RETURN NEW;
END $$;

CREATE FUNCTION firstcome_draw_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.draw_secret IS DISTINCT FROM OLD.draw_secret
        OR NEW.draw_cutoff IS DISTINCT FROM OLD.draw_cutoff OR NEW.drawn IS DISTINCT FROM OLD.drawn
        OR NEW.drawn_at IS DISTINCT FROM OLD.drawn_at OR NEW.draw_order IS DISTINCT FROM OLD.draw_order
        OR NEW.beacon IS DISTINCT FROM OLD.beacon) THEN
        RAISE EXCEPTION 'the draw is final';
    END IF;
    RETURN NEW;
END $$;
-- Checked by the trigger's condition first: no function call per submit batch before a draw.
CREATE TRIGGER events_draw_once BEFORE UPDATE ON events
    FOR EACH ROW WHEN (OLD.drawn_at IS NOT NULL) EXECUTE FUNCTION firstcome_draw_once();

-- The submit function as in 0001, with the pre-queue taking entries before
-- opens_at and entries after a draw dated no earlier than its cutoff.
CREATE OR REPLACE FUNCTION firstcome_submit(
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
        -- After a draw no entry is dated before its cutoff: the drawn ones stay
        -- exactly those created before it.
        IF ev.drawn_at IS NOT NULL THEN
            at := greatest(at, ev.draw_cutoff);
        END IF;
        refused := CASE
            WHEN ev.awarded >= ev.prizes THEN NULL
            WHEN ev.closed_at IS NOT NULL THEN 'closed'
            WHEN ev.closes_at IS NOT NULL AND p_now >= ev.closes_at THEN 'closed'
            WHEN ev.opens_at IS NOT NULL AND p_now < ev.opens_at
                 AND NOT (ev.prequeue_at IS NOT NULL AND p_now >= ev.prequeue_at) THEN 'scheduled'
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

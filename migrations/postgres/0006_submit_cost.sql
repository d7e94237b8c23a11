-- Entries name their event by key. The foreign key checked that with one
-- lookup and row lock per inserted entry, about a quarter of a submit batch's
-- time in the database; the event's row is already locked by the batch. One
-- check per statement instead, over the statement's new rows, and the two
-- things the foreign key also refused, as triggers: an event's key changing
-- and TRUNCATE (DELETE of events is refused by events_guard since 0001).
ALTER TABLE entries DROP CONSTRAINT entries_event_key_fkey;

CREATE FUNCTION firstcome_entries_event_exists() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM new_rows n WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.key = n.event_key)) THEN
        RAISE EXCEPTION 'an entry names an event that does not exist' USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER entries_event_exists AFTER INSERT ON entries
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION firstcome_entries_event_exists();

-- Checked by the trigger's condition alone: no function call per update.
CREATE TRIGGER events_key_fixed BEFORE UPDATE ON events
    FOR EACH ROW WHEN (NEW.key <> OLD.key) EXECUTE FUNCTION firstcome_refuse('an event''s key never changes');
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION firstcome_refuse('events are never deleted');

-- The submit function as in 0005, with the batch's new entries gathered in the
-- loop (user and payload beside seq and chain), so the INSERT reads four
-- aligned arrays instead of joining the batch to itself.
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
    new_users   text[];
    new_payloads text[];
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
        new_users := '{}'; new_payloads := '{}'; new_seqs := '{}'; new_chains := '{}';
        FOR r IN SELECT * FROM unnest(p_events, p_users, p_payloads, p_middles, p_tails) WITH ORDINALITY
                               AS b(event_id, name, payload, middle, tail, n)
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
                new_users := new_users || r.name; new_payloads := new_payloads || r.payload;
                new_seqs := new_seqs || s; new_chains := new_chains || h;
            END IF;
        END LOOP;
        IF s > ev.entries THEN
            -- One statement for the batch's new entries.
            INSERT INTO entries (event_key, seq, "user", payload, created_at, chain)
            SELECT ev.key, n.seq, n.name, NULLIF(n.payload, ''), at, n.chain
              FROM unnest(new_seqs, new_users, new_payloads, new_chains) AS n(seq, name, payload, chain);
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
;

-- Its plans are made once per connection and kept (force_generic_plan): the
-- planner otherwise re-plans some statements on every call (a third of a
-- one-entry batch's time). And they are planned on the indexes whatever the
-- statistics say: the first calls often see an empty entries table, where a
-- sequential scan looks cheapest for the lookup of users' existing entries, and
-- that plan stayed while the table grew, until autovacuum's first ANALYZE (a
-- new database took half the steady rate for its first 20 s in scripts/bench).
ALTER FUNCTION firstcome_submit(text[], text[], text[], text[], text[], bigint, bigint)
    SET enable_seqscan = off;
ALTER FUNCTION firstcome_submit(text[], text[], text[], text[], text[], bigint, bigint)
    SET plan_cache_mode = force_generic_plan;

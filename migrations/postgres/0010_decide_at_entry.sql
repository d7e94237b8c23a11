-- firstcome_submit decides an entry to a sold-out event in the same call that
-- records it: lost, in its own reply, as SQLite's submit does (one behaviour on
-- both backends; a second transaction per batch on the event's row would halve
-- a sold-out event's intake). It returns the decision's first place (0 without
-- one), the event's serving, the decision's time and the control head beside the counters. The function's
-- live definition is in schema/postgres.sql.
DROP FUNCTION firstcome_submit(text[], text[], text[], text[], text[], bigint, bigint);

CREATE FUNCTION firstcome_submit(
    p_events text[], p_users text[], p_payloads text[], p_middles text[], p_tails text[], p_now bigint, p_max_seq bigint
) RETURNS TABLE (event_key bigint, entries bigint, head bytea, version bigint,
                 items integer[], seqs bigint[], created boolean[], refusals text[], chains bytea[],
                 decided_from bigint, serving bigint, decided_at bigint, control_head bytea)
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
    decided     bigint;
    step_text   text;
    step_link   bytea;
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
        decided_from := 0; serving := ev.serving; decided_at := 0; control_head := ev.control_head;
        IF s > ev.entries THEN
            -- One statement for the batch's new entries.
            INSERT INTO entries (event_key, seq, "user", payload, created_at, chain)
            SELECT ev.key, n.seq, n.name, NULLIF(n.payload, ''), at, n.chain
              FROM unnest(new_seqs, new_users, new_payloads, new_chains) AS n(seq, name, payload, chain);
            -- Sold out (and not paused): every new entry is lost, decided here as the
            -- last prize's step decided the rest (docs/AUDIT.md 7), so its reply says so.
            -- The decision is what AwardPlan writes for a step without prizes: its
            -- time (AwardPlan.decisionTime), its record (AuditRecords.decision) and
            -- the control log's next link; the store contract tests and the audit
            -- verifier hold the two to the same bytes.
            IF ev.awarded >= ev.prizes AND NOT ev.paused AND (ev.draw_order = 'fifo' OR ev.drawn_at IS NOT NULL)
               AND ev.serving < s THEN
                SELECT x.decided_at INTO decided FROM decisions x WHERE x.event_key = ev.key ORDER BY x.last_seq DESC LIMIT 1;
                decided_at := greatest(at, coalesce(ev.drawn_at, at), coalesce(decided, at));
                step_text := '{"type":"decision","' || CASE WHEN ev.draw_order = 'fifo' THEN 'first_seq' ELSE 'first_place' END
                          || '":' || (ev.serving + 1) || ',"' || CASE WHEN ev.draw_order = 'fifo' THEN 'last_seq' ELSE 'last_place' END
                          || '":' || s || ',"won":0,"decided_at":' || decided_at || ',"entry_chain":"' || encode(h, 'hex') || '"}';
                step_link := sha256(ev.control_head || convert_to(step_text, 'UTF8'));
                INSERT INTO decisions (event_key, last_seq, first_seq, decided_at) VALUES (ev.key, s, ev.serving + 1, decided_at);
                INSERT INTO control_log (event_key, position, record, chain)
                SELECT ev.key, coalesce(max(c.position), 0) + 1, step_text, step_link FROM control_log c WHERE c.event_key = ev.key;
                decided_from := ev.serving + 1; serving := s; control_head := step_link;
            END IF;
            UPDATE events e SET entries = s, head = h, serving = firstcome_submit.serving, control_head = firstcome_submit.control_head
             WHERE e.key = ev.key RETURNING e.version INTO ev.version;
        END IF;
        event_key := ev.key; entries := s; head := h; version := ev.version;
        RETURN NEXT;
    END LOOP;
    SELECT coalesce(array_agg(b.n::integer ORDER BY b.n), '{}') INTO items
      FROM unnest(p_events) WITH ORDINALITY AS b(event_id, n)
     WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.id = b.event_id);
    IF cardinality(items) > 0 THEN
        event_key := 0; entries := 0; head := ''::bytea; version := 0; decided_from := 0; serving := 0; decided_at := 0; control_head := ''::bytea;
        seqs := array_fill(0::bigint, ARRAY[cardinality(items)]);
        created := array_fill(false, ARRAY[cardinality(items)]);
        refusals := array_fill('missing'::text, ARRAY[cardinality(items)]);
        chains := array_fill(''::bytea, ARRAY[cardinality(items)]);
        RETURN NEXT;
    END IF;
END $$;
;

-- Planned once per connection on the indexes, as 0006 set for its predecessor.
ALTER FUNCTION firstcome_submit(text[], text[], text[], text[], text[], bigint, bigint)
    SET enable_seqscan = off;
ALTER FUNCTION firstcome_submit(text[], text[], text[], text[], text[], bigint, bigint)
    SET plan_cache_mode = force_generic_plan;

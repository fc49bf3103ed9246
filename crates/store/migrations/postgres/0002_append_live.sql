-- Appending a batch of live events in one call: lock the sessions' heads (in one order, so two
-- instances never deadlock), move each on from the place this writer read (another instance
-- that got there first has moved it: then nothing is written), add the events, and tell the
-- listening instances each session's new count when this commits. One round trip instead of
-- five. An event out of place raises SQLSTATE LB001 and the whole call is undone.
CREATE FUNCTION limber_append_live(
    channel TEXT,
    uuids   TEXT[],   -- each session once, with
    firsts  BIGINT[], -- the place of its first event in this call, and
    counts  BIGINT[], -- how many events it has in this call
    owners  TEXT[],   -- each event's session,
    seqs    BIGINT[], -- place, and
    events  TEXT[]    -- JSON
) RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    moved BIGINT;
BEGIN
    PERFORM 1 FROM live_heads WHERE uuid = ANY (uuids) ORDER BY uuid FOR UPDATE;
    UPDATE live_heads h SET next = h.next + v.n
      FROM unnest(uuids, firsts, counts) AS v (uuid, first, n)
     WHERE h.uuid = v.uuid AND h.next = v.first;
    GET DIAGNOSTICS moved = ROW_COUNT;
    IF moved <> cardinality(uuids) THEN
        RAISE EXCEPTION USING ERRCODE = 'LB001', MESSAGE = 'limber: a live event out of place';
    END IF;
    INSERT INTO live_events (session, seq, event)
    SELECT h.id, v.seq, v.event
      FROM unnest(owners, seqs, events) AS v (uuid, seq, event)
      JOIN live_heads h ON h.uuid = v.uuid;
    PERFORM pg_notify(channel, h.uuid || ' ' || h.next) FROM live_heads h WHERE h.uuid = ANY (uuids);
END;
$$;

-- limber_append_live, cheaper per call:
-- * One notification per call (in chunks of 100 sessions, well under PostgreSQL's 8,000-byte
--   payload limit) instead of one per session: a line `uuid count` for each session. Every
--   listening instance reads each notification, so with two instances this was twice the work.
-- * Its lookups of sessions by id always use the indexes. The planner otherwise joins the
--   batch to a scan of every live session's head, a cost that grows with the live sessions.
CREATE OR REPLACE FUNCTION limber_append_live(
    channel TEXT,
    uuids   TEXT[],   -- each session once, with
    firsts  BIGINT[], -- the place of its first event in this call, and
    counts  BIGINT[], -- how many events it has in this call
    owners  TEXT[],   -- each event's session,
    seqs    BIGINT[], -- place, and
    events  TEXT[]    -- JSON
) RETURNS VOID LANGUAGE plpgsql
SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off
AS $$
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
    PERFORM pg_notify(channel, string_agg(v.uuid || ' ' || (v.first + v.n), E'\n' ORDER BY v.i))
       FROM unnest(uuids, firsts, counts) WITH ORDINALITY AS v (uuid, first, n, i)
      GROUP BY (v.i - 1) / 100;
END;
$$;

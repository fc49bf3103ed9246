-- An appended event moves its session's head on by itself, so appending a batch of intents is
-- one INSERT, which SQLite runs as a transaction of its own: one round trip to the database
-- instead of four. An event whose session is not live, or whose place is not the next one,
-- aborts the whole statement, and nothing of the batch is kept.

CREATE TRIGGER live_events_take_place BEFORE INSERT ON live_events
BEGIN
    SELECT RAISE(ABORT, 'limber: a live event out of place')
     WHERE NEW.session IS NULL
        OR NOT EXISTS (SELECT 1 FROM live_heads WHERE id = NEW.session AND next = NEW.seq);
    UPDATE live_heads SET next = next + 1 WHERE id = NEW.session;
END;

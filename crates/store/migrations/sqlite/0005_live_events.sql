-- A live session's intents, one row each, appended as they are accepted: an intent costs one
-- small row instead of rewriting the session's whole log, and many sessions' intents are
-- committed together. A session's log is its `log` column followed by its events in `seq` order.
--
-- `live_events` has no index and no foreign key, so appending only ever writes the table's last
-- page; `live_heads` (one short row per live session) says how many events each has, which makes
-- every place in a log taken once. Events of a removed session are swept later.

CREATE TABLE live_heads (
    id   INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: a swept session's events stay apart
    uuid TEXT    NOT NULL UNIQUE REFERENCES live_sessions (uuid) ON DELETE CASCADE,
    next INTEGER NOT NULL DEFAULT 0         -- events stored so far = the next event's seq
);

CREATE TABLE live_events (
    session INTEGER NOT NULL, -- live_heads.id
    seq     INTEGER NOT NULL, -- the event's place among the session's events, from 0
    event   TEXT    NOT NULL  -- JSON: limber_core::Logged
);

INSERT INTO live_heads (uuid) SELECT uuid FROM live_sessions;

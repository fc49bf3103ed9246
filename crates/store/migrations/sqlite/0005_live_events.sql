-- A live session's intents, one row each, appended as they are accepted: an intent costs one
-- small row instead of rewriting the session's whole log, and many sessions' intents can be
-- committed together. A session's log is its `log` column followed by these rows in `seq` order.

CREATE TABLE live_events (
    uuid  TEXT    NOT NULL REFERENCES live_sessions (uuid) ON DELETE CASCADE,
    seq   INTEGER NOT NULL, -- the intent's position in the session's log, from 0
    event TEXT    NOT NULL, -- JSON: limber_core::Logged
    PRIMARY KEY (uuid, seq)
) WITHOUT ROWID;

-- Statistics whose cost does not grow with the history.
--
-- `session_tallies` counts each user's sessions by their "before" pain rating (-1: not rated).
-- It is kept up to date in the transaction that adds sessions (a finished session, an import),
-- so "sessions in all", "rated sessions" and the usual pain level are read from at most twelve
-- rows. Removing a user removes their tallies.
CREATE TABLE session_tallies (
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    pain_before INTEGER NOT NULL CHECK (pain_before BETWEEN -1 AND 10),
    sessions    INTEGER NOT NULL,
    PRIMARY KEY (user_id, pain_before)
) WITHOUT ROWID;
INSERT INTO session_tallies (user_id, pain_before, sessions)
    SELECT user_id, COALESCE(pain_before, -1), COUNT(*) FROM sessions GROUP BY user_id, COALESCE(pain_before, -1);

-- The first and the latest rated sessions (the pain trend) without reading the others.
CREATE INDEX sessions_rated ON sessions (user_id, started_at, uuid, pain_before) WHERE pain_before IS NOT NULL;
-- The sessions that count toward the weekly goal, newest first: the streak reads back only as
-- far as it goes.
CREATE INDEX sessions_counting ON sessions (user_id, started_at, done_items) WHERE done_items > 0;
-- Statistics no longer read every row: the covering index for that goes.
DROP INDEX sessions_for_stats;
-- When each routine was last done (which routine to suggest next).
CREATE INDEX sessions_by_routine ON sessions (user_id, routine, started_at);

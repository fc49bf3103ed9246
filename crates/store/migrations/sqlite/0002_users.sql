-- People: every session, screening, profile and progression row belongs to a user. Rows that
-- existed before belong to the local user (id 1), the one the CLI and the TUI use.
--
-- SQLite cannot add key columns with ALTER TABLE, so each table is rebuilt: create the new
-- table under a temporary name, copy, drop the old one, rename. Children are rebuilt before
-- their parents are dropped, so no ON DELETE CASCADE fires on copied rows. This runs inside
-- the migration's transaction: all of it or none of it.

CREATE TABLE users (
    id         INTEGER PRIMARY KEY AUTOINCREMENT, -- ids are never reused: a removed user's id stays dead
    name       TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL -- Unix time, milliseconds, UTC
);
INSERT INTO users (id, name, created_at) VALUES (1, 'local', CAST(strftime('%s', 'now') AS INTEGER) * 1000);

CREATE TABLE sessions_v2 (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    uuid         TEXT    NOT NULL,
    routine      TEXT    NOT NULL,
    started_at   INTEGER NOT NULL, -- Unix time, milliseconds, UTC
    ended_at     INTEGER NOT NULL,
    stopped      TEXT,             -- NULL when finished; else the stop reason
    warmed_up    INTEGER NOT NULL,
    active_ms    INTEGER NOT NULL,
    done_items   INTEGER NOT NULL, -- stretches done in full; > 0 counts toward the weekly goal
    pain_before  INTEGER CHECK (pain_before BETWEEN 0 AND 10),
    pain_after   INTEGER CHECK (pain_after BETWEEN 0 AND 10),
    flagged      TEXT,
    UNIQUE (user_id, uuid)
);
INSERT INTO sessions_v2 (id, user_id, uuid, routine, started_at, ended_at, stopped, warmed_up, active_ms, done_items,
                         pain_before, pain_after, flagged)
    SELECT id, 1, uuid, routine, started_at, ended_at, stopped, warmed_up, active_ms, done_items,
           pain_before, pain_after, flagged
    FROM sessions;

CREATE TABLE session_items_v2 (
    session_id    INTEGER NOT NULL REFERENCES sessions_v2 (id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    stretch       TEXT    NOT NULL,
    instead_of    TEXT,
    seconds       INTEGER NOT NULL,
    holds_done    INTEGER NOT NULL,
    sides_done    TEXT    NOT NULL, -- JSON list of the side of each completed hold
    holds_planned INTEGER NOT NULL,
    active_ms     INTEGER NOT NULL,
    comfort       TEXT,
    discomfort    INTEGER NOT NULL,
    max_pain      INTEGER,
    status        TEXT    NOT NULL,
    PRIMARY KEY (session_id, position)
);
INSERT INTO session_items_v2 SELECT session_id, position, stretch, instead_of, seconds, holds_done, sides_done,
                                    holds_planned, active_ms, comfort, discomfort, max_pain, status
    FROM session_items;

DROP TABLE session_items;
DROP TABLE sessions;
ALTER TABLE sessions_v2 RENAME TO sessions;
ALTER TABLE session_items_v2 RENAME TO session_items;
-- Newest first, page by page (keyset: started_at, uuid), and the oldest-first export.
CREATE INDEX sessions_by_start ON sessions (user_id, started_at, uuid);
-- Covers what statistics read, so `limber stats` never touches the wide rows.
CREATE INDEX sessions_for_stats ON sessions (user_id, started_at, done_items, pain_before);

CREATE TABLE screenings_v2 (
    id                 INTEGER PRIMARY KEY,
    user_id            INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    taken_at           INTEGER NOT NULL,
    answers            TEXT    NOT NULL, -- JSON: [[question id, yes], ...]
    clinician_assessed INTEGER NOT NULL
);
INSERT INTO screenings_v2 (id, user_id, taken_at, answers, clinician_assessed)
    SELECT id, 1, taken_at, answers, clinician_assessed FROM screenings;
DROP TABLE screenings;
ALTER TABLE screenings_v2 RENAME TO screenings;
CREATE INDEX screenings_by_user ON screenings (user_id, taken_at);

CREATE TABLE profile_v2 (
    user_id     INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    equipment   TEXT    NOT NULL, -- JSON list
    avoid       TEXT    NOT NULL, -- JSON list
    weekly_goal INTEGER NOT NULL,
    voice       INTEGER NOT NULL
);
INSERT INTO profile_v2 (user_id, equipment, avoid, weekly_goal, voice)
    SELECT 1, equipment, avoid, weekly_goal, voice FROM profile;
DROP TABLE profile;
ALTER TABLE profile_v2 RENAME TO profile;

CREATE TABLE progression_v2 (
    user_id            INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    stretch            TEXT    NOT NULL,
    hold_seconds       INTEGER NOT NULL,
    comfortable_streak INTEGER NOT NULL,
    flagged            INTEGER NOT NULL,
    PRIMARY KEY (user_id, stretch)
);
INSERT INTO progression_v2 (user_id, stretch, hold_seconds, comfortable_streak, flagged)
    SELECT 1, stretch, hold_seconds, comfortable_streak, flagged FROM progression;
DROP TABLE progression;
ALTER TABLE progression_v2 RENAME TO progression;

-- limber's first schema: sessions with their items, screening answers, the profile and progression.
CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    uuid         TEXT    NOT NULL UNIQUE,
    routine      TEXT    NOT NULL,
    started_at   INTEGER NOT NULL, -- Unix time, milliseconds, UTC
    ended_at     INTEGER NOT NULL,
    stopped      TEXT,             -- NULL when finished; else the stop reason
    warmed_up    INTEGER NOT NULL,
    active_ms    INTEGER NOT NULL,
    done_items   INTEGER NOT NULL, -- stretches done in full; > 0 counts toward the weekly goal
    pain_before  INTEGER CHECK (pain_before BETWEEN 0 AND 10),
    pain_after   INTEGER CHECK (pain_after BETWEEN 0 AND 10),
    flagged      TEXT
);
CREATE INDEX sessions_by_start ON sessions (started_at, id);
-- Covers what statistics read, so `limber stats` never touches the wide rows.
CREATE INDEX sessions_for_stats ON sessions (started_at, done_items, pain_before);

CREATE TABLE session_items (
    session_id    INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
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

CREATE TABLE screenings (
    id                 INTEGER PRIMARY KEY,
    taken_at           INTEGER NOT NULL,
    answers            TEXT    NOT NULL, -- JSON: [[question id, yes], ...]
    clinician_assessed INTEGER NOT NULL
);

CREATE TABLE profile (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    equipment   TEXT    NOT NULL, -- JSON list
    avoid       TEXT    NOT NULL, -- JSON list
    weekly_goal INTEGER NOT NULL,
    voice       INTEGER NOT NULL
);

CREATE TABLE progression (
    stretch            TEXT    PRIMARY KEY,
    hold_seconds       INTEGER NOT NULL,
    comfortable_streak INTEGER NOT NULL,
    flagged            INTEGER NOT NULL
);

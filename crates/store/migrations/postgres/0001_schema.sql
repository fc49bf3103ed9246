-- limber's schema on PostgreSQL, as SQLite's migrations 1–6 leave it: people, their sessions
-- with items, screening answers, profile, progression, tokens, live sessions with their
-- appended events, and the tallies statistics read. Times are Unix milliseconds (BIGINT, UTC).

CREATE TABLE users (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, -- never reused
    name       TEXT   NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
-- The single local user the CLI and the TUI use.
INSERT INTO users (name, created_at) VALUES ('local', (EXTRACT(EPOCH FROM now()) * 1000)::BIGINT);

CREATE TABLE sessions (
    id          BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    uuid        TEXT    NOT NULL,
    routine     TEXT    NOT NULL,
    started_at  BIGINT  NOT NULL,
    ended_at    BIGINT  NOT NULL,
    stopped     TEXT,              -- NULL when finished; else the stop reason
    warmed_up   BOOLEAN NOT NULL,
    active_ms   BIGINT  NOT NULL,
    done_items  BIGINT  NOT NULL,  -- stretches done in full; > 0 counts toward the weekly goal
    pain_before BIGINT  CHECK (pain_before BETWEEN 0 AND 10),
    pain_after  BIGINT  CHECK (pain_after BETWEEN 0 AND 10),
    flagged     TEXT,
    UNIQUE (user_id, uuid)
);
-- Newest first, page by page (keyset: started_at, uuid), and the oldest-first export.
CREATE INDEX sessions_by_start ON sessions (user_id, started_at, uuid);
-- The first and the latest rated sessions (the pain trend) without reading the others.
CREATE INDEX sessions_rated ON sessions (user_id, started_at, uuid, pain_before) WHERE pain_before IS NOT NULL;
-- The sessions that count toward the weekly goal, newest first.
CREATE INDEX sessions_counting ON sessions (user_id, started_at) WHERE done_items > 0;
-- When each routine was last done.
CREATE INDEX sessions_by_routine ON sessions (user_id, routine, started_at);

CREATE TABLE session_items (
    session_id    BIGINT  NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    position      BIGINT  NOT NULL,
    stretch       TEXT    NOT NULL,
    instead_of    TEXT,
    seconds       BIGINT  NOT NULL,
    holds_done    BIGINT  NOT NULL,
    sides_done    TEXT    NOT NULL, -- JSON list of the side of each completed hold
    holds_planned BIGINT  NOT NULL,
    active_ms     BIGINT  NOT NULL,
    comfort       TEXT,
    discomfort    BOOLEAN NOT NULL,
    max_pain      BIGINT,
    status        TEXT    NOT NULL,
    PRIMARY KEY (session_id, position)
);

-- Sessions by "before" rating (-1: not rated), kept up to date in the transaction that adds sessions.
CREATE TABLE session_tallies (
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    pain_before BIGINT NOT NULL CHECK (pain_before BETWEEN -1 AND 10),
    sessions    BIGINT NOT NULL,
    PRIMARY KEY (user_id, pain_before)
);

CREATE TABLE screenings (
    id                 BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id            BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    taken_at           BIGINT  NOT NULL,
    answers            TEXT    NOT NULL, -- JSON: [[question id, yes], ...]
    clinician_assessed BOOLEAN NOT NULL
);
CREATE INDEX screenings_by_user ON screenings (user_id, taken_at);

CREATE TABLE profile (
    user_id     BIGINT  PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    equipment   TEXT    NOT NULL, -- JSON list
    avoid       TEXT    NOT NULL, -- JSON list
    weekly_goal BIGINT  NOT NULL,
    voice       BOOLEAN NOT NULL,
    sound       BOOLEAN NOT NULL DEFAULT TRUE
);

CREATE TABLE progression (
    user_id            BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    stretch            TEXT    NOT NULL,
    hold_seconds       BIGINT  NOT NULL,
    comfortable_streak BIGINT  NOT NULL,
    flagged            BOOLEAN NOT NULL,
    PRIMARY KEY (user_id, stretch)
);

CREATE TABLE tokens (
    user_id    BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    hash       TEXT   NOT NULL UNIQUE, -- lowercase hex SHA-256 of the token
    created_at BIGINT NOT NULL
);

-- A live session is its plan, its screening record and its saved log (JSON, the engine's own
-- serde form), followed by its appended events in `seq` order: any instance replays it.
CREATE TABLE live_sessions (
    uuid       TEXT             PRIMARY KEY,
    user_id    BIGINT           NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    plan       TEXT             NOT NULL,
    screening  TEXT             NOT NULL,
    log        TEXT             NOT NULL,
    started_at BIGINT           NOT NULL,
    speed      DOUBLE PRECISION NOT NULL,
    updated_at BIGINT           NOT NULL
);
CREATE INDEX live_sessions_by_user ON live_sessions (user_id);

-- How many events each live session has: the optimistic check that makes every place in a log
-- taken once, whichever instance writes it (`UPDATE ... WHERE next = first`).
CREATE TABLE live_heads (
    id   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uuid TEXT   NOT NULL UNIQUE REFERENCES live_sessions (uuid) ON DELETE CASCADE,
    next BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE live_events (
    session BIGINT NOT NULL REFERENCES live_heads (id) ON DELETE CASCADE,
    seq     BIGINT NOT NULL,
    event   TEXT   NOT NULL, -- JSON: limber_core::Logged
    PRIMARY KEY (session, seq)
);

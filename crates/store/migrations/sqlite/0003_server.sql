-- The server: one bearer token per user (only its SHA-256 hash is kept) and the sessions that
-- are running now. A live session is its plan, the screening record it started with and its
-- timed log of intents (JSON, the engine's own serde form): replaying them rebuilds it exactly.

CREATE TABLE tokens (
    user_id    INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    hash       TEXT    NOT NULL UNIQUE, -- lowercase hex SHA-256 of the token
    created_at INTEGER NOT NULL         -- Unix time, milliseconds, UTC
);

CREATE TABLE live_sessions (
    uuid        TEXT    PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    plan        TEXT    NOT NULL, -- JSON: limber_core::Plan
    screening   TEXT    NOT NULL, -- JSON: Option<limber_core::ScreeningRecord>
    log         TEXT    NOT NULL, -- JSON: limber_core::SessionLog
    started_at  INTEGER NOT NULL, -- Unix time, milliseconds, UTC
    speed       REAL    NOT NULL, -- session seconds per wall-clock second
    updated_at  INTEGER NOT NULL
);
CREATE INDEX live_sessions_by_user ON live_sessions (user_id);

-- A session run faster than real time (`--speed`, the page's preview speeds) is a preview: kept
-- in history, but counted toward no weekly goal (its `done_items` is stored as 0) and growing no
-- hold. Sessions stored before this were all counted, and stay so.

ALTER TABLE sessions ADD COLUMN preview INTEGER NOT NULL DEFAULT 0;

-- A person's choice of sound: the terminal bell (and the page's beeps) at the start, the last
-- seconds and the end of each hold. On unless turned off.
ALTER TABLE profile ADD COLUMN sound INTEGER NOT NULL DEFAULT 1;

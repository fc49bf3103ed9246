-- A stretch left unfinished for pain (rated above 5 in it, or sharp pain in it stopped the
-- session) now has the status 'left-for-pain' instead of 'skipped' or 'partial'.
-- Nothing in the schema changes; this migration marks the database as written by a limber that
-- stores that status, so an older limber refuses it (as a database from a newer limber) rather
-- than reading those sessions as damaged.
SELECT 1;

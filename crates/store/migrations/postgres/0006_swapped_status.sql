-- A stretch swapped out of a session after it was begun or felt now has an item of its own, with
-- status 'swapped'. Nothing in the schema changes; this migration marks the database as written
-- by a limber that stores that status, so an older limber refuses it (as a database from a newer
-- limber) rather than reading those sessions as damaged.
SELECT 1;

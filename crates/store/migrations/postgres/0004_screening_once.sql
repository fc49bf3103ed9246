-- A screening is stored once: an instance that stops between storing a screening's answers and
-- forgetting its live session, or two instances that both see it over, store them again under
-- the same person and moment. Copies already stored that way are removed (the first is kept),
-- and the index that reads a person's screenings in time order now also refuses a second one.

DELETE FROM screenings
 WHERE id NOT IN (SELECT MIN(id) FROM screenings GROUP BY user_id, taken_at);
DROP INDEX screenings_by_user;
CREATE UNIQUE INDEX screenings_by_user ON screenings (user_id, taken_at);

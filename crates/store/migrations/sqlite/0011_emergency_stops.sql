-- When a person last reported an emergency sign (chest pain, breathlessness): no session starts
-- later that day, and screening answers given before it no longer clear them. This index finds
-- the latest session stopped for one at once, however long the history.
CREATE INDEX sessions_emergency ON sessions (user_id, ended_at) WHERE stopped = 'emergency';

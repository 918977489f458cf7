-- Sessions searched by the start of their user's name or email, at 200,000 sessions and a
-- million users. The search went through the users (`user_id IN (SELECT id FROM users WHERE
-- name or email starts with …)`): a common start ("m", a tenth of a million users) made a set
-- of a hundred thousand ids before the first session was read. Each session now carries copies
-- of its user's keys, kept by the trigger below, as `user_roles` does (migration 0002), with
-- an index per key that ends with the list's order. The Postgres twin is
-- migrations/postgres/0005_session_search_keys.sql.
ALTER TABLE sessions ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN email_key TEXT NOT NULL DEFAULT '';
UPDATE sessions SET (name_key, email_key) = (SELECT u.name_key, u.email_key FROM users u WHERE u.id = sessions.user_id);
CREATE INDEX sessions_by_org_name  ON sessions (org_id, name_key, last_active_at, id);
CREATE INDEX sessions_by_org_email ON sessions (org_id, email_key, last_active_at, id);

-- A new session copies the keys in its INSERT (auth::server::repo::insert_session); a rename
-- or a new email reaches the user's sessions here.
CREATE TRIGGER users_keys_to_sessions AFTER UPDATE OF name_key, email_key ON users BEGIN
    UPDATE sessions SET name_key = new.name_key, email_key = new.email_key WHERE user_id = new.id;
END;

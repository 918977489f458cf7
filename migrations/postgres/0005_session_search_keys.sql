-- Sessions searched by the start of their user's name or email, at 200,000 sessions and a
-- million users: each session carries copies of its user's keys, kept by the trigger below, as
-- `user_roles` does (migration 0002), with an index per key that ends with the list's order.
-- The SQLite twin, with the reasons, is migrations/sqlite/0006_session_search_keys.sql.
ALTER TABLE sessions ADD COLUMN name_key TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN email_key TEXT COLLATE "C" NOT NULL DEFAULT '';
UPDATE sessions s SET name_key = u.name_key, email_key = u.email_key FROM users u WHERE u.id = s.user_id;
CREATE INDEX sessions_by_org_name  ON sessions (org_id, name_key, last_active_at, id);
CREATE INDEX sessions_by_org_email ON sessions (org_id, email_key, last_active_at, id);

-- A new session copies the keys in its INSERT (auth::server::repo::insert_session); a rename
-- or a new email reaches the user's sessions here.
CREATE FUNCTION users_keys_to_sessions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE sessions SET name_key = NEW.name_key, email_key = NEW.email_key WHERE user_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER users_keys_to_sessions AFTER UPDATE OF name_key, email_key ON users
    FOR EACH ROW
    WHEN (OLD.name_key IS DISTINCT FROM NEW.name_key OR OLD.email_key IS DISTINCT FROM NEW.email_key)
    EXECUTE FUNCTION users_keys_to_sessions();

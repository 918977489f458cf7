-- `roster seed` now loads in one transaction that drops the triggers and indexes of `users` and
-- `user_roles` and creates them again before it commits: no other connection ever sees them
-- missing, and a load that fails or is interrupted leaves nothing behind, not even a paused
-- trigger. The triggers no longer ask `users_search_paused` on every write.
-- (No Postgres twin: Postgres keeps its triggers and indexes through a load.)

DROP TRIGGER users_search_insert;
CREATE TRIGGER users_search_insert AFTER INSERT ON users BEGIN
    INSERT INTO users_search (rowid, name_key, email_key) VALUES (new.rowid, new.name_key, new.email_key);
END;
DROP TRIGGER users_search_delete;
CREATE TRIGGER users_search_delete AFTER DELETE ON users BEGIN
    INSERT INTO users_search (users_search, rowid, name_key, email_key)
        VALUES ('delete', old.rowid, old.name_key, old.email_key);
END;
DROP TRIGGER users_search_update;
CREATE TRIGGER users_search_update AFTER UPDATE OF name_key, email_key ON users BEGIN
    INSERT INTO users_search (users_search, rowid, name_key, email_key)
        VALUES ('delete', old.rowid, old.name_key, old.email_key);
    INSERT INTO users_search (rowid, name_key, email_key) VALUES (new.rowid, new.name_key, new.email_key);
END;

DROP TRIGGER user_roles_copy_keys;
CREATE TRIGGER user_roles_copy_keys AFTER INSERT ON user_roles BEGIN
    UPDATE user_roles SET (name_key, email_key, status, login_key) =
        (SELECT u.name_key, u.email_key, u.status, COALESCE(u.last_login_at, 0) FROM users u WHERE u.id = new.user_id)
    WHERE user_id = new.user_id AND role_id = new.role_id;
END;
DROP TRIGGER users_keys_to_roles;
CREATE TRIGGER users_keys_to_roles AFTER UPDATE OF name_key, email_key, status, last_login_at ON users BEGIN
    UPDATE user_roles SET name_key = new.name_key, email_key = new.email_key, status = new.status,
        login_key = COALESCE(new.last_login_at, 0)
    WHERE user_id = new.id;
END;

DROP TABLE users_search_paused;

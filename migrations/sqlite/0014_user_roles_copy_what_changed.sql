-- A user's sort keys are copied into their `user_roles` rows (the Role filter reads them
-- there). The one trigger copied all four keys on any of them changing, and SQLite rewrites
-- every index holding a column an UPDATE sets, changed or not: a change of status (Deactivate,
-- a bulk job's hundred thousand) or a sign-in (the last login) rewrote five indexes of
-- `user_roles` where one or two hold what changed. One trigger per key instead, each firing
-- only when its key really changed.
DROP TRIGGER users_keys_to_roles;
CREATE TRIGGER users_names_to_roles AFTER UPDATE OF name_key, email_key ON users
WHEN old.name_key IS NOT new.name_key OR old.email_key IS NOT new.email_key BEGIN
    UPDATE user_roles SET name_key = new.name_key, email_key = new.email_key WHERE user_id = new.id;
END;
CREATE TRIGGER users_status_to_roles AFTER UPDATE OF status ON users
WHEN old.status IS NOT new.status BEGIN
    UPDATE user_roles SET status = new.status WHERE user_id = new.id;
END;
CREATE TRIGGER users_login_to_roles AFTER UPDATE OF last_login_at ON users
WHEN old.last_login_at IS NOT new.last_login_at BEGIN
    UPDATE user_roles SET login_key = COALESCE(new.last_login_at, 0) WHERE user_id = new.id;
END;

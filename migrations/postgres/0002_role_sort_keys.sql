-- The Users list filtered by a role, in any of its sorts, as one index range.
--
-- A role's holders used to be joined to `users` one by one and sorted (a rare role: a thousand
-- lookups per page) or found by walking the sort's index and probing `user_roles` per row (a
-- common one). Each `user_roles` row now carries a copy of its user's sort keys, kept equal
-- by the triggers below, and has an index per sort: a page of a role is read in order and
-- joined to `users` for its 50 rows only.
-- The SQLite twin of this file is migrations/sqlite/0002_role_sort_keys.sql.

ALTER TABLE user_roles
    ADD COLUMN name_key  TEXT COLLATE "C" NOT NULL DEFAULT '',
    ADD COLUMN email_key TEXT COLLATE "C" NOT NULL DEFAULT '',
    ADD COLUMN status    TEXT COLLATE "C" NOT NULL DEFAULT '',
    -- COALESCE(users.last_login_at, 0): "Never" sorts first, as in users_by_last_login
    ADD COLUMN login_key BIGINT NOT NULL DEFAULT 0;

UPDATE user_roles ur SET name_key = u.name_key, email_key = u.email_key, status = u.status,
    login_key = COALESCE(u.last_login_at, 0)
FROM users u WHERE u.id = ur.user_id;

DROP INDEX user_roles_by_role;
-- the other key rides along (and on the status index, the email), so that a search along a
-- role checks both keys in the index
CREATE INDEX user_roles_by_name       ON user_roles (role_id, name_key, user_id, email_key);
CREATE INDEX user_roles_by_email      ON user_roles (role_id, email_key, user_id, name_key);
CREATE INDEX user_roles_by_status     ON user_roles (role_id, status, name_key, user_id, email_key);
CREATE INDEX user_roles_by_last_login ON user_roles (role_id, login_key, user_id);

-- FOR SHARE waits for a concurrent change to the user and then reads it, so a role granted
-- while the user is being renamed copies the new name (the rename's trigger could not see
-- the new row).
CREATE FUNCTION user_roles_copy_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT u.name_key, u.email_key, u.status, COALESCE(u.last_login_at, 0)
        INTO NEW.name_key, NEW.email_key, NEW.status, NEW.login_key
        FROM users u WHERE u.id = NEW.user_id FOR SHARE;
    RETURN NEW;
END $$;
CREATE TRIGGER user_roles_copy_keys BEFORE INSERT ON user_roles
    FOR EACH ROW EXECUTE FUNCTION user_roles_copy_keys();

CREATE FUNCTION users_keys_to_roles() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE user_roles SET name_key = NEW.name_key, email_key = NEW.email_key, status = NEW.status,
        login_key = COALESCE(NEW.last_login_at, 0)
    WHERE user_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER users_keys_to_roles AFTER UPDATE OF name_key, email_key, status, last_login_at ON users
    FOR EACH ROW
    WHEN (OLD.name_key IS DISTINCT FROM NEW.name_key OR OLD.email_key IS DISTINCT FROM NEW.email_key
          OR OLD.status IS DISTINCT FROM NEW.status OR OLD.last_login_at IS DISTINCT FROM NEW.last_login_at)
    EXECUTE FUNCTION users_keys_to_roles();

-- A short search (one or two characters) sorted by name reads the names that start with it,
-- a range of users_by_name, then the rest: emails that start with it whose names do not (and
-- sorted by email, the other way round). Only a user whose email and name begin differently
-- can be in that rest; these partial indexes hold just those users, with both keys, so the
-- rest is read from a small index alone (`repo::ShortPart::Rest` repeats this predicate).
CREATE INDEX users_email_apart ON users (org_id, email_key, id, name_key)
    WHERE substr(email_key, 1, 2) <> substr(name_key, 1, 2);
CREATE INDEX users_name_apart ON users (org_id, name_key, id, email_key)
    WHERE substr(email_key, 1, 2) <> substr(name_key, 1, 2);

-- The list asks the planner how many rows a search matches (`repo::search_matches`): a finer
-- histogram of the searched expression (0.1 % steps instead of 1 %) makes that estimate,
-- and the plans built on it, hold for rarer searches.
ALTER INDEX users_search ALTER COLUMN 1 SET STATISTICS 1000;

-- A search counted along the status order (a status filter) checks the email in the index too.
DROP INDEX users_by_status_name;
CREATE INDEX users_by_status_name ON users (org_id, status, name_key, id, email_key);

-- The Users list filtered by a role, in any of its sorts, as one index range.
--
-- A role's holders used to be joined to `users` one by one and sorted (a rare role: a thousand
-- lookups per page) or found by walking the sort's index and probing `user_roles` per row (a
-- common one). Each `user_roles` row now carries a copy of its user's sort keys, kept equal
-- by the triggers below, and has an index per sort: a page of a role is read in order and
-- joined to `users` for its 50 rows only.
-- The Postgres twin of this file is migrations/postgres/0002_role_sort_keys.sql.

-- Rebuilt rather than altered: WITHOUT ROWID keeps the rows in their primary key's b-tree,
-- one b-tree fewer to write for every grant (and for a million in a bulk load).
CREATE TABLE user_roles_keyed (
    user_id    TEXT    NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role_id    TEXT    NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    name_key   TEXT    NOT NULL DEFAULT '',
    email_key  TEXT    NOT NULL DEFAULT '',
    status     TEXT    NOT NULL DEFAULT '',
    -- COALESCE(users.last_login_at, 0): "Never" sorts first, as in users_by_last_login
    login_key  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, role_id)
) WITHOUT ROWID;
INSERT INTO user_roles_keyed (user_id, role_id, name_key, email_key, status, login_key)
    SELECT ur.user_id, ur.role_id, u.name_key, u.email_key, u.status, COALESCE(u.last_login_at, 0)
    FROM user_roles ur JOIN users u ON u.id = ur.user_id;
DROP TABLE user_roles;
ALTER TABLE user_roles_keyed RENAME TO user_roles;

-- the other key rides along (and on the status index, the email), so that a search along a
-- role checks both keys in the index
CREATE INDEX user_roles_by_name       ON user_roles (role_id, name_key, user_id, email_key);
CREATE INDEX user_roles_by_email      ON user_roles (role_id, email_key, user_id, name_key);
CREATE INDEX user_roles_by_status     ON user_roles (role_id, status, name_key, user_id, email_key);
CREATE INDEX user_roles_by_last_login ON user_roles (role_id, login_key, user_id);

-- A bulk load (`roster seed`) writes the copies itself and pauses these, as it pauses the
-- search triggers (users_search_paused).
CREATE TRIGGER user_roles_copy_keys AFTER INSERT ON user_roles
WHEN NOT EXISTS (SELECT 1 FROM users_search_paused) BEGIN
    UPDATE user_roles SET (name_key, email_key, status, login_key) =
        (SELECT u.name_key, u.email_key, u.status, COALESCE(u.last_login_at, 0) FROM users u WHERE u.id = new.user_id)
    WHERE user_id = new.user_id AND role_id = new.role_id;
END;
CREATE TRIGGER users_keys_to_roles AFTER UPDATE OF name_key, email_key, status, last_login_at ON users
WHEN NOT EXISTS (SELECT 1 FROM users_search_paused) BEGIN
    UPDATE user_roles SET name_key = new.name_key, email_key = new.email_key, status = new.status,
        login_key = COALESCE(new.last_login_at, 0)
    WHERE user_id = new.id;
END;

-- The trigram index without the per-row column sizes (only ranking uses them, and the list
-- never ranks): less to write on every change, a fifth less time to rebuild in a bulk load.
DROP TABLE users_search;
CREATE VIRTUAL TABLE users_search USING fts5(
    name_key, email_key, content='users', content_rowid='rowid', tokenize='trigram', columnsize=0
);
INSERT INTO users_search (users_search) VALUES ('rebuild');

-- A short search (one or two characters) sorted by name reads the names that start with it,
-- a range of users_by_name, then the rest: emails that start with it whose names do not (and
-- sorted by email, the other way round). Only a user whose email and name begin differently
-- can be in that rest; these partial indexes hold just those users, with both keys, so the
-- rest is read from a small index alone (`repo::ShortPart::Rest` repeats this predicate).
CREATE INDEX users_email_apart ON users (org_id, email_key, id, name_key)
    WHERE substr(email_key, 1, 2) <> substr(name_key, 1, 2);
CREATE INDEX users_name_apart ON users (org_id, name_key, id, email_key)
    WHERE substr(email_key, 1, 2) <> substr(name_key, 1, 2);

-- A search counted along the status order (a status filter) checks the email in the index too.
DROP INDEX users_by_status_name;
CREATE INDEX users_by_status_name ON users (org_id, status, name_key, id, email_key);

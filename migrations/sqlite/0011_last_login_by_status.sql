-- The Last login filter with a Status: one index range to count ("1,000+" after reading at
-- most 1,001 entries), where the last-login range alone had to look up each row's status
-- (21 ms for inactive people who never signed in, against under 1 ms with these, at a million
-- users). With a role, the same on the copies of the keys in user_roles (migration 0002).
-- The Postgres twin is migrations/postgres/0015_users_by_status_login.sql and 0016.
CREATE INDEX users_by_status_login ON users (org_id, status, (COALESCE(last_login_at, 0)), id);
CREATE INDEX user_roles_by_status_login ON user_roles (role_id, status, login_key, user_id);

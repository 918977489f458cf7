-- no-transaction
-- The Last login filter with a Status, counted along one index range (see the SQLite twin,
-- migrations/sqlite/0011_last_login_by_status.sql).
CREATE INDEX CONCURRENTLY IF NOT EXISTS users_by_status_login ON users (org_id, status, (COALESCE(last_login_at, 0)), id);

-- See migrations/sqlite/0009_aggregated_refusals.sql. A constant default: Postgres records it
-- in the catalogue and rewrites no row, so the lock is a moment's even at ten million rows.
ALTER TABLE login_attempts ADD COLUMN repeats BIGINT NOT NULL DEFAULT 1;

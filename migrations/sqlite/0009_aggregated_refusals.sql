-- Sign-ins refused by the per-address limit are written as one row per address, organization
-- and window, counting its refusals here, instead of a row each: an address over its limit
-- could otherwise still write a row a second. The Postgres twin is
-- migrations/postgres/0008_aggregated_refusals.sql.
ALTER TABLE login_attempts ADD COLUMN repeats INTEGER NOT NULL DEFAULT 1;

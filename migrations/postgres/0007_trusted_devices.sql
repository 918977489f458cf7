-- Device cookies: see migrations/sqlite/0008_trusted_devices.sql for the scheme. A new table,
-- so its indexes are built with it, before it holds a row.
CREATE TABLE trusted_devices (
    token_hash    TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    org_id        TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT NOT NULL,
    failures      BIGINT NOT NULL DEFAULT 0,
    window_start  BIGINT NOT NULL DEFAULT 0,
    locked_until  BIGINT
);
CREATE INDEX trusted_devices_by_user ON trusted_devices (user_id);
CREATE INDEX trusted_devices_by_last_use ON trusted_devices (last_used_at);

-- Device cookies (OWASP, "Slow Down Online Guessing Attacks with Device Cookies"): a browser
-- that signed in to an account receives a random token for it; attempts that carry a known
-- token for the account they name are counted here, per device, and never stopped by the
-- account's lockout (account_lockouts), which counts every other attempt. A stranger guessing
-- from elsewhere therefore locks out strangers, not the account's owner in their own browser.
-- Only the token's SHA-256 is kept. auth::server::device has the rules. The Postgres twin is
-- migrations/postgres/0007_trusted_devices.sql.
CREATE TABLE trusted_devices (
    token_hash    TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    org_id        TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER NOT NULL,
    failures      INTEGER NOT NULL DEFAULT 0,
    window_start  INTEGER NOT NULL DEFAULT 0,
    locked_until  INTEGER
);
CREATE INDEX trusted_devices_by_user ON trusted_devices (user_id);
CREATE INDEX trusted_devices_by_last_use ON trusted_devices (last_used_at);

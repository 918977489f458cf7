-- Sign-in that survives brute force, and lists of sessions and attempts that hold up at scale.
-- The Postgres twin is migrations/postgres/0004_sign_in_protection.sql.

-- Failed sign-ins per account in the current window, and the lock they led to. A row of its
-- own rather than columns of `users`: a flood of wrong passwords then writes this small row,
-- never the user (no version bump that would make an admin's edit conflict, no search index
-- touched). No row: no recent failures. A successful sign-in or Unlock deletes it.
CREATE TABLE account_lockouts (
    user_id       TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    org_id        TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    -- attempts counted in the window, each counted before its password is checked
    failures      INTEGER NOT NULL,
    window_start  INTEGER NOT NULL,
    locked_until  INTEGER
);

-- The Sessions and Login Attempts lists at scale (200,000 sessions, 10,000,000 attempts): each
-- filter an index that leads with the organization and ends with the keyset's columns, so a
-- page is one index range. The old email and IP indexes led with the email or address alone.
DROP INDEX login_attempts_by_email;
DROP INDEX login_attempts_by_ip;
CREATE INDEX login_attempts_by_org_email  ON login_attempts (org_id, email_key, created_at, id);
CREATE INDEX login_attempts_by_org_ip     ON login_attempts (org_id, ip_address, created_at, id);
CREATE INDEX login_attempts_by_org_status ON login_attempts (org_id, status, created_at, id);
CREATE INDEX sessions_by_user_activity    ON sessions (user_id, last_active_at, id);
-- Retention: the oldest rows, across organizations, found without a scan.
CREATE INDEX sessions_by_activity         ON sessions (last_active_at);
CREATE INDEX login_attempts_by_time       ON login_attempts (created_at);

-- The labels of reasons that were renamed.
UPDATE login_attempts SET reason = 'Account pending (invitation not accepted)' WHERE reason = 'Invitation not accepted';

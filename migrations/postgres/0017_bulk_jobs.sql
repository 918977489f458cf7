-- Bulk actions on Users (issue 22). The SQLite twin is migrations/sqlite/0012_bulk_jobs.sql.
--
-- `kind`: deactivate, activate, add_role, remove_role, revoke_sessions, delete, or undo (of
-- `undo_of`). `state`: preview (the selection is fixed, nothing has changed), queued, running,
-- done, cancelled, failed. The worker holding it has `lease_owner` until `lease_until`; each
-- chunk's transaction renews the lease and moves `cursor` (the last user id done, in id order)
-- with the changes themselves, so a crash loses nothing and repeats nothing. `started_by` is
-- not a foreign key: the job's record outlives its starter, like the audit trail's.
CREATE TABLE bulk_jobs (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    kind             TEXT NOT NULL,
    role_id          TEXT,
    role_name        TEXT,
    undo_of          TEXT,
    started_by       TEXT NOT NULL,
    started_by_name  TEXT NOT NULL,
    ip_address       TEXT NOT NULL DEFAULT '',
    user_agent       TEXT NOT NULL DEFAULT '',
    state            TEXT NOT NULL,
    total            BIGINT NOT NULL DEFAULT 0,
    cursor           TEXT NOT NULL DEFAULT '',
    changed          BIGINT NOT NULL DEFAULT 0,
    skipped          BIGINT NOT NULL DEFAULT 0,
    cancel_requested BIGINT NOT NULL DEFAULT 0,
    attempts         BIGINT NOT NULL DEFAULT 0,
    error            TEXT,
    lease_owner      TEXT,
    lease_until      BIGINT,
    undone_by        TEXT,
    created_at       BIGINT NOT NULL,
    started_at       BIGINT,
    finished_at      BIGINT
);
-- The worker's question: which jobs are waiting or lost their worker.
CREATE INDEX bulk_jobs_due ON bulk_jobs (state, lease_until);
-- A person's latest job (the Users page shows it after a reload).
CREATE INDEX bulk_jobs_by_starter ON bulk_jobs (org_id, started_by, created_at);

-- The users a job is about, fixed at preview (`name` as it was, for the outcome's lists even
-- after a delete). `outcome` NULL until done: changed or skipped (`reason` says why).
-- `version`: the user's version after the change (what an undo expects to find).
CREATE TABLE bulk_job_items (
    job_id   TEXT NOT NULL REFERENCES bulk_jobs(id) ON DELETE CASCADE,
    user_id  TEXT NOT NULL,
    name     TEXT NOT NULL,
    outcome  TEXT,
    reason   TEXT,
    version  BIGINT,
    PRIMARY KEY (job_id, user_id)
);

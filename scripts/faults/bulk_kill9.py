#!/usr/bin/env python3
"""Fault 7 of docs/reliability.md: kill -9 in the middle of a bulk job.

Starts `roster` on a fresh database with 1,500 seeded people, has the Owner preview and start
a bulk **Deactivate** of every Active user, kills the process with SIGKILL once the job has
changed some of them (a chunk commits 200), starts it again and waits for the job to finish
(the dead worker's lease runs out first). Then checks: the job is done, every selected user
has exactly one outcome, every user it says it changed is Inactive and has exactly one
"Deactivated user" audit event carrying the job's id, and the counts add up. Then it undoes the
job and checks every one of them is Active again.

    cargo build -p server --bin roster
    scripts/faults/bulk_kill9.py                  # SQLite, in a temporary folder
    scripts/faults/bulk_kill9.py --postgres postgres://postgres@127.0.0.1:5432/postgres

Standard library only (plus `psql` for Postgres). Exits non-zero on the first broken guarantee.
"""
import argparse, os, signal, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(__file__))
from kill9 import Client, OWNER, PASSWORD, free_port, query, start  # noqa: E402

PEOPLE = 1500


def wait_for(what, check, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    sys.exit(f"timed out waiting for {what}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--postgres", help="a Postgres server URL (a database is created on it); default: SQLite")
    ap.add_argument("--binary", default=os.path.join(os.path.dirname(__file__), "../../target/debug/roster"))
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="roster-bulk-kill9-")
    if args.postgres:
        name = f"roster_bulk_kill9_{os.getpid()}"
        subprocess.run(["psql", args.postgres, "-qc", f"CREATE DATABASE {name}"], check=True)
        db = args.postgres.rsplit("/", 1)[0] + "/" + name
    else:
        db = f"sqlite://{tmp}/roster.db"
    port = free_port()
    proc = start(args.binary, db, port)
    proc.kill()
    proc.wait()
    env = {"PATH": os.environ.get("PATH", ""), "DATABASE_URL": db}
    subprocess.run([args.binary, "seed", "--org", "acme", "--users", str(PEOPLE), "--sessions", "0", "--attempts", "0", "--seed", "3"],
                   env=env, check=True, stdout=subprocess.DEVNULL)

    base = f"http://127.0.0.1:{port}"
    proc = start(args.binary, db, port)
    owner = Client(base)
    assert owner.post("/api/public/login", {"email": OWNER, "password": PASSWORD})[0] == 200
    status, preview = owner.post("/api/preview_bulk_action", body={"request": {"kind": "Deactivate", "ids": [], "matching": {"status": "active"}}})
    assert status == 200, status
    job = preview["job_id"]
    changing = preview["changing"]
    status, _ = owner.post("/api/start_bulk_job", {"id": job})
    assert status == 200, status
    # Kill it once a chunk or more has committed, before the last.
    changed = lambda: int(query(db, f"SELECT changed FROM bulk_jobs WHERE id = '{job}'")[0][0])
    wait_for("a first chunk", lambda: changed() > 0, 60)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    at_kill = changed()
    if at_kill >= changing:
        sys.exit(f"the job finished ({at_kill} of {changing}) before the kill: nothing was proved")

    proc = start(args.binary, db, port)
    started = time.monotonic()
    state = lambda: query(db, f"SELECT state FROM bulk_jobs WHERE id = '{job}'")[0][0]
    wait_for("the job to finish after the restart", lambda: state() == "done", 120)
    took = time.monotonic() - started
    problems = []
    total, done_changed, skipped = (int(v) for v in query(db, f"SELECT total, changed, skipped FROM bulk_jobs WHERE id = '{job}'")[0])
    outcomes = int(query(db, f"SELECT COUNT(*) FROM bulk_job_items WHERE job_id = '{job}' AND outcome IS NOT NULL")[0][0])
    if outcomes != total or done_changed + skipped != total:
        problems.append(f"{outcomes} outcomes, {done_changed} changed + {skipped} skipped, for {total} users")
    if done_changed != changing:
        problems.append(f"{done_changed} changed where the preview said {changing}")
    twice = query(db, f"SELECT target_id, COUNT(*) FROM audit_events WHERE action = 'user.deactivated' AND details LIKE '%{job}%' GROUP BY target_id HAVING COUNT(*) <> 1")
    if twice:
        problems.append(f"users with other than one audit event: {twice[:5]}")
    events = int(query(db, f"SELECT COUNT(*) FROM audit_events WHERE action = 'user.deactivated' AND details LIKE '%{job}%'")[0][0])
    if events != done_changed:
        problems.append(f"{events} audit events for {done_changed} users changed")
    still = int(query(db, f"SELECT COUNT(*) FROM bulk_job_items i JOIN users u ON u.id = i.user_id WHERE i.job_id = '{job}' AND i.outcome = 'changed' AND u.status <> 'inactive'")[0][0])
    if still:
        problems.append(f"{still} users said changed are not inactive")
    print(f"killed with {at_kill} of {changing} deactivated; after the restart the job finished in {took:.1f} s: "
          + ("each user changed once, audited once" if not problems else "; ".join(problems)), flush=True)

    if not problems:
        status, undo = owner.post("/api/undo_bulk_job", {"id": job})
        if status != 200:
            problems.append(f"undo answered {status}")
        else:
            wait_for("the undo", lambda: query(db, f"SELECT state FROM bulk_jobs WHERE id = '{undo['id']}'")[0][0] == "done", 120)
            back = int(query(db, f"SELECT COUNT(*) FROM bulk_job_items i JOIN users u ON u.id = i.user_id WHERE i.job_id = '{job}' AND i.outcome = 'changed' AND u.status = 'active'")[0][0])
            if back != done_changed:
                problems.append(f"undo: {back} of {done_changed} active again")
            else:
                print(f"undo: all {back} active again", flush=True)
    proc.kill()
    proc.wait()
    if args.postgres:
        subprocess.run(["psql", args.postgres, "-qc", f"DROP DATABASE {name} WITH (FORCE)"], check=True)
    if problems:
        sys.exit(1)


if __name__ == "__main__":
    main()

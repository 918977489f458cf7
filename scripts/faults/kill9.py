#!/usr/bin/env python3
"""Fault 1 of docs/reliability.md: kill -9 during writes, 20 rounds.

Starts `roster`, drives a mixed write load (invitations, edits, sign-ins, revokes) from several
threads, kills the process with SIGKILL at a random moment, and checks the database after each
round: its integrity check passes, every write acknowledged before the kill is present, no
invitation exists without its outbox message, and no message is claimed beyond its lease.
Then it starts the next round on the same database.

    cargo build -p server --bin roster
    scripts/faults/kill9.py                       # SQLite, in a temporary folder
    scripts/faults/kill9.py --postgres postgres://postgres@127.0.0.1:5432/postgres

Standard library only (plus `psql` for Postgres). Prints one line per round and exits non-zero
on the first broken guarantee.
"""
import argparse, http.cookiejar, json, os, random, signal, socket, sqlite3, subprocess, sys, tempfile, threading, time
import urllib.error, urllib.parse, urllib.request

OWNER, PASSWORD = "ada@example.com", "kill nine owner passphrase"
MEMBER_PASSWORD = "kill nine member passphrase"
LEASE_MS = 2 * 60 * 1000  # the outbox lease, LEASE in app/src/mail/server/service.rs


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def post(self, path, form=None, body=None):
        data = json.dumps(body).encode() if body is not None else urllib.parse.urlencode(form or {}).encode()
        kind = "application/json" if body is not None else "application/x-www-form-urlencoded"
        req = urllib.request.Request(self.base + path, data=data, headers={"Content-Type": kind, "Sec-Fetch-Site": "same-origin"})
        try:
            with self.opener.open(req, timeout=10) as res:
                return res.status, json.loads(res.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, None


class Acks:
    """What the server acknowledged (answered 200) before it died."""
    def __init__(self):
        self.lock = threading.Lock()
        self.invited, self.names, self.revoked = [], {}, []
        # Writers that signed in, and what went wrong for one, with when (a failure before the
        # kill is the server's fault; after it, the kill's).
        self.signed_in, self.errors = 0, []

    def confirmed(self):
        return len(self.invited) + len(self.names) + len(self.revoked)

    def add(self, kind, *value):
        with self.lock:
            if kind == "invite":
                self.invited.append(value[0])
            elif kind == "edit":
                self.names[value[0]] = value[1]
            else:
                self.revoked.append(value[0])


def writer(base, n, round_no, acks, stop):
    owner = Client(base)
    try:
        status = owner.post("/api/public/login", {"email": OWNER, "password": PASSWORD})[0]
    except OSError as e:
        status = repr(e)
    if status != 200:
        with acks.lock:
            acks.errors.append((time.monotonic(), f"writer {n} could not sign in: {status}"))
        return
    with acks.lock:
        acks.signed_in += 1
    try:
        status, roles = owner.post("/api/invite_roles")
        member = next(r["id"] for r in roles if r["name"] == "Member")
        i = 0
        while not stop.is_set():
            i += 1
            kind = i % 4
            if kind == 0:
                email = f"r{round_no}w{n}i{i}@example.com"
                status, _ = owner.post("/api/invite_user", body={"invitation": {"email": email, "role_id": member, "message": ""}})
                if status == 200:
                    acks.add("invite", email)
            elif kind == 1:
                status, users = owner.post("/api/list_users", {"search": f"writer{n}"})
                user = users["users"][0]
                status, editor = owner.post("/api/get_user", {"id": user["id"]})
                name = f"Writer {n} r{round_no} e{i}"
                update = {"id": user["id"], "version": editor["user"]["version"], "name": name, "email": editor["user"]["email"],
                          "profile": editor["user"]["profile"], "role_ids": editor["user"]["role_ids"]}
                status, _ = owner.post("/api/update_user", body={"update": update})
                if status == 200:
                    acks.add("edit", user["id"], name)
            elif kind == 2:
                Client(base).post("/api/public/login", {"email": f"writer{n}@example.com", "password": MEMBER_PASSWORD})
            else:
                status, sessions = owner.post("/api/list_sessions", {"search": f"writer{n}", "status": "active"})
                for s in (sessions or {}).get("sessions", [])[:1]:
                    if owner.post("/api/revoke_session", {"id": s["id"]})[0] == 200:
                        acks.add("revoke", s["id"])
    except (OSError, KeyError, TypeError, StopIteration, IndexError) as e:
        # The server died under us, or, if before the kill, failed: main() tells which.
        with acks.lock:
            acks.errors.append((time.monotonic(), f"writer {n}: {e!r}"))


def start(binary, db_url, port):
    env = {"PATH": os.environ.get("PATH", ""), "DATABASE_URL": db_url, "LEPTOS_SITE_ADDR": f"127.0.0.1:{port}", "LEPTOS_OUTPUT_NAME": "roster",
           "LEPTOS_ENV": "PROD", "ROSTER_ORG_SLUG": "acme", "ROSTER_ORG_NAME": "Acme", "ROSTER_OWNER_EMAIL": OWNER,
           "ROSTER_OWNER_PASSWORD": PASSWORD, "ROSTER_IP_LIMIT": "100000", "ROSTER_INVITES_PER_HOUR": "1000000",
           # Mail goes nowhere reachable: it stays queued and retried, claims and all.
           "ROSTER_SMTP_URL": f"smtp://127.0.0.1:{free_port()}", "RUST_LOG": "error"}
    proc = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as res:
                if res.status == 200:
                    return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    sys.exit("roster did not start")


def query(db, sql):
    if db.startswith("sqlite"):
        with sqlite3.connect(db.split("://", 1)[1]) as conn:
            return [tuple(r) for r in conn.execute(sql).fetchall()]
    out = subprocess.run(["psql", db, "-AtF", "\t", "-c", sql], check=True, capture_output=True, text=True).stdout
    return [tuple(line.split("\t")) for line in out.splitlines() if line]


def check(db, acks):
    problems = []
    if db.startswith("sqlite"):
        result = query(db, "PRAGMA integrity_check")
        if result != [("ok",)]:
            problems.append(f"integrity check: {result}")
    invited = {r[0] for r in query(db, "SELECT email FROM invitations")}
    problems += [f"acknowledged invitation lost: {e}" for e in acks.invited if e not in invited]
    names = dict(query(db, "SELECT id, name FROM users"))
    for user, name in acks.names.items():
        # The acknowledged edit, or the one in flight after it (same writer, one at a time).
        acked_edit = int(name.rsplit("e", 1)[1])
        now = names.get(user, "")
        if now != name and not (now.startswith(name.rsplit(" e", 1)[0] + " e") and int(now.rsplit("e", 1)[1]) > acked_edit):
            problems.append(f"acknowledged edit lost: {user} is {now!r}, was saved as {name!r}")
    ended = {r[0] for r in query(db, "SELECT id FROM sessions WHERE ended_at IS NOT NULL")}
    problems += [f"acknowledged revoke lost: {s}" for s in acks.revoked if s not in ended]
    orphans = query(db, "SELECT COUNT(*) FROM invitations i WHERE NOT EXISTS (SELECT 1 FROM email_outbox o WHERE o.invitation_id = i.id)")
    if int(orphans[0][0]) != 0:
        problems.append(f"{orphans[0][0]} invitations without their email")
    now_ms = int(time.time() * 1000)
    stuck = query(db, f"SELECT COUNT(*) FROM email_outbox WHERE lease_until > {now_ms + LEASE_MS}")
    if int(stuck[0][0]) != 0:
        problems.append(f"{stuck[0][0]} messages claimed beyond a lease")
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--postgres", help="a Postgres server URL (a database is created on it); default: SQLite")
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--writers", type=int, default=8)
    ap.add_argument("--binary", default=os.path.join(os.path.dirname(__file__), "../../target/debug/roster"))
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="roster-kill9-")
    if args.postgres:
        name = f"roster_kill9_{os.getpid()}"
        subprocess.run(["psql", args.postgres, "-qc", f"CREATE DATABASE {name}"], check=True)
        db = args.postgres.rsplit("/", 1)[0] + "/" + name
    else:
        db = f"sqlite://{tmp}/roster.db"
    port = free_port()
    proc = start(args.binary, db, port)
    base = f"http://127.0.0.1:{port}"
    proc.kill()
    proc.wait()
    # The writers' own users, added with the CLI, for the edits and the sign-ins.
    for n in range(args.writers):
        env = {"PATH": os.environ.get("PATH", ""), "DATABASE_URL": db, "ROSTER_PASSWORD": MEMBER_PASSWORD}
        subprocess.run([args.binary, "user", "add", "--org", "acme", "--email", f"writer{n}@example.com", "--name", f"Writer {n}", "--role", "Member"],
                       env=env, check=True, stdout=subprocess.DEVNULL)
    totals = {"invited": 0, "edits": 0, "revoked": 0}
    for round_no in range(1, args.rounds + 1):
        proc = start(args.binary, db, port)
        acks, stop = Acks(), threading.Event()
        threads = [threading.Thread(target=writer, args=(base, n, round_no, acks, stop)) for n in range(args.writers)]
        for t in threads:
            t.start()
        time.sleep(random.uniform(1.0, 3.0))
        killed_at = time.monotonic()
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        stop.set()
        for t in threads:
            t.join()
        problems = check(db, acks)
        # A round proves something only if writes were confirmed before the kill: every
        # writer signed in, at least one confirmed write per writer, no failure while alive.
        if acks.signed_in < args.writers:
            problems.append(f"only {acks.signed_in} of {args.writers} writers signed in")
        if acks.confirmed() < args.writers:
            problems.append(f"only {acks.confirmed()} writes were confirmed before the kill (at least {args.writers} needed)")
        problems += [f"before the kill: {what}" for at, what in acks.errors if at < killed_at]
        totals["invited"] += len(acks.invited)
        totals["edits"] += len(acks.names)
        totals["revoked"] += len(acks.revoked)
        print(f"round {round_no:2}: killed after {len(acks.invited)} invitations, {len(acks.names)} users edited, {len(acks.revoked)} revokes acknowledged: "
              + ("all present, database consistent" if not problems else "; ".join(problems)), flush=True)
        if problems:
            sys.exit(1)
    print(f"{args.rounds} rounds: every acknowledged write survived kill -9 ({totals})")
    if args.postgres:
        subprocess.run(["psql", args.postgres, "-qc", f"DROP DATABASE {name} WITH (FORCE)"], check=True)


if __name__ == "__main__":
    main()

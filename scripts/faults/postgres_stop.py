#!/usr/bin/env python3
"""Fault 2 of docs/reliability.md with a real Postgres stopped under traffic.

Runs a Postgres cluster of its own (initdb in a temporary folder, on a free port: the machine's
shared server is left alone), starts `roster` on it, and drives signed-in traffic (the Users
list's server function and the Users page) from several threads while it probes /healthz and
/readyz. Then it stops Postgres (`pg_ctl stop -m fast`) for `--down` seconds (default 30) and
starts it again, and checks:

  - /healthz stays 200 throughout, /readyz answers 503 while Postgres is down;
  - every request made while Postgres is down is answered, within 5 s, with 503 "temporarily
    unavailable": never a hang, never a 500, never the session taken as valid (200) or as
    ended (401, or a redirect to sign-in);
  - within 5 s of Postgres accepting connections again, requests succeed, on the same sessions,
    without a restart;
  - a second `roster` started while Postgres is down waits and retries, saying so, instead of
    exiting, and serves once Postgres is back.

    cargo build -p server --bin roster
    scripts/faults/postgres_stop.py [--down 30] [--binary target/debug/roster]

Needs PostgreSQL's server binaries (`initdb`, `pg_ctl`; Debian's `postgresql` package); as root
it runs them as the `postgres` user. Standard library only. Prints the figures and exits
non-zero on the first broken guarantee.
"""
import argparse, glob, http.cookiejar, os, pwd, shutil, socket, subprocess, sys, tempfile, threading, time
import urllib.error, urllib.parse, urllib.request

OWNER, PASSWORD = "ada@example.com", "postgres stop owner passphrase"
ANSWER_WITHIN = 5.0  # seconds: the "about 3 s" plus a 2-core machine's slack
RECOVER_WITHIN = 5.0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_bin(name):
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if not found:
        sys.exit(f"{name} not found: install PostgreSQL's server binaries (Debian: postgresql)")
    return found


class Cluster:
    """A Postgres cluster of our own, run as `postgres` when we are root (initdb refuses root)."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="roster-pgstop-")
        self.data = os.path.join(self.dir, "data")
        self.port = free_port()
        self.user = "postgres" if os.geteuid() == 0 else None
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.dir, entry.pw_uid, entry.pw_gid)
        self.run(pg_bin("initdb"), "-D", self.data, "-A", "trust", "-U", "postgres", "--no-sync")

    def run(self, *argv):
        argv = (["runuser", "-u", self.user, "--"] if self.user else []) + list(argv)
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def start(self):
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run(pg_bin("pg_ctl"), "-D", self.data, "-o", options, "-l", os.path.join(self.dir, "log"), "-w", "start")

    def stop(self):
        self.run(pg_bin("pg_ctl"), "-D", self.data, "-m", "fast", "-w", "stop")

    def url(self):
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def remove(self):
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


class Client:
    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect)

    def send(self, path, form=None):
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        req = urllib.request.Request(self.base + path, data=data, headers={"Sec-Fetch-Site": "same-origin"})
        try:
            with self.opener.open(req, timeout=15) as res:
                return res.status, res.read().decode(errors="replace")
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode(errors="replace")
        except OSError as e:
            return None, str(e)  # no answer: a hang (timeout) or a refused connection


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect to sign-in is an answer to see, not to follow


def start_roster(binary, db_url, port, log):
    env = {"PATH": os.environ.get("PATH", ""), "DATABASE_URL": db_url, "LEPTOS_SITE_ADDR": f"127.0.0.1:{port}", "LEPTOS_OUTPUT_NAME": "roster",
           "LEPTOS_ENV": "PROD", "ROSTER_ORG_SLUG": "acme", "ROSTER_ORG_NAME": "Acme", "ROSTER_OWNER_EMAIL": OWNER,
           "ROSTER_OWNER_PASSWORD": PASSWORD, "ROSTER_MAIL_DIR": os.path.join(os.path.dirname(log), "mail"), "RUST_LOG": "info"}
    with open(log, "w") as out:  # the log goes to stdout
        return subprocess.Popen([binary], env=env, stdout=out, stderr=subprocess.STDOUT)


def wait_ready(base, proc, within):
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"roster exited ({proc.returncode}) instead of waiting")
        if Client(base).send("/readyz")[0] == 200:
            return time.monotonic()
        time.sleep(0.05)
    return None


def traffic(base, kind, log, stop):
    """Signs in, then sends one kind of request in a loop, logging (start, took, status, body)."""
    client = Client(base)
    status, _ = client.send("/api/public/login", {"email": OWNER, "password": PASSWORD})
    assert status == 200, f"sign-in: {status}"
    path, form = {"api": ("/api/list_users", {}), "page": ("/users", None), "healthz": ("/healthz", None), "readyz": ("/readyz", None)}[kind]
    while not stop.is_set():
        started = time.monotonic()
        status, body = client.send(path, form)
        log.append((kind, started, time.monotonic() - started, status, body[:200]))
        time.sleep(0.1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--down", type=float, default=30.0, help="seconds Postgres stays stopped")
    ap.add_argument("--binary", default=os.path.join(os.path.dirname(__file__), "../../target/debug/roster"))
    args = ap.parse_args()
    cluster = Cluster()
    roster = late = None
    problems = []
    try:
        cluster.start()
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        roster = start_roster(args.binary, cluster.url(), port, os.path.join(cluster.dir, "roster.log"))
        if wait_ready(base, roster, 60) is None:
            sys.exit("roster did not start")

        log, stop = [], threading.Event()
        threads = [threading.Thread(target=traffic, args=(base, kind, log, stop)) for kind in ["api", "api", "page", "healthz", "readyz"]]
        for t in threads:
            t.start()
        time.sleep(3)
        stopping = time.monotonic()
        cluster.stop()
        down = time.monotonic()
        print(f"Postgres stopped ({down - stopping:.1f} s to stop) under traffic; down for {args.down:.0f} s", flush=True)

        # A second server started now must wait for Postgres, not exit.
        late_port = free_port()
        late_log = os.path.join(cluster.dir, "late.log")
        late = start_roster(args.binary, cluster.url(), late_port, late_log)
        time.sleep(args.down)
        if late.poll() is not None:
            problems.append(f"a server started while Postgres was down exited ({late.returncode})")
        cluster.start()
        back = time.monotonic()
        print(f"Postgres accepting connections again; watching for {RECOVER_WITHIN + 5:.0f} s", flush=True)
        late_ready = wait_ready(f"http://127.0.0.1:{late_port}", late, 30)
        time.sleep(max(0.0, back + RECOVER_WITHIN + 5 - time.monotonic()))
        stop.set()
        for t in threads:
            t.join()

        # While down: from the moment the stop completed until it was started again.
        during = [r for r in log if down + 0.5 <= r[1] and r[1] + r[2] <= back]
        for kind in ["api", "page", "healthz", "readyz"]:
            rows = [r for r in during if r[0] == kind]
            want = 200 if kind == "healthz" else 503
            wrong = [r for r in rows if r[3] != want]
            slow = max((r[2] for r in rows), default=0.0)
            print(f"  while down, {kind:7}: {len(rows)} requests, statuses {sorted({r[3] for r in rows}, key=str)}, slowest answer {slow:.2f} s")
            if not rows:
                problems.append(f"no {kind} requests while Postgres was down")
            if wrong:
                problems.append(f"{kind} while down answered {wrong[0][3]} (not {want}): {wrong[0][4]!r}")
            if slow > ANSWER_WITHIN:
                problems.append(f"{kind} while down took {slow:.1f} s to answer")
        if not any("temporarily unavailable" in r[4] for r in during if r[0] == "api"):
            problems.append("no API answer said 'temporarily unavailable'")

        # Across the edges: requests in flight while Postgres stopped or came back. Each is
        # answered in time with success or 503, never a 500, never a session taken as ended.
        spanning = [r for r in log if (r[1] < down + 0.5 and r[1] + r[2] > stopping) or (r[1] < back and r[1] + r[2] > back)]
        for r in spanning:
            allowed = {200} if r[0] == "healthz" else {200, 503}
            if r[3] not in allowed:
                problems.append(f"{r[0]} in flight across a restart answered {r[3]}: {r[4]!r}")
            if r[2] > ANSWER_WITHIN:
                problems.append(f"{r[0]} in flight across a restart took {r[2]:.1f} s")
        print(f"  in flight across the stop or the start: {len(spanning)} requests, statuses {sorted({r[3] for r in spanning}, key=str)}")

        # Recovery: the first request that started after Postgres came back and succeeded,
        # and nothing but success after it, on the sessions signed in before the outage.
        after = [r for r in log if r[1] >= back and r[0] in ("api", "page", "readyz")]
        firsts = {}
        for kind in ["api", "page", "readyz"]:
            ok = [r for r in after if r[0] == kind and r[3] == 200]
            if not ok:
                problems.append(f"{kind} never recovered")
                continue
            firsts[kind] = ok[0][1] + ok[0][2] - back
            later_failures = [r for r in after if r[0] == kind and r[1] > ok[0][1] and r[3] != 200]
            if later_failures:
                problems.append(f"{kind} failed again after recovering: {later_failures[0][3]}")
        recovered = max(firsts.values(), default=float("inf"))
        print(f"  recovered: first success {', '.join(f'{k} {v:.2f} s' for k, v in firsts.items())} after Postgres was back")
        if recovered > RECOVER_WITHIN:
            problems.append(f"recovery took {recovered:.1f} s")

        waited = open(late_log).read()
        if late_ready is None:
            problems.append("the server started while Postgres was down never became ready")
        else:
            print(f"  the server started while Postgres was down: still running after {args.down:.0f} s, ready {late_ready - back:.2f} s after Postgres was back")
        if "trying again" not in waited:
            problems.append("the server started while Postgres was down did not say it was waiting")
    finally:
        for proc in (roster, late):
            if proc and proc.poll() is None:
                proc.terminate()
                proc.wait()
        cluster.remove()
    if problems:
        print("FAILED:\n  " + "\n  ".join(problems))
        sys.exit(1)
    print("Postgres stop: every guarantee held")


if __name__ == "__main__":
    main()

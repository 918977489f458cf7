#!/usr/bin/env python3
"""Edit-to-live time of `cargo leptos watch`: how long after a one-line change to a view the
server sends the new text (docs/benchmarks.md, "The development loop").

Starts `cargo leptos watch --split` (what `cargo xtask dev` runs, plus any --extra flags) on a
throwaway SQLite database and port, signs in as the owner it creates, then ROUNDS times edits
the Users page's description in app/src/users/page.rs and polls GET /users until the served
page carries the new text, putting the file back afterwards (also on Ctrl-C or failure).
Standard library only.

    python3 scripts/bench/watch_loop.py [--rounds 5] [--extra --hot-reload]
"""
import argparse, http.cookiejar, os, pathlib, signal, subprocess, sys, tempfile, time, urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
PAGE = ROOT / "app/src/users/page.rs"
TEXT = "People in your organization, their roles and their status."
EMAIL, PASSWORD = "owner@example.com", "watch-loop-passphrase-1"


def get(opener, url, timeout=5):
    with opener.open(url, timeout=timeout) as res:
        return res.read().decode()


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except OSError:
            pass
        time.sleep(0.05)
    sys.exit(f"timed out waiting for {what}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--port", type=int, default=3070)
    ap.add_argument("--extra", nargs="*", default=[])
    args = ap.parse_args()
    original = PAGE.read_text()
    assert TEXT in original, "the description to edit has moved"
    data = tempfile.mkdtemp(prefix="roster-watch-")
    env = dict(os.environ, DATABASE_URL=f"sqlite://{data}/roster.db", LEPTOS_SITE_ADDR=f"127.0.0.1:{args.port}",
               LEPTOS_RELOAD_PORT=str(args.port + 1), ROSTER_OWNER_EMAIL=EMAIL, ROSTER_OWNER_PASSWORD=PASSWORD, NO_COLOR="1")
    log = open(os.path.join(data, "watch.log"), "w")
    watch = subprocess.Popen(["cargo", "leptos", "watch", "--split", *args.extra], cwd=ROOT, env=env,
                             stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{args.port}"
    times = []
    try:
        started = time.monotonic()
        wait_for(lambda: urllib.request.urlopen(f"{base}/healthz", timeout=2).status == 200, 1800, "the first build")
        print(f"first build and start: {time.monotonic() - started:.0f} s", flush=True)
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        req = urllib.request.Request(f"{base}/api/public/login", data=f"email={EMAIL}&password={PASSWORD}".encode(),
                                     headers={"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin", "Accept": "application/json"})
        opener.open(req, timeout=30).read()
        assert TEXT in get(opener, f"{base}/users"), "signed in and served the Users page"
        # cargo-leptos starts watching files only after the server is up ("Creating ignore
        # list"): an edit in that moment is never seen.
        time.sleep(10)
        for n in range(args.rounds):
            marker = f"{TEXT} (edit {n} {int(time.time())})"
            edited = time.monotonic()
            PAGE.write_text(original.replace(TEXT, marker))
            wait_for(lambda: marker in get(opener, f"{base}/users"), 600, "the edited page")
            took = time.monotonic() - edited
            times.append(took)
            print(f"round {n + 1}: the edit was served after {took:.1f} s", flush=True)
            PAGE.write_text(original)
            wait_for(lambda: marker not in get(opener, f"{base}/users"), 600, "the page put back")
    finally:
        PAGE.write_text(original)
        os.killpg(watch.pid, signal.SIGTERM)
        watch.wait()
    times.sort()
    print(f"edit to served, {len(times)} rounds: median {times[len(times) // 2]:.1f} s, best {times[0]:.1f} s, worst {times[-1]:.1f} s")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Check that new Postgres migrations build indexes without blocking writes (standard library only).

sqlx runs each migration in a transaction, where `CREATE INDEX` holds a lock that stops every
write to the table until the index is built: minutes, on a table of millions of rows. So a
Postgres migration after BASELINE that adds an index to a table it did not create itself must
be a file of its own (docs/reliability.md, "Operations"):

    -- no-transaction
    CREATE INDEX CONCURRENTLY IF NOT EXISTS users_by_something ON users (something);

- it starts with `-- no-transaction` (sqlx then runs it outside a transaction);
- its index statement says `CONCURRENTLY` and `IF NOT EXISTS` (outside a transaction, sqlx
  records the file only after it ran: a crash in between runs it again on the next start);
- it holds exactly one statement: several statements sent at once run as one implicit
  transaction, where `CONCURRENTLY` is refused, and a failure would leave the file half applied.

`server/tests/api/migrations.rs` shows sqlx accepting such a file and writes going on while it
builds. Usage: python3 scripts/check_migrations.py [FOLDER] (default migrations/postgres). Exit status 0 when clean, 1 otherwise.
"""
import re
import sys
from pathlib import Path

# The last migration written before this rule; the ones up to it created their tables' indexes
# along with the tables, before any data existed.
BASELINE = 5
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations" / "postgres"


def statements(sql):
    """The file's statements, comments removed (no dollar-quoted bodies in our migrations)."""
    code = re.sub(r"--[^\n]*", "", sql)
    code = re.sub(r"/\*.*?\*/", "", code, flags=re.S)
    return [s.strip() for s in code.split(";") if s.strip()]


def problems_in(path):
    sql = path.read_text()
    found = []
    stmts = statements(sql)
    no_tx = sql.startswith("-- no-transaction")
    created = {m.group(1).lower() for s in stmts for m in [re.match(r"CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)", s, re.I)] if m}
    for s in stmts:
        index = re.match(r"CREATE\s+(?:UNIQUE\s+)?INDEX\s+(CONCURRENTLY\s+)?(IF\s+NOT\s+EXISTS\s+)?.*?\bON\s+(?:ONLY\s+)?(\w+)", s, re.I | re.S)
        if not index or index.group(3).lower() in created:
            continue
        first_line = s.splitlines()[0]
        if not no_tx:
            found.append(f"{first_line!r}: an index on an existing table needs a file of its own starting with '-- no-transaction'")
        if not index.group(1):
            found.append(f"{first_line!r}: say CREATE INDEX CONCURRENTLY, so that writes go on while it is built")
        if not index.group(2):
            found.append(f"{first_line!r}: say IF NOT EXISTS: a crash after the build and before sqlx records the file runs it again")
    if no_tx and len(stmts) != 1:
        found.append(f"a '-- no-transaction' file must hold exactly one statement, not {len(stmts)}")
    return found


def main():
    failures = 0
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else MIGRATIONS
    for path in sorted(folder.glob("*.sql")):
        number = int(path.name.split("_", 1)[0])
        if number <= BASELINE:
            continue
        for problem in problems_in(path):
            print(f"{path}: {problem}")
            failures += 1
    if failures:
        sys.exit(1)
    print("migrations: new Postgres indexes are built concurrently")


if __name__ == "__main__":
    main()

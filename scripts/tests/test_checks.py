#!/usr/bin/env python3
"""The structure and migration checks catch what they look for: each runs on small fixture
trees that must fail, and on ones that must pass (standard library only).

    python3 -m unittest discover -s scripts/tests     (cargo xtask test runs it)
"""
import shutil, subprocess, sys, tempfile, unittest
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent.parent


def tree(files):
    """A temporary project: the check scripts copied in, and `files` ({path: text}) written."""
    root = Path(tempfile.mkdtemp(prefix="roster-check-"))
    (root / "scripts").mkdir()
    for name in ("check_structure.py", "check_migrations.py"):
        shutil.copy(SCRIPTS / name, root / "scripts" / name)
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return root


def run(root, script, *args):
    done = subprocess.run([sys.executable, str(root / "scripts" / script), *args], capture_output=True, text=True)
    shutil.rmtree(root)
    return done.returncode, done.stdout + done.stderr


BASE = {"server/src/main.rs": "fn main() {}\n"}


class Structure(unittest.TestCase):
    def test_a_clean_tree_passes(self):
        files = {**BASE, "app/src/lib.rs": "pub mod a;\npub mod b;\n", "app/src/a.rs": "pub fn f() {}\n",
                 "app/src/b.rs": "use crate::a::f;\npub fn g() { f() }\n"}
        code, out = run(tree(files), "check_structure.py")
        self.assertEqual(code, 0, out)

    def test_an_import_cycle_fails(self):
        files = {**BASE, "app/src/lib.rs": "pub mod a;\npub mod b;\n",
                 "app/src/a.rs": "use crate::b::g;\npub fn f() { g() }\n",
                 "app/src/b.rs": "use crate::a::f;\npub fn g() { f() }\n"}
        code, out = run(tree(files), "check_structure.py")
        self.assertEqual(code, 1, out)
        self.assertIn("cycle between 2 files", out)

    def test_a_feature_using_another_features_repository_fails(self):
        files = {**BASE, "app/src/lib.rs": "pub mod users;\npub mod sessions;\n",
                 "app/src/users/mod.rs": "pub mod server;\n", "app/src/users/server/mod.rs": "pub mod repo;\n",
                 "app/src/users/server/repo.rs": "pub fn find() {}\n",
                 "app/src/sessions/mod.rs": "pub mod server;\n", "app/src/sessions/server/mod.rs": "pub mod service;\n",
                 "app/src/sessions/server/service.rs": "pub fn list() { crate::users::server::repo::find() }\n"}
        code, out = run(tree(files), "check_structure.py")
        self.assertEqual(code, 1, out)
        self.assertIn("cross-feature repository use", out)

    def test_the_server_crate_using_a_repository_fails(self):
        files = {"server/src/main.rs": "fn main() { app::users::server::repo::find() }\n",
                 "app/src/lib.rs": "pub mod users;\n", "app/src/users/mod.rs": "pub mod server;\n",
                 "app/src/users/server/mod.rs": "pub mod repo;\n", "app/src/users/server/repo.rs": "pub fn find() {}\n"}
        code, out = run(tree(files), "check_structure.py")
        self.assertEqual(code, 1, out)
        self.assertIn("repository use from the server crate", out)


class Migrations(unittest.TestCase):
    def check(self, files):
        root = tree({f"migrations/postgres/{name}": text for name, text in files.items()})
        return run(root, "check_migrations.py", str(root / "migrations" / "postgres"))

    def test_a_plain_index_on_an_existing_table_fails(self):
        code, out = self.check({"0009_users_by_x.sql": "CREATE INDEX users_by_x ON users (x);\n"})
        self.assertEqual(code, 1, out)
        self.assertIn("no-transaction", out)
        self.assertIn("CONCURRENTLY", out)

    def test_a_concurrent_index_without_if_not_exists_or_with_company_fails(self):
        code, out = self.check({"0009_a.sql": "-- no-transaction\nCREATE INDEX CONCURRENTLY users_by_x ON users (x);\n"})
        self.assertEqual(code, 1, out)
        self.assertIn("IF NOT EXISTS", out)
        code, out = self.check({"0009_b.sql": "-- no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS a ON users (x);\nCREATE INDEX CONCURRENTLY IF NOT EXISTS b ON users (y);\n"})
        self.assertEqual(code, 1, out)
        self.assertIn("exactly one statement", out)

    def test_a_good_file_and_an_index_on_a_new_table_pass(self):
        code, out = self.check({
            "0009_users_by_x.sql": "-- no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS users_by_x ON users (x);\n",
            "0010_things.sql": "CREATE TABLE things (id TEXT);\nCREATE INDEX things_by_id ON things (id);\n",
            "0001_schema.sql": "CREATE INDEX old ON users (x);\n",
        })
        self.assertEqual(code, 0, out)


if __name__ == "__main__":
    unittest.main()

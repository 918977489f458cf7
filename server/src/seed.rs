//! `roster seed --org <slug> --users <N>`: realistic users in bulk, for demos and benchmarks.
//!
//! Names from common first and last names, unique emails on a handful of domains, roles
//! (≈0.1 % Owner, 3 % Admin, the rest Member), statuses (85 % Active, 10 % Inactive, 5 %
//! Pending) and last sign-ins spread over the past year (some never). Deterministic for a
//! given `--seed`. A load is one transaction, all or nothing; rows go in with multi-row
//! INSERTs; on SQLite a big load drops the triggers and secondary indexes, then builds them
//! and the search index once at the end (see [`Derived`]).
//!
//! Every seeded account that can sign in shares one password, `ROSTER_SEED_PASSWORD` (default
//! `seeded-password`), hashed once: hashing a million passwords would take hours, and these are
//! test accounts.

use app::auth::server::password;
use app::auth::types::BuiltinRole;
use app::auth::server::guard::Operator;
use app::organizations::server::service as organizations;
use app::server::sql::Sql;
use app::server::db::Db;
use app::server::ids::{key, now_ms};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::time::Instant;

const FIRST: &[&str] = &[
    "Ada", "Alan", "Amara", "Ana", "Andrei", "Aiko", "Amir", "Anya", "Arjun", "Beatriz", "Ben", "Bianca", "Carlos",
    "Chen", "Chloe", "Daniel", "Dmitri", "Elena", "Emeka", "Emma", "Fatima", "Felix", "Freya", "Gabriel", "Grace",
    "Hana", "Hiro", "Ines", "Isaac", "Jamal", "Javier", "Jia", "Jonas", "Kai", "Kavya", "Kofi", "Lars", "Layla",
    "Leo", "Lina", "Lucas", "Maya", "Mateo", "Mei", "Mia", "Nadia", "Nikolai", "Noah", "Nora", "Olivia", "Omar",
    "Priya", "Rafael", "Rania", "Ravi", "Rosa", "Sami", "Sara", "Sofia", "Tariq", "Theo", "Uma", "Valentina",
    "Wei", "Yara", "Yusuf", "Zara", "Zoe",
];
const LAST: &[&str] = &[
    "Adeyemi", "Andersson", "Bauer", "Becker", "Chen", "Costa", "Dubois", "Eriksen", "Fernandez", "Fischer", "Garcia",
    "Gonzalez", "Haddad", "Hansen", "Hoffmann", "Ivanova", "Jensen", "Johnson", "Kaur", "Khan", "Kim", "Kowalski",
    "Kumar", "Larsen", "Lee", "Lopez", "Martin", "Meyer", "Moreau", "Mueller", "Nakamura", "Nguyen", "Novak",
    "Okafor", "Olsen", "Park", "Patel", "Petrov", "Rossi", "Santos", "Schmidt", "Silva", "Singh", "Smith",
    "Suzuki", "Tanaka", "Torres", "Van Dijk", "Wagner", "Wang", "Weber", "Williams", "Yamamoto", "Zhang",
];
const DOMAINS: &[&str] = &["example.com", "example.org", "acme.example", "mail.example", "corp.example"];
const DEPARTMENTS: &[&str] = &["Engineering", "Sales", "Support", "Finance", "Marketing", "Operations", "Legal", "People"];
/// Users made and written at a time (the load is still one transaction).
pub const BATCH: usize = 20_000;
/// Rows per INSERT statement (users have 13 columns: 13 × 1,000 binds stays under every limit).
const ROWS_PER_STATEMENT: usize = 1_000;

#[derive(Debug, Clone, PartialEq)]
pub struct SeedUser {
    pub id: String,
    pub name: String,
    pub email: String,
    pub status: &'static str,
    pub role: BuiltinRole,
    pub department: &'static str,
    pub last_login_at: Option<i64>,
    pub created_at: i64,
}

/// The `i`-th seeded user of the organization (numbering continues across runs, so seeding
/// twice never collides; `run`, from the organization's id, keeps ids apart across
/// organizations).
pub fn seed_user(rng: &mut StdRng, i: u64, run: &str, now: i64) -> SeedUser {
    const YEAR_MS: i64 = 365 * 24 * 3600 * 1000;
    let first = FIRST[rng.gen_range(0..FIRST.len())];
    let last = LAST[rng.gen_range(0..LAST.len())];
    let domain = DOMAINS[rng.gen_range(0..DOMAINS.len())];
    let status = match rng.gen_range(0..100) {
        0..=84 => "active",
        85..=94 => "inactive",
        _ => "pending",
    };
    let role = match rng.gen_range(0..10_000) {
        0..=9 => BuiltinRole::Owner,
        10..=309 => BuiltinRole::Admin,
        _ => BuiltinRole::Member,
    };
    let created_at = now - rng.gen_range(0..2 * YEAR_MS);
    let last_login_at = (status != "pending" && rng.gen_range(0..10) > 0).then(|| now - rng.gen_range(0..YEAR_MS));
    let email_local = format!("{}.{}{}", first, last.replace(' ', ""), i).to_lowercase();
    SeedUser {
        id: format!("seed-{run}-{i:09}"),
        name: format!("{first} {last}"),
        email: format!("{email_local}@{domain}"),
        status,
        role,
        department: DEPARTMENTS[rng.gen_range(0..DEPARTMENTS.len())],
        last_login_at,
        created_at,
    }
}

/// From this many users on, a load drops and rebuilds the SQLite indexes (see [`Derived`]);
/// smaller ones go through the triggers and indexes as usual.
pub const BULK_FROM: u64 = 50_000;

/// Inserts `count` users into the organization `slug`, printing progress; returns a summary.
pub async fn seed(db: &Db, slug: &str, count: u64, seed: u64) -> Result<String, String> {
    seed_with(db, slug, count, seed, count >= BULK_FROM).await
}

/// [`seed`], choosing whether to drop and rebuild the indexes (tests use both paths on small loads).
pub async fn seed_with(db: &Db, slug: &str, count: u64, seed: u64, bulk: bool) -> Result<String, String> {
    let op = Operator::new(db.clone());
    let org = organizations::find_by_slug(&op, slug)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("There is no organization {slug:?}. Create it with: roster org create {slug} --name \"…\""))?;
    let mut role_ids = Vec::new();
    for role in BuiltinRole::ALL {
        let id = organizations::role_id(&op.org(&org.id), role.name()).await.map_err(|e| e.to_string())?;
        role_ids.push((role, id.ok_or_else(|| format!("the organization has no {} role", role.name()))?));
    }
    let seed_password = std::env::var("ROSTER_SEED_PASSWORD").unwrap_or_else(|_| "seeded-password".into());
    let hash = password::hash(seed_password).await.map_err(|e| e.to_string())?;
    let now = now_ms();
    // The random tail of the organization's id (a UUIDv7's last 48 bits): the second the
    // seed ran in, used before, collided when two organizations were seeded within one.
    let hex: Vec<char> = org.id.chars().filter(|c| *c != '-').collect();
    let run: String = hex[hex.len().saturating_sub(12)..].iter().collect();
    let existing: i64 = db
        .exec()
        .scalar(Sql::new("SELECT COUNT(*) FROM users WHERE org_id = $1").bind(&org.id))
        .await
        .map_err(|e| e.to_string())?;
    let first = u64::try_from(existing).unwrap_or(0);
    let started = Instant::now();
    // The next batch is made on another thread while this one is written: the database's
    // writing takes one core, and making a million users a few seconds of the other.
    let (batches, next_batch) = tokio::sync::mpsc::channel::<Vec<SeedUser>>(2);
    let maker = std::thread::spawn(move || {
        let mut rng = StdRng::seed_from_u64(seed ^ first);
        let mut made = 0u64;
        while made < count {
            let n = (count - made).min(BATCH as u64);
            let users = (first + made..first + made + n).map(|i| seed_user(&mut rng, i, &run, now)).collect();
            if batches.blocking_send(users).is_err() {
                break; // the load stopped
            }
            made += n;
        }
    });
    let load = Load { org_id: &org.id, count, hash: &hash, role_ids: &role_ids, started };
    let loaded = load.run(db, next_batch, bulk).await;
    let _ = maker.join();
    loaded.map_err(|e| format!("Nothing was seeded: {e}"))?;
    // The load went through the write-ahead log: fold it into the database and give its space
    // back, rather than leave a log the size of the load beside it.
    if let Db::Sqlite(pool) = db {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(pool).await.map_err(|e| e.to_string())?;
    }
    // Postgres plans from statistics, which a big load leaves stale until autovacuum gets to
    // it (without them the first pages read the whole table), and its index-only scans
    // still visit the table until a vacuum marks the new pages all-visible. (SQLite's list
    // queries fix their join order themselves.)
    if let Db::Postgres(pool) = db {
        sqlx::query("VACUUM ANALYZE users, user_roles, roles").execute(pool).await.map_err(|e| e.to_string())?;
    }
    Ok(format!("Seeded {count} users into {:?} in {:.1?}.", org.name, started.elapsed()))
}

/// One load: where its rows go and how far it has got.
struct Load<'a> {
    org_id: &'a str,
    count: u64,
    hash: &'a str,
    role_ids: &'a [(BuiltinRole, String)],
    started: Instant,
}

/// Writes every batch `$batches` brings into the transaction `$tx`, reporting progress, and
/// fails unless that was the whole load (the maker thread could stop early only by a bug).
/// A macro, not a function, private to this file: its body is compiled once per database (a
/// bulk load uses each dialect's own statements through the native transaction types).
macro_rules! insert_all {
    ($load:ident, $tx:ident, $batches:ident) => {{
        let mut done = 0u64;
        while let Some(users) = $batches.recv().await {
            insert_rows!($load, $tx, &users);
            done += users.len() as u64;
            $load.report(done);
        }
        if done != $load.count {
            return Err(sqlx::Error::Protocol(format!("only {done} of {} users were made", $load.count)));
        }
    }};
}

/// Inserts `$users` and their roles into the transaction `$tx`, in statements of
/// [`ROWS_PER_STATEMENT`] rows.
macro_rules! insert_rows {
    ($load:ident, $tx:ident, $users:expr) => {{
        for chunk in $users.chunks(ROWS_PER_STATEMENT) {
            let mut insert = sqlx::QueryBuilder::new(
                "INSERT INTO users (id, org_id, email, email_key, name, name_key, password_hash, status, department, last_login_at, created_at, updated_at, version) ",
            );
            insert.push_values(chunk, |mut row, u| {
                row.push_bind(u.id.as_str())
                    .push_bind($load.org_id)
                    .push_bind(u.email.as_str())
                    .push_bind(key(&u.email))
                    .push_bind(u.name.as_str())
                    .push_bind(key(&u.name))
                    .push_bind((u.status != "pending").then_some($load.hash))
                    .push_bind(u.status)
                    .push_bind(u.department)
                    .push_bind(u.last_login_at)
                    .push_bind(u.created_at)
                    .push_bind(u.created_at)
                    .push_bind(1_i64);
            });
            insert.build().execute(&mut *$tx).await?;
            // The role rows carry copies of their user's sort keys (migration 0002), copied
            // here from the rows just written (two values bound a row instead of six). Outside
            // a bulk load the trigger copies them again, harmlessly.
            let mut roles = sqlx::QueryBuilder::new(
                "INSERT INTO user_roles (user_id, role_id, name_key, email_key, status, login_key)
                 SELECT u.id, g.column2, u.name_key, u.email_key, u.status, COALESCE(u.last_login_at, 0) FROM (",
            );
            roles.push_values(chunk, |mut row, u| {
                row.push_bind(u.id.as_str()).push_bind($load.role_id(u.role));
            });
            roles.push(") g JOIN users u ON u.id = g.column1");
            roles.build().execute(&mut *$tx).await?;
        }
    }};
}

impl Load<'_> {
    /// The whole load is one transaction, all or nothing: a failure, a Ctrl-C or a crash
    /// part way leaves the database as it was. On SQLite a bulk load also takes the triggers
    /// and indexes away inside it and builds them again before it commits (see [`Derived`]).
    /// The price: other writers wait for the load to finish; on SQLite readers read on, on
    /// Postgres a bulk load's dropped indexes make readers of the two tables wait too.
    async fn run(&self, db: &Db, mut batches: tokio::sync::mpsc::Receiver<Vec<SeedUser>>, bulk: bool) -> Result<(), sqlx::Error> {
        match db {
            Db::Sqlite(pool) => {
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let derived = if bulk { Some(Derived::drop(&mut tx).await?) } else { None };
                insert_all!(self, tx, batches);
                if let Some(derived) = derived {
                    derived.rebuild(&mut tx).await?;
                }
                tx.commit().await
            }
            Db::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                let derived = if bulk { Some(PgDerived::drop(&mut tx).await?) } else { None };
                insert_all!(self, tx, batches);
                if let Some(derived) = derived {
                    derived.rebuild(&mut tx).await?;
                }
                tx.commit().await
            }
        }
    }

    fn role_id(&self, role: BuiltinRole) -> &str {
        self.role_ids.iter().find(|(r, _)| *r == role).map(|(_, id)| id.as_str()).unwrap_or("")
    }

    fn report(&self, done: u64) {
        if done.is_multiple_of(100_000) || done == self.count {
            let rate = done as f64 / self.started.elapsed().as_secs_f64().max(0.001);
            println!("seeded {done:>9} / {} users ({rate:.0}/s)", self.count);
        }
    }
}

/// SQLite only: what a bulk load takes away and builds again, all inside its transaction.
/// Random-order inserts into ten secondary indexes and a trigram index cost far more than
/// building them once, sorted, at the end, and a trigger fired a million times costs more
/// than the one statement that does its work for the whole load; so the load drops the
/// triggers and secondary indexes of `users` and `user_roles` (their definitions are read
/// from the schema, not repeated here) and writes the role rows' key copies itself. The
/// unique constraints stay, so no duplicate email can slip in. Postgres: [`PgDerived`].
struct Derived {
    indexes: Vec<String>,
    triggers: Vec<String>,
}

type SqliteTx = sqlx::Transaction<'static, sqlx::Sqlite>;

impl Derived {
    async fn drop(tx: &mut SqliteTx) -> Result<Derived, sqlx::Error> {
        let schema: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger')
             AND tbl_name IN ('users', 'user_roles') AND sql IS NOT NULL ORDER BY type, name",
        )
        .fetch_all(&mut **tx)
        .await?;
        let mut derived = Derived { indexes: Vec::new(), triggers: Vec::new() };
        for (kind, name, sql) in schema {
            let drop = format!("DROP {} \"{name}\"", kind.to_uppercase());
            sqlx::query(&drop).execute(&mut **tx).await?;
            if kind == "index" { derived.indexes.push(sql) } else { derived.triggers.push(sql) }
        }
        Ok(derived)
    }

    /// Builds the trigram index and the dropped indexes, then puts the triggers back.
    async fn rebuild(self, tx: &mut SqliteTx) -> Result<(), sqlx::Error> {
        let started = Instant::now();
        // The trigram index first, while `users` has no index that covers the name and the
        // email: FTS5 reads its rows with a plain SELECT, which would otherwise walk such an
        // index, and every step back in rowid order (a new name, in name order) flushes its
        // buffer as a new segment, to be merged later. In rowid order the rows fill one big
        // in-memory piece that is written once: 7 s instead of 18 s at a million users. FTS5
        // keeps these settings in the index, so its defaults come back after.
        for (option, bulk, _) in FTS_BULK_OPTIONS {
            sqlx::query(SET_FTS_OPTION).bind(option).bind(bulk).execute(&mut **tx).await?;
        }
        sqlx::query("INSERT INTO users_search (users_search) VALUES ('rebuild')").execute(&mut **tx).await?;
        sqlx::query("INSERT INTO users_search (users_search) VALUES ('optimize')").execute(&mut **tx).await?;
        for (option, _, default) in FTS_BULK_OPTIONS {
            sqlx::query(SET_FTS_OPTION).bind(option).bind(default).execute(&mut **tx).await?;
        }
        let searchable = started.elapsed();
        // A small sort memory makes CREATE INDEX sort in pieces on the sorter's worker threads
        // (`PRAGMA threads`, with `temp_store = file`) and merge them: at a million rows, 10 MB
        // sorts a third faster on 2 cores than 50 MB, and half as fast again as one big sort on
        // one thread. The page cache then goes back to its size.
        let cache: i64 = sqlx::query_scalar("PRAGMA cache_size").fetch_one(&mut **tx).await?;
        sqlx::query("PRAGMA cache_size = -10000").execute(&mut **tx).await?;
        for sql in &self.indexes {
            sqlx::query(sql).execute(&mut **tx).await?;
        }
        sqlx::query(&format!("PRAGMA cache_size = {cache}")).execute(&mut **tx).await?;
        for sql in &self.triggers {
            sqlx::query(sql).execute(&mut **tx).await?;
        }
        println!(
            "built the search index in {searchable:.1?} and {} indexes in {:.1?}",
            self.indexes.len(),
            started.elapsed() - searchable
        );
        Ok(())
    }
}

/// Postgres's twin of [`Derived`]: a bulk load drops the secondary indexes of `users` and
/// `user_roles` (not those behind a primary key or unique constraint) and the key-copying
/// trigger inside its transaction, and builds them again before it commits. Measured on
/// 100,000 more users in a table of a million: 5.5 s of inserts instead of 25 s (random-order
/// writes into eight indexes and a trigram index), then index builds that sort once.
struct PgDerived {
    /// What builds each dropped index again, with its columns' statistics targets (the
    /// trigram index's finer statistics, migration 0002, would be lost with it).
    rebuild: Vec<String>,
}

type PgTx = sqlx::Transaction<'static, sqlx::Postgres>;

impl PgDerived {
    async fn drop(tx: &mut PgTx) -> Result<PgDerived, sqlx::Error> {
        let indexes: Vec<(String, String, Vec<String>)> = sqlx::query_as(
            "SELECT c.relname::text, pg_get_indexdef(i.indexrelid),
                    ARRAY(SELECT format('ALTER INDEX %I ALTER COLUMN %s SET STATISTICS %s', c.relname, a.attnum, a.attstattarget)
                          FROM pg_attribute a WHERE a.attrelid = i.indexrelid AND a.attstattarget > 0 ORDER BY a.attnum)
             FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
             WHERE i.indrelid IN ('users'::regclass, 'user_roles'::regclass)
               AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
             ORDER BY c.relname",
        )
        .fetch_all(&mut **tx)
        .await?;
        let mut rebuild = Vec::new();
        for (name, definition, statistics) in indexes {
            sqlx::query(&format!("DROP INDEX \"{name}\"")).execute(&mut **tx).await?;
            rebuild.push(definition);
            rebuild.extend(statistics);
        }
        // The load writes the role rows' key copies itself (`insert_rows!`). USER triggers
        // only: the foreign keys are still checked.
        sqlx::query("ALTER TABLE user_roles DISABLE TRIGGER USER").execute(&mut **tx).await?;
        Ok(PgDerived { rebuild })
    }

    async fn rebuild(self, tx: &mut PgTx) -> Result<(), sqlx::Error> {
        let started = Instant::now();
        // Sort memory for the builds of this transaction only (the default, 64 MB, makes the
        // trigram index write and merge many runs).
        sqlx::query("SET LOCAL maintenance_work_mem = '1GB'").execute(&mut **tx).await?;
        for sql in &self.rebuild {
            sqlx::query(sql).execute(&mut **tx).await?;
        }
        sqlx::query("ALTER TABLE user_roles ENABLE TRIGGER USER").execute(&mut **tx).await?;
        println!("built the indexes again in {:.1?}", started.elapsed());
        Ok(())
    }
}

/// FTS5 options for a bulk rebuild of the trigram index: the option, its value for the
/// rebuild, and FTS5's default, restored after. A 256 MiB token buffer holds a million users'
/// trigrams, written as one segment instead of hundreds of 1 MiB ones; merging is off until
/// the one `optimize` at the end, in case a bigger load writes a few.
const FTS_BULK_OPTIONS: [(&str, i64, i64); 3] =
    [("hashsize", 256 * 1024 * 1024, 1024 * 1024), ("automerge", 0, 4), ("crisismerge", 1000, 16)];
/// Sets one FTS5 option of the trigram index (`$1` the option, `$2` its value).
const SET_FTS_OPTION: &str = "INSERT INTO users_search (users_search, rank) VALUES ($1, $2)";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_users_are_deterministic_and_plausible() {
        let a: Vec<SeedUser> = (0..200).map({
            let mut rng = StdRng::seed_from_u64(7);
            move |i| seed_user(&mut rng, i, "r", 1_800_000_000_000)
        }).collect();
        let b: Vec<SeedUser> = (0..200).map({
            let mut rng = StdRng::seed_from_u64(7);
            move |i| seed_user(&mut rng, i, "r", 1_800_000_000_000)
        }).collect();
        assert_eq!(a, b);
        let emails: std::collections::HashSet<_> = a.iter().map(|u| u.email.clone()).collect();
        assert_eq!(emails.len(), a.len(), "emails are unique");
        assert!(a.iter().all(|u| u.status != "pending" || u.last_login_at.is_none()), "pending users never signed in");
        assert!(a.iter().any(|u| u.status == "inactive") && a.iter().any(|u| u.role == BuiltinRole::Admin));
        assert!(a.iter().all(|u| app::users::types::Email::parse(&u.email).is_ok()));
    }
}

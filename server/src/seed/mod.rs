//! `roster seed --org <slug> --users N --sessions N --attempts N`: realistic people and their
//! traces in bulk, for demos and benchmarks.
//!
//! The people are made by [`people`]; their sessions and sign-in attempts by [`activity`].
//! Deterministic for a given `--seed`. Each kind of row is loaded in one transaction, all or
//! nothing; rows go in with multi-row INSERTs, and a big load drops the secondary indexes and
//! triggers of the tables it fills, then builds them once at the end (see [`bulk`]).
//!
//! Every seeded account that can sign in shares one password, `ROSTER_SEED_PASSWORD` (default
//! `seeded-password`), hashed once: hashing a million passwords would take hours, and these are
//! test accounts.

mod activity;
mod audit;
mod bulk;
mod people;

pub use people::{seed_user, SeedUser};

use app::auth::server::guard::Operator;
use app::auth::server::password;
use app::auth::types::BuiltinRole;
use app::organizations::server::service as organizations;
use app::server::db::{Db, Dialect, Tx};
use app::server::ids::{key, now_ms};
use app::server::sql::{Param, Sql};
use bulk::{Derived, ROWS_PER_STATEMENT};
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::time::Instant;

/// From this many rows on, a load drops and rebuilds the indexes of the table it fills (see
/// [`bulk`]); smaller ones go through the triggers and indexes as usual.
pub const BULK_FROM: u64 = 50_000;
/// Users made and written at a time (the load is still one transaction).
pub const BATCH: usize = 20_000;

/// What to add to an organization.
#[derive(Debug, Clone, Copy, Default)]
pub struct Plan {
    pub users: u64,
    pub sessions: u64,
    pub attempts: u64,
    pub audit_events: u64,
    /// The random seed: the same seed gives the same people and traces.
    pub seed: u64,
}

/// Adds what `plan` says to the organization `slug`, printing progress; returns a summary.
pub async fn seed(db: &Db, slug: &str, plan: Plan) -> Result<String, String> {
    let mut done = Vec::new();
    if plan.users > 0 || (plan.sessions == 0 && plan.attempts == 0 && plan.audit_events == 0) {
        done.push(seed_with(db, slug, plan.users, plan.seed, plan.users >= BULK_FROM).await?);
    }
    if plan.sessions > 0 || plan.attempts > 0 {
        done.push(seed_activity(db, slug, plan, BULK_FROM).await?);
    }
    if plan.audit_events > 0 {
        done.push(seed_audit(db, slug, plan.audit_events, plan.seed, BULK_FROM).await?);
    }
    Ok(done.join("\n"))
}

/// Adds the sessions and attempts `plan` says, dropping and rebuilding the indexes of a table
/// given at least `bulk_from` rows (tests use both paths on small loads).
pub async fn seed_activity(db: &Db, slug: &str, plan: Plan, bulk_from: u64) -> Result<String, String> {
    let org = organization(db, slug).await?;
    let run = run_of(&org);
    let activity = activity::Activity {
        org_id: &org.id,
        run: &run,
        sessions: plan.sessions,
        attempts: plan.attempts,
        seed: plan.seed,
        now: now_ms(),
        bulk_from,
    };
    activity.load(db).await
}

/// Adds `events` audit events, dropping and rebuilding the indexes given at least `bulk_from`
/// (tests use both paths on small loads).
pub async fn seed_audit(db: &Db, slug: &str, events: u64, seed: u64, bulk_from: u64) -> Result<String, String> {
    let org = organization(db, slug).await?;
    audit::load(db, &org.id, events, seed, now_ms(), bulk_from).await
}

/// Adds `count` users, choosing whether to drop and rebuild the indexes (tests use both
/// paths on small loads).
pub async fn seed_with(db: &Db, slug: &str, count: u64, seed: u64, bulk: bool) -> Result<String, String> {
    let org = organization(db, slug).await?;
    let op = Operator::new(db.clone());
    let mut role_ids = Vec::new();
    for role in BuiltinRole::ALL {
        let id = organizations::role_id(&op.org(&org.id), role.name()).await.map_err(|e| e.to_string())?;
        role_ids.push((role, id.ok_or_else(|| format!("the organization has no {} role", role.name()))?));
    }
    let seed_password = std::env::var("ROSTER_SEED_PASSWORD").unwrap_or_else(|_| "seeded-password".into());
    let hash = password::hash(seed_password).await.map_err(|e| e.to_string())?;
    let now = now_ms();
    let run = run_of(&org);
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
    bulk::settle(db, &["users", "user_roles", "roles"]).await.map_err(|e| e.to_string())?;
    Ok(format!("Seeded {count} users into {:?} in {:.1?}.", org.name, started.elapsed()))
}

/// The organization to seed.
struct Org {
    id: String,
    name: String,
}

async fn organization(db: &Db, slug: &str) -> Result<Org, String> {
    organizations::find_by_slug(&Operator::new(db.clone()), slug)
        .await
        .map_err(|e| e.to_string())?
        .map(|org| Org { id: org.id, name: org.name })
        .ok_or_else(|| format!("There is no organization {slug:?}. Create it with: roster org create {slug} --name \"…\""))
}

/// The random tail of the organization's id (a UUIDv7's last 48 bits), which keeps seeded ids
/// apart across organizations: the second the seed ran in, used before, collided when two
/// organizations were seeded within one.
fn run_of(org: &Org) -> String {
    let hex: Vec<char> = org.id.chars().filter(|c| *c != '-').collect();
    hex[hex.len().saturating_sub(12)..].iter().collect()
}

/// One load of users: where its rows go and how far it has got.
struct Load<'a> {
    org_id: &'a str,
    count: u64,
    hash: &'a str,
    role_ids: &'a [(BuiltinRole, String)],
    started: Instant,
}

impl Load<'_> {
    /// The whole load is one transaction, all or nothing: a failure, a Ctrl-C or a crash
    /// part way leaves the database as it was. The price: other writers wait for the load to
    /// finish; on SQLite readers read on, on Postgres a bulk load's dropped indexes make
    /// readers of the two tables wait too.
    async fn run(&self, db: &Db, mut batches: tokio::sync::mpsc::Receiver<Vec<SeedUser>>, bulk: bool) -> Result<(), sqlx::Error> {
        let mut tx = db.begin_write().await?;
        let derived = if bulk { Some(Derived::drop(&mut tx, db.dialect(), &["users", "user_roles"]).await?) } else { None };
        let mut done = 0u64;
        while let Some(users) = batches.recv().await {
            for chunk in users.chunks(ROWS_PER_STATEMENT) {
                self.insert(&mut tx, db.dialect(), chunk).await?;
            }
            done += users.len() as u64;
            self.report(done);
        }
        // The maker thread could stop early only by a bug.
        if done != self.count {
            return Err(sqlx::Error::Protocol(format!("only {done} of {} users were made", self.count)));
        }
        if let Some(derived) = derived {
            if db.dialect() == Dialect::Sqlite {
                rebuild_search(&mut tx).await?;
            }
            derived.rebuild(&mut tx).await?;
        }
        tx.commit().await
    }

    /// Inserts `users` and their roles.
    async fn insert(&self, tx: &mut Tx, dialect: Dialect, users: &[SeedUser]) -> Result<(), sqlx::Error> {
        let sql = bulk::insert(
            dialect,
            "users (id, org_id, email, email_key, name, name_key, password_hash, status, department, last_login_at, created_at, updated_at, version)",
            users.iter().map(|u| {
                [
                    Param::from(&u.id),
                    Param::from(self.org_id),
                    Param::from(&u.email),
                    Param::from(key(&u.email)),
                    Param::from(&u.name),
                    Param::from(key(&u.name)),
                    Param::from((u.status != "pending").then_some(self.hash)),
                    Param::from(u.status),
                    Param::from(u.department),
                    Param::from(u.last_login_at),
                    Param::from(u.created_at),
                    Param::from(u.created_at),
                    Param::from(1_i64),
                ]
            }),
        );
        tx.exec().execute(sql).await?;
        // The role rows carry copies of their user's sort keys (migration 0002), copied here
        // from the rows just written (two values bound a row instead of six). Outside a bulk
        // load the trigger copies them again, harmlessly.
        let roles = bulk::values(
            dialect,
            "INSERT INTO user_roles (user_id, role_id, name_key, email_key, status, login_key)
             SELECT u.id, g.column2, u.name_key, u.email_key, u.status, COALESCE(u.last_login_at, 0) FROM (",
            users.iter().map(|u| [Param::from(&u.id), Param::from(self.role_id(u.role))]),
            ") g JOIN users u ON u.id = g.column1",
        );
        tx.exec().execute(roles).await?;
        Ok(())
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

/// SQLite: builds the trigram search index of the users, before the other indexes, while
/// `users` has no index that covers the name and the email: FTS5 reads its rows with a plain
/// SELECT, which would otherwise walk such an index, and every step back in rowid order (a new
/// name, in name order) flushes its buffer as a new segment, to be merged later. In rowid
/// order the rows fill one big in-memory piece that is written once: 7 s instead of 18 s at a
/// million users. FTS5 keeps these settings in the index, so its defaults come back after.
async fn rebuild_search(tx: &mut Tx) -> Result<(), sqlx::Error> {
    let started = Instant::now();
    for (option, bulk, _) in FTS_BULK_OPTIONS {
        tx.exec().execute(Sql::new(SET_FTS_OPTION).bind(option).bind(bulk)).await?;
    }
    tx.exec().execute(Sql::new("INSERT INTO users_search (users_search) VALUES ('rebuild')")).await?;
    tx.exec().execute(Sql::new("INSERT INTO users_search (users_search) VALUES ('optimize')")).await?;
    for (option, _, default) in FTS_BULK_OPTIONS {
        tx.exec().execute(Sql::new(SET_FTS_OPTION).bind(option).bind(default)).await?;
    }
    println!("built the search index in {:.1?}", started.elapsed());
    Ok(())
}

/// FTS5 options for a bulk rebuild of the trigram index: the option, its value for the
/// rebuild, and FTS5's default, restored after. A 256 MiB token buffer holds a million users'
/// trigrams, written as one segment instead of hundreds of 1 MiB ones; merging is off until
/// the one `optimize` at the end, in case a bigger load writes a few.
const FTS_BULK_OPTIONS: [(&str, i64, i64); 3] =
    [("hashsize", 256 * 1024 * 1024, 1024 * 1024), ("automerge", 0, 4), ("crisismerge", 1000, 16)];
/// Sets one FTS5 option of the trigram index (`$1` the option, `$2` its value).
const SET_FTS_OPTION: &str = "INSERT INTO users_search (users_search, rank) VALUES ($1, $2)";

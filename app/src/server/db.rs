//! One handle over SQLite (the embedded default) or Postgres, and the one place queries run.
//!
//! An enum of the two native pools rather than `sqlx::Any`: each side keeps its own types. A
//! query is an [`Sql`] written once in the portable subset; [`Db`] and [`Tx`] run it on
//! whichever database they hold, binding its values there. Where the dialects must differ
//! (the search index, the count estimates) a repository matches on its capability's
//! `dialect()` and writes both versions side by side.
//!
//! Nothing in the app crate holds a `Db`: the application state keeps it private, and the
//! capabilities of `auth::server::guard` (a tenant's [`OrgDb`](crate::auth::server::guard::OrgDb),
//! the sign-in gate, the operator's) wrap it. Only the process that opened the database (the
//! `roster` binary, its CLI and its tests) holds one itself.

use super::sql::{Param, Sql};
use sqlx::postgres::{PgArguments, PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::sqlite::{SqliteArguments, SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow, SqliteSynchronous};
use sqlx::{Arguments as _, ConnectOptions as _, FromRow, Postgres, Sqlite};
use std::str::FromStr;
use std::time::Duration;

#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Which SQL a database speaks, for the few statements that must differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A row type either database can decode (what `#[derive(sqlx::FromRow)]` gives, and tuples).
pub trait Row: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}
impl<T> Row for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}

/// The values of a query, bound for database `DB` (the bounds say each kind of [`Param`] is
/// one it can encode: both of ours can).
fn arguments<'q, DB>(params: Vec<Param>) -> Result<<DB as sqlx::Database>::Arguments<'q>, sqlx::Error>
where
    DB: sqlx::Database,
    Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i32: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    f64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    bool: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    let mut args = <DB as sqlx::Database>::Arguments::<'q>::default();
    for param in params {
        match param {
            Param::Text(v) => args.add(v),
            Param::Int(v) => args.add(v),
            Param::Int4(v) => args.add(v),
            Param::Real(v) => args.add(v),
            Param::Bool(v) => args.add(v),
        }
        .map_err(sqlx::Error::Encode)?;
    }
    Ok(args)
}

fn sqlite_args(params: Vec<Param>) -> Result<SqliteArguments<'static>, sqlx::Error> {
    arguments::<Sqlite>(params)
}

fn postgres_args(params: Vec<Param>) -> Result<PgArguments, sqlx::Error> {
    arguments::<Postgres>(params)
}

/// Where a query runs: a pool, or the connection of a transaction, of either database. Every
/// handle that may query ([`Db`], [`Tx`] and the capabilities that wrap them) hands one out
/// with `exec()`, and its methods are the one way a query runs.
pub struct Exec<'a>(Target<'a>);

enum Target<'a> {
    SqlitePool(&'a SqlitePool),
    SqliteConn(&'a mut sqlx::SqliteConnection),
    PgPool(&'a PgPool),
    PgConn(&'a mut sqlx::PgConnection),
}

/// Runs `$method` (`fetch_all`, `fetch_optional`, `fetch_one`) of `$sql` as a query of rows
/// on `$target`, with the values bound for its database. Private to this module: the methods
/// of [`Exec`] are the interface.
macro_rules! fetch {
    ($target:expr, $sql:expr, $method:ident) => {{
        let (text, params) = $sql.into_parts();
        match $target {
            Target::SqlitePool(pool) => sqlx::query_as_with(&text, sqlite_args(params)?).$method(pool).await,
            Target::SqliteConn(conn) => sqlx::query_as_with(&text, sqlite_args(params)?).$method(conn).await,
            Target::PgPool(pool) => sqlx::query_as_with(&text, postgres_args(params)?).$method(pool).await,
            Target::PgConn(conn) => sqlx::query_as_with(&text, postgres_args(params)?).$method(conn).await,
        }
    }};
}

impl Exec<'_> {
    /// Every row the query returns.
    pub async fn fetch_all<T: Row>(self, sql: Sql) -> Result<Vec<T>, sqlx::Error> {
        fetch!(self.0, sql, fetch_all)
    }

    /// The first row, if any.
    pub async fn fetch_optional<T: Row>(self, sql: Sql) -> Result<Option<T>, sqlx::Error> {
        fetch!(self.0, sql, fetch_optional)
    }

    /// The one row the query returns (an error when there is none).
    pub async fn fetch_one<T: Row>(self, sql: Sql) -> Result<T, sqlx::Error> {
        fetch!(self.0, sql, fetch_one)
    }

    /// The first column of the one row the query returns.
    pub async fn scalar<T>(self, sql: Sql) -> Result<T, sqlx::Error>
    where
        (T,): Row,
    {
        self.fetch_one::<(T,)>(sql).await.map(|(v,)| v)
    }

    /// The first column of every row.
    pub async fn scalars<T>(self, sql: Sql) -> Result<Vec<T>, sqlx::Error>
    where
        (T,): Row,
    {
        Ok(self.fetch_all::<(T,)>(sql).await?.into_iter().map(|(v,)| v).collect())
    }

    /// The first column of the first row, if any.
    pub async fn optional_scalar<T>(self, sql: Sql) -> Result<Option<T>, sqlx::Error>
    where
        (T,): Row,
    {
        Ok(self.fetch_optional::<(T,)>(sql).await?.map(|(v,)| v))
    }

    /// Runs a statement; returns how many rows it changed.
    pub async fn execute(self, sql: Sql) -> Result<u64, sqlx::Error> {
        let (text, params) = sql.into_parts();
        let changed = match self.0 {
            Target::SqlitePool(pool) => sqlx::query_with(&text, sqlite_args(params)?).execute(pool).await?.rows_affected(),
            Target::SqliteConn(conn) => sqlx::query_with(&text, sqlite_args(params)?).execute(conn).await?.rows_affected(),
            Target::PgPool(pool) => sqlx::query_with(&text, postgres_args(params)?).execute(pool).await?.rows_affected(),
            Target::PgConn(conn) => sqlx::query_with(&text, postgres_args(params)?).execute(conn).await?.rows_affected(),
        };
        Ok(changed)
    }
}

/// A write transaction on either database: begun by [`Db::begin_write`], it commits only
/// through [`Tx::commit`]; dropped without it (an early `return`, a `?`), it rolls back.
pub struct Tx(TxInner);

enum TxInner {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

impl Tx {
    /// Runs queries inside this transaction.
    pub fn exec(&mut self) -> Exec<'_> {
        Exec(match &mut self.0 {
            TxInner::Sqlite(tx) => Target::SqliteConn(&mut *tx),
            TxInner::Postgres(tx) => Target::PgConn(&mut *tx),
        })
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self.0 {
            TxInner::Sqlite(tx) => tx.commit().await,
            TxInner::Postgres(tx) => tx.commit().await,
        }
    }
}

struct Tuning {
    sqlite_connections: u32,
    sqlite_cache_kib: u32,
    /// Read the file through a memory map of up to this many bytes, so that every connection
    /// reads the one copy in the OS's cache: with a page cache of its own each, the eight
    /// connections a server rotates through kept eight copies of the hot pages, and the
    /// CPU's caches held none of them (measured at a million users: a common search's
    /// capped count took 2.4 ms rotating through eight connections, 0.9 ms mapped, 0.7 on
    /// one connection). SQLite caps it at 2 GiB; pages past that are read as before.
    sqlite_mmap_bytes: u64,
    sqlite_sync: SqliteSynchronous,
    /// Enforce foreign keys: always when serving; a bulk load writes only rows whose
    /// references it has just read or written, and checking them is a fifth of its inserts.
    sqlite_foreign_keys: bool,
    /// Where sorts and temporary tables go. In memory for serving; a bulk load's index
    /// builds sort in parallel only with temporary files (the OS caches them anyway).
    sqlite_temp_store: &'static str,
    /// Log statements at debug level and warn of those over a second; off for a bulk load,
    /// whose index builds are slow by design.
    log_slow_statements: bool,
    /// Postgres: the longest a statement may run (`statement_timeout`), so a query gone wrong
    /// answers an error instead of holding a connection; `None` for a bulk load.
    postgres_statement_timeout: Option<&'static str>,
    /// SQLite: how long a statement waits for a lock another connection or process holds
    /// (`busy_timeout`), and a request for a pooled connection.
    sqlite_wait: Duration,
}

/// How often a server copies SQLite's WAL into the database file ([`Db::checkpoints`]).
pub const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);
/// Past this many pages in the WAL, a commit copies them itself (see [`Db::checkpoints`]).
const WAL_PAGES_BEFORE_A_COMMIT_CHECKPOINTS: u32 = 16_384;

/// How long a request waits for a pooled connection before it is told the database is
/// unavailable: long enough for a burst, short enough that an outage answers within seconds.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

impl Db {
    /// Connects to `url` (`sqlite://…` or `postgres://…`), creating a SQLite file and its
    /// folder when missing.
    pub async fn connect(url: &str) -> Result<Db, sqlx::Error> {
        let tuning = Tuning {
            sqlite_connections: 8,
            sqlite_cache_kib: 64_000,
            sqlite_mmap_bytes: 1 << 31,
            sqlite_sync: SqliteSynchronous::Normal,
            sqlite_foreign_keys: true,
            sqlite_temp_store: "memory",
            log_slow_statements: true,
            // Every request's query takes milliseconds (docs/benchmarks.md).
            postgres_statement_timeout: Some("5s"),
            // Writes are milliseconds long (50 writers at once wait well under a second): a
            // lock held longer is another process's, and the request says so within seconds.
            sqlite_wait: ACQUIRE_TIMEOUT,
        };
        Db::connect_tuned(url, tuning).await
    }

    /// For `roster backup`: an existing SQLite database, opened read-only (a wrong path is an
    /// error, never a new empty file), on one connection, after checking it holds Roster's
    /// schema. `None` for a Postgres URL, whose own tool makes backups.
    pub async fn open_for_backup(url: &str) -> Option<Result<Db, sqlx::Error>> {
        if !url.starts_with("sqlite:") {
            return None;
        }
        Some(Db::open_existing_read_only(url).await)
    }

    async fn open_existing_read_only(url: &str) -> Result<Db, sqlx::Error> {
        let options = SqliteConnectOptions::from_str(url)?.create_if_missing(false).read_only(true).busy_timeout(ACQUIRE_TIMEOUT);
        let pool = SqlitePoolOptions::new().max_connections(1).acquire_timeout(ACQUIRE_TIMEOUT).connect_with(options).await?;
        let tables: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('_sqlx_migrations', 'organizations', 'users')",
        )
        .fetch_one(&pool)
        .await?;
        if tables != 3 {
            pool.close().await;
            return Err(sqlx::Error::Configuration("it holds no Roster database (no organizations or users tables)".into()));
        }
        Ok(Db::Sqlite(pool))
    }

    /// For a one-off bulk load (`roster seed`): on SQLite one connection with a 2 GiB page
    /// cache, so that the random-order index inserts of a million rows stay in memory, no
    /// fsync (WAL keeps the file consistent; a crash mid-load loses only the load), no
    /// foreign-key checks, sorts in temporary files (see `Tuning`) and no statement logging.
    /// Only `roster seed` uses it, after the schema is migrated on an ordinary connection.
    pub async fn connect_for_bulk_load(url: &str) -> Result<Db, sqlx::Error> {
        let tuning = Tuning {
            sqlite_connections: 1,
            sqlite_cache_kib: 2_000_000,
            // A load writes: its pages go through the page cache anyway.
            sqlite_mmap_bytes: 0,
            sqlite_sync: SqliteSynchronous::Off,
            sqlite_foreign_keys: false,
            sqlite_temp_store: "file",
            log_slow_statements: false,
            postgres_statement_timeout: None,
            sqlite_wait: Duration::from_secs(30),
        };
        Db::connect_tuned(url, tuning).await
    }

    async fn connect_tuned(url: &str, tuning: Tuning) -> Result<Db, sqlx::Error> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            // Every query here is a short index range: a parallel plan only adds the start of
            // its workers (a 5 ms count took 21 ms as a parallel one on 2 cores).
            let mut options = PgConnectOptions::from_str(url)?.options([("max_parallel_workers_per_gather", "0")]);
            if let Some(timeout) = tuning.postgres_statement_timeout {
                options = options.options([("statement_timeout", timeout)]);
            }
            let pool = PgPoolOptions::new().max_connections(16).acquire_timeout(ACQUIRE_TIMEOUT).connect_with(options).await?;
            return Ok(Db::Postgres(pool));
        }
        if !url.starts_with("sqlite:") {
            return Err(sqlx::Error::Configuration(
                format!("DATABASE_URL must start with sqlite:// or postgres://, not {url:?}").into(),
            ));
        }
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(tuning.sqlite_sync)
            .foreign_keys(tuning.sqlite_foreign_keys)
            .busy_timeout(tuning.sqlite_wait)
            .pragma("temp_store", tuning.sqlite_temp_store)
            .pragma("cache_size", format!("-{}", tuning.sqlite_cache_kib))
            .pragma("mmap_size", tuning.sqlite_mmap_bytes.to_string())
            // Lets CREATE INDEX sort with a second thread (index rebuilds after a bulk load).
            .pragma("threads", "2")
            // A server copies the WAL's pages into the database file in the background
            // ([`Db::checkpoints`]); a commit does it itself only past this many pages (64 MiB),
            // when the background copy falls behind (and in the command line, which has none).
            .pragma("wal_autocheckpoint", WAL_PAGES_BEFORE_A_COMMIT_CHECKPOINTS.to_string());
        let options = if tuning.log_slow_statements { options } else { options.disable_statement_logging() };
        if let Some(dir) = std::path::Path::new(options.get_filename()).parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir).map_err(sqlx::Error::Io)?;
            }
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(tuning.sqlite_connections)
            .acquire_timeout(tuning.sqlite_wait)
            .connect_with(options)
            .await?;
        Ok(Db::Sqlite(pool))
    }

    /// Applies the migrations of this database's dialect. On Postgres they run on a connection
    /// of their own without the statement timeout: an index over millions of rows takes longer
    /// than any request may.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match self {
            Db::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await,
            Db::Postgres(pool) => {
                // The later setting of a startup option wins over the pool's.
                let options = (*pool.connect_options()).clone().options([("statement_timeout", "0")]);
                let unbounded = PgPoolOptions::new().max_connections(1).connect_with(options).await.map_err(sqlx::migrate::MigrateError::Execute)?;
                let migrated = POSTGRES_MIGRATIONS.run(&unbounded).await;
                unbounded.close().await;
                migrated
            }
        }
    }

    /// Copies what the WAL holds into the SQLite database file every [`CHECKPOINT_EVERY`],
    /// until `shutdown` completes (at once on Postgres, which has no such thing). Without it
    /// the commit that takes the WAL past 1,000 pages (SQLite's default) copies them and syncs
    /// the file before it returns: measured in a bulk job at a million users, that was 92 ms of
    /// each 200-user chunk's 145 ms, and a request that commits at that moment waits for it.
    /// A passive checkpoint never waits for a reader or a writer; what it cannot copy yet it
    /// copies next time.
    pub async fn checkpoints(self, shutdown: impl std::future::Future<Output = ()>) {
        let Db::Sqlite(pool) = self else { return };
        let work = async {
            let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(err) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&pool).await {
                    tracing::warn!(%err, "could not copy the WAL into the database file; a commit will");
                }
            }
        };
        tokio::select! {
            () = work => {}
            () = shutdown => {}
        }
    }

    /// A cheap round trip, for the readiness probe.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        self.exec().execute(Sql::new("SELECT 1")).await.map(|_| ())
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite(pool) => pool.close().await,
            Db::Postgres(pool) => pool.close().await,
        }
    }

    /// Writes a consistent copy of a SQLite database to `path` while the server keeps running:
    /// `VACUUM INTO` reads one snapshot (a read transaction, so writers carry on in WAL mode)
    /// and writes a compact, self-contained database file. `None` for Postgres, whose own tool
    /// (`pg_dump`) does this.
    pub async fn backup_into(&self, path: &str) -> Option<Result<(), sqlx::Error>> {
        match self {
            Db::Sqlite(pool) => Some(sqlx::query("VACUUM INTO $1").bind(path).execute(pool).await.map(|_| ())),
            Db::Postgres(_) => None,
        }
    }

    /// The pool's open connections, and how many of them are idle.
    pub fn pool_usage(&self) -> (u32, usize) {
        match self {
            Db::Sqlite(pool) => (pool.size(), pool.num_idle()),
            Db::Postgres(pool) => (pool.size(), pool.num_idle()),
        }
    }

    pub fn dialect(&self) -> Dialect {
        match self {
            Db::Sqlite(_) => Dialect::Sqlite,
            Db::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Runs queries on the pool, each on a connection of its own.
    pub fn exec(&self) -> Exec<'_> {
        Exec(match self {
            Db::Sqlite(pool) => Target::SqlitePool(pool),
            Db::Postgres(pool) => Target::PgPool(pool),
        })
    }

    /// Begins a write transaction. On SQLite it starts with `BEGIN IMMEDIATE`: it takes the
    /// write lock up front (waiting out the busy timeout), so it can never fail with "database
    /// is locked" when upgrading from a read, which deferred transactions can.
    pub async fn begin_write(&self) -> Result<Tx, sqlx::Error> {
        Ok(Tx(match self {
            Db::Sqlite(pool) => TxInner::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(pool) => TxInner::Postgres(pool.begin().await?),
        }))
    }
}

impl Dialect {
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
        }
    }
}

/// True when `err` says the database cannot answer now rather than that the query is wrong: no
/// connection within the acquire timeout, a connection lost, the server shutting down or
/// starting, a statement cancelled by its timeout, or SQLite's file locked by another process
/// beyond the busy timeout. Such a request is answered 503 and may simply be retried.
pub fn is_unavailable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(e) => matches!(
            e.code().as_deref(),
            // SQLite: BUSY, LOCKED and their extended codes.
            Some("5" | "6" | "261" | "262" | "517" | "773")
            // Postgres: query_canceled (statement_timeout), admin_shutdown, crash_shutdown,
            // cannot_connect_now, and the connection exceptions.
            | Some("57014" | "57P01" | "57P02" | "57P03" | "08000" | "08003" | "08006" | "08001" | "08004")
        ),
        _ => false,
    }
}

/// True when `err` is a unique-constraint violation (by kind: SQLite reports no constraint name).
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(e) if e.is_unique_violation())
}

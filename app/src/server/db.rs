//! One handle over SQLite (the embedded default) or Postgres.
//!
//! An enum of the two native pools rather than `sqlx::Any`: each side keeps its own types, and a
//! query written once in the portable subset runs on either through [`on_db!`]. Where the
//! dialects must differ (search, locking) a repository matches on the enum itself.

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::ConnectOptions as _;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to the native pool of whichever database `$db` is.
/// The body is compiled once per database, so it must use only portable SQL.
#[macro_export]
macro_rules! on_db {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::server::db::Db::Sqlite($pool) => $body,
            $crate::server::db::Db::Postgres($pool) => $body,
        }
    };
}

/// Runs `$body` (an expression returning `Result<T, AppError>`) inside a write transaction,
/// `$tx` being the transaction, commits when it returns `Ok` and evaluates to the `T`; an error
/// rolls back and returns from the enclosing function. On SQLite the transaction starts with `BEGIN IMMEDIATE`:
/// it takes the write lock up front (waiting out the busy timeout), so it can never fail with
/// "database is locked" when upgrading from a read, which deferred transactions can.
#[macro_export]
macro_rules! write_tx {
    ($db:expr, $tx:ident => $body:expr) => {
        match $db {
            $crate::server::db::Db::Sqlite(pool) => {
                let mut $tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let out = async { $body }.await?;
                $tx.commit().await?;
                out
            }
            $crate::server::db::Db::Postgres(pool) => {
                let mut $tx = pool.begin().await?;
                let out = async { $body }.await?;
                $tx.commit().await?;
                out
            }
        }
    };
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
}

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
        };
        Db::connect_tuned(url, tuning).await
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
        };
        Db::connect_tuned(url, tuning).await
    }

    async fn connect_tuned(url: &str, tuning: Tuning) -> Result<Db, sqlx::Error> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            // Every query here is a short index range: a parallel plan only adds the start of
            // its workers (a 5 ms count took 21 ms as a parallel one on 2 cores).
            let options = PgConnectOptions::from_str(url)?.options([("max_parallel_workers_per_gather", "0")]);
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(5))
                .connect_with(options)
                .await?;
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
            .busy_timeout(Duration::from_secs(30))
            .pragma("temp_store", tuning.sqlite_temp_store)
            .pragma("cache_size", format!("-{}", tuning.sqlite_cache_kib))
            .pragma("mmap_size", tuning.sqlite_mmap_bytes.to_string())
            // Lets CREATE INDEX sort with a second thread (index rebuilds after a bulk load).
            .pragma("threads", "2");
        let options = if tuning.log_slow_statements { options } else { options.disable_statement_logging() };
        if let Some(dir) = std::path::Path::new(options.get_filename()).parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir).map_err(sqlx::Error::Io)?;
            }
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(tuning.sqlite_connections)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await?;
        Ok(Db::Sqlite(pool))
    }

    /// Applies the migrations of this database's dialect.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match self {
            Db::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await,
            Db::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await,
        }
    }

    /// A cheap round trip, for the readiness probe.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        on_db!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(|_| ()))
    }

    pub async fn close(&self) {
        on_db!(self, pool => pool.close().await)
    }

    pub fn dialect(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }
}

/// True when `err` is a unique-constraint violation (by kind: SQLite reports no constraint name).
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(e) if e.is_unique_violation())
}

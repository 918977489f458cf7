//! What a bulk load needs on either database: multi-row INSERTs, and taking a table's
//! secondary indexes and triggers away for the load and building them again at its end.
//!
//! Random-order inserts into several secondary indexes (a user's name and email, an attempt's
//! email and address) cost far more than building each index once, sorted, at the end: at a
//! million users, 5.5 s of inserts instead of 25 s on Postgres; at ten million login attempts
//! the difference is minutes. So a big load drops the secondary indexes of the tables it fills
//! (their definitions are read from the catalog, not repeated here) and the triggers that copy
//! keys between them (the load writes those copies itself), all inside its transaction: a
//! failure, a Ctrl-C or a crash part way leaves the schema and the rows as they were. Indexes
//! behind a primary key or a unique constraint stay, so no duplicate can slip in.

use app::server::db::{Dialect, Tx};
use app::server::sql::{Param, Sql};
use std::time::Instant;

/// Rows per INSERT statement: 13 columns × 1,000 rows stays under every database's limit on
/// bound values.
pub const ROWS_PER_STATEMENT: usize = 1_000;

/// `INSERT INTO {head} VALUES (…), (…)` for `rows`, each row its values in column order.
pub fn insert<const N: usize>(dialect: Dialect, head: &str, rows: impl IntoIterator<Item = [Param; N]>) -> Sql {
    values(dialect, &format!("INSERT INTO {head} "), rows, "")
}

/// `{head}VALUES (…), (…){tail}` for `rows`. On SQLite the placeholders are anonymous (`?`,
/// bound in order): SQLite finds a numbered one (`$7`) by its name, scanning the names before
/// it, so that binding a statement of 13,000 numbered values took time quadratic in them (a
/// million users loaded in 204 s instead of 43 s).
pub fn values<const N: usize>(dialect: Dialect, head: &str, rows: impl IntoIterator<Item = [Param; N]>, tail: &str) -> Sql {
    let mut text = format!("{head}VALUES ");
    let mut params = Vec::new();
    for (i, row) in rows.into_iter().enumerate() {
        text.push_str(if i == 0 { "(" } else { ", (" });
        for (j, value) in row.into_iter().enumerate() {
            if j > 0 {
                text.push_str(", ");
            }
            params.push(value);
            match dialect {
                Dialect::Sqlite => text.push('?'),
                Dialect::Postgres => text.push_str(&format!("${}", params.len())),
            }
        }
        text.push(')');
    }
    text.push_str(tail);
    params.into_iter().fold(Sql::new(text), Sql::bind)
}

/// The indexes and triggers a load took away, to be built again by [`Derived::rebuild`].
pub struct Derived {
    dialect: Dialect,
    /// Statements that build the dropped indexes (on Postgres with their columns' statistics
    /// targets: the trigram index's finer statistics would otherwise be lost with it).
    indexes: Vec<String>,
    /// SQLite: the dropped triggers' definitions. Postgres: the tables whose user triggers
    /// were disabled (a trigger there belongs to its table; disabling keeps the definition).
    triggers: Vec<String>,
}

impl Derived {
    /// Drops the secondary indexes and triggers of `tables` inside `tx`.
    pub async fn drop(tx: &mut Tx, dialect: Dialect, tables: &[&str]) -> Result<Derived, sqlx::Error> {
        let mut derived = Derived { dialect, indexes: Vec::new(), triggers: Vec::new() };
        match dialect {
            Dialect::Sqlite => {
                let mut sql = Sql::new(
                    "SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND sql IS NOT NULL AND tbl_name IN (",
                );
                push_list(&mut sql, tables);
                sql.push(") ORDER BY type, name");
                let schema: Vec<(String, String, String)> = tx.exec().fetch_all(sql).await?;
                for (kind, name, definition) in schema {
                    tx.exec().execute(Sql::new(format!("DROP {} \"{name}\"", kind.to_uppercase()))).await?;
                    if kind == "index" { derived.indexes.push(definition) } else { derived.triggers.push(definition) }
                }
            }
            Dialect::Postgres => {
                let mut sql = Sql::new(
                    "SELECT c.relname::text, pg_get_indexdef(i.indexrelid) || ';' || array_to_string(ARRAY(
                         SELECT format('ALTER INDEX %I ALTER COLUMN %s SET STATISTICS %s', c.relname, a.attnum, a.attstattarget)
                         FROM pg_attribute a WHERE a.attrelid = i.indexrelid AND a.attstattarget > 0 ORDER BY a.attnum), ';')
                     FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                     WHERE NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
                       AND i.indrelid::regclass::text IN (",
                );
                push_list(&mut sql, tables);
                sql.push(") ORDER BY c.relname");
                let indexes: Vec<(String, String)> = tx.exec().fetch_all(sql).await?;
                for (name, statements) in indexes {
                    tx.exec().execute(Sql::new(format!("DROP INDEX \"{name}\""))).await?;
                    derived.indexes.extend(statements.split(';').filter(|s| !s.is_empty()).map(str::to_owned));
                }
                // USER triggers only: the foreign keys are still checked.
                for table in tables {
                    tx.exec().execute(Sql::new(format!("ALTER TABLE {table} DISABLE TRIGGER USER"))).await?;
                    derived.triggers.push((*table).to_owned());
                }
            }
        }
        Ok(derived)
    }

    /// Builds the dropped indexes and puts the triggers back, inside `tx`.
    pub async fn rebuild(self, tx: &mut Tx) -> Result<(), sqlx::Error> {
        let started = Instant::now();
        match self.dialect {
            Dialect::Sqlite => {
                // A small sort memory makes CREATE INDEX sort in pieces on the sorter's worker
                // threads (`PRAGMA threads`, with `temp_store = file`) and merge them: at a
                // million rows, 10 MB sorts a third faster on 2 cores than 50 MB, and half as
                // fast again as one big sort on one thread. The page cache then goes back.
                let cache: i64 = tx.exec().scalar(Sql::new("PRAGMA cache_size")).await?;
                tx.exec().execute(Sql::new("PRAGMA cache_size = -10000")).await?;
                for sql in self.indexes.iter().chain(&self.triggers) {
                    tx.exec().execute(Sql::new(sql)).await?;
                }
                tx.exec().execute(Sql::new(format!("PRAGMA cache_size = {cache}"))).await?;
            }
            Dialect::Postgres => {
                // Sort memory for this transaction's builds only (the default, 64 MB, makes the
                // trigram index write and merge many runs).
                tx.exec().execute(Sql::new("SET LOCAL maintenance_work_mem = '1GB'")).await?;
                for sql in &self.indexes {
                    tx.exec().execute(Sql::new(sql)).await?;
                }
                for table in &self.triggers {
                    tx.exec().execute(Sql::new(format!("ALTER TABLE {table} ENABLE TRIGGER USER"))).await?;
                }
            }
        }
        println!("built {} indexes again in {:.1?}", self.indexes.len(), started.elapsed());
        Ok(())
    }
}

/// `$1, $2, …` bound to `values`.
fn push_list(sql: &mut Sql, values: &[&str]) {
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.push_bind(*value);
    }
}

/// After a load, outside its transaction. SQLite: fold the write-ahead log into the database
/// and give its space back, rather than leave a log the size of the load beside it. Postgres:
/// fresh statistics (the planner would otherwise plan from the empty tables until autovacuum
/// gets to them, and read whole tables for a first page) and a vacuum, which marks the new
/// pages all-visible so that index-only scans stop visiting the table.
pub async fn settle(db: &app::server::db::Db, tables: &[&str]) -> Result<(), sqlx::Error> {
    match db.dialect() {
        Dialect::Sqlite => db.exec().execute(Sql::new("PRAGMA wal_checkpoint(TRUNCATE)")).await?,
        Dialect::Postgres => db.exec().execute(Sql::new(format!("VACUUM ANALYZE {}", tables.join(", ")))).await?,
    };
    Ok(())
}

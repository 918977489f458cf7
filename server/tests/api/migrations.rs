//! Migrations on Postgres: an index added to a table in use is built without stopping writes,
//! as docs/reliability.md asks of every new one (`scripts/check_migrations.py` holds new files
//! to it): a file of its own, `-- no-transaction`, `CREATE INDEX CONCURRENTLY IF NOT EXISTS`.
//! This shows the migration tool accepts such a file and that writes go on while it builds.

use crate::helpers::*;
use app::auth::types::BuiltinRole;
use sqlx::Connection;
use std::time::Duration;

/// The next migration, written as the rule says.
const NEXT: &str = "-- no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS users_by_job_title ON users (org_id, job_title);\n";

#[tokio::test]
async fn a_concurrent_index_migration_is_applied_while_writes_to_its_table_go_on() {
    if postgres_url().is_none() {
        return;
    }
    let app = spawn_app().await;
    let org = app.create_org("acme", "Acme").await;
    let held = app.add_user(&org, "held@example.com", "Held", BuiltinRole::Member).await;
    let written = app.add_user(&org, "written@example.com", "Written", BuiltinRole::Member).await;
    // Today's migrations and the next one, in a folder sqlx reads at run time.
    let folder = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations/postgres")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, folder.path().join(path.file_name().unwrap())).unwrap();
    }
    std::fs::write(folder.path().join("9000_users_by_job_title.sql"), NEXT).unwrap();
    let migrator = sqlx::migrate::Migrator::new(folder.path()).await.unwrap();
    assert!(migrator.iter().any(|m| m.version == 9000 && m.no_tx), "sqlx reads the file as a no-transaction migration");

    // A transaction that wrote to the table before the build began: a concurrent build waits
    // for it before it finishes, which keeps the migration in flight while we write.
    let mut older = sqlx::PgConnection::connect(&app.db_url).await.unwrap();
    let mut older_tx = older.begin().await.unwrap();
    sqlx::query("UPDATE users SET job_title = 'older' WHERE id = $1").bind(&held).execute(&mut *older_tx).await.unwrap();

    let migration = async {
        let mut conn = sqlx::PgConnection::connect(&app.db_url).await.unwrap();
        migrator.run(&mut conn).await
    };
    tokio::pin!(migration);
    // Writes to the table go on meanwhile: a plain CREATE INDEX would hold them all behind it
    // (and behind the older transaction it waits for).
    let Ok(app::server::db::Db::Postgres(pool)) = app::server::db::Db::connect(&app.db_url).await else { panic!("postgres") };
    let writes = async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        for n in 0..20 {
            let write = sqlx::query("UPDATE users SET job_title = $1 WHERE id = $2").bind(format!("title {n}")).bind(&written).execute(&pool);
            tokio::time::timeout(Duration::from_secs(5), write).await.expect("a write goes on while the index is built").unwrap();
        }
    };
    tokio::select! {
        applied = &mut migration => panic!("the build cannot end before the older transaction: {applied:?}"),
        () = writes => {}
    }

    older_tx.commit().await.unwrap();
    tokio::time::timeout(Duration::from_secs(30), migration).await.expect("the build ends once the older transaction does").unwrap();
    let valid: bool = sqlx::query_scalar("SELECT indisvalid FROM pg_index WHERE indexrelid = 'users_by_job_title'::regclass").fetch_one(&pool).await.unwrap();
    assert!(valid, "the index is complete and in use");
    let recorded: bool = sqlx::query_scalar("SELECT success FROM _sqlx_migrations WHERE version = 9000").fetch_one(&pool).await.unwrap();
    assert!(recorded);
    pool.close().await;
}

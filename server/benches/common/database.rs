//! The benchmark programs' database: a SQLite file in a temporary folder, or a new database on
//! the Postgres server `postgres` names.

use app::server::db::Db;

/// A fresh database's URL, and the folder to keep while it is used (SQLite).
pub async fn fresh(postgres: Option<&str>, prefix: &str) -> (String, Option<tempfile::TempDir>) {
    match postgres {
        Some(admin_url) => {
            let name = format!("{prefix}_{}", std::process::id());
            let Ok(Db::Postgres(admin)) = Db::connect(admin_url).await else { panic!("cannot connect to Postgres at {admin_url}") };
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name}")).execute(&admin).await.unwrap();
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&admin).await.unwrap();
            let base = admin_url.rsplit_once('/').map(|(b, _)| b.to_owned()).unwrap();
            (format!("{base}/{name}"), None)
        }
        None => {
            let dir = tempfile::tempdir().unwrap();
            (format!("sqlite://{}/roster.db", dir.path().display()), Some(dir))
        }
    }
}

//! The admin command line: `roster org create`, `roster user add` and `roster backup`.

use crate::helpers::*;
use app::auth::server::guard::Operator;
use server::cli::{org_create, user_add};

async fn database_url() -> (String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    (format!("sqlite://{}/cli.db", dir.path().display()), dir)
}

#[tokio::test]
async fn creating_an_organization_and_adding_a_user_lets_them_sign_in() {
    let (url, _dir) = database_url().await;
    let created = org_create(&url, "acme", "Acme Corp").await.unwrap();
    assert!(created.contains("Acme Corp"));
    let added = user_add(&url, "acme", "ada@example.com", "Ada Lovelace", "admin", PASSWORD.into()).await.unwrap();
    assert_eq!(added, "Added ada@example.com to \"Acme Corp\" as Admin.");

    let db = server::serve::open_database(&url).await.unwrap();
    let roles: Vec<String> = on_db!(&db, pool => sqlx::query_scalar(
        "SELECT r.name FROM user_roles ur JOIN roles r ON r.id = ur.role_id JOIN users u ON u.id = ur.user_id WHERE u.email = $1",
    ).bind("ada@example.com").fetch_all(pool).await).unwrap();
    assert_eq!(roles, ["Admin"]);
}

#[tokio::test]
async fn the_cli_refuses_bad_input_with_clear_messages_and_changes_nothing() {
    let (url, _dir) = database_url().await;
    org_create(&url, "acme", "Acme").await.unwrap();
    user_add(&url, "acme", "ada@example.com", "Ada", "Owner", PASSWORD.into()).await.unwrap();

    let again = org_create(&url, "acme", "Other").await.unwrap_err();
    assert!(again.contains("already exists"), "{again}");
    let bad_slug = org_create(&url, "a b", "Other").await.unwrap_err();
    assert!(bad_slug.contains("not a valid organization slug"), "{bad_slug}");

    let existing = user_add(&url, "acme", "ADA@example.com", "Ada 2", "Member", PASSWORD.into()).await.unwrap_err();
    assert!(existing.contains("already exists"), "{existing}");
    let unknown_org = user_add(&url, "nope", "bo@example.com", "Bo", "Member", PASSWORD.into()).await.unwrap_err();
    assert!(unknown_org.contains("There is no organization \"nope\""), "{unknown_org}");
    let weak = user_add(&url, "acme", "bo@example.com", "Bo", "Member", "short".into()).await.unwrap_err();
    assert!(weak.contains("at least 12 characters"), "{weak}");
    let common = user_add(&url, "acme", "bo@example.com", "Bo", "Member", "qwerty123456".into()).await.unwrap_err();
    assert!(common.contains("most common"), "{common}");
    let role = user_add(&url, "acme", "bo@example.com", "Bo", "Root", PASSWORD.into()).await.unwrap_err();
    assert!(role.contains("not a role"), "{role}");
    let email = user_add(&url, "acme", "bo@", "Bo", "Member", PASSWORD.into()).await.unwrap_err();
    assert!(email.contains("--email"), "{email}");

    let db = server::serve::open_database(&url).await.unwrap();
    let users: i64 = on_db!(&db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(pool).await).unwrap();
    assert_eq!(users, 1, "nothing was added by the refused commands");
}

#[tokio::test]
async fn first_start_creates_the_organization_and_an_owner_once() {
    let (url, _dir) = database_url().await;
    let db = server::serve::open_database(&url).await.unwrap();
    let boot = server::config::Bootstrap {
        org_slug: "default".into(),
        org_name: "My Organization".into(),
        owner_email: "owner@example.com".into(),
        owner_name: "Organization Owner".into(),
        owner_password: None,
    };

    let notice = server::bootstrap::first_start(&Operator::new(db.clone()), &boot, "http://127.0.0.1:3000").await.unwrap().unwrap();
    assert!(notice.contains("owner@example.com") && notice.contains("http://127.0.0.1:3000/login"), "{notice}");
    let password = notice.lines().find_map(|l| l.trim().strip_prefix("Password: ")).unwrap().trim().to_owned();
    assert_eq!(password.len(), 20);

    assert!(server::bootstrap::first_start(&Operator::new(db.clone()), &boot, "http://x").await.unwrap().is_none(), "only on an empty database");
}

async fn seeded_state(app: &TestApp, org_id: &str) -> (i64, i64, i64) {
    let users = app.scalar_i64("SELECT COUNT(*) FROM users WHERE org_id = $1", org_id).await;
    let with_role = app.scalar_i64("SELECT COUNT(DISTINCT ur.user_id) FROM user_roles ur JOIN users u ON u.id = ur.user_id WHERE u.org_id = $1", org_id).await;
    let pending_with_password =
        app.scalar_i64("SELECT COUNT(*) FROM users WHERE org_id = $1 AND status = 'pending' AND password_hash IS NOT NULL", org_id).await;
    (users, with_role, pending_with_password)
}

/// The indexes and triggers of `users` and `user_roles` (what a bulk load of users drops and
/// builds again), each as its definition, and on Postgres whether each trigger is enabled and
/// the indexes' statistics targets: a bulk load must leave every line as it found it.
async fn derived_schema(app: &TestApp) -> Vec<String> {
    let lines = schema_of(app, &["users", "user_roles"]).await;
    assert!(lines.len() >= 15 && lines.iter().any(|l| l.contains("trigger")), "the schema was read: {lines:?}");
    lines
}

/// [`derived_schema`] of any tables.
async fn schema_of(app: &TestApp, tables: &[&str]) -> Vec<String> {
    let list = tables.iter().map(|t| format!("'{t}'")).collect::<Vec<_>>().join(", ");
    let sql = match app.db {
        app::server::db::Db::Sqlite(_) => {
            format!("SELECT type || ' ' || name || ': ' || sql FROM sqlite_master WHERE tbl_name IN ({list}) AND sql IS NOT NULL ORDER BY 1")
        }
        app::server::db::Db::Postgres(_) => format!(
            "SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid::regclass::text IN ({list})
             UNION ALL SELECT format('trigger %s %s', tgname, tgenabled) FROM pg_trigger
                 WHERE tgrelid::regclass::text IN ({list}) AND NOT tgisinternal
             UNION ALL SELECT format('statistics %s.%s %s', attrelid::regclass, attnum, attstattarget) FROM pg_attribute
                 WHERE attrelid IN (SELECT indexrelid FROM pg_index WHERE indrelid::regclass::text IN ({list}))
                 AND attstattarget > 0
             ORDER BY 1"
        ),
    };
    on_db!(&app.db, pool => sqlx::query_scalar(&sql).fetch_all(pool).await).unwrap()
}

#[tokio::test]
async fn seeding_adds_users_with_roles_and_keeps_search_and_indexes_whole() {
    let app = spawn_app().await;
    let org = app.create_org("acme", "Acme").await;
    app.add_user(&org, "ada@example.com", "Ada Lovelace", app::auth::types::BuiltinRole::Owner).await;

    let schema = derived_schema(&app).await;
    // Both paths: through the triggers, then as a bulk load that drops and rebuilds indexes and triggers;
    // on the app's pool, and on the single connection `roster seed` opens.
    server::seed::seed_with(&app.db, "acme", 150, 1, false).await.unwrap();
    server::seed::seed_with(&app.db, "acme", 150, 2, true).await.unwrap();
    let bulk = app::server::db::Db::connect_for_bulk_load(&app.db_url).await.unwrap();
    server::seed::seed_with(&bulk, "acme", 150, 3, false).await.unwrap();
    server::seed::seed_with(&bulk, "acme", 150, 4, true).await.unwrap();
    bulk.close().await;

    assert_eq!(seeded_state(&app, &org.id).await, (601, 601, 0));
    let distinct_emails = app.scalar_i64("SELECT COUNT(DISTINCT email_key) FROM users WHERE org_id = $1", &org.id).await;
    assert_eq!(distinct_emails, 601);
    let stale_copies = app
        .scalar_i64(
            "SELECT COUNT(*) FROM user_roles ur JOIN users u ON u.id = ur.user_id WHERE u.org_id = $1 AND (ur.name_key <> u.name_key
             OR ur.email_key <> u.email_key OR ur.status <> u.status OR ur.login_key <> COALESCE(u.last_login_at, 0))",
            &org.id,
        )
        .await;
    assert_eq!(stale_copies, 0, "every path copies the users' sort keys to their roles");
    // On Postgres this is the whole check: an index built again from its definition holds
    // every row (a LIKE count would find Lovelace by a table scan, index or not).
    assert_eq!(derived_schema(&app).await, schema, "the bulk loads gave back every index and trigger, as they were");
    if let app::server::db::Db::Sqlite(pool) = &app.db {
        let indexed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users_search WHERE users_search MATCH '\"lovelace\"'")
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!(indexed, 1, "users added before the load are still found");
        let all: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users_search WHERE users_search MATCH '\"example\"'")
            .fetch_one(pool)
            .await
            .unwrap();
        assert!(all >= 480, "seeded users are searchable: {all}");
        let merging: Vec<(String, i64)> =
            sqlx::query_as("SELECT k, v FROM users_search_config WHERE k IN ('automerge', 'crisismerge', 'hashsize') ORDER BY k")
                .fetch_all(pool)
                .await
                .unwrap();
        let merging: Vec<(&str, i64)> = merging.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        assert_eq!(merging, [("automerge", 4), ("crisismerge", 16), ("hashsize", 1024 * 1024)], "FTS5's defaults are back");
    }
    let plan = server::seed::Plan { users: 10, seed: 1, ..Default::default() };
    let unknown = server::seed::seed(&app.db, "nope", plan).await.unwrap_err();
    assert!(unknown.contains("There is no organization \"nope\""));
}

#[tokio::test]
async fn a_load_that_fails_part_way_leaves_the_database_as_it_was() {
    use rand::SeedableRng;
    let app = spawn_app().await;
    let org = app.create_org("acme", "Acme").await;
    app.add_user(&org, "ada@example.com", "Ada Lovelace", app::auth::types::BuiltinRole::Owner).await;
    // A user that a load with seed 6 would make in its second batch, after the two users
    // below, is already here: its email is taken, so the load fails after a whole batch.
    let nth = server::seed::BATCH + 500;
    let mut rng = rand::rngs::StdRng::seed_from_u64(6 ^ 2);
    let taken = (2..2 + nth).map(|i| server::seed::seed_user(&mut rng, i as u64, "r", 0)).last().unwrap();
    app.add_user(&org, &taken.email, "Taken Already", app::auth::types::BuiltinRole::Member).await;
    let before = seeded_state(&app, &org.id).await;
    let schema = derived_schema(&app).await;

    // Both paths: a small load, and a bulk one that drops indexes and triggers.
    for bulk in [false, true] {
        let failed = server::seed::seed_with(&app.db, "acme", nth as u64 + 100, 6, bulk).await.unwrap_err();
        assert!(failed.starts_with("Nothing was seeded"), "{failed}");
        assert_eq!(seeded_state(&app, &org.id).await, before, "no user of the failed load stays (bulk: {bulk})");
    }
    assert_eq!(derived_schema(&app).await, schema, "the indexes and triggers the bulk load dropped are back");
    if let app::server::db::Db::Sqlite(pool) = &app.db {
        let found: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users_search WHERE users_search MATCH '\"lovelace\"'")
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!(found, 1, "the search index is whole");
    }
    // And the organization can still be seeded.
    server::seed::seed_with(&app.db, "acme", 10, 7, true).await.unwrap();
    assert_eq!(seeded_state(&app, &org.id).await.0, before.0 + 10);
}

#[tokio::test]
async fn seeding_adds_sessions_and_login_attempts_as_sign_in_would_have_left_them() {
    let app = spawn_app().await;
    let org = app.create_org("acme", "Acme").await;
    let other = app.create_org("globex", "Globex").await;
    app.add_user(&org, "ada@example.com", "Ada Lovelace", app::auth::types::BuiltinRole::Owner).await;
    server::seed::seed_with(&app.db, "acme", 300, 1, false).await.unwrap();
    let pending_only = server::seed::Plan { sessions: 5, seed: 1, ..Default::default() };
    let nobody = server::seed::seed_activity(&app.db, "globex", pending_only, 1_000).await.unwrap_err();
    assert!(nobody.contains("seed users first"), "{nobody}");
    let schema = schema_of(&app, &["sessions", "login_attempts"]).await;
    assert!(schema.len() >= 8, "the schema was read: {schema:?}");

    // Both paths: through the indexes, then as a bulk load that drops and builds them again.
    let plan = server::seed::Plan { sessions: 400, attempts: 3_000, seed: 1, ..Default::default() };
    server::seed::seed_activity(&app.db, "acme", plan, 1_000_000).await.unwrap();
    server::seed::seed_activity(&app.db, "acme", server::seed::Plan { seed: 2, ..plan }, 0).await.unwrap();
    assert_eq!(schema_of(&app, &["sessions", "login_attempts"]).await, schema, "the bulk load gave back every index");

    let count = |sql: &'static str| app.scalar_i64(sql, &org.id);
    assert_eq!(count("SELECT COUNT(*) FROM sessions WHERE org_id = $1").await, 800);
    assert_eq!(count("SELECT COUNT(*) FROM login_attempts WHERE org_id = $1").await, 6_000);
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM sessions WHERE org_id = $1", &other.id).await, 0);
    let of_pending = count("SELECT COUNT(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.org_id = $1 AND u.status = 'pending'");
    assert_eq!(of_pending.await, 0, "nobody signs in before accepting the invitation");
    let live_of_inactive = count(
        "SELECT COUNT(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.org_id = $1 AND u.status = 'inactive'
         AND (s.ended_at IS NULL OR s.end_reason <> 'deactivated')",
    );
    assert_eq!(live_of_inactive.await, 0, "deactivation ended their sessions");
    assert!(count("SELECT COUNT(*) FROM sessions WHERE org_id = $1 AND ended_at IS NULL").await > 0, "some are live");
    let texts = |sql: &'static str| {
        let (db, org_id) = (app.db.clone(), org.id.clone());
        async move { on_db!(&db, pool => sqlx::query_scalar::<_, String>(sql).bind(&org_id).fetch_all(pool).await).unwrap() }
    };
    let end_reasons = texts("SELECT DISTINCT end_reason FROM sessions WHERE org_id = $1 AND end_reason IS NOT NULL ORDER BY end_reason").await;
    assert_eq!(end_reasons, ["deactivated", "replaced", "revoked", "signed_out"]);
    let success_without_user = count("SELECT COUNT(*) FROM login_attempts WHERE org_id = $1 AND status = 'success' AND (user_id IS NULL OR reason IS NOT NULL)");
    assert_eq!(success_without_user.await, 0);
    let reasons = texts("SELECT DISTINCT reason FROM login_attempts WHERE org_id = $1 AND status = 'failed' ORDER BY reason").await;
    use app::login_attempts::types::FailureReason::*;
    let expected: std::collections::BTreeSet<&str> =
        [WrongPassword, UnknownAccount, AccountDeactivated, AccountPending, AccountLocked, TooManyFromAddress].iter().map(|r| r.label()).collect();
    assert_eq!(reasons.iter().map(String::as_str).collect::<std::collections::BTreeSet<_>>(), expected, "every reason sign-in records, and only those");
    let masked = count("SELECT COUNT(*) FROM login_attempts WHERE org_id = $1 AND email = 'h••••• (not an email address)'").await;
    let unmasked = count("SELECT COUNT(*) FROM login_attempts WHERE org_id = $1 AND email LIKE '%hunter%'").await;
    assert!(masked > 0 && unmasked == 0, "identifiers that are not emails are stored masked: {masked}, {unmasked}");
    let span = count("SELECT MAX(created_at) - MIN(created_at) FROM login_attempts WHERE org_id = $1").await;
    assert!(span > 85 * 24 * 3600 * 1000, "spread over the 90 days of retention: {span} ms");
}

#[tokio::test]
async fn a_backup_taken_while_the_server_writes_is_a_consistent_database() {
    let app = spawn_app().await;
    let org = app.create_org("acme", "Acme").await;
    app.add_user(&org, "ada@example.com", "Ada Lovelace", app::auth::types::BuiltinRole::Owner).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("roster-backup.db");
    if postgres_url().is_some() {
        let err = server::cli::backup(&app.db_url, &file).await.unwrap_err();
        assert!(err.contains("pg_dump"), "{err}");
        return;
    }
    let owner = app.signed_in("ada@example.com").await;
    let roles: Vec<app::users::account::RoleOption> = app.call(&owner, "/api/invite_roles", &[]).await.json().await.unwrap();
    let member = roles.into_iter().find(|r| r.name == "Member").unwrap().id;
    // Invitations go on being written (each with its pending user and its outbox message)
    // while the backup runs.
    let writer = {
        let (owner, url) = (owner.clone(), app.url("/api/invite_user"));
        tokio::spawn(async move {
            for i in 0..40 {
                let invitation = serde_json::json!({ "invitation": { "email": format!("person{i}@example.com"), "role_id": member, "message": "" } });
                assert_eq!(owner.post(&url).json(&invitation).send().await.unwrap().status(), 200);
            }
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let said = server::cli::backup(&app.db_url, &file).await.unwrap();
    assert!(said.starts_with("Backed up to") && said.contains("To restore"), "{said}");
    writer.await.unwrap();

    let copy = app::server::db::Db::connect(&format!("sqlite://{}", file.display())).await.unwrap();
    let check: String = on_db!(&copy, pool => sqlx::query_scalar("PRAGMA integrity_check").fetch_one(pool).await).unwrap();
    assert_eq!(check, "ok");
    let (invitations, orphans): (i64, i64) = on_db!(&copy, pool => sqlx::query_as(
        "SELECT COUNT(*), COUNT(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM email_outbox o WHERE o.invitation_id = i.id)
                                          OR NOT EXISTS (SELECT 1 FROM users u WHERE u.id = i.user_id))
         FROM invitations i").fetch_one(pool).await).unwrap();
    assert_eq!(orphans, 0, "every invitation in the copy has its pending user and its email");
    assert!(invitations <= 40);
    let people: i64 = on_db!(&copy, pool => sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email = 'ada@example.com'").fetch_one(pool).await).unwrap();
    assert_eq!(people, 1, "the copy holds what was there before it began");
    copy.close().await;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600, "readable by its owner alone");
    }

    let again = server::cli::backup(&app.db_url, &file).await.unwrap_err();
    assert!(again.contains("already exists"), "{again}");
}

/// A `DATABASE_URL` naming a file that does not exist, or one that is not Roster's, is an
/// error, and leaves neither a new database nor a copy behind; the real command says so and
/// exits non-zero, and backs up a real database.
#[tokio::test]
async fn roster_backup_refuses_a_database_that_is_not_there_or_not_rosters() {
    if postgres_url().is_some() {
        return; // SQLite only: the Postgres answer is checked above.
    }
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("typo.db");
    let copy = dir.path().join("copy.db");
    let err = server::cli::backup(&format!("sqlite://{}", missing.display()), &copy).await.unwrap_err();
    assert!(err.contains("cannot back up"), "{err}");
    assert!(!missing.exists() && !copy.exists(), "no empty database made, no copy written");

    let other = dir.path().join("other.db");
    let foreign = app::server::db::Db::connect(&format!("sqlite://{}", other.display())).await.unwrap();
    on_db!(&foreign, pool => sqlx::query("CREATE TABLE notes (body TEXT)").execute(pool).await.map(|_| ())).unwrap();
    foreign.close().await;
    let err = server::cli::backup(&format!("sqlite://{}", other.display()), &copy).await.unwrap_err();
    assert!(err.contains("no Roster database"), "{err}");
    assert!(!copy.exists());

    // The command itself, as an operator runs it.
    let (url, _db_dir) = database_url().await;
    server::cli::org_create(&url, "acme", "Acme").await.unwrap();
    let run = |url: String, file: std::path::PathBuf| {
        std::process::Command::new(env!("CARGO_BIN_EXE_roster"))
            .arg("backup")
            .arg(file)
            .env("DATABASE_URL", url)
            .env_remove("ROSTER_METRICS_ADDR")
            .output()
            .unwrap()
    };
    let out = run(format!("sqlite://{}", missing.display()), copy.clone());
    assert!(!out.status.success(), "a missing database fails the command");
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot back up"), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!missing.exists() && !copy.exists());
    let out = run(url, copy.clone());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Backed up to"));
    let restored = app::server::db::Db::connect(&format!("sqlite://{}", copy.display())).await.unwrap();
    let orgs: i64 = on_db!(&restored, pool => sqlx::query_scalar("SELECT COUNT(*) FROM organizations WHERE slug = 'acme'").fetch_one(pool).await).unwrap();
    assert_eq!(orgs, 1);
}

#[tokio::test]
async fn seeded_audit_events_chain_like_written_ones_and_the_bulk_path_gives_every_index_back() {
    let app = spawn_app().await;
    let org = app.create_org("acme", "Acme").await;
    app.add_user(&org, "ada@example.com", "Ada Lovelace", app::auth::types::BuiltinRole::Owner).await;
    server::seed::seed_with(&app.db, "acme", 200, 1, false).await.unwrap();
    let schema = schema_of(&app, &["audit_events"]).await;
    server::seed::seed_audit(&app.db, "acme", 300, 1, 1_000_000).await.unwrap();
    server::seed::seed_audit(&app.db, "acme", 2_500, 2, 0).await.unwrap();
    assert_eq!(schema_of(&app, &["audit_events"]).await, schema, "the bulk load gave back every index");
    // A real event chains on after the seeded ones.
    let owner = app.signed_in_at("ada@example.com", "acme").await;
    let someone = app.scalar_text("SELECT id FROM users WHERE org_id = $1 AND status = 'active' AND email <> 'ada@example.com' LIMIT 1", &org.id).await;
    assert_eq!(app.call(&owner, "/api/set_user_active", &[("id", &someone), ("active", "false")]).await.status(), 200);
    let verified = server::cli::audit_verify(&app.db_url, "acme").await.unwrap();
    assert!(verified.contains("is intact, 2801 events"), "{verified}");
}

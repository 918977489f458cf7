//! The Sessions list, Revoke and Revoke all, and one's own sessions on Your account.

use crate::helpers::*;
use app::auth::types::BuiltinRole;
use app::error::AppError;
use app::sessions::types::{EndReason, RevokedSession, SessionList};

struct Acme {
    app: TestApp,
    ada: String,
}

async fn acme() -> Acme {
    let app = spawn_app().await;
    let org = app.create_org("acme", "Acme").await;
    app.add_user(&org, "owner@example.com", "Olive Owner", BuiltinRole::Owner).await;
    let ada = app.add_user(&org, "ada@example.com", "Ada Lovelace", BuiltinRole::Member).await;
    app.add_user(&org, "max@example.com", "Max Member", BuiltinRole::Member).await;
    Acme { app, ada }
}

async fn sessions(app: &TestApp, client: &reqwest::Client, form: &[(&str, &str)]) -> SessionList {
    let res = app.call(client, "/api/list_sessions", form).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

fn session_of<'a>(list: &'a SessionList, email: &str) -> &'a app::sessions::types::SessionSummary {
    list.sessions.iter().find(|s| s.user_email == email).expect("a session of that user")
}

#[tokio::test]
async fn a_revoked_session_is_refused_on_its_very_next_request() {
    let Acme { app, .. } = acme().await;
    let owner = app.signed_in("owner@example.com").await;
    let ada = app.signed_in("ada@example.com").await;
    let list = sessions(&app, &owner, &[]).await;
    let target = session_of(&list, "ada@example.com").clone();
    assert!(session_of(&list, "owner@example.com").current, "the viewer's own is marked");
    assert!(!target.current && target.ended.is_none());
    assert_eq!(target.device, "Chrome on Linux");

    let res = app.call(&owner, "/api/revoke_session", &[("id", &target.id)]).await;
    assert_eq!(res.status(), 200);
    let revoked: RevokedSession = res.json().await.unwrap();
    assert_eq!((revoked.user_name.as_str(), revoked.device.as_str(), revoked.own), ("Ada Lovelace", "Chrome on Linux", false));

    // Her next page load lands on sign-in, saying why, and her browser forgets the cookie;
    // a server function answers 401.
    let page = ada.get(app.url("/users")).send().await.unwrap();
    assert_eq!(page.status(), 303);
    assert_eq!(page.headers()["location"], "/login?session=ended");
    assert!(session_cookie(&page).is_some_and(|c| c.contains("Max-Age=0")));
    assert_eq!(app.call(&ada, "/api/current_user", &[]).await.status(), 401);
    let login = browser().get(app.url("/login?session=ended")).send().await.unwrap().text().await.unwrap();
    assert!(login.contains("Your session has ended. Please sign in again."));

    // The list shows it Ended, revoked; the audit trail has it.
    let list = sessions(&app, &owner, &[("status", "ended")]).await;
    let ended = list.sessions.iter().find(|s| s.id == target.id).expect("listed as ended");
    assert_eq!(ended.ended.map(|(_, r)| r), Some(EndReason::Revoked));
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM audit_events WHERE action = $1", "session.revoked").await, 1);
    assert!(sessions(&app, &owner, &[("status", "active")]).await.sessions.iter().all(|s| s.id != target.id));
}

#[tokio::test]
async fn revoking_ones_own_session_signs_one_out() {
    let Acme { app, .. } = acme().await;
    let owner = app.signed_in("owner@example.com").await;
    let own = session_of(&sessions(&app, &owner, &[]).await, "owner@example.com").id.clone();
    let res = app.call(&owner, "/api/revoke_session", &[("id", &own)]).await;
    assert_eq!(res.status(), 200);
    assert!(session_cookie(&res).is_some_and(|c| c.contains("Max-Age=0")));
    assert!(res.json::<RevokedSession>().await.unwrap().own);
    assert_eq!(app.call(&owner, "/api/current_user", &[]).await.status(), 401);
}

#[tokio::test]
async fn revoke_all_ends_every_session_of_the_user_and_keeps_the_viewers_own() {
    let Acme { app, ada } = acme().await;
    let owner = app.signed_in("owner@example.com").await;
    let ada_laptop = app.signed_in("ada@example.com").await;
    let ada_phone = app.signed_in("ada@example.com").await;
    let res = app.call(&owner, "/api/revoke_user_sessions", &[("id", &ada)]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<(String, u64)>().await.unwrap(), ("Ada Lovelace".to_owned(), 2));
    for client in [&ada_laptop, &ada_phone] {
        assert_eq!(app.call(client, "/api/current_user", &[]).await.status(), 401);
    }
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM audit_events WHERE action = $1", "sessions.revoked_all").await, 1);

    // Revoking all of one's own keeps the session it is done from.
    let owner_id: String = on_db!(&app.db, pool => sqlx::query_scalar::<_, String>("SELECT id FROM users WHERE email = 'owner@example.com'").fetch_one(pool).await).unwrap();
    let other_owner = app.signed_in("owner@example.com").await;
    let res = app.call(&owner, "/api/revoke_user_sessions", &[("id", &owner_id)]).await;
    assert_eq!(res.json::<(String, u64)>().await.unwrap().1, 1);
    assert_eq!(app.call(&owner, "/api/current_user", &[]).await.status(), 200);
    assert_eq!(app.call(&other_owner, "/api/current_user", &[]).await.status(), 401);
}

#[tokio::test]
async fn sessions_and_revoking_need_their_permissions_and_stay_in_the_organization() {
    let Acme { app, ada } = acme().await;
    let globex = app.create_org("globex", "Globex").await;
    app.add_user(&globex, "hank@globex.com", "Hank Scorpio", BuiltinRole::Owner).await;
    let ada_client = app.signed_in_at("ada@example.com", "acme").await;
    let ada_session: String = on_db!(&app.db, pool => sqlx::query_scalar::<_, String>("SELECT id FROM sessions WHERE user_id = $1").bind(&ada).fetch_one(pool).await).unwrap();

    let member = app.signed_in_at("max@example.com", "acme").await;
    for (path, form) in [
        ("/api/list_sessions", vec![]),
        ("/api/revoke_session", vec![("id", ada_session.as_str())]),
        ("/api/revoke_user_sessions", vec![("id", ada.as_str())]),
    ] {
        let res = app.call(&member, path, &form).await;
        assert_eq!(res.status(), 403, "{path}");
        assert_eq!(res.json::<AppError>().await.unwrap(), AppError::Forbidden);
    }
    // An Owner of another organization: this organization's ids do not exist for them.
    let hank = app.signed_in_at("hank@globex.com", "globex").await;
    assert_eq!(app.call(&hank, "/api/revoke_session", &[("id", &ada_session)]).await.status(), 404);
    assert_eq!(app.call(&hank, "/api/revoke_user_sessions", &[("id", &ada)]).await.status(), 404);
    assert_eq!(app.call(&hank, "/api/list_sessions", &[("user", &ada)]).await.status(), 404);
    assert!(sessions(&app, &hank, &[]).await.sessions.iter().all(|s| s.user_email == "hank@globex.com"));
    // Nothing changed.
    assert_eq!(app.call(&ada_client, "/api/current_user", &[]).await.status(), 200);
    // A user's own sessions are theirs alone.
    assert_eq!(app.call(&member, "/api/sign_out_session", &[("id", &ada_session)]).await.status(), 404);
    assert_eq!(app.call(&ada_client, "/api/current_user", &[]).await.status(), 200);
}

#[tokio::test]
async fn the_list_filters_by_status_user_and_the_start_of_a_name_or_email_and_pages_by_cursor() {
    let Acme { app, ada } = acme().await;
    let owner = app.signed_in("owner@example.com").await;
    for _ in 0..3 {
        app.signed_in("ada@example.com").await;
    }
    app.signed_in("max@example.com").await;
    // Sixty old sessions of Max's, ended long ago, for paging.
    let max: String = on_db!(&app.db, pool => sqlx::query_scalar::<_, String>("SELECT id FROM users WHERE email = 'max@example.com'").fetch_one(pool).await).unwrap();
    let org: String = on_db!(&app.db, pool => sqlx::query_scalar::<_, String>("SELECT id FROM organizations WHERE slug = 'acme'").fetch_one(pool).await).unwrap();
    for i in 0..60_i64 {
        on_db!(&app.db, pool => sqlx::query(
            "INSERT INTO sessions (id, token_hash, user_id, org_id, ip_address, user_agent, device, created_at, last_active_at, expires_at, ended_at, end_reason, name_key, email_key)
             VALUES ($1, $2, $3, $4, '10.0.0.1', '', 'Firefox on Windows', $5, $5, $6, $7, 'signed_out', 'max member', 'max@example.com')",
        )
        .bind(format!("old-{i:02}"))
        .bind(format!("hash-{i}"))
        .bind(&max)
        .bind(&org)
        .bind(1_000_000 + i)
        .bind(2_000_000 + i)
        .bind(1_500_000 + i)
        .execute(pool)
        .await
        .map(|_| ()))
        .unwrap();
    }

    let active = sessions(&app, &owner, &[("status", "active")]).await;
    assert_eq!(active.sessions.len(), 5, "owner, Ada three times, Max");
    assert!(active.sessions.iter().all(|s| s.ended.is_none()));
    assert!(active.sessions.windows(2).all(|w| w[0].last_active_at >= w[1].last_active_at), "most recent activity first");

    let of_ada = sessions(&app, &owner, &[("user", &ada)]).await;
    assert_eq!((of_ada.sessions.len(), of_ada.user_name.as_deref()), (3, Some("Ada Lovelace")));
    assert_eq!(sessions(&app, &owner, &[("search", "ADA")]).await.sessions.len(), 3, "the start of a name, any case");
    assert_eq!(sessions(&app, &owner, &[("search", "max@")]).await.sessions.len(), 50, "the start of an email: a full page");
    assert_eq!(sessions(&app, &owner, &[("search", "lovelace")]).await.sessions.len(), 0, "only the start of a name matches");

    // Ended, by pages: 60 old ones, newest first, then back.
    let first = sessions(&app, &owner, &[("status", "ended")]).await;
    assert_eq!(first.sessions.len(), 50);
    assert_eq!(first.sessions[0].id, "old-59");
    assert_eq!(first.sessions[0].ended.map(|(_, r)| r), Some(EndReason::SignedOut));
    assert!(first.prev_cursor.is_none());
    let next = first.next_cursor.clone().expect("a second page");
    let second = sessions(&app, &owner, &[("status", "ended"), ("after", &next)]).await;
    assert_eq!(second.sessions.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), (0..10).rev().map(|i| format!("old-{i:02}")).collect::<Vec<_>>());
    assert!(second.next_cursor.is_none());
    let back = sessions(&app, &owner, &[("status", "ended"), ("before", &second.prev_cursor.clone().unwrap())]).await;
    assert_eq!(back.sessions, first.sessions);

    // Bad filters are refused by field.
    for (name, value) in [("status", "zombie"), ("after", "%%%")] {
        let res = app.call(&owner, "/api/list_sessions", &[(name, value)]).await;
        assert_eq!(res.status(), 422, "{name}");
        assert!(res.json::<AppError>().await.unwrap().field_message(name).is_some());
    }
}

#[tokio::test]
async fn a_search_finds_the_same_sessions_whether_few_or_many_match_and_follows_a_rename() {
    let Acme { app, .. } = acme().await;
    let owner = app.signed_in("owner@example.com").await;
    app.signed_in("ada@example.com").await;
    server::seed::seed_with(&app.db, "acme", 400, 3, false).await.unwrap();
    let plan = server::seed::Plan { sessions: 12_000, seed: 3, ..Default::default() };
    server::seed::seed_activity(&app.db, "acme", plan, u64::MAX).await.unwrap();
    let org: String = on_db!(&app.db, pool => sqlx::query_scalar::<_, String>("SELECT id FROM organizations WHERE slug = 'acme'").fetch_one(pool).await).unwrap();
    // What a search must find, from the users' own keys (not the sessions' copies of them):
    // all of them, or those that have ended (as of `now`: signed out, revoked, timed out).
    let expected = |prefix: &'static str, ended: bool| {
        let (app, org) = (&app, org.clone());
        async move {
            let now = app::server::ids::now_ms();
            let idle_since = now - 8 * 3600 * 1000;
            let state = if ended { format!("AND (s.ended_at IS NOT NULL OR s.expires_at <= {now} OR s.last_active_at <= {idle_since})") } else { String::new() };
            let sql = format!(
                "SELECT s.id FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.org_id = $1
                 AND (u.name_key LIKE $2 OR u.email_key LIKE $2) {state} ORDER BY s.last_active_at DESC, s.id DESC LIMIT 100"
            );
            on_db!(&app.db, pool => sqlx::query_scalar::<_, String>(&sql).bind(&org).bind(format!("{prefix}%")).fetch_all(pool).await).unwrap()
        }
    };
    let starts_with_a = app
        .scalar_i64("SELECT COUNT(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.org_id = $1 AND u.name_key LIKE 'a%'", &org)
        .await;
    assert!(starts_with_a * 2 > 2_500, "\"a\" starts more names and emails than a search reads from the key indexes: {starts_with_a}");
    // Many matches (walked in activity order) and few (read from the key indexes and sorted),
    // two pages of each. A session can time out between the request and the check: then the
    // check before or the one after agrees.
    for prefix in ["a", "m", "ada", "zoe.z"] {
        for ended in [false, true] {
            let before = expected(prefix, ended).await;
            let mut form = vec![("search", prefix)];
            if ended {
                form.push(("status", "ended"));
            }
            let first = sessions(&app, &owner, &form).await;
            let mut got: Vec<String> = first.sessions.iter().map(|s| s.id.clone()).collect();
            if let Some(next) = &first.next_cursor {
                form.push(("after", next));
                got.extend(sessions(&app, &owner, &form).await.sessions.into_iter().map(|s| s.id));
            }
            let after = expected(prefix, ended).await;
            assert!(got == before || got == after, "{prefix:?} (ended: {ended}): {} found, {} expected", got.len(), before.len());
        }
    }

    // A rename reaches the user's sessions at once.
    app.execute("UPDATE users SET name = 'Zed Renamed', name_key = 'zed renamed' WHERE email_key = $1", "ada@example.com").await;
    let renamed = sessions(&app, &owner, &[("search", "zed ren")]).await;
    let of_ada = app.scalar_i64("SELECT COUNT(*) FROM sessions WHERE user_id = (SELECT id FROM users WHERE email_key = $1)", "ada@example.com").await;
    assert_eq!(renamed.sessions.len() as i64, of_ada.min(50));
    assert!(renamed.sessions.iter().all(|s| s.user_name == "Zed Renamed"));
    assert!(sessions(&app, &owner, &[("search", "ada lov")]).await.sessions.is_empty());
}

#[tokio::test]
async fn deactivation_and_expiry_show_as_ended_with_their_reason() {
    let Acme { app, ada } = acme().await;
    let owner = app.signed_in("owner@example.com").await;
    app.signed_in("ada@example.com").await;
    app.signed_in("max@example.com").await;
    assert_eq!(app.call(&owner, "/api/set_user_active", &[("id", &ada), ("active", "false")]).await.status(), 200);
    app.execute("UPDATE sessions SET expires_at = 5 WHERE user_id IN (SELECT id FROM users WHERE email = $1)", "max@example.com").await;
    let ended = sessions(&app, &owner, &[("status", "ended")]).await;
    assert_eq!(session_of(&ended, "ada@example.com").ended.map(|(_, r)| r), Some(EndReason::Deactivated));
    assert_eq!(session_of(&ended, "max@example.com").ended, Some((5, EndReason::Expired)));
}

#[tokio::test]
async fn your_account_lists_your_sessions_and_signs_out_of_them() {
    let Acme { app, .. } = acme().await;
    let laptop = app.signed_in("ada@example.com").await;
    let phone = app.signed_in("ada@example.com").await;
    let tablet = app.signed_in("ada@example.com").await;
    app.signed_in("max@example.com").await;

    let mine: SessionList = app.call(&laptop, "/api/my_sessions", &[]).await.json().await.unwrap();
    assert_eq!(mine.sessions.len(), 3, "only her own");
    assert_eq!(mine.sessions.iter().filter(|s| s.current).count(), 1);
    let phone_id = app.call(&phone, "/api/my_sessions", &[]).await.json::<SessionList>().await.unwrap().sessions.into_iter().find(|s| s.current).unwrap().id;

    let res = app.call(&laptop, "/api/sign_out_session", &[("id", &phone_id)]).await;
    assert!(!res.json::<bool>().await.unwrap(), "not the current one");
    assert_eq!(app.call(&phone, "/api/current_user", &[]).await.status(), 401);
    assert_eq!(app.call(&laptop, "/api/sign_out_other_sessions", &[]).await.json::<u64>().await.unwrap(), 1);
    assert_eq!(app.call(&tablet, "/api/current_user", &[]).await.status(), 401);
    assert_eq!(app.call(&laptop, "/api/current_user", &[]).await.status(), 200);
    let ended: Vec<Option<String>> = on_db!(&app.db, pool => sqlx::query_scalar::<_, Option<String>>(
        "SELECT end_reason FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = 'ada@example.com' AND s.ended_at IS NOT NULL",
    ).fetch_all(pool).await).unwrap();
    assert_eq!(ended, [Some("signed_out".to_owned()), Some("signed_out".to_owned())]);
}

#[tokio::test]
async fn ended_sessions_and_old_attempts_are_pruned_past_their_retention() {
    let Acme { app, .. } = acme().await;
    app.signed_in("ada@example.com").await;
    let day = 86_400_000_i64;
    let now = app::server::ids::now_ms();
    // 1,200 sessions that ended 40 days ago, one that ended 10 days ago; 1,100 attempts from
    // 100 days ago: more than two batches each.
    let org: String = on_db!(&app.db, pool => sqlx::query_scalar::<_, String>("SELECT id FROM organizations WHERE slug = 'acme'").fetch_one(pool).await).unwrap();
    let ada: String = on_db!(&app.db, pool => sqlx::query_scalar::<_, String>("SELECT id FROM users WHERE email = 'ada@example.com'").fetch_one(pool).await).unwrap();
    for i in 0..1_201_i64 {
        let at = if i == 1_200 { now - 10 * day } else { now - 40 * day };
        on_db!(&app.db, pool => sqlx::query(
            "INSERT INTO sessions (id, token_hash, user_id, org_id, ip_address, user_agent, device, created_at, last_active_at, expires_at, ended_at, end_reason)
             VALUES ($1, $1, $2, $3, '10.0.0.1', '', 'Firefox on Windows', $4, $4, $4, $4, 'signed_out')",
        ).bind(format!("old-{i}")).bind(&ada).bind(&org).bind(at).execute(pool).await.map(|_| ())).unwrap();
    }
    for i in 0..1_100_i64 {
        on_db!(&app.db, pool => sqlx::query(
            "INSERT INTO login_attempts (id, org_id, email, email_key, ip_address, user_agent, status, created_at) VALUES ($1, $2, 'a@x.io', 'a@x.io', '10.0.0.1', '', 'failed', $3)",
        ).bind(format!("old-{i}")).bind(&org).bind(now - 100 * day).execute(pool).await.map(|_| ())).unwrap();
    }
    let pruned = server::retention::prune(&app::auth::server::guard::Operator::new(app.db.clone()), &app::server::state::Settings::default(), now).await.unwrap();
    assert_eq!((pruned.sessions, pruned.login_attempts), (1_200, 1_100));
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM sessions WHERE id = $1", "old-1200").await, 1, "ended 10 days ago: kept");
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM sessions WHERE ended_at IS NULL AND $1 = $1", "").await, 1, "the live session is kept");
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM login_attempts WHERE $1 = $1", "").await, 1, "the recent sign-in is kept");
}

#[tokio::test]
async fn an_admin_cannot_end_an_owners_sessions_but_may_end_their_own_and_a_members() {
    let app = spawn_app().await;
    let org = app.create_org("acme", "Acme").await;
    let owner_id = app.add_user(&org, "owner@example.com", "Olive Owner", BuiltinRole::Owner).await;
    let ada = app.add_user(&org, "ada@example.com", "Ada Lovelace", BuiltinRole::Member).await;
    let grace = app.add_user(&org, "grace@example.com", "Grace Admin", BuiltinRole::Admin).await;
    let owner = app.signed_in("owner@example.com").await;
    let admin = app.signed_in("grace@example.com").await;
    app.signed_in("ada@example.com").await;

    // The list offers Revoke on the Member's and her own, not on the Owner's.
    let list = sessions(&app, &admin, &[]).await;
    assert!(!session_of(&list, "owner@example.com").revocable, "an Owner's session is not offered");
    assert!(session_of(&list, "ada@example.com").revocable);
    assert!(session_of(&list, "grace@example.com").revocable);
    let users: app::users::types::UserList = app.call(&admin, "/api/list_users", &[]).await.json().await.unwrap();
    let olive = users.users.iter().find(|u| u.email == "owner@example.com").unwrap();
    assert!(olive.outranks_viewer, "the Users row offers nothing that would change the Owner");
    assert!(users.users.iter().filter(|u| u.email != "owner@example.com").all(|u| !u.outranks_viewer));

    // Refused, saying why, and nothing ends.
    let owners_session = session_of(&list, "owner@example.com").id.clone();
    let res = app.call(&admin, "/api/revoke_session", &[("id", &owners_session)]).await;
    assert_eq!(res.status(), 403);
    let err: AppError = res.json().await.unwrap();
    assert_eq!(err.to_string(), "Olive Owner holds a role with permissions you don't have, so you can't end their sessions.");
    let res = app.call(&admin, "/api/revoke_user_sessions", &[("id", &owner_id)]).await;
    assert_eq!(res.status(), 403);
    assert_eq!(app.call(&owner, "/api/current_user", &[]).await.status(), 200, "the Owner is still signed in");
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM audit_events WHERE action LIKE $1", "session%").await, 0);

    // A Member's, and her own other sessions, she may end; the Owner may end hers.
    assert_eq!(app.call(&admin, "/api/revoke_user_sessions", &[("id", &ada)]).await.status(), 200);
    app.signed_in("grace@example.com").await;
    assert_eq!(app.call(&admin, "/api/revoke_user_sessions", &[("id", &grace)]).await.status(), 200);
    assert_eq!(app.call(&admin, "/api/current_user", &[]).await.status(), 200, "her current session is kept");
    assert_eq!(app.call(&owner, "/api/revoke_user_sessions", &[("id", &grace)]).await.status(), 200);
    assert_eq!(app.call(&admin, "/api/current_user", &[]).await.status(), 401);
}

//! The Users list's filters, sort, search and keyset pages, through the server function.

use crate::helpers::*;
use app::auth::types::BuiltinRole;
use app::error::AppError;
use app::server::clock::Clock;
use app::server::state::Settings;
use app::users::types::{LastLogin, Total, UserList};

async fn list(app: &TestApp, client: &reqwest::Client, params: &[(&str, &str)]) -> UserList {
    let res = app.call(client, "/api/list_users", params).await;
    assert_eq!(res.status(), 200, "{params:?}");
    res.json().await.unwrap()
}

fn emails(list: &UserList) -> Vec<&str> {
    list.users.iter().map(|u| u.email.as_str()).collect()
}

async fn team(app: &TestApp) -> reqwest::Client {
    let org = app.create_org("acme", "Acme").await;
    app.add_user(&org, "ada@example.com", "Ada Lovelace", BuiltinRole::Owner).await;
    app.add_user(&org, "grace@navy.example", "Grace Hopper", BuiltinRole::Admin).await;
    app.add_user(&org, "alan@example.com", "Alan Turing", BuiltinRole::Member).await;
    app.add_user(&org, "edsger@example.com", "Edsger Dijkstra", BuiltinRole::Member).await;
    app.add_user(&org, "barbara_l@example.com", "Barbara Liskov", BuiltinRole::Member).await;
    app.execute("UPDATE users SET status = 'inactive' WHERE email = $1", "alan@example.com").await;
    let other = app.create_org("globex", "Globex").await;
    app.add_user(&other, "ada@globex.example", "Ada Other", BuiltinRole::Owner).await;
    app.signed_in_at("ada@example.com", "acme").await
}

#[tokio::test]
async fn search_matches_any_part_of_a_name_or_email_ignoring_case() {
    let app = spawn_app().await;
    let client = team(&app).await;

    assert_eq!(emails(&list(&app, &client, &[("search", "HOPP")]).await), ["grace@navy.example"]);
    assert_eq!(emails(&list(&app, &client, &[("search", "navy.ex")]).await), ["grace@navy.example"]);
    // One or two characters match the start of a name or email (any part would be nearly
    // everyone, and the rare ones could only be found by reading every row).
    assert_eq!(emails(&list(&app, &client, &[("search", "ED")]).await), ["edsger@example.com"]);
    assert_eq!(emails(&list(&app, &client, &[("search", "a")]).await), ["ada@example.com", "alan@example.com"]);
    assert!(emails(&list(&app, &client, &[("search", "ur")]).await).is_empty(), "not inside Turing");
    let wildcard = list(&app, &client, &[("search", "a_l")]).await;
    assert_eq!(emails(&wildcard), ["barbara_l@example.com"], "_ is a character, not a wildcard");
    let nothing = list(&app, &client, &[("search", "zzz")]).await;
    assert!(nothing.users.is_empty() && nothing.total == Total::Exact(0));
    let ada = list(&app, &client, &[("search", "ada")]).await;
    assert_eq!(emails(&ada), ["ada@example.com"], "another organization's Ada never shows");
}

#[tokio::test]
async fn status_and_role_filters_narrow_the_list() {
    let app = spawn_app().await;
    let client = team(&app).await;

    assert_eq!(emails(&list(&app, &client, &[("status", "inactive")]).await), ["alan@example.com"]);
    assert_eq!(emails(&list(&app, &client, &[("role", "Admin")]).await), ["grace@navy.example"]);
    let members = list(&app, &client, &[("role", "Member"), ("status", "active")]).await;
    assert_eq!(emails(&members), ["barbara_l@example.com", "edsger@example.com"]);
    assert_eq!(members.total, Total::Exact(2));
}

/// Last login, at its edges, by a clock held still: a sign-in exactly 30 days ago is within
/// 30 days, a millisecond later it is not. "Not in N days" includes who never signed in;
/// **Never signed in** is them alone; it combines with the other filters.
#[tokio::test]
async fn the_last_login_filter_keeps_who_has_not_signed_in_since_its_cutoff() {
    const DAY: i64 = 86_400_000;
    let now = app::server::ids::now_ms();
    let clock = Clock::fixed(now);
    let app = spawn_app_with(Settings { clock: clock.clone(), ..Settings::default() }).await;
    // Ada signs in (just now); Edsger never has.
    let client = team(&app).await;
    for (email, days_ago) in [("grace@navy.example", 30), ("alan@example.com", 200), ("barbara_l@example.com", 400)] {
        let at = now - days_ago * DAY;
        app.execute(&format!("UPDATE users SET last_login_at = {at} WHERE email = $1"), email).await;
    }

    let within = list(&app, &client, &[("last_login", "30d")]).await;
    assert_eq!(emails(&within), ["alan@example.com", "barbara_l@example.com", "edsger@example.com"], "Grace, exactly 30 days ago, is within");
    assert_eq!(within.total, Total::Exact(3));
    clock.set(now + 1);
    let after = list(&app, &client, &[("last_login", "30d")]).await;
    assert_eq!(emails(&after), ["alan@example.com", "barbara_l@example.com", "edsger@example.com", "grace@navy.example"], "a millisecond later she is not");
    for (choice, expected) in [
        ("90d", &["alan@example.com", "barbara_l@example.com", "edsger@example.com"][..]),
        ("180d", &["alan@example.com", "barbara_l@example.com", "edsger@example.com"][..]),
        ("1y", &["barbara_l@example.com", "edsger@example.com"][..]),
        ("never", &["edsger@example.com"][..]),
    ] {
        assert_eq!(emails(&list(&app, &client, &[("last_login", choice)]).await), expected, "{choice}");
    }
    let inactive = list(&app, &client, &[("last_login", "90d"), ("status", "inactive")]).await;
    assert_eq!(emails(&inactive), ["alan@example.com"]);
    let members = list(&app, &client, &[("last_login", "1y"), ("role", "Member"), ("sort", "last_login"), ("dir", "desc")]).await;
    assert_eq!(emails(&members), ["barbara_l@example.com", "edsger@example.com"], "newest sign-in first, never last");
    assert_eq!(emails(&list(&app, &client, &[("last_login", "never"), ("search", "dijk")]).await), ["edsger@example.com"]);
}

#[tokio::test]
async fn every_column_sorts_both_ways() {
    let app = spawn_app().await;
    let client = team(&app).await;

    let by_email_desc = list(&app, &client, &[("sort", "email"), ("dir", "desc")]).await;
    assert_eq!(
        emails(&by_email_desc),
        ["grace@navy.example", "edsger@example.com", "barbara_l@example.com", "alan@example.com", "ada@example.com"]
    );
    let by_status = list(&app, &client, &[("sort", "status")]).await;
    assert_eq!(emails(&by_status).last(), Some(&"alan@example.com"), "active before inactive");
    let by_login = list(&app, &client, &[("sort", "last_login"), ("dir", "desc")]).await;
    assert_eq!(emails(&by_login)[0], "ada@example.com", "the only one who signed in comes first");
}

/// The ids the list must show for `filters` in this order, by a plain query that shares no
/// code with the list's: every matching row, sorted whole. `now` is the server's clock, for
/// the Last login filter.
async fn expected_ids(app: &TestApp, filters: &[(&str, &str)], sort: &str, dir: &str, now: i64) -> Vec<String> {
    let mut sql = "SELECT u.id FROM users u JOIN organizations o ON o.id = u.org_id WHERE o.slug = 'acme'".to_owned();
    for (name, value) in filters {
        match *name {
            "search" => sql += &format!(" AND (u.name_key LIKE '{value}%' OR u.email_key LIKE '{value}%')"),
            "role" => {
                sql += &format!(
                    " AND EXISTS (SELECT 1 FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE ur.user_id = u.id AND r.name = '{value}')"
                )
            }
            "status" => sql += &format!(" AND u.status = '{value}'"),
            "last_login" => {
                let cutoff = LastLogin::from_key(value).unwrap().cutoff(now);
                sql += &format!(" AND (u.last_login_at IS NULL OR u.last_login_at < {cutoff})");
            }
            other => panic!("no filter {other}"),
        }
    }
    let keys = match sort {
        "name" => vec!["u.name_key"],
        "email" => vec!["u.email_key"],
        "last_login" => vec!["COALESCE(u.last_login_at, 0)"],
        _ => vec!["u.status", "u.name_key"],
    };
    let order: Vec<String> = keys.iter().chain(&["u.id"]).map(|k| format!("{k} {dir}")).collect();
    sql += &format!(" ORDER BY {}", order.join(", "));
    on_db!(&app.db, pool => sqlx::query_scalar::<_, String>(&sql).fetch_all(pool).await).unwrap()
}

/// Next and Previous, for every sort and the filters each plan serves: all users; a short
/// search sorted by name or email (two parts merged); a short search with a role (the role's
/// own indexes, ranged); a role and status (the copies of the keys in `user_roles`).
#[tokio::test]
async fn keyset_pages_walk_every_user_once_in_order() {
    let now = app::server::ids::now_ms();
    let app = spawn_app_with(Settings { clock: Clock::fixed(now), ..Settings::default() }).await;
    let client = team(&app).await;
    server::seed::seed_with(&app.db, "acme", 150, 9, false).await.unwrap();
    // Emails that start with "a" for names that do not: the part of a short search that is
    // not a range of the name order. Changed after the roles were granted, so the role's
    // copies of the keys must follow (migration 0002's triggers).
    app.execute(
        "UPDATE users SET email = 'a' || email, email_key = 'a' || email_key, status = 'inactive'
         WHERE name_key >= 'n' AND org_id = (SELECT id FROM organizations WHERE slug = $1)",
        "acme",
    )
    .await;
    let filter_sets: [&[(&str, &str)]; 6] = [
        &[],
        &[("search", "a")],
        &[("search", "a"), ("role", "Member")],
        &[("role", "Member"), ("status", "inactive")],
        &[("last_login", "90d")],
        &[("last_login", "30d"), ("role", "Member"), ("status", "active")],
    ];

    for filters in filter_sets {
        for (sort, dir) in [("name", "asc"), ("email", "desc"), ("last_login", "asc"), ("status", "desc")] {
            let expected = expected_ids(&app, filters, sort, dir, now).await;
            assert!(expected.len() > 50, "{filters:?}: enough rows for three pages ({})", expected.len());
            let base: Vec<(&str, &str)> = [("sort", sort), ("dir", dir), ("size", "25")].into_iter().chain(filters.iter().copied()).collect();
            let mut seen = Vec::new();
            let mut pages: Vec<Vec<String>> = Vec::new();
            let mut after: Option<String> = None;
            loop {
                let mut params = base.clone();
                if let Some(cursor) = &after {
                    params.push(("after", cursor.as_str()));
                }
                let page = list(&app, &client, &params).await;
                assert!(page.users.len() <= 25);
                assert_eq!(page.total, Total::Exact(expected.len() as i64), "{filters:?} {sort}");
                assert_eq!(page.prev_cursor.is_some(), after.is_some(), "only the first page has no previous page");
                seen.extend(page.users.iter().map(|u| u.id.clone()));
                pages.push(page.users.iter().map(|u| u.id.clone()).collect());
                match page.next_cursor {
                    Some(cursor) => after = Some(cursor),
                    None => break,
                }
            }
            assert_eq!(seen, expected, "{filters:?} {sort} {dir}: every match exactly once, in order");

            // And back: from the last page, Previous shows each earlier page exactly as it was.
            let mut params = base.clone();
            let cursor = after.clone().unwrap();
            params.push(("after", cursor.as_str()));
            let mut page = list(&app, &client, &params).await;
            for expected in pages.iter().rev().skip(1) {
                let before = page.prev_cursor.clone().expect("a previous page");
                let mut params = base.clone();
                params.push(("before", before.as_str()));
                page = list(&app, &client, &params).await;
                let ids: Vec<String> = page.users.iter().map(|u| u.id.clone()).collect();
                assert_eq!(&ids, expected, "{filters:?} {sort} {dir}: the previous page");
                assert!(page.next_cursor.is_some());
            }
            assert_eq!(page.prev_cursor, None, "back at the first page");
        }
    }
}

#[tokio::test]
async fn bad_list_parameters_are_refused_with_the_parameter_named() {
    let app = spawn_app().await;
    let client = team(&app).await;

    for (param, value) in [("status", "gone"), ("last_login", "90"), ("sort", "age"), ("dir", "up"), ("size", "7"), ("after", "not-a-cursor")] {
        let res = app.call(&client, "/api/list_users", &[(param, value)]).await;
        assert_eq!(res.status(), 422, "{param}");
        let err: AppError = res.json().await.unwrap();
        assert!(err.field_message(param).is_some(), "{param}: {err:?}");
    }
}

#[tokio::test]
async fn the_users_page_renders_the_filters_in_its_url_on_the_server() {
    let app = spawn_app().await;
    let client = team(&app).await;

    let html = client.get(app.url("/users?search=hopper")).send().await.unwrap().text().await.unwrap();

    assert!(html.contains("grace@navy.example"));
    assert!(!html.contains("alan@example.com"));
}

/// The service reads a small set (a rare search or role) whole and walks the sort's index for
/// a big one. Both plans must give the same pages, so every driver is run on the same data.
#[tokio::test]
async fn every_plan_returns_the_same_pages() {
    use app::auth::server::guard::Operator;
    use app::users::server::repo::list::{count_matching, list_page, Driver, ListSpec, ShortPart};
    use app::users::types::UserSort;
    let app = spawn_app().await;
    let _client = team(&app).await;
    server::seed::seed_with(&app.db, "acme", 120, 5, false).await.unwrap();
    let org_id: String = on_db!(&app.db, pool => sqlx::query_scalar::<_, String>(
        "SELECT id FROM organizations WHERE slug = 'acme'").fetch_one(pool).await).unwrap();
    let member: String = on_db!(&app.db, pool => sqlx::query_scalar::<_, String>(
        "SELECT id FROM roles WHERE org_id = $1 AND name = 'Member'").bind(&org_id).fetch_one(pool).await).unwrap();
    let org = Operator::new(app.db.clone()).org(&org_id);
    // Seeded sign-ins are spread over the last year: those before half a year ago.
    let stale = app::server::ids::now_ms() - 182 * 86_400_000;

    for sort in [UserSort::Name, UserSort::Email, UserSort::Status, UserSort::LastLogin] {
        let plain = [("ann", None, None), ("", Some(member.as_str()), None), ("ann", Some(member.as_str()), None), ("a", Some(member.as_str()), None), ("ma", None, None)];
        let stale = [("", None, Some(stale)), ("", Some(member.as_str()), Some(stale)), ("ma", None, Some(stale)), ("", None, Some(1))];
        for (search, role, login_before) in plain.into_iter().chain(stale) {
            let mut drivers = vec![Driver::Users];
            if login_before.is_some() {
                drivers.push(Driver::Login);
            }
            if role.is_some() {
                drivers.push(Driver::Role);
            }
            if search.len() < 3 && !search.is_empty() {
                drivers.push(Driver::Prefix);
            }
            if search.len() >= 3 {
                drivers.push(Driver::Search);
            }
            let mut results = Vec::new();
            for driver in drivers {
                let spec = ListSpec {
                    search,
                    status: Some("active"),
                    role_id: role,
                    login_before,
                    sort,
                    descending: true,
                    cursor: None,
                    backwards: false,
                    limit: 1000,
                    driver,
                    short: ShortPart::Either,
                };
                let ids: Vec<String> = list_page(&org, &spec).await.unwrap().into_iter().map(|r| r.id).collect();
                let count = count_matching(&org, &spec, driver, 10_000).await.unwrap();
                assert_eq!(count, ids.len() as i64, "{driver:?} counts what it lists");
                if spec.is_short_search() && spec.aligned_keys().is_some() && driver != Driver::Prefix {
                    // The two parts of a split short search: disjoint, together all of it.
                    let mut parts = Vec::new();
                    for short in [ShortPart::Aligned, ShortPart::Rest] {
                        let part = ListSpec { short, cursor: None, ..spec };
                        let rows = list_page(&org, &part).await.unwrap();
                        assert_eq!(count_matching(&org, &part, driver, 10_000).await.unwrap(), rows.len() as i64);
                        parts.extend(rows.into_iter().map(|r| r.id));
                    }
                    let mut whole = ids.clone();
                    whole.sort();
                    parts.sort();
                    assert_eq!(parts, whole, "{sort:?} {search:?} {driver:?}: the parts make the whole");
                }
                results.push((driver, ids));
            }
            let (first, rest) = results.split_first().unwrap();
            assert!(!first.1.is_empty(), "{sort:?} {search:?}: the data has matches");
            for other in rest {
                assert_eq!(other.1, first.1, "{sort:?} {search:?} {role:?}: {:?} and {:?} agree", first.0, other.0);
            }
        }
    }
}

/// Counting stops past 1,000 ("1,000+"). On Postgres a common search is not counted at all:
/// its planner's estimate is given as one ("about 6,000") when it is well past the cap, and
/// filters that bring it under are counted exactly.
#[tokio::test]
async fn a_common_search_is_counted_to_the_cap_or_estimated_as_such() {
    let app = spawn_app().await;
    let client = team(&app).await;
    server::seed::seed_with(&app.db, "acme", 6_000, 3, false).await.unwrap();
    let postgres = matches!(app.db, app::server::db::Db::Postgres(_));
    if postgres {
        // What autovacuum does after a load this size; the estimate comes from these statistics.
        on_db!(&app.db, pool => sqlx::query("ANALYZE users, user_roles").execute(pool).await.map(|_| ())).unwrap();
    }

    // Every seeded email's domain has "example" in it.
    let every = list(&app, &client, &[("search", "example")]).await;
    assert_eq!(every.users.len(), 50);
    match every.total {
        Total::About(n) if postgres => assert!((5_000..=7_500).contains(&n), "an estimate near 6,004: {n}"),
        total if postgres => panic!("Postgres estimates a common search: {total:?}"),
        total => assert_eq!(total, Total::MoreThan(1_000), "SQLite counts to the cap"),
    }

    // Pending members: about 300 of them, estimated under the threshold, so counted exactly.
    let pending = list(&app, &client, &[("search", "example"), ("status", "pending"), ("role", "Member")]).await;
    let expected: i64 = on_db!(&app.db, pool => sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM users u JOIN user_roles ur ON ur.user_id = u.id JOIN roles r ON r.id = ur.role_id
         JOIN organizations o ON o.id = u.org_id
         WHERE o.slug = 'acme' AND r.name = 'Member' AND u.status = 'pending' AND u.email_key LIKE '%example%'")
        .fetch_one(pool).await).unwrap();
    assert!(expected > 50, "more than a page: {expected}");
    assert_eq!(pending.total, Total::Exact(expected));
}

/// One organization's "about N" is its own: another tenant full of a search's matches neither
/// pulls it up nor can be learnt from it. (Postgres's planner, whose statistics are of every
/// organization's rows, expects some 5,400 of Acme's 8,000 users to match "example"; Acme has
/// 105.)
#[tokio::test]
async fn another_organizations_users_never_pull_the_count() {
    let app = spawn_app().await;
    let client = team(&app).await;
    server::seed::seed_with(&app.db, "acme", 8_000, 3, false).await.unwrap();
    server::seed::seed_with(&app.db, "globex", 16_000, 4, false).await.unwrap();
    // All but 100 of Acme's seeded users get addresses without "example" in them.
    let acme: String = on_db!(&app.db, pool => sqlx::query_scalar("SELECT id FROM organizations WHERE slug = 'acme'")
        .fetch_one(pool).await).unwrap();
    app.execute(
        "UPDATE users SET email = replace(email, 'example', 'elsewhere'), email_key = replace(email_key, 'example', 'elsewhere')
         WHERE org_id = $1 AND id LIKE 'seed-%' AND id NOT IN
           (SELECT id FROM users WHERE org_id = $1 AND id LIKE 'seed-%' ORDER BY id LIMIT 100)",
        &acme,
    )
    .await;
    if matches!(app.db, app::server::db::Db::Postgres(_)) {
        on_db!(&app.db, pool => sqlx::query("ANALYZE users, user_roles").execute(pool).await.map(|_| ())).unwrap();
    }

    let found = list(&app, &client, &[("search", "example")]).await;
    assert_eq!(found.users.len(), 50);
    assert_eq!(found.total, Total::Exact(105), "Acme's 100 seeded matches and its own 5");
}

#[tokio::test]
async fn a_tampered_cursor_or_a_nul_is_refused_with_a_message_never_a_500() {
    let app = spawn_app().await;
    let owner = team(&app).await;
    let b64 = |json: &str| app::server::cursor::encode(&serde_json::from_str::<serde_json::Value>(json).unwrap());
    // Each decodes; none is a cursor the server wrote for that list and sort.
    let tampered = [
        b64(r#"[[{"Number":5}],"x"]"#),
        b64(r#"[[{"Text":"a"}],"x"]"#),
        b64(r#"[[],"x"]"#),
        b64(r#"[[{"Text":"a"},{"Number":1},{"Text":"b"}],"x"]"#),
        b64(r#"[[{"Number":9223372036854775807}],"x"]"#),
        b64(r#"[5,"x"]"#),
        b64(r#"["x",5]"#),
        b64(r#"[-9223372036854775808,""]"#),
        b64(r#"[[{"Text":"a\u0000"}],"x\u0000"]"#),
        b64(r#"[5,"x\u0000"]"#),
        "%%%".to_owned(),
    ];
    let lists: [(&str, &[(&str, &str)]); 7] = [
        ("/api/list_users", &[]),
        ("/api/list_users", &[("sort", "last_login")]),
        ("/api/list_users", &[("sort", "status"), ("search", "ada")]),
        ("/api/list_users", &[("sort", "email"), ("role", "Admin")]),
        ("/api/list_sessions", &[]),
        ("/api/list_sessions", &[("search", "ada")]),
        ("/api/list_login_attempts", &[("status", "failed")]),
    ];
    for path in ["/api/list_users", "/api/list_sessions", "/api/list_login_attempts"] {
        for search in ["a\u{0}b", "\u{0}", "ada@example.com\u{0}"] {
            let res = app.call(&owner, path, &[("search", search)]).await;
            let status = res.status().as_u16();
            assert_eq!(status, 400, "{path} search={search:?}: {}", res.text().await.unwrap_or_default());
        }
    }
    for (path, params) in lists {
        for cursor in &tampered {
            for side in ["after", "before"] {
                let mut form: Vec<(&str, &str)> = params.to_vec();
                form.push((side, cursor));
                let res = app.call(&owner, path, &form).await;
                let status = res.status().as_u16();
                // `[5,"x"]` and `[i64::MIN,""]` have the shape of a Sessions or Login Attempts
                // cursor (a time and an id): a position like any other, which names nothing
                // the viewer may not see. Every other one is refused beside its parameter.
                let i = tampered.iter().position(|c| c == cursor).unwrap_or(usize::MAX);
                let position = path != "/api/list_users" && (i == 5 || i == 7);
                let body = res.text().await.unwrap_or_default();
                if position {
                    assert_eq!(status, 200, "{path} {params:?} {side}={cursor}: {body}");
                } else {
                    assert_eq!(status, 422, "{path} {params:?} {side}={cursor}: {body}");
                    let err: AppError = serde_json::from_str(&body).unwrap();
                    assert!(err.field_message(side).is_some(), "the message names `{side}`: {body}");
                }
            }
        }
    }
}

//! Pages as a browser loads them: server-rendered, behind the session, with probes and headers.

use crate::helpers::*;
use app::auth::types::BuiltinRole;
use app::server::state::Settings;

#[tokio::test]
async fn a_page_without_a_session_goes_to_sign_in() {
    let app = spawn_app().await;
    for path in ["/", "/users", "/invitations", "/sessions", "/login-attempts", "/user-management", "/nowhere"] {
        let res = browser().get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 303, "{path}");
        assert_eq!(res.headers()["location"], "/login", "{path}");
    }
}

#[tokio::test]
async fn the_sign_in_page_is_public_and_has_its_labelled_fields() {
    let app = spawn_app().await;
    app.create_org("acme", "Acme").await;

    let res = browser().get(app.url("/login")).send().await.unwrap();

    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    // (Erased components end each text with a `<!>` marker: the closing tags are not compared.)
    for needle in [r#"<label for="email">Email"#, r#"<label for="password">Password"#, "Sign in"] {
        assert!(html.contains(needle), "missing {needle}");
    }
    assert!(!html.contains(r#"for="organization""#), "a single organization is never asked for");
}

#[tokio::test]
async fn with_two_organizations_sign_in_asks_which_and_finds_the_right_account() {
    let app = spawn_app().await;
    let acme = app.create_org("acme", "Acme").await;
    let globex = app.create_org("globex", "Globex").await;
    app.add_user(&acme, "sam@example.com", "Sam at Acme", BuiltinRole::Owner).await;
    app.add_user(&globex, "sam@example.com", "Sam at Globex", BuiltinRole::Owner).await;

    let html = browser().get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains(r#"for="organization""#));

    let client = browser();
    let ambiguous = app.login(&client, "sam@example.com", PASSWORD).await;
    assert_eq!(ambiguous.status(), 401);
    let res = client
        .post(app.url("/api/public/login"))
        .form(&[("email", "sam@example.com"), ("password", PASSWORD), ("organization", "globex")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let me: app::auth::types::SignedInUser = app.call(&client, "/api/current_user", &[]).await.json().await.unwrap();
    assert_eq!(me.name, "Sam at Globex");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_users_page_is_rendered_on_the_server_with_the_organizations_users() {
    let app = spawn_app().await;
    let org = app.create_org("acme", "Acme").await;
    app.add_user(&org, "ada@example.com", "Ada Lovelace", BuiltinRole::Owner).await;
    app.add_user(&org, "grace@example.com", "Grace Hopper", BuiltinRole::Member).await;
    let other = app.create_org("globex", "Globex").await;
    app.add_user(&other, "hank@globex.example", "Hank Scorpio", BuiltinRole::Owner).await;
    let client = app.signed_in("ada@example.com").await;

    let res = client.get(app.url("/users")).send().await.unwrap();

    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    for needle in ["Ada Lovelace", "grace@example.com", "Grace Hopper", "Owner", "Member", "Active", "Never", "Last Login", "Acme"] {
        assert!(html.contains(needle), "missing {needle}");
    }
    assert!(!html.contains("Hank"), "another organization's users never show");
    assert!(html.contains(r#"aria-current="page""#), "the current page is marked in the sidebar");
}

#[tokio::test]
async fn the_root_goes_to_users() {
    let app = spawn_app().await;
    let org = app.create_org("acme", "Acme").await;
    app.add_user(&org, "ada@example.com", "Ada Lovelace", BuiltinRole::Owner).await;
    let client = app.signed_in("ada@example.com").await;

    let res = client.get(app.url("/")).send().await.unwrap();

    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/users");
}

// On the threads of a multi-threaded runtime, as in production: a page whose reactive values
// may not move between threads fails here.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_renders_for_an_owner() {
    let app = spawn_app().await;
    let org = app.create_org("acme", "Acme").await;
    app.add_user(&org, "ada@example.com", "Ada Lovelace", BuiltinRole::Owner).await;
    let client = app.signed_in("ada@example.com").await;

    for (path, heading, column) in [
        ("/invitations", "Invitations", "Expires"),
        ("/sessions", "Sessions", "Last Active"),
        ("/login-attempts", "Login Attempts", "Reason"),
        ("/user-management", "User Management", "Troubleshooting"),
    ] {
        let res = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        let html = res.text().await.unwrap();
        assert!(html.contains(&format!("<h1>{heading}<")), "{path} heading");
        assert!(html.contains(column), "{path} shows {column}");
    }
}

#[tokio::test]
async fn the_sessions_and_login_attempts_pages_show_real_rows() {
    let app = spawn_app().await;
    let org = app.create_org("acme", "Acme").await;
    app.add_user(&org, "ada@example.com", "Ada Lovelace", BuiltinRole::Owner).await;
    app.login(&browser(), "ada@example.com", "wrong password here").await;
    let client = app.signed_in("ada@example.com").await;

    let sessions = client.get(app.url("/sessions")).send().await.unwrap().text().await.unwrap();
    assert!(sessions.contains("Chrome on Linux") && sessions.contains("127.0.0.1") && sessions.contains("This device"));

    let attempts = client.get(app.url("/login-attempts")).send().await.unwrap().text().await.unwrap();
    assert!(attempts.contains("Wrong password") && attempts.contains("Success") && attempts.contains("Failed"));
}

#[tokio::test]
async fn probes_answer_without_a_session() {
    let app = spawn_app().await;
    let live = browser().get(app.url("/healthz")).send().await.unwrap();
    assert_eq!((live.status().as_u16(), live.text().await.unwrap()), (200, "ok".to_owned()));
    let ready = browser().get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
}

#[tokio::test]
async fn the_readiness_probe_fails_when_the_database_is_gone() {
    let app = spawn_app().await;
    app.db.close().await;
    let ready = browser().get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 503);
}

#[tokio::test]
async fn responses_carry_security_headers_and_a_request_id() {
    let app = spawn_app().await;
    let res = browser().get(app.url("/login")).send().await.unwrap();
    let h = res.headers();
    assert!(h["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
    assert!(h.contains_key("referrer-policy"));
    assert!(!h["x-request-id"].is_empty());
    assert!(h["permissions-policy"].to_str().unwrap().contains("camera=()"));
    assert_eq!(h["cache-control"], "no-store", "pages carry personal data");
    assert!(!h.contains_key("strict-transport-security"), "not over a public URL of plain http");

    let https = spawn_app_with(Settings { public_url: "https://roster.example".into(), ..Settings::default() }).await;
    let res = browser().get(https.url("/login")).send().await.unwrap();
    assert_eq!(res.headers()["strict-transport-security"], "max-age=31536000");
}

#[tokio::test]
async fn client_files_go_out_precompressed_as_the_browser_accepts_and_cached_for_a_year() {
    // What `cargo leptos build --release --precompress` leaves in target/site/pkg: each file
    // beside its brotli and gzip forms (here with bodies that tell them apart).
    let site = tempfile::tempdir().unwrap();
    let pkg = site.path().join("pkg");
    std::fs::create_dir(&pkg).unwrap();
    for (suffix, body) in [("", "raw"), (".br", "brotli"), (".gz", "gzip")] {
        std::fs::write(pkg.join(format!("chunk_7.Ab3dEf.wasm{suffix}")), body).unwrap();
    }
    let app = spawn_app_serving(site.path().to_str().unwrap()).await;
    // No automatic decompression in this client: the bytes are what went over the wire.
    let client = reqwest::Client::new();
    for (accepts, sent, encoding) in [("br, gzip, deflate", "brotli", Some("br")), ("gzip", "gzip", Some("gzip")), ("identity", "raw", None)] {
        let res = client.get(app.url("/pkg/chunk_7.Ab3dEf.wasm")).header("accept-encoding", accepts).send().await.unwrap();
        assert_eq!(res.status(), 200, "{accepts}");
        let h = res.headers().clone();
        assert_eq!(h.get("content-encoding").map(|v| v.to_str().unwrap()), encoding, "{accepts}");
        assert_eq!(h["content-type"], "application/wasm", "{accepts}");
        assert_eq!(h["cache-control"], "public, max-age=31536000, immutable", "{accepts}: the name carries a content hash");
        assert!(h["vary"].to_str().unwrap().to_ascii_lowercase().contains("accept-encoding"), "{accepts}: caches keep the forms apart");
        assert_eq!(res.text().await.unwrap(), sent, "{accepts}: the file as built, not compressed again");
    }
    let res = client.get(app.url("/pkg/chunk_8.Gone00.wasm")).header("accept-encoding", "br").send().await.unwrap();
    assert_eq!(res.status(), 404, "a chunk a deploy removed");
    assert_ne!(res.headers().get("cache-control").map(|v| v.to_str().unwrap()), Some("public, max-age=31536000, immutable"), "a miss is never cached for a year");
    // The HTML that names the files is never cached.
    let res = client.get(app.url("/login")).header("accept-encoding", "br").send().await.unwrap();
    assert_eq!(res.headers()["cache-control"], "no-store");
}

/// The nonce a Content-Security-Policy allows scripts by.
fn nonce_of(csp: &str) -> Option<String> {
    csp.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).map(str::to_owned)
}

#[tokio::test]
async fn every_kind_of_response_carries_a_strict_policy_and_pages_run_only_their_own_scripts() {
    let app = spawn_app().await;
    let org = app.create_org("acme", "Acme").await;
    app.add_user(&org, "ada@example.com", "Ada Lovelace", BuiltinRole::Owner).await;
    let kinds = [
        ("the sign-in page", "GET", "/login"),
        ("the public invitation page", "GET", "/invitation?token=nonsense"),
        ("a signed-in page", "GET", "/users"),
        ("an error page", "GET", "/no-such-page"),
        ("a static file", "GET", "/favicon.svg"),
        ("a server function", "POST", "/api/current_user"),
        ("a probe", "GET", "/healthz"),
    ];
    let client = app.signed_in("ada@example.com").await;
    let mut nonces = Vec::new();
    for (kind, method, path) in kinds {
        let req = if method == "GET" { client.get(app.url(path)) } else { client.post(app.url(path)) };
        let res = req.send().await.unwrap();
        let h = res.headers().clone();
        let csp = h["content-security-policy"].to_str().unwrap().to_owned();
        for directive in ["object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'", "style-src 'self';"] {
            assert!(csp.contains(directive), "{kind}: {directive} in {csp}");
        }
        assert!(!csp.contains("unsafe-inline"), "{kind}: {csp}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{kind}");
        assert!(h["permissions-policy"].to_str().unwrap().contains("camera=()"), "{kind}");
        let html = h.get("content-type").is_some_and(|t| t.to_str().unwrap().starts_with("text/html"));
        let body = res.text().await.unwrap();
        if html && body.contains("<script") {
            let nonce = nonce_of(&csp).unwrap_or_else(|| panic!("{kind}: a page's scripts need a nonce: {csp}"));
            assert!(nonce.len() >= 16, "{kind}: a nonce of at least 96 bits");
            assert!(csp.contains("'strict-dynamic'") && csp.contains("'wasm-unsafe-eval'"), "{kind}: {csp}");
            let scripts = body.matches("<script").count();
            let allowed = body.matches(&format!("<script nonce=\"{nonce}\"")).count() + body.matches(&format!("<script type=\"module\" nonce=\"{nonce}\"")).count();
            assert_eq!(scripts, allowed, "{kind}: every inline script carries the nonce");
            nonces.push(nonce);
        } else {
            assert!(csp.contains("script-src 'none'"), "{kind}: nothing that is not a page runs a script: {csp}");
        }
        if !path.starts_with("/favicon") {
            assert_eq!(h["cache-control"], "no-store", "{kind}");
        }
    }
    assert!(nonces.len() >= 3, "the pages were checked: {nonces:?}");
    let mut distinct = nonces.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), nonces.len(), "a fresh nonce for every render");
}

#[tokio::test]
async fn a_request_whose_body_never_finishes_gets_503_at_the_timeout() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app_with(Settings { request_timeout: std::time::Duration::from_millis(500), ..Settings::default() }).await;
    let mut conn = tokio::net::TcpStream::connect(app.base.trim_start_matches("http://")).await.unwrap();
    // A body of 100 bytes promised, 5 sent, and then silence.
    let head = "POST /api/public/login HTTP/1.1\r\nHost: x\r\nSec-Fetch-Site: same-origin\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nemail";
    conn.write_all(head.as_bytes()).await.unwrap();
    let mut answer = vec![0; 4096];
    let read = tokio::time::timeout(std::time::Duration::from_secs(10), conn.read(&mut answer)).await.expect("an answer, not a hang").unwrap();
    let answer = String::from_utf8_lossy(&answer[..read]);
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
}

#[tokio::test]
async fn a_body_over_64_kib_is_refused_with_413_before_anything_reads_it() {
    let app = spawn_app().await;
    let org = app.create_org("acme", "Acme").await;
    app.add_user(&org, "ada@example.com", "Ada Lovelace", BuiltinRole::Owner).await;
    let huge = "x".repeat(server::middleware::BODY_LIMIT + 1);
    let res = browser().post(app.url("/api/public/login")).form(&[("email", "ada@example.com"), ("password", huge.as_str())]).send().await.unwrap();
    assert_eq!(res.status(), 413);
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM login_attempts WHERE email = $1", "ada@example.com").await, 0, "nothing was recorded");
    let fits = browser().post(app.url("/api/public/login")).form(&[("email", "ada@example.com"), ("password", PASSWORD)]).send().await.unwrap();
    assert_eq!(fits.status(), 200);
}

#[tokio::test]
async fn a_cross_site_write_is_refused() {
    let app = spawn_app().await;
    let org = app.create_org("acme", "Acme").await;
    app.add_user(&org, "ada@example.com", "Ada Lovelace", BuiltinRole::Owner).await;

    let res = browser()
        .post(app.url("/api/public/login"))
        .header("origin", "https://evil.example")
        .form(&[("email", "ada@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();

    assert_eq!(res.status(), 403);
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM sessions WHERE org_id = $1", &org.id).await, 0);

    // With the session cookie, a write must say where it comes from: a cross-site fetch, a
    // foreign origin, and neither header are refused, and nothing changes.
    let grace = app.add_user(&org, "grace@example.com", "Grace Hopper", BuiltinRole::Member).await;
    let signed_in = app.login(&browser(), "ada@example.com", PASSWORD).await;
    let jar = session_cookie(&signed_in).unwrap().split(';').next().unwrap().to_owned();
    for (name, value) in [("sec-fetch-site", "cross-site"), ("origin", "https://evil.example"), ("", "")] {
        let mut req = reqwest::Client::new().post(app.url("/api/set_user_active")).header("cookie", jar.as_str()).form(&[("id", grace.as_str()), ("active", "false")]);
        if !name.is_empty() {
            req = req.header(name, value);
        }
        assert_eq!(req.send().await.unwrap().status(), 403, "{name}: {value}");
    }
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM users WHERE status = 'active' AND id = $1", &grace).await, 1, "nothing changed");
    let same = reqwest::Client::new().post(app.url("/api/set_user_active")).header("cookie", jar.as_str()).header("sec-fetch-site", "same-origin").form(&[("id", grace.as_str()), ("active", "false")]).send().await.unwrap();
    assert_eq!(same.status(), 200, "the app's own page");
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM users WHERE status = 'inactive' AND id = $1", &grace).await, 1);
}

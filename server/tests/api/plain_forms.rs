//! The invitation page's forms posted by the browser itself, before (or without) the WASM:
//! the page sends no referrer, so the browser says `Origin: null`, and `Sec-Fetch-Site` tells
//! Roster's own page from another site's. Outcomes, messages and the session are those of the
//! hydrated page; the cross-site refusals hold as before.

use crate::helpers::*;
use crate::smtp::SmtpServer;
use app::auth::server::guard::Mailroom;
use app::auth::types::BuiltinRole;
use app::mail::server::service::send_due;
use app::mail::server::transport::Transport;
use reqwest::header::{LOCATION, SET_COOKIE};
use std::sync::Arc;

/// What Chromium sends with a form post from a `no-referrer` page.
const HTML: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

/// A browser's own form post: no cookie jar (the test carries cookies by hand), no redirects
/// followed, `Origin: null`, and `Sec-Fetch-Site` as given (none when `None`).
async fn post(app: &TestApp, path: &str, fetch_site: Option<&str>, cookie: Option<&str>, form: &[(&str, &str)]) -> reqwest::Response {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let mut req = client.post(app.url(path)).header("origin", "null").header("accept", HTML).form(form);
    if let Some(site) = fetch_site {
        req = req.header("sec-fetch-site", site);
    }
    if let Some(cookie) = cookie {
        req = req.header("cookie", cookie);
    }
    req.send().await.unwrap()
}

/// The `name=value` of the cookie a response sets under `name`.
fn cookie_set(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
}

struct Invitee {
    email: &'static str,
    token: String,
}

async fn invited(app: &TestApp, owner: &reqwest::Client, smtp: &SmtpServer, emails: &[&'static str]) -> Vec<Invitee> {
    let roles: Vec<app::users::account::RoleOption> = app.call(owner, "/api/invite_roles", &[]).await.json().await.unwrap();
    let member = roles.into_iter().find(|r| r.name == "Member").unwrap().id;
    for email in emails {
        let body = serde_json::json!({ "invitation": { "email": email, "role_id": member, "message": "" } });
        assert_eq!(owner.post(app.url("/api/invite_user")).json(&body).send().await.unwrap().status(), 200);
    }
    let transport = Arc::new(Transport::smtp(&smtp.url(), "Roster <roster@example.test>").unwrap());
    send_due(&Mailroom::new(app.db.clone(), "http://roster.example.test"), &transport).await.unwrap();
    smtp.wait_for(emails.len()).await;
    emails.iter().map(|email| Invitee { email, token: smtp.tokens_to(email).pop().unwrap() }).collect()
}

async fn status_of(app: &TestApp, email: &str) -> String {
    app.scalar_text("SELECT status FROM users WHERE email = $1", email).await
}

#[tokio::test]
async fn accept_and_decline_work_as_plain_form_posts_with_the_same_messages_and_session() {
    let app = spawn_app().await;
    let acme = app.create_org("acme", "Acme").await;
    app.add_user(&acme, "ada@example.com", "Ada Lovelace", BuiltinRole::Owner).await;
    let owner = app.signed_in("ada@example.com").await;
    let smtp = SmtpServer::start().await;
    let people = invited(&app, &owner, &smtp, &["nina@example.com", "otto@example.com"]).await;
    let (nina, otto) = (&people[0], &people[1]);
    let page_of = |token: &str| app::invitations::types::link_path(token);

    // A password the rules refuse: back to the invitation page, which shows the message
    // beside the field and the name as typed; nothing changed.
    let res = post(&app, "/api/public/accept_invitation", Some("same-origin"), None, &[("token", &nina.token), ("name", "Nina Newcomer"), ("password", "short")]).await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()[LOCATION].to_str().unwrap(), page_of(&nina.token));
    let kept = cookie_set(&res, "roster_form").expect("the outcome kept for the page");
    assert_eq!(status_of(&app, nina.email).await, "pending");
    let page = reqwest::Client::new().get(app.url(&page_of(&nina.token))).header("cookie", &kept).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.headers().get_all(SET_COOKIE).iter().any(|v| v.to_str().unwrap().starts_with("roster_form=;")), "read once");
    let html = page.text().await.unwrap();
    assert!(html.contains("Use at least 12 characters"), "the password's message: {html}");
    assert!(html.contains("value=\"Nina Newcomer\""), "the name as typed");
    // Without the cookie (read once, or another browser) the page shows no message.
    let again = reqwest::Client::new().get(app.url(&page_of(&nina.token))).send().await.unwrap().text().await.unwrap();
    assert!(!again.contains("Use at least 12 characters"));

    // Refused: another site (cross-site or same-site), or no Sec-Fetch-Site at all (with or
    // without a session cookie). The browser gets a page saying what to do; nothing changes.
    let session = session_cookie_of(&app, "ada@example.com").await;
    let good = [("token", nina.token.as_str()), ("name", "Nina Newcomer"), ("password", "a perfectly fine passphrase")];
    for (site, cookie) in [(Some("cross-site"), None), (Some("same-site"), None), (None, None), (None, Some(session.as_str()))] {
        for (path, form) in [("/api/public/accept_invitation", &good[..]), ("/api/public/decline_invitation", &good[..1])] {
            let res = post(&app, path, site, cookie, form).await;
            assert_eq!(res.status(), 403, "{path} {site:?} {cookie:?}");
            let html = res.text().await.unwrap();
            assert!(html.contains("This form was not sent") && html.contains("Go back, reload the page"), "{html}");
            assert!(html.contains("<link") && html.contains("stylesheet"), "in the app's look");
        }
    }
    assert_eq!(status_of(&app, nina.email).await, "pending");
    assert_eq!(status_of(&app, otto.email).await, "pending");

    // Accepted from Roster's own page: on to `/`, signed in with a fresh session.
    let res = post(&app, "/api/public/accept_invitation", Some("same-origin"), None, &good).await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()[LOCATION].to_str().unwrap(), "/");
    let signed_in = cookie_set(&res, "roster_session").expect("a session");
    assert_eq!(status_of(&app, nina.email).await, "active");
    let account = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let res = account.get(app.url("/account")).header("cookie", &signed_in).send().await.unwrap();
    assert_eq!(res.status(), 200, "signed in as Nina");
    assert!(res.text().await.unwrap().contains("Nina Newcomer"));

    // Declined from Roster's own page: back to the link, which now says it was declined.
    let res = post(&app, "/api/public/decline_invitation", Some("same-origin"), None, &[("token", &otto.token)]).await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()[LOCATION].to_str().unwrap(), page_of(&otto.token));
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM users WHERE email = $1", otto.email).await, 0, "the pending account went");
    let html = reqwest::Client::new().get(app.url(&page_of(&otto.token))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Invitation declined"), "{html}");

    // A link that no longer works, posted again: the page says why.
    let res = post(&app, "/api/public/decline_invitation", Some("same-origin"), None, &[("token", &otto.token)]).await;
    assert_eq!(res.status(), 302);
    assert!(cookie_set(&res, "roster_form").is_some());
}

/// The `name=value` of a fresh session cookie for `email`.
async fn session_cookie_of(app: &TestApp, email: &str) -> String {
    let res = app.login(&browser(), email, PASSWORD).await;
    session_cookie(&res).unwrap().split(';').next().unwrap().to_owned()
}

/// Sign out is a plain form too: posted by the browser itself, it ends the session, forgets the
/// cookie and lands on sign-in.
#[tokio::test]
async fn sign_out_works_as_a_plain_form_post() {
    let app = spawn_app().await;
    let acme = app.create_org("acme", "Acme").await;
    app.add_user(&acme, "ada@example.com", "Ada Lovelace", BuiltinRole::Owner).await;
    let session = {
        let res = app.login(&browser(), "ada@example.com", PASSWORD).await;
        session_cookie(&res).unwrap().split(';').next().unwrap().to_owned()
    };
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let res = client
        .post(app.url("/api/logout"))
        .header("accept", HTML)
        .header("origin", app.base.as_str())
        .header("sec-fetch-site", "same-origin")
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()[LOCATION].to_str().unwrap(), "/login");
    assert!(session_cookie(&res).is_some_and(|c| c.contains("Max-Age=0")), "the browser forgets it");
    let after = client.get(app.url("/users")).header("cookie", &session).send().await.unwrap();
    assert_eq!(after.status(), 303, "the session ended on the server");
}

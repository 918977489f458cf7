//! Invitations end to end against a real SMTP server: invite, the email and its link, accept,
//! decline, resend, cancel, expiry, an SMTP outage, two workers, the limits, and who may do what.

use crate::helpers::*;
use crate::smtp::{header, link_in, token_of, SmtpServer};
use app::auth::server::guard::Mailroom;
use app::auth::types::BuiltinRole;
use app::error::AppError;
use app::invitations::types::{InvitationLink, InvitationList, InvitationStatus, Invited, NewInvitation};
use app::mail::server::service::send_due;
use app::mail::server::transport::Transport;
use app::server::state::Settings;
use app::users::account::RoleOption;
use app::users::types::{UserList, UserStatus};
use serde_json::json;
use std::sync::Arc;

const PUBLIC_URL: &str = "https://roster.example.test";

struct Acme {
    app: TestApp,
    owner: reqwest::Client,
    admin: reqwest::Client,
    member: reqwest::Client,
}

async fn acme_with(settings: Settings) -> Acme {
    let app = spawn_app_with(Settings { public_url: PUBLIC_URL.into(), ..settings }).await;
    let acme = app.create_org("acme", "Acme").await;
    app.add_user(&acme, "ada@example.com", "Ada Lovelace", BuiltinRole::Owner).await;
    app.add_user(&acme, "grace@example.com", "Grace Hopper", BuiltinRole::Admin).await;
    app.add_user(&acme, "max@example.com", "Max Member", BuiltinRole::Member).await;
    let globex = app.create_org("globex", "Globex").await;
    app.add_user(&globex, "hank@globex.example", "Hank Scorpio", BuiltinRole::Owner).await;
    let owner = app.signed_in_at("ada@example.com", "acme").await;
    let admin = app.signed_in_at("grace@example.com", "acme").await;
    let member = app.signed_in_at("max@example.com", "acme").await;
    Acme { app, owner, admin, member }
}

async fn acme() -> Acme {
    acme_with(Settings::default()).await
}

fn transport(smtp: &SmtpServer) -> Arc<Transport> {
    Arc::new(Transport::smtp(&smtp.url(), "Roster <roster@example.test>").unwrap())
}

impl Acme {
    async fn roles(&self, client: &reqwest::Client) -> Vec<RoleOption> {
        let res = self.app.call(client, "/api/invite_roles", &[]).await;
        assert_eq!(res.status(), 200);
        res.json().await.unwrap()
    }

    async fn role_id(&self, name: &str) -> String {
        self.roles(&self.owner).await.into_iter().find(|r| r.name == name).unwrap().id
    }

    async fn invite_as(&self, client: &reqwest::Client, email: &str, role: &str, message: &str) -> reqwest::Response {
        let invitation = NewInvitation { email: email.into(), role_id: self.role_id(role).await, message: message.into() };
        client.post(self.app.url("/api/invite_user")).json(&json!({ "invitation": invitation })).send().await.unwrap()
    }

    async fn invite(&self, email: &str, role: &str) -> Invited {
        let res = self.invite_as(&self.owner, email, role, "").await;
        assert_eq!(res.status(), 200, "invite {email}: {}", res.text().await.unwrap_or_default());
        res.json().await.unwrap()
    }

    async fn list(&self, query: &[(&str, &str)]) -> InvitationList {
        let res = self.app.call(&self.owner, "/api/list_invitations", query).await;
        assert_eq!(res.status(), 200);
        res.json().await.unwrap()
    }

    async fn open(&self, token: &str) -> InvitationLink {
        let res = self.app.call(&browser(), "/api/public/open_invitation", &[("token", token)]).await;
        assert_eq!(res.status(), 200);
        res.json().await.unwrap()
    }

    async fn accept(&self, client: &reqwest::Client, token: &str, name: &str) -> reqwest::Response {
        self.app.call(client, "/api/public/accept_invitation", &[("token", token), ("name", name), ("password", "a new password for me")]).await
    }

    async fn users(&self, search: &str) -> UserList {
        self.app.call(&self.owner, "/api/list_users", &[("search", search)]).await.json().await.unwrap()
    }

    async fn deliver(&self, transport: &Arc<Transport>) -> usize {
        send_due(&Mailroom::new(self.app.db.clone(), PUBLIC_URL), transport).await.unwrap()
    }
}

#[tokio::test]
async fn an_invitation_goes_out_by_smtp_with_a_public_link_and_accepting_it_signs_the_invitee_in() {
    let t = acme().await;
    let smtp = SmtpServer::start().await;
    // A forged Host header must not reach the link: it is built from ROSTER_PUBLIC_URL.
    let invitation = NewInvitation { email: "Linus@Example.com".into(), role_id: t.role_id("Admin").await, message: "Welcome <b>aboard</b>!".into() };
    let res = t.owner.post(t.app.url("/api/invite_user")).header("host", "evil.example").json(&json!({ "invitation": invitation })).send().await.unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap_or_default());

    // At once in the Users list: Pending, with the role.
    let users = t.users("linus").await;
    assert_eq!(users.users.len(), 1);
    assert_eq!((users.users[0].status, users.users[0].roles.clone()), (UserStatus::Pending, vec!["Admin".to_owned()]));
    let list = t.list(&[]).await;
    assert_eq!((list.invitations[0].status, list.invitations[0].invited_by.as_deref()), (InvitationStatus::Pending, Some("Ada Lovelace")));

    // While it waits, the outbox holds no token: the worker makes the link when it sends.
    let tokens_waiting = t.app.scalar_i64("SELECT COUNT(*) FROM email_outbox WHERE body_text LIKE '%' || $1 || '%'", "token=").await;
    assert_eq!(tokens_waiting, 0);
    assert_eq!(t.deliver(&transport(&smtp)).await, 1);
    let mail = smtp.wait_for(1).await.pop().unwrap();
    assert_eq!(header(&mail, "To").as_deref(), Some("Linus@Example.com"));
    assert_eq!(header(&mail, "Subject").as_deref(), Some("Ada Lovelace invited you to join Acme on Roster"));
    assert!(crate::smtp::decoded(&mail).contains("Welcome &lt;b&gt;aboard&lt;/b&gt;!"), "the message is escaped in the HTML part");
    let link = link_in(&mail).unwrap();
    assert!(link.starts_with(&format!("{PUBLIC_URL}/invitation?token=")), "{link}");
    assert_eq!(token_of(&link).len(), 43, "256 bits, base64url");
    assert_eq!(t.list(&[]).await.invitations[0].delivery, app::invitations::types::Delivery::Sent);
    // Once sent, the outbox keeps no link.
    let leftover = t.app.scalar_i64("SELECT COUNT(*) FROM email_outbox WHERE body_text LIKE '%' || $1 || '%'", &token_of(&link)).await;
    assert_eq!(leftover, 0);

    let token = token_of(&link);
    match t.open(&token).await {
        InvitationLink::Valid(d) => {
            assert_eq!((d.organization.as_str(), d.invited_by.as_deref(), d.role.as_str()), ("Acme", Some("Ada Lovelace"), "Admin"));
            assert_eq!(d.message.as_deref(), Some("Welcome <b>aboard</b>!"));
        }
        other => panic!("{other:?}"),
    }
    let page = browser().get(t.app.url(&format!("/invitation?token={token}"))).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers().get("referrer-policy").unwrap(), "no-referrer");

    // A bad name or password changes nothing.
    let invitee = browser();
    let res = t.app.call(&invitee, "/api/public/accept_invitation", &[("token", &token), ("name", " "), ("password", "short")]).await;
    assert_eq!(res.status(), 422);
    let err: AppError = res.json().await.unwrap();
    assert!(err.field_message("name").is_some() && err.field_message("password").is_some());
    // A password built on the invited address is refused once the link is known to work.
    let res = t.app.call(&invitee, "/api/public/accept_invitation", &[("token", &token), ("name", "Linus Torvalds"), ("password", "Linus rules since 1991")]).await;
    assert_eq!(res.status(), 422);
    assert!(res.json::<AppError>().await.unwrap().field_message("password").unwrap().contains("email"));

    let res = t.accept(&invitee, &token, "Linus Torvalds").await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap_or_default());
    assert!(session_cookie(&res).is_some(), "a fresh session");
    let me: app::auth::types::SignedInUser = t.app.call(&invitee, "/api/current_user", &[]).await.json().await.unwrap();
    assert_eq!((me.name.as_str(), me.org_name.as_str()), ("Linus Torvalds", "Acme"));
    assert!(me.permissions.contains(&app::auth::types::Permission::UsersInvite), "the Admin role");
    let users = t.users("linus").await;
    assert_eq!(users.users[0].status, UserStatus::Active);
    assert_eq!(t.list(&[]).await.invitations[0].status, InvitationStatus::Accepted);
    // Single use.
    assert_eq!(t.accept(&browser(), &token, "Again").await.status(), 409);
    assert_eq!(t.open(&token).await, InvitationLink::Used);
    let audited = t.app.scalar_i64("SELECT COUNT(*) FROM audit_events WHERE action IN ('invitation.sent', 'invitation.accepted') AND target_label = $1", "Linus@Example.com").await;
    assert_eq!(audited, 2);
}

#[tokio::test]
async fn resend_kills_the_old_link_and_cancel_and_decline_remove_the_invitee() {
    let t = acme().await;
    let smtp = SmtpServer::start().await;
    let first = t.invite("ken@example.com", "Member").await;
    let again = t.invite_as(&t.owner, "ken@example.com", "Member", "").await;
    assert!(again.json::<AppError>().await.unwrap().field_message("email").unwrap().contains("already invited and waiting"));
    t.deliver(&transport(&smtp)).await;
    let old = token_of(&link_in(&smtp.wait_for(1).await[0]).unwrap());

    let res = t.app.call(&t.owner, "/api/resend_invitation", &[("id", &first.invitation_id)]).await;
    assert_eq!(res.status(), 200);
    t.deliver(&transport(&smtp)).await;
    smtp.wait_for(2).await;
    let new = smtp.tokens_to("ken@example.com").into_iter().find(|t| *t != old).expect("a second link");
    assert_eq!(t.open(&old).await, InvitationLink::Unknown, "the old link is dead at once");
    assert!(matches!(t.open(&new).await, InvitationLink::Valid(_)));
    assert_eq!(t.accept(&browser(), &old, "Ken").await.status(), 409);

    let res = t.app.call(&t.owner, "/api/cancel_invitation", &[("id", &first.invitation_id)]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(t.open(&new).await, InvitationLink::Cancelled);
    assert!(t.users("ken@").await.users.is_empty(), "the pending user is gone");
    assert_eq!(t.app.call(&t.owner, "/api/cancel_invitation", &[("id", &first.invitation_id)]).await.status(), 409);
    assert_eq!(t.app.call(&t.owner, "/api/resend_invitation", &[("id", &first.invitation_id)]).await.status(), 409);

    // Decline.
    t.invite("dennis@example.com", "Member").await;
    t.deliver(&transport(&smtp)).await;
    smtp.wait_for(3).await;
    let token = smtp.tokens_to("dennis@example.com").pop().unwrap();
    let res = t.app.call(&browser(), "/api/public/decline_invitation", &[("token", &token)]).await;
    assert_eq!(res.status(), 200);
    assert!(t.users("dennis@").await.users.is_empty());
    assert_eq!(t.list(&[("status", "declined")]).await.invitations.len(), 1);
    assert_eq!(t.open(&token).await, InvitationLink::Declined);
    let actions = t.app.scalar_i64("SELECT COUNT(*) FROM audit_events WHERE action IN ('invitation.resent', 'invitation.cancelled', 'invitation.declined') AND $1 = $1", "").await;
    assert_eq!(actions, 3);
}

#[tokio::test]
async fn a_pending_invitation_past_its_expiry_is_expired_by_the_clock_alone_and_resend_renews_it() {
    let t = acme().await;
    let invited = t.invite("old@example.com", "Member").await;
    let smtp = SmtpServer::start().await;
    t.deliver(&transport(&smtp)).await;
    let token = token_of(&link_in(&smtp.wait_for(1).await[0]).unwrap());
    // The boundary: one millisecond before expiry it works; at expiry it does not.
    let future = app::server::ids::now_ms() + 60_000;
    t.app.execute(&format!("UPDATE invitations SET expires_at = {future} WHERE id = $1"), &invited.invitation_id).await;
    assert!(matches!(t.open(&token).await, InvitationLink::Valid(_)));
    let past = app::server::ids::now_ms() - 1;
    t.app.execute(&format!("UPDATE invitations SET expires_at = {past} WHERE id = $1"), &invited.invitation_id).await;
    assert_eq!(t.open(&token).await, InvitationLink::Expired);
    assert_eq!(t.accept(&browser(), &token, "Old").await.status(), 409);
    assert_eq!(t.list(&[("status", "expired")]).await.invitations.len(), 1);
    assert_eq!(t.list(&[("status", "pending")]).await.invitations.len(), 0);
    // Inviting the same address again says the invitation expired, and names it for Resend.
    let res = t.invite_as(&t.owner, "old@example.com", "Member", "").await;
    assert_eq!(res.status(), 422);
    let err: AppError = res.json().await.unwrap();
    assert!(err.field_message("email").unwrap().contains("invitation has expired"));
    assert_eq!(err.field_message("pending_invitation").as_deref(), Some(invited.invitation_id.as_str()));

    assert_eq!(t.app.call(&t.owner, "/api/resend_invitation", &[("id", &invited.invitation_id)]).await.status(), 200);
    assert_eq!(t.list(&[("status", "pending")]).await.invitations.len(), 1);
}

#[tokio::test]
async fn with_smtp_down_the_invitation_waits_and_goes_out_when_it_is_back() {
    let t = acme().await;
    let port = crate::smtp::free_port();
    let transport = Arc::new(Transport::smtp(&format!("smtp://127.0.0.1:{port}"), "Roster <roster@example.test>").unwrap());
    let invited = t.invite("patient@example.com", "Member").await;
    assert_eq!(t.deliver(&transport).await, 1, "claimed, and failed");
    let row = &t.list(&[]).await.invitations[0];
    assert_eq!(row.delivery, app::invitations::types::Delivery::Queued);
    assert!(row.delivery_error.is_some(), "the error is shown while it retries");
    assert_eq!(t.deliver(&transport).await, 0, "not due before its retry");
    let attempts = t.app.scalar_i64("SELECT attempts FROM email_outbox WHERE invitation_id = $1", &invited.invitation_id).await;
    assert_eq!(attempts, 1);

    let smtp = SmtpServer::start_on(port).await;
    // Time passes: the retry is due.
    t.app.execute("UPDATE email_outbox SET next_attempt_at = 0 WHERE invitation_id = $1", &invited.invitation_id).await;
    assert_eq!(t.deliver(&transport).await, 1);
    assert_eq!(smtp.wait_for(1).await.len(), 1);
    assert_eq!(t.list(&[]).await.invitations[0].delivery, app::invitations::types::Delivery::Sent);
}

#[tokio::test]
async fn a_message_held_by_a_worker_that_died_is_sent_by_another_once_its_lease_runs_out() {
    let t = acme().await;
    let invited = t.invite("lease@example.com", "Member").await;
    let now = app::server::ids::now_ms();
    // A worker claimed it and died: the lease is still live, so nobody takes it…
    t.app.execute(&format!("UPDATE email_outbox SET lease_until = {}, attempts = 1 WHERE invitation_id = $1", now + 60_000), &invited.invitation_id).await;
    let smtp = SmtpServer::start().await;
    assert_eq!(t.deliver(&transport(&smtp)).await, 0);
    // …until it runs out.
    t.app.execute(&format!("UPDATE email_outbox SET lease_until = {} WHERE invitation_id = $1", now - 1), &invited.invitation_id).await;
    assert_eq!(t.deliver(&transport(&smtp)).await, 1);
    assert_eq!(smtp.wait_for(1).await.len(), 1);
}

#[tokio::test]
async fn two_workers_on_one_database_send_each_message_once() {
    let t = acme_with(Settings { invites_per_hour: 1_000, ..Settings::default() }).await;
    for i in 0..40 {
        t.invite(&format!("crowd{i}@example.com"), "Member").await;
    }
    let smtp = SmtpServer::start().await;
    let worker = |transport: Arc<Transport>| {
        let room = Mailroom::new(t.app.db.clone(), PUBLIC_URL);
        async move {
            let mut sent = 0;
            loop {
                let n = send_due(&room, &transport).await.unwrap();
                if n == 0 {
                    return sent;
                }
                sent += n;
            }
        }
    };
    let (a, b) = tokio::join!(worker(transport(&smtp)), worker(transport(&smtp)));
    assert_eq!(a + b, 40, "{a} + {b}");
    let mails = smtp.wait_for(40).await;
    let mut recipients: Vec<String> = mails.iter().filter_map(|m| header(m, "To")).collect();
    recipients.sort();
    recipients.dedup();
    assert_eq!((mails.len(), recipients.len()), (40, 40));
}

#[tokio::test]
async fn two_accepts_of_one_link_at_once_make_exactly_one_account() {
    let t = acme().await;
    t.invite("race@example.com", "Member").await;
    let smtp = SmtpServer::start().await;
    t.deliver(&transport(&smtp)).await;
    let token = token_of(&link_in(&smtp.wait_for(1).await[0]).unwrap());
    // Twenty clicks at once: one account, and the others told the link is taken or being
    // accepted (each process hashes the password of one accept of a link at a time).
    let browsers: Vec<reqwest::Client> = (0..20).map(|_| browser()).collect();
    let answers = futures::future::join_all(browsers.iter().enumerate().map(|(i, b)| t.accept(b, &token, if i % 2 == 0 { "Racer A" } else { "Racer B" }))).await;
    let mut statuses: Vec<u16> = answers.iter().map(|r| r.status().as_u16()).collect();
    statuses.sort_unstable();
    assert_eq!(statuses[0], 200);
    assert!(statuses[1..].iter().all(|s| *s == 409), "{statuses:?}");
    let sessions = t.app.scalar_i64("SELECT COUNT(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email_key = $1", "race@example.com").await;
    assert_eq!(sessions, 1);
}

#[tokio::test]
async fn the_limits_stop_floods_with_a_clear_message_and_change_nothing() {
    let t = acme_with(Settings { invites_per_hour: 3, invites_per_recipient_day: 2, ..Settings::default() }).await;
    let first = t.invite("flood@example.com", "Member").await;
    assert_eq!(t.app.call(&t.owner, "/api/resend_invitation", &[("id", &first.invitation_id)]).await.status(), 200);
    // A third email to the same address in a day is refused, beside the email.
    let res = t.app.call(&t.owner, "/api/resend_invitation", &[("id", &first.invitation_id)]).await;
    assert_eq!(res.status(), 422);
    assert!(res.json::<AppError>().await.unwrap().field_message("email").unwrap().contains("24 hours"));
    t.invite("other@example.com", "Member").await;
    // The inviter has now caused three emails this hour.
    let res = t.invite_as(&t.owner, "fourth@example.com", "Member", "").await;
    assert_eq!(res.status(), 429);
    assert!(matches!(res.json::<AppError>().await.unwrap(), AppError::RateLimited(m) if m.contains("last hour")));
    assert!(t.users("fourth@").await.users.is_empty(), "nothing was created");
    // Another admin has their own allowance.
    assert_eq!(t.invite_as(&t.admin, "fourth@example.com", "Member", "").await.status(), 200);
}

#[tokio::test]
async fn bad_input_and_header_injection_are_refused_beside_the_field() {
    let t = acme().await;
    for email in ["evil@example.com\r\nBcc: victim@example.com", "evil@example.com\nSubject: hi", "not-an-email", ""] {
        let res = t.invite_as(&t.owner, email, "Member", "").await;
        assert_eq!(res.status(), 422, "{email:?}");
        assert!(res.json::<AppError>().await.unwrap().field_message("email").is_some());
    }
    let res = t.invite_as(&t.owner, "long@example.com", "Member", &"x".repeat(1_001)).await;
    assert!(res.json::<AppError>().await.unwrap().field_message("message").is_some());
    let res = t.invite_as(&t.owner, "max@example.com", "Member", "").await;
    assert!(res.json::<AppError>().await.unwrap().field_message("email").unwrap().contains("already a member"));
    assert_eq!(t.app.scalar_i64("SELECT COUNT(*) FROM invitations WHERE $1 = $1", "").await, 0);
    assert_eq!(t.app.scalar_i64("SELECT COUNT(*) FROM email_outbox WHERE $1 = $1", "").await, 0);

    // A message with line breaks and a header-like line stays in the body.
    let res = t.invite_as(&t.owner, "body@example.com", "Member", "Hi\r\nBcc: victim@example.com\r\n\r\nbye").await;
    assert_eq!(res.status(), 200);
    let smtp = SmtpServer::start().await;
    t.deliver(&transport(&smtp)).await;
    let mail = smtp.wait_for(1).await.pop().unwrap();
    let headers: String = mail.split("\r\n\r\n").next().unwrap_or(&mail).split("\n\n").next().unwrap_or("").to_owned();
    assert!(!headers.contains("victim"), "{headers}");
}

#[tokio::test]
async fn only_those_with_users_invite_may_invite_and_nobody_above_their_rank_or_in_another_organization() {
    let t = acme().await;
    let invited = t.invite("target@example.com", "Member").await;
    for path in ["/api/invite_roles", "/api/list_invitations", "/api/resend_invitation", "/api/cancel_invitation"] {
        let res = t.app.call(&t.member, path, &[("id", &invited.invitation_id)]).await;
        assert_eq!(res.status(), 403, "{path}");
    }
    let res = t.invite_as(&t.member, "sneaky@example.com", "Member", "").await;
    assert_eq!(res.status(), 403);
    // An Admin is offered no Owner role, and a crafted request for it is refused.
    let admin_roles: Vec<String> = t.roles(&t.admin).await.into_iter().map(|r| r.name).collect();
    assert!(!admin_roles.contains(&"Owner".to_owned()), "{admin_roles:?}");
    let res = t.invite_as(&t.admin, "boss@example.com", "Owner", "").await;
    assert_eq!(res.status(), 403);
    // …nor may they resend or cancel an Owner's invitation.
    let owner_invite = t.invite("co-owner@example.com", "Owner").await;
    assert_eq!(t.app.call(&t.admin, "/api/cancel_invitation", &[("id", &owner_invite.invitation_id)]).await.status(), 403);

    let hank = t.app.signed_in_at("hank@globex.example", "globex").await;
    for path in ["/api/resend_invitation", "/api/cancel_invitation"] {
        let res = t.app.call(&hank, path, &[("id", &invited.invitation_id)]).await;
        assert_eq!(res.status(), 404, "{path}");
    }
    let theirs: InvitationList = t.app.call(&hank, "/api/list_invitations", &[]).await.json().await.unwrap();
    assert!(theirs.invitations.is_empty());
    assert_eq!(t.list(&[]).await.invitations.len(), 2, "nothing changed");
}

#[tokio::test]
async fn the_list_pages_by_keyset_and_filters_by_email_and_status() {
    let t = acme_with(Settings { invites_per_hour: 1_000, ..Settings::default() }).await;
    for i in 0..55 {
        t.invite(&format!("page{i:02}@example.com"), "Member").await;
    }
    t.invite("someone@elsewhere.example", "Member").await;
    let first = t.list(&[]).await;
    assert_eq!(first.invitations.len(), 50);
    assert_eq!(first.invitations[0].email, "someone@elsewhere.example", "newest first");
    assert!(first.prev_cursor.is_none());
    let second = t.list(&[("after", first.next_cursor.as_deref().unwrap())]).await;
    assert_eq!(second.invitations.len(), 6);
    assert!(second.next_cursor.is_none());
    let back = t.list(&[("before", second.prev_cursor.as_deref().unwrap())]).await;
    assert_eq!(back.invitations, first.invitations);
    assert_eq!(t.list(&[("search", "ELSEWHERE")]).await.invitations.len(), 1);
    assert_eq!(t.list(&[("search", "page0"), ("status", "pending")]).await.invitations.len(), 10);
    let res = t.app.call(&t.owner, "/api/list_invitations", &[("after", "not a cursor")]).await;
    assert_eq!(res.status(), 422);
}

#[tokio::test]
async fn unknown_links_are_throttled_per_address() {
    let t = acme().await;
    let mut last = InvitationLink::Unknown;
    for i in 0..25 {
        last = t.open(&format!("guess-{i}")).await;
    }
    assert_eq!(last, InvitationLink::Throttled);
}

#[tokio::test]
async fn without_smtp_in_production_mail_waits_and_the_page_says_so() {
    let t = acme_with(Settings { mail: app::server::state::MailDelivery::NotConfigured, ..Settings::default() }).await;
    assert!(t.list(&[]).await.mail_not_configured);
    t.invite("waiting@example.com", "Member").await;
    let queued = t.app.scalar_i64("SELECT COUNT(*) FROM email_outbox WHERE status = 'queued' AND to_key = $1", "waiting@example.com").await;
    assert_eq!(queued, 1, "the mail waits in the outbox");
    let configured = acme().await;
    assert!(!configured.list(&[]).await.mail_not_configured);
}

#[tokio::test]
async fn deleting_a_pending_invitee_cancels_their_invitation_and_its_unsent_mail() {
    let t = acme().await;
    t.invite("gone@example.com", "Member").await;
    let user = t.users("gone@").await.users.pop().unwrap();
    assert_eq!(user.status, UserStatus::Pending);
    assert_eq!(t.app.call(&t.owner, "/api/delete_user", &[("id", &user.id)]).await.status(), 200);
    assert_eq!(t.list(&[]).await.invitations[0].status, InvitationStatus::Cancelled);
    let queued = t.app.scalar_i64("SELECT COUNT(*) FROM email_outbox WHERE status = 'queued' AND to_key = $1", "gone@example.com").await;
    assert_eq!(queued, 0, "no email goes to someone who was removed");
    // They can be invited afresh.
    t.invite("gone@example.com", "Member").await;
}

#[tokio::test]
async fn a_worker_that_outlived_its_lease_records_nothing_over_the_worker_that_took_over() {
    use app::mail::server::repo::{claim_due, mark_sent};
    let t = acme().await;
    t.invite("slow@example.com", "Member").await;
    let room = Mailroom::new(t.app.db.clone(), PUBLIC_URL);
    let now = app::server::ids::now_ms();
    let mut claimed = claim_due(&room, now, now + 1_000, 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    let slow = claimed.pop().unwrap();
    // Its lease ran out and another worker claimed the message with a lease of its own.
    let again = claim_due(&room, now + 2_000, now + 100_000, 10).await.unwrap();
    assert_eq!(again.len(), 1);
    mark_sent(&room, &slow, now + 3_000).await.unwrap();
    let status = t.app.scalar_i64("SELECT COUNT(*) FROM email_outbox WHERE status = 'queued' AND to_key = $1", "slow@example.com").await;
    assert_eq!(status, 1, "still the other worker's to settle");
    mark_sent(&room, &again[0], now + 4_000).await.unwrap();
    let sent = t.app.scalar_i64("SELECT COUNT(*) FROM email_outbox WHERE status = 'sent' AND to_key = $1", "slow@example.com").await;
    assert_eq!(sent, 1);
}

#[tokio::test]
async fn a_deactivated_invitee_s_link_no_longer_works() {
    let t = acme().await;
    t.invite("paused@example.com", "Member").await;
    let smtp = SmtpServer::start().await;
    t.deliver(&transport(&smtp)).await;
    let token = smtp.wait_for(1).await.first().and_then(|m| link_in(m)).map(|l| token_of(&l)).unwrap();
    let user = t.users("paused@").await.users.pop().unwrap();
    assert_eq!(t.app.call(&t.owner, "/api/set_user_active", &[("id", &user.id), ("active", "false")]).await.status(), 200);
    assert_eq!(t.open(&token).await, InvitationLink::Cancelled);
    assert_eq!(t.accept(&browser(), &token, "Paused").await.status(), 409);
}

#[tokio::test]
async fn mail_replaced_by_a_resend_or_cancelled_before_it_went_out_is_not_sent() {
    let t = acme().await;
    let first = t.invite("twice@example.com", "Member").await;
    assert_eq!(t.app.call(&t.owner, "/api/resend_invitation", &[("id", &first.invitation_id)]).await.status(), 200);
    // As if a worker had claimed the first email just before the resend cancelled it: the
    // worker must still not send it (a newer email replaced it).
    t.app.execute("UPDATE email_outbox SET status = 'queued' WHERE invitation_id = $1 AND status = 'cancelled'", &first.invitation_id).await;
    let smtp = SmtpServer::start().await;
    assert_eq!(t.deliver(&transport(&smtp)).await, 2, "both claimed");
    assert_eq!(smtp.wait_for(2).await.len(), 1, "one email, the resent one");
    let cancelled = t.app.scalar_i64("SELECT COUNT(*) FROM email_outbox WHERE status = 'cancelled' AND invitation_id = $1", &first.invitation_id).await;
    assert_eq!(cancelled, 1);
    let token = smtp.tokens_to("twice@example.com").pop().unwrap();
    assert!(matches!(t.open(&token).await, InvitationLink::Valid(_)));
}

/// An invitation is only as good as its inviter's authority: deactivating, deleting or
/// demoting the inviter cancels what they could no longer send, in the same transaction,
/// audited and shown with the reason; what they still could send stays.
#[tokio::test]
async fn an_inviters_pending_invitations_end_with_their_authority() {
    let t = acme().await;
    let smtp = SmtpServer::start().await;
    let grace_id = t.app.scalar_text("SELECT id FROM users WHERE email = $1", "grace@example.com").await;
    // Grace (Admin) invites an Admin and a Member.
    assert_eq!(t.invite_as(&t.admin, "adam@example.com", "Admin", "").await.status(), 200);
    assert_eq!(t.invite_as(&t.admin, "mia@example.com", "Member", "").await.status(), 200);
    t.deliver(&transport(&smtp)).await;
    smtp.wait_for(2).await;
    let (adam, mia) = (smtp.tokens_to("adam@example.com").pop().unwrap(), smtp.tokens_to("mia@example.com").pop().unwrap());

    // Demoted to Member: she can no longer invite at all; both end.
    let editor: app::users::account::UserEditor = t.app.call(&t.owner, "/api/get_user", &[("id", &grace_id)]).await.json().await.unwrap();
    let member_role = t.role_id("Member").await;
    let update = app::users::account::UserUpdate { role_ids: vec![member_role], ..update_of(&editor) };
    let res = t.owner.post(t.app.url("/api/update_user")).json(&json!({ "update": update })).send().await.unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap_or_default());
    assert_eq!(t.open(&adam).await, InvitationLink::Cancelled);
    assert_eq!(t.open(&mia).await, InvitationLink::Cancelled);
    let cancelled = t.list(&[("status", "cancelled")]).await.invitations;
    assert_eq!(cancelled.len(), 2);
    assert!(cancelled.iter().all(|i| i.end_reason == Some(app::invitations::types::EndReason::InviterLostAuthority)));
    assert!(t.users("adam@").await.users.is_empty() && t.users("mia@").await.users.is_empty(), "the pending accounts went");
    let audited = t.app.scalar_i64("SELECT COUNT(*) FROM audit_events WHERE action = 'invitation.cancelled' AND details LIKE '%' || $1 || '%'", "inviter_lost_authority").await;
    assert_eq!(audited, 2);

    // Deactivating an inviter ends theirs; the Owner's own invitations stay.
    let ken = t.invite("ken@example.com", "Member").await;
    let max_id = t.app.scalar_text("SELECT id FROM users WHERE email = $1", "max@example.com").await;
    let editor: app::users::account::UserEditor = t.app.call(&t.owner, "/api/get_user", &[("id", &max_id)]).await.json().await.unwrap();
    let update = app::users::account::UserUpdate { role_ids: vec![t.role_id("Admin").await], ..update_of(&editor) };
    assert_eq!(t.owner.post(t.app.url("/api/update_user")).json(&json!({ "update": update })).send().await.unwrap().status(), 200);
    let max = t.app.signed_in_at("max@example.com", "acme").await;
    assert_eq!(t.invite_as(&max, "nora@example.com", "Member", "").await.status(), 200);
    assert_eq!(t.app.call(&t.owner, "/api/set_user_active", &[("id", &max_id), ("active", "false")]).await.status(), 200);
    let list = t.list(&[]).await.invitations;
    let nora = list.iter().find(|i| i.email == "nora@example.com").unwrap();
    assert_eq!((nora.status, nora.end_reason), (InvitationStatus::Cancelled, Some(app::invitations::types::EndReason::InviterDeactivated)));
    let kens = list.iter().find(|i| i.id == ken.invitation_id).unwrap();
    assert_eq!((kens.status, kens.end_reason), (InvitationStatus::Pending, None), "the Owner's invitation stays");

    // Deleting one ends theirs too.
    assert_eq!(t.app.call(&t.owner, "/api/set_user_active", &[("id", &max_id), ("active", "true")]).await.status(), 200);
    let max = t.app.signed_in_at("max@example.com", "acme").await;
    assert_eq!(t.invite_as(&max, "olga@example.com", "Member", "").await.status(), 200);
    assert_eq!(t.app.call(&t.owner, "/api/delete_user", &[("id", &max_id)]).await.status(), 200);
    let olga = t.list(&[("search", "olga@")]).await.invitations.pop().unwrap();
    assert_eq!((olga.status, olga.end_reason), (InvitationStatus::Cancelled, Some(app::invitations::types::EndReason::InviterDeleted)));
}


/// One message that cannot be prepared (its link's token cannot be stored) fails that message
/// alone: the others of the batch are still sent and recorded, none aborted mid-send.
#[tokio::test]
async fn one_message_that_fails_does_not_stop_the_others_of_its_batch() {
    let t = acme().await;
    let smtp = SmtpServer::start().await;
    let doomed = t.invite("doomed@example.com", "Member").await;
    t.invite("fine@example.com", "Member").await;
    // The database refuses to store the doomed invitation's token.
    let trigger = match postgres_url() {
        Some(_) => vec![
            "CREATE FUNCTION refuse_doomed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused for the test'; END $$",
            "CREATE TRIGGER refuse_doomed BEFORE UPDATE OF token_hash ON invitations FOR EACH ROW WHEN (NEW.email = 'doomed@example.com') EXECUTE FUNCTION refuse_doomed()",
        ],
        None => vec![
            "CREATE TRIGGER refuse_doomed BEFORE UPDATE OF token_hash ON invitations WHEN NEW.email = 'doomed@example.com' BEGIN SELECT RAISE(ABORT, 'refused for the test'); END",
        ],
    };
    for sql in trigger {
        on_db!(&t.app.db, pool => sqlx::query(sql).execute(pool).await.map(|_| ())).unwrap();
    }
    let outcome = send_due(&Mailroom::new(t.app.db.clone(), PUBLIC_URL), &transport(&smtp)).await;
    assert!(outcome.is_err(), "the failure is reported");
    smtp.wait_for(1).await;
    assert_eq!(smtp.tokens_to("fine@example.com").len(), 1, "the other message went");
    let list = t.list(&[]).await.invitations;
    let fine = list.iter().find(|i| i.email == "fine@example.com").unwrap();
    assert_eq!(fine.delivery, app::invitations::types::Delivery::Sent, "and was recorded");
    let doomed = list.iter().find(|i| i.id == doomed.invitation_id).unwrap();
    assert_ne!(doomed.delivery, app::invitations::types::Delivery::Sent);
}

/// The outbox's ways of ending: a permanent refusal (550) fails the message at once; a day of
/// temporary failures gives up; and the body, which holds the link, is emptied whichever way a
/// message ends (sent, failed, given up, cancelled).
#[tokio::test]
async fn a_refusal_fails_at_once_a_day_of_retries_gives_up_and_no_body_outlives_its_message() {
    let t = acme().await;
    let body_of = |email: &'static str| {
        let app = &t.app;
        async move { app.scalar_text("SELECT body_text || body_html FROM email_outbox WHERE to_key = $1", email).await }
    };
    let status_of = |email: &'static str| {
        let app = &t.app;
        async move { app.scalar_text("SELECT status FROM email_outbox WHERE to_key = $1", email).await }
    };

    // Refused for good: Failed after one attempt, with the server's words, and emptied.
    let refusing = crate::smtp::SlowSmtp::refusing().await;
    let refused = Arc::new(Transport::smtp(&refusing.url(), "Roster <roster@example.test>").unwrap());
    t.invite("nobody.here@example.com", "Member").await;
    assert!(!body_of("nobody.here@example.com").await.is_empty(), "the message waits with its body");
    assert_eq!(t.deliver(&refused).await, 1);
    assert_eq!(status_of("nobody.here@example.com").await, "failed");
    assert_eq!(t.app.scalar_i64("SELECT attempts FROM email_outbox WHERE to_key = $1", "nobody.here@example.com").await, 1, "no retry");
    assert_eq!(body_of("nobody.here@example.com").await, "");
    let row = t.list(&[("search", "nobody.here")]).await.invitations.pop().unwrap();
    assert_eq!(row.delivery, app::invitations::types::Delivery::Failed);
    assert!(row.delivery_error.is_some_and(|e| e.contains("550")), "the refusal is shown");

    // A server that is down: retried, until a day has passed since the message was made.
    let down = Arc::new(Transport::smtp(&format!("smtp://127.0.0.1:{}", crate::smtp::free_port()), "Roster <roster@example.test>").unwrap());
    t.invite("patient.too@example.com", "Member").await;
    assert_eq!(t.deliver(&down).await, 1);
    assert_eq!(status_of("patient.too@example.com").await, "queued", "a temporary failure is retried");
    assert!(!body_of("patient.too@example.com").await.is_empty());
    // A day passes (the message's birth moved back, its retry due now): the next failure gives up.
    t.app.execute("UPDATE email_outbox SET created_at = created_at - 86400001, next_attempt_at = 0 WHERE to_key = $1", "patient.too@example.com").await;
    assert_eq!(t.deliver(&down).await, 1);
    assert_eq!(status_of("patient.too@example.com").await, "failed", "given up after a day");
    assert_eq!(body_of("patient.too@example.com").await, "");

    // Cancelled before it went: emptied too.
    let waiting = t.invite("never.sent@example.com", "Member").await;
    assert_eq!(t.app.call(&t.owner, "/api/cancel_invitation", &[("id", &waiting.invitation_id)]).await.status(), 200);
    assert_eq!(status_of("never.sent@example.com").await, "cancelled");
    assert_eq!(body_of("never.sent@example.com").await, "");

    // Sent: emptied.
    let smtp = SmtpServer::start().await;
    t.invite("arrives@example.com", "Member").await;
    assert_eq!(t.deliver(&transport(&smtp)).await, 1);
    smtp.wait_for(1).await;
    assert_eq!(status_of("arrives@example.com").await, "sent");
    assert_eq!(body_of("arrives@example.com").await, "");
}

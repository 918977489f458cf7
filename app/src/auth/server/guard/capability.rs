//! The values that open the database. Each wraps the one [`Db`] with what it may be used for,
//! and none can be made outside the guard (their fields are private, their constructors
//! `pub(super)`), except [`Operator`], which only the process that opened the database can
//! make, since only it holds a `Db`.
//!
//! - [`OrgDb`]: one organization's data, for a user the guard checked. Inside a [`Permit`].
//!   Tenant repositories take it (or its transaction, [`OrgTx`]) and scope every statement by
//!   [`OrgDb::id`].
//! - [`AuthGate`]: what happens before anyone is signed in: resolving a session cookie,
//!   checking credentials, recording the attempt, starting and ending sessions. Only the
//!   `auth` feature can ask the guard for one.
//! - [`InviteGate`]: the invitee's side of an invitation, before they have an account: finding
//!   an invitation by its token's hash, accepting or declining it. Only the `invitations`
//!   feature can ask the guard for one.
//! - [`Mailroom`]: the outbox worker, which sends every organization's mail. Like
//!   [`Operator`], only the process that opened the database can make one.
//! - [`JobDesk`]: the bulk-action worker, which runs every organization's jobs, each with the
//!   authority its starter holds when a chunk runs. Only the process that opened the database
//!   can make one.
//! - [`Operator`]: the command line and the first start, acting on the machine's behalf.
//!
//! The application state keeps its database private too, so code that holds only the state
//! (any server function can `use_context` it) cannot query. None of these compiles, each for
//! the reason its error code names (`cargo xtask test` runs rustdoc so that it checks the
//! codes, `scripts/rustdoc_checking_error_codes.sh`: stable rustdoc alone would accept a
//! snippet that fails for any reason at all, a typo included):
//!
//! ```compile_fail,E0616
//! // A server function that reads the state's database without the guard.
//! async fn sneaky(state: app::auth::server::guard::AppState) {
//!     let _ = state.db.exec();
//! }
//! ```
//!
//! ```compile_fail,E0451
//! // Or makes itself a capability for an organization it names.
//! fn sneaky(db: app::server::db::Db) -> app::auth::server::guard::OrgDb {
//!     app::auth::server::guard::OrgDb { db, org_id: "another-org".into(), live: app::live::server::hub::Live::none() }
//! }
//! ```
//!
//! ```compile_fail,E0308
//! // Or calls a repository with the bare database: repositories take an organization's
//! // capability, which it cannot make.
//! async fn sneaky(db: &app::server::db::Db) {
//!     let _ = app::organizations::server::repo::role_id(db, "Owner").await;
//! }
//! ```
//!
//! ```compile_fail,E0451
//! // Or forges the identity the guard reads from the request.
//! fn sneaky() -> app::auth::server::guard::Authenticated {
//!     app::auth::server::guard::Authenticated {
//!         session_id: "s".into(), user_id: "u".into(), org_id: "another-org".into(),
//!         user_name: "n".into(), user_email: "e".into(), org_name: "o".into(), permissions: vec![],
//!     }
//! }
//! ```
//!
//! ```compile_fail,E0599
//! // Or opens a transaction on an organization it names through the invitee's gate: there
//! // is no such way; the gate finds the organization from a link's token itself.
//! async fn sneaky(gate: &app::auth::server::guard::InviteGate) {
//!     let _ = gate.begin_write_in("another-org").await;
//! }
//! ```
//!
//! What does compile is asking the guard, then calling the service with the permit:
//!
//! ```no_run
//! use app::auth::server::guard::with_permission;
//! use app::auth::types::Permission;
//! async fn roles() -> Result<Vec<app::users::account::RoleOption>, app::error::AppError> {
//!     with_permission(Permission::UsersView, |permit| async move {
//!         app::users::server::service::roles(&permit).await
//!     })
//!     .await
//! }
//! ```

use crate::auth::server::password::HashLimiter;
use crate::auth::types::{Permission, SignedInUser};
use crate::live::server::hub::{Live, News};
use crate::live::types::Topic;
use crate::server::client::ClientInfo;
use crate::server::db::{Db, Dialect, Exec, Tx};
use crate::server::state::Settings;
use crate::server::throttle::{InFlight, Throttle};

/// Unknown invitation links one address may open in [`LINK_GUESS_WINDOW_MS`].
pub const LINK_GUESSES: u32 = 20;
pub const LINK_GUESS_WINDOW_MS: i64 = 10 * 60 * 1000;
/// The window of `ROSTER_IP_LIMIT`: sign-in attempts per address per minute.
pub const SIGN_IN_WINDOW_MS: i64 = 60 * 1000;

/// Who is making this request: resolved once per request by the session layer (or by the
/// guard, for a server function called while a page renders) and read by the guard. Only
/// resolving a live session makes one (its fields are private), so a value put into a
/// request's extensions by other code cannot name an organization or permissions of its own.
#[derive(Debug, Clone)]
pub struct Authenticated {
    session_id: String,
    user_id: String,
    org_id: String,
    user_name: String,
    user_email: String,
    org_name: String,
    permissions: Vec<Permission>,
}

impl Authenticated {
    /// The session just found live, with its user's permissions (`session::resolve`).
    pub(in crate::auth::server) fn of_live_session(
        session_id: String,
        user_id: String,
        org_id: String,
        user_name: String,
        user_email: String,
        org_name: String,
        permissions: Vec<Permission>,
    ) -> Authenticated {
        Authenticated { session_id, user_id, org_id, user_name, user_email, org_name, permissions }
    }

    /// Whether the session's user holds `permission` (where to send them from `/`, say).
    pub fn can(&self, permission: Permission) -> bool {
        self.permissions.contains(&permission)
    }
    pub fn org_id(&self) -> &str {
        &self.org_id
    }
    pub fn user_id(&self) -> &str {
        &self.user_id
    }
}

/// The application state every request can reach: the settings, and the database, which
/// only the guard opens (through the capabilities below).
#[derive(Clone, Debug)]
pub struct AppState {
    db: Db,
    pub settings: Settings,
    /// Unknown invitation links opened, per client address (see [`InviteGate::link_guesses`]).
    link_guesses: Throttle,
    /// Sign-in attempts per client address (see [`AuthGate::sign_in_ips`]).
    sign_in_ips: Throttle,
    /// Password checks at once (see [`AuthGate::hashing`]).
    hashing: HashLimiter,
    /// Invitation links being accepted now (see [`InviteGate::accepting`]).
    accepting: InFlight,
    /// What changed, for the live lists (see `live::server::hub`).
    live: Live,
}

impl AppState {
    /// Made once, by the process that opened the database.
    pub fn new(db: Db, settings: Settings) -> AppState {
        AppState {
            link_guesses: Throttle::new(LINK_GUESSES, LINK_GUESS_WINDOW_MS),
            sign_in_ips: Throttle::new(settings.ip_limit, SIGN_IN_WINDOW_MS),
            hashing: HashLimiter::new(settings.hash_concurrency, settings.hash_queue),
            accepting: InFlight::default(),
            live: Live::start(&db),
            db,
            settings,
        }
    }

    /// A cheap round trip to the database, for the readiness probe.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        self.db.ping().await
    }

    /// The hub of this process's live news (the streams subscribe to it; workers announce).
    pub fn live(&self) -> &Live {
        &self.live
    }

    pub(super) fn org_db(&self, org_id: &str) -> OrgDb {
        OrgDb { db: self.db.clone(), org_id: org_id.to_owned(), live: self.live.clone() }
    }

    pub(super) fn auth_gate(&self) -> AuthGate {
        AuthGate {
            db: self.db.clone(),
            settings: self.settings.clone(),
            sign_in_ips: self.sign_in_ips.clone(),
            hashing: self.hashing.clone(),
            live: self.live.clone(),
        }
    }

    pub(super) fn invite_gate(&self) -> InviteGate {
        InviteGate {
            db: self.db.clone(),
            settings: self.settings.clone(),
            link_guesses: self.link_guesses.clone(),
            hashing: self.hashing.clone(),
            accepting: self.accepting.clone(),
            live: self.live.clone(),
        }
    }
}

/// Proof that the acting user is signed in and allowed, with their organization's data.
#[derive(Debug, Clone)]
pub struct Permit {
    auth: Authenticated,
    org: OrgDb,
    settings: Settings,
    /// Set when a bulk job acts for its starter (see [`JobDesk::permit_for`]).
    job: Option<JobContext>,
}

/// The bulk job a permit acts in: its id (every audit event it writes carries it) and the
/// address and device it was started from (no request is being answered while it runs).
#[derive(Debug, Clone)]
pub struct JobContext {
    pub id: String,
    pub client: ClientInfo,
}

impl Permit {
    pub(super) fn new(auth: Authenticated, state: &AppState) -> Permit {
        Permit { org: state.org_db(&auth.org_id), auth, settings: state.settings.clone(), job: None }
    }

    /// Where the change comes from: the request being answered, or the one that started the
    /// job this permit acts in.
    pub fn client(&self) -> ClientInfo {
        match &self.job {
            Some(job) => job.client.clone(),
            None => ClientInfo::of_request(&self.settings),
        }
    }
    /// The bulk job this permit acts in, if any.
    pub fn job_id(&self) -> Option<&str> {
        self.job.as_ref().map(|j| j.id.as_str())
    }

    /// The organization's data: every tenant repository takes this.
    pub fn org(&self) -> &OrgDb {
        &self.org
    }
    pub fn settings(&self) -> &Settings {
        &self.settings
    }
    pub fn user_id(&self) -> &str {
        &self.auth.user_id
    }
    pub fn user_email(&self) -> &str {
        &self.auth.user_email
    }
    pub fn user_name(&self) -> &str {
        &self.auth.user_name
    }
    pub fn session_id(&self) -> &str {
        &self.auth.session_id
    }
    pub fn can(&self, permission: Permission) -> bool {
        self.auth.permissions.contains(&permission)
    }
    /// Every permission the holder's roles grant.
    pub fn permissions(&self) -> &[Permission] {
        &self.auth.permissions
    }
    pub fn current_user(&self) -> SignedInUser {
        SignedInUser {
            id: self.auth.user_id.clone(),
            name: self.auth.user_name.clone(),
            email: self.auth.user_email.clone(),
            org_name: self.auth.org_name.clone(),
            permissions: self.auth.permissions.clone(),
        }
    }
}

/// One organization's data. Every statement a tenant repository runs through it is scoped by
/// [`OrgDb::id`]; an id of another organization then answers "not found".
#[derive(Debug, Clone)]
pub struct OrgDb {
    db: Db,
    org_id: String,
    live: Live,
}

impl OrgDb {
    /// The organization every query is scoped to.
    pub fn id(&self) -> &str {
        &self.org_id
    }
    pub fn dialect(&self) -> Dialect {
        self.db.dialect()
    }
    pub fn exec(&self) -> Exec<'_> {
        self.db.exec()
    }
    /// A write transaction on the organization's data (see [`Tx`]: only `commit` commits).
    pub async fn begin_write(&self) -> Result<OrgTx, sqlx::Error> {
        Ok(OrgTx { tx: self.db.begin_write().await?, org_id: self.org_id.clone(), live: self.live.clone(), news: Vec::new(), slots: Vec::new(), hooks: Vec::new() })
    }
}

/// A write transaction on one organization's data; rolls back unless committed. What it
/// changes that a live list shows is announced once it commits, never before (a page that
/// looks again must find the change) and never for a rollback.
///
/// A feature may keep state of its own in the transaction ([`OrgTx::slot`]) and finish it just
/// before the commit ([`OrgTx::before_commit`]): the audit trail gathers a transaction's events
/// and writes them at once, a statement per hundred rather than three an event.
pub struct OrgTx {
    tx: Tx,
    org_id: String,
    live: Live,
    news: Vec<News>,
    slots: Vec<Box<dyn std::any::Any + Send>>,
    hooks: Vec<CommitHook>,
}

/// Work that must be done inside a transaction before it commits (see [`OrgTx::before_commit`]).
pub type CommitHook = for<'a> fn(&'a mut OrgTx) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), sqlx::Error>> + Send + 'a>>;

impl OrgTx {
    pub fn id(&self) -> &str {
        &self.org_id
    }
    pub fn exec(&mut self) -> Exec<'_> {
        self.tx.exec()
    }
    /// `topic` changes in the organization if this transaction commits.
    pub fn announce(&mut self, topic: Topic) {
        self.news.push(News { org: self.org_id.clone(), topic, user: None });
    }
    /// `topic` changes for `user` alone if this transaction commits.
    pub fn announce_to(&mut self, topic: Topic, user: &str) {
        self.news.push(News { org: self.org_id.clone(), topic, user: Some(user.to_owned()) });
    }
    /// The transaction's value of type `T`, made with `T::default()` on first use.
    pub fn slot<T: Default + Send + 'static>(&mut self) -> &mut T {
        let at = match self.slots.iter().position(|s| s.is::<T>()) {
            Some(at) => at,
            None => {
                self.slots.push(Box::new(T::default()));
                self.slots.len() - 1
            }
        };
        match self.slots[at].downcast_mut::<T>() {
            Some(value) => value,
            None => unreachable!("the slot was found by its type"),
        }
    }
    /// Runs `hook` once just before the commit (registering it again changes nothing); an error
    /// aborts the commit, and the transaction rolls back.
    pub fn before_commit(&mut self, hook: CommitHook) {
        if !self.hooks.iter().any(|h| std::ptr::fn_addr_eq(*h, hook)) {
            self.hooks.push(hook);
        }
    }
    pub async fn commit(mut self) -> Result<(), sqlx::Error> {
        for hook in std::mem::take(&mut self.hooks) {
            hook(&mut self).await?;
        }
        self.tx.commit().await?;
        let mut told = std::collections::HashSet::new();
        for news in self.news {
            if told.insert(news.clone()) {
                self.live.send(news);
            }
        }
        Ok(())
    }
}

/// Sign-in and sessions, before anyone is signed in: the few statements that find an account
/// by email or a session by its token's hash, across organizations.
#[derive(Debug, Clone)]
pub struct AuthGate {
    db: Db,
    settings: Settings,
    sign_in_ips: Throttle,
    hashing: HashLimiter,
    live: Live,
}

impl AuthGate {
    pub fn settings(&self) -> &Settings {
        &self.settings
    }
    /// Sign-in attempts per client address: more than `ROSTER_IP_LIMIT` in a minute and the
    /// address is refused until the minute ends.
    pub fn sign_in_ips(&self) -> &Throttle {
        &self.sign_in_ips
    }
    /// The password checks of sign-in, a few at a time.
    pub fn hashing(&self) -> &HashLimiter {
        &self.hashing
    }
    pub fn exec(&self) -> Exec<'_> {
        self.db.exec()
    }
    /// Sign-in's news (an attempt, a session started or ended), announced after each write.
    pub fn live(&self) -> &Live {
        &self.live
    }
}

/// The operator of the machine: `roster org create`, `roster user add`, `roster seed` and
/// the first start. Whoever opened the database may act on any organization.
#[derive(Debug, Clone)]
pub struct Operator {
    db: Db,
}

impl Operator {
    pub fn new(db: Db) -> Operator {
        Operator { db }
    }
    pub fn exec(&self) -> Exec<'_> {
        self.db.exec()
    }
    pub async fn begin_write(&self) -> Result<Tx, sqlx::Error> {
        self.db.begin_write().await
    }
    /// One organization's data, as a tenant repository takes it. The command line runs in a
    /// process of its own, with no stream to tell: its changes announce nothing.
    pub fn org(&self, org_id: &str) -> OrgDb {
        OrgDb { db: self.db.clone(), org_id: org_id.to_owned(), live: Live::none() }
    }
}

/// The invitee's side of an invitation: the statements that find an invitation by its token's
/// hash (across organizations: the token is the only thing the invitee holds) and that accept
/// or decline it, in one transaction with the session it starts.
#[derive(Debug, Clone)]
pub struct InviteGate {
    db: Db,
    settings: Settings,
    link_guesses: Throttle,
    hashing: HashLimiter,
    accepting: InFlight,
    live: Live,
}

impl InviteGate {
    pub fn settings(&self) -> &Settings {
        &self.settings
    }
    /// Unknown links opened per client address: more than [`LINK_GUESSES`] in ten minutes and
    /// the address is refused until the window ends.
    pub fn link_guesses(&self) -> &Throttle {
        &self.link_guesses
    }
    /// The process's password-hash limiter, the one sign-in uses: accepting hashes a password.
    pub fn hashing(&self) -> &HashLimiter {
        &self.hashing
    }
    /// Links being accepted now: a second accept of one link while the first runs is answered
    /// at once, so parallel clicks hash a password once, not once each.
    pub fn accepting(&self) -> &InFlight {
        &self.accepting
    }
    pub fn exec(&self) -> Exec<'_> {
        self.db.exec()
    }
    /// A write transaction on the organization that holds the invitation whose token hashes
    /// to `token_hash`, found inside the transaction itself; `None` when no invitation has that
    /// token. The organization is never a value the caller names: a tenant transaction comes
    /// only from a guard's [`Permit`] or from a link that exists (see [`Tx`]: only `commit`
    /// commits).
    pub async fn begin_write_for_link(&self, token_hash: &str) -> Result<Option<OrgTx>, sqlx::Error> {
        let mut tx = self.db.begin_write().await?;
        let sql = crate::server::sql::Sql::new("SELECT org_id FROM invitations WHERE token_hash = $1").bind(token_hash);
        let org_id: Option<String> = tx.exec().optional_scalar(sql).await?;
        Ok(org_id.map(|org_id| OrgTx { tx, org_id, live: self.live.clone(), news: Vec::new(), slots: Vec::new(), hooks: Vec::new() }))
    }
}

/// The outbox worker: claims every organization's due mail, and records what became of it.
#[derive(Debug, Clone)]
pub struct Mailroom {
    db: Db,
    public_url: String,
    live: Live,
}

impl Mailroom {
    /// Links in the mail it sends start with `public_url` (`ROSTER_PUBLIC_URL`).
    pub fn new(db: Db, public_url: &str) -> Mailroom {
        Mailroom { db, public_url: public_url.trim_end_matches('/').to_owned(), live: Live::none() }
    }
    /// Announces what became of each mail (an invitation's delivery) through `live`.
    pub fn with_live(self, live: Live) -> Mailroom {
        Mailroom { live, ..self }
    }
    pub fn live(&self) -> &Live {
        &self.live
    }
    pub fn public_url(&self) -> &str {
        &self.public_url
    }
    pub fn dialect(&self) -> Dialect {
        self.db.dialect()
    }
    pub fn exec(&self) -> Exec<'_> {
        self.db.exec()
    }
    pub async fn begin_write(&self) -> Result<Tx, sqlx::Error> {
        self.db.begin_write().await
    }
}

/// The bulk-action worker: claims any organization's job by its lease (see
/// `bulk::server::runner`) and acts in it as the person who started it, with the permissions
/// they hold when each chunk runs, never more.
#[derive(Debug, Clone)]
pub struct JobDesk {
    db: Db,
    settings: Settings,
    live: Live,
}

impl JobDesk {
    pub fn new(db: Db, settings: Settings) -> JobDesk {
        JobDesk { db, settings, live: Live::none() }
    }
    /// Announces each chunk's progress (and its users' changes) through `live`.
    pub fn with_live(self, live: Live) -> JobDesk {
        JobDesk { live, ..self }
    }
    pub fn live(&self) -> &Live {
        &self.live
    }
    pub fn dialect(&self) -> Dialect {
        self.db.dialect()
    }
    pub fn exec(&self) -> Exec<'_> {
        self.db.exec()
    }
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// A permit for `user_id` of `org_id` as they are now, acting in `job`: `None` when they
    /// are no longer an active member of it.
    pub async fn permit_for(&self, org_id: &str, user_id: &str, job: JobContext) -> Result<Option<Permit>, sqlx::Error> {
        use crate::server::sql::Sql;
        #[derive(sqlx::FromRow)]
        struct Row {
            name: String,
            email: String,
            org_name: String,
        }
        let sql = Sql::new(
            "SELECT u.name, u.email, o.name AS org_name FROM users u JOIN organizations o ON o.id = u.org_id
             WHERE u.id = $1 AND u.org_id = $2 AND u.status = 'active'",
        )
        .bind(user_id)
        .bind(org_id);
        let Some(row) = self.db.exec().fetch_optional::<Row>(sql).await? else { return Ok(None) };
        let permissions = permissions_of(self.db.exec(), user_id).await?;
        let auth = Authenticated {
            session_id: String::new(),
            user_id: user_id.to_owned(),
            org_id: org_id.to_owned(),
            user_name: row.name,
            user_email: row.email,
            org_name: row.org_name,
            permissions,
        };
        let org = OrgDb { db: self.db.clone(), org_id: org_id.to_owned(), live: self.live.clone() };
        Ok(Some(Permit { auth, org, settings: self.settings.clone(), job: Some(job) }))
    }
}

/// The permissions `user_id` holds through all their roles, read fresh each time: a role
/// change takes effect on the user's next request (a session), or a job's next chunk.
pub(in crate::auth) async fn permissions_of(exec: Exec<'_>, user_id: &str) -> Result<Vec<Permission>, sqlx::Error> {
    let sql = crate::server::sql::Sql::new(
        "SELECT DISTINCT rp.permission FROM user_roles ur JOIN role_permissions rp ON rp.role_id = ur.role_id WHERE ur.user_id = $1",
    )
    .bind(user_id);
    let keys: Vec<String> = exec.scalars(sql).await?;
    Ok(keys.iter().filter_map(|k| Permission::from_key(k)).collect())
}

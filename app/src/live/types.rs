//! What a live stream carries: the name of a list that has news.

/// Where a tab opens its one stream of server-sent events.
pub const LIVE_PATH: &str = "/api/live";

/// A kind of news: each is the name of an event on the stream (`event: sessions`), except
/// [`Topic::Account`], which stays on the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    /// A sign-in was attempted (Login Attempts).
    LoginAttempts,
    /// A session started or ended (Sessions).
    Sessions,
    /// An event was written to the Audit Log.
    Audit,
    /// An invitation was sent, resent, cancelled, accepted, declined or delivered (Invitations).
    Invitations,
    /// A bulk job moved on: for the person who started it only.
    Bulk,
    /// Something may have changed for one person's sessions or permissions (a role, their
    /// status, a revoked session): their streams look at their session again.
    Account,
    /// News may have been lost (a stream fell behind, the database link was lost): every list
    /// looks again.
    Resync,
}

impl Topic {
    /// What a page can listen to.
    pub const LISTS: [Topic; 5] = [Topic::LoginAttempts, Topic::Sessions, Topic::Audit, Topic::Invitations, Topic::Bulk];

    /// The event's name on the stream.
    pub fn key(self) -> &'static str {
        match self {
            Topic::LoginAttempts => "login_attempts",
            Topic::Sessions => "sessions",
            Topic::Audit => "audit",
            Topic::Invitations => "invitations",
            Topic::Bulk => "bulk",
            Topic::Account => "account",
            Topic::Resync => "resync",
        }
    }
}

//! Invitations as they cross the wire: the Invitations list and its URL, the Invite User form,
//! and what the invitee's page shows.

use crate::live::listen::{count_of, LiveParams, LivePage};
use crate::error::FieldError;
use crate::users::types::Email;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InvitationStatus {
    Pending,
    Accepted,
    Declined,
    Expired,
    Cancelled,
}

impl InvitationStatus {
    pub const ALL: [InvitationStatus; 5] = [
        InvitationStatus::Pending,
        InvitationStatus::Accepted,
        InvitationStatus::Declined,
        InvitationStatus::Expired,
        InvitationStatus::Cancelled,
    ];

    pub fn label(self) -> &'static str {
        match self {
            InvitationStatus::Pending => "Pending",
            InvitationStatus::Accepted => "Accepted",
            InvitationStatus::Declined => "Declined",
            InvitationStatus::Expired => "Expired",
            InvitationStatus::Cancelled => "Cancelled",
        }
    }

    /// The value stored in the database and used in the URL.
    pub fn key(self) -> &'static str {
        match self {
            InvitationStatus::Pending => "pending",
            InvitationStatus::Accepted => "accepted",
            InvitationStatus::Declined => "declined",
            InvitationStatus::Expired => "expired",
            InvitationStatus::Cancelled => "cancelled",
        }
    }

    pub fn from_key(key: &str) -> Option<InvitationStatus> {
        InvitationStatus::ALL.into_iter().find(|s| s.key() == key)
    }

    /// The status a stored one has at `now`: a pending invitation past its expiry is Expired,
    /// whether or not anything has run since.
    pub fn at(stored: &str, expires_at: i64, now: i64) -> InvitationStatus {
        match InvitationStatus::from_key(stored).unwrap_or(InvitationStatus::Expired) {
            InvitationStatus::Pending if expires_at <= now => InvitationStatus::Expired,
            other => other,
        }
    }
}

/// What became of an invitation's email.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Delivery {
    Queued,
    Sent,
    Failed,
}

impl Delivery {
    pub fn label(self) -> &'static str {
        match self {
            Delivery::Queued => "Queued",
            Delivery::Sent => "Sent",
            Delivery::Failed => "Failed",
        }
    }

    pub fn from_key(key: &str) -> Delivery {
        match key {
            "sent" => Delivery::Sent,
            "failed" => Delivery::Failed,
            _ => Delivery::Queued,
        }
    }
}

/// One row of the Invitations list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    pub id: String,
    pub email: String,
    pub role: String,
    pub status: InvitationStatus,
    /// The inviter's name, or `None` once their account is gone.
    pub invited_by: Option<String>,
    pub delivery: Delivery,
    /// The last delivery error: why it Failed, or why it is being retried.
    pub delivery_error: Option<String>,
    /// Why it was Cancelled when nobody chose to cancel it.
    #[serde(default)]
    pub end_reason: Option<EndReason>,
    pub created_at: i64,
    pub expires_at: i64,
}

/// A page of the Invitations list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationList {
    pub invitations: Vec<Invitation>,
    /// Pass back as `after` for the next page; `None` on the last page.
    pub next_cursor: Option<String>,
    /// Pass back as `before` for the previous page; `None` on the first page.
    pub prev_cursor: Option<String>,
    /// No SMTP server in production: mail waits in the outbox, and the page says so.
    pub mail_not_configured: bool,
    pub now: i64,
}

/// The Invitations list's URL query as typed: every value optional and unchecked.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct InvitationListParams {
    pub search: Option<String>,
    pub status: Option<String>,
    pub after: Option<String>,
    pub before: Option<String>,
}

impl InvitationListParams {
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> InvitationListParams {
        InvitationListParams { search: get("search"), status: get("status"), after: get("after"), before: get("before") }
    }

    /// `/invitations?…` with the non-empty parameters, URL-encoded.
    pub fn href(&self) -> String {
        crate::ui::query::href(
            "/invitations",
            &[("search", &self.search), ("status", &self.status), ("after", &self.after), ("before", &self.before)],
        )
    }

    pub fn first_page(&self) -> InvitationListParams {
        InvitationListParams { after: None, before: None, ..self.clone() }
    }

    pub fn is_filtered(&self) -> bool {
        [&self.search, &self.status].iter().any(|v| v.as_deref().is_some_and(|v| !v.trim().is_empty()))
    }
}

impl LiveParams for InvitationListParams {
    fn on_first_page(&self) -> bool {
        self.after.is_none() && self.before.is_none()
    }
    fn first_page(&self) -> Self {
        InvitationListParams::first_page(self)
    }
    fn href(&self) -> String {
        InvitationListParams::href(self)
    }
}

impl LivePage for InvitationList {
    fn read_at(&self) -> i64 {
        self.now
    }
    fn news_since(&self, since: i64) -> (usize, String) {
        let n = self.invitations.iter().filter(|i| i.created_at > since).count();
        (n, count_of(n, "invitation", "invitations"))
    }
}

pub const INVITATION_PAGE_SIZE: i64 = 50;

/// What the Invitations list shows, parsed from the URL's query.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InvitationQuery {
    /// Any part of the email, case-insensitive; empty for all.
    pub search: String,
    pub status: Option<InvitationStatus>,
    pub after: Option<String>,
    pub before: Option<String>,
}

impl InvitationQuery {
    pub fn from_params(params: &InvitationListParams) -> Result<InvitationQuery, FieldError> {
        let blank = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        let search = blank(&params.search).unwrap_or_default();
        if search.chars().count() > 100 {
            return Err(FieldError { field: "search".into(), message: "Search for at most 100 characters.".into() });
        }
        let status = match blank(&params.status) {
            None => None,
            Some(s) => Some(InvitationStatus::from_key(&s).ok_or_else(|| FieldError { field: "status".into(), message: format!("{s:?} is not a status.") })?),
        };
        let (after, before) = (blank(&params.after), blank(&params.before));
        if after.is_some() && before.is_some() {
            return Err(FieldError { field: "after".into(), message: "A page starts after one row or ends before one, not both.".into() });
        }
        Ok(InvitationQuery { search, status, after, before })
    }
}

/// The longest personal message an invitation carries.
pub const MESSAGE_MAX: usize = 1_000;

/// What **Send Invitation** sends.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewInvitation {
    pub email: String,
    pub role_id: String,
    pub message: String,
}

/// An invitation's input, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidInvitation {
    pub email: Email,
    pub role_id: String,
    pub message: Option<String>,
}

impl NewInvitation {
    /// The checks of the form, in the browser as on the server: one message per field.
    pub fn validate(&self) -> Result<ValidInvitation, Vec<FieldError>> {
        let mut errors = Vec::new();
        let email = Email::parse(&self.email).map_err(|m| errors.push(FieldError { field: "email".into(), message: m })).ok();
        if self.role_id.trim().is_empty() {
            errors.push(FieldError { field: "role".into(), message: "Choose a role.".into() });
        }
        let message = self.message.trim();
        if message.chars().count() > MESSAGE_MAX {
            errors.push(FieldError { field: "message".into(), message: format!("Keep the message to {MESSAGE_MAX} characters.") });
        } else if message.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
            errors.push(FieldError { field: "message".into(), message: "The message cannot contain control characters.".into() });
        }
        match email {
            Some(email) if errors.is_empty() => Ok(ValidInvitation {
                email,
                role_id: self.role_id.trim().to_owned(),
                message: (!message.is_empty()).then(|| message.replace("\r\n", "\n")),
            }),
            _ => Err(errors),
        }
    }
}

/// The field of an "already invited" refusal that carries the waiting invitation's id, so the
/// dialog can offer **Resend** in the message.
pub const PENDING_INVITATION_FIELD: &str = "pending_invitation";

/// What **Send Invitation** returns: who was invited, for the toast.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invited {
    pub invitation_id: String,
    pub email: String,
}

/// What the invitee's page shows about a working link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationDetails {
    pub organization: String,
    pub invited_by: Option<String>,
    pub email: String,
    pub role: String,
    pub message: Option<String>,
    pub expires_at: i64,
}

/// What a link leads to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum InvitationLink {
    Valid(InvitationDetails),
    /// Already accepted: links work once.
    Used,
    /// The invitee declined it.
    Declined,
    Expired,
    Cancelled,
    /// No invitation has this token (mistyped, or replaced by a resend).
    Unknown,
    /// Too many unknown links from this address: try again later.
    Throttled,
}

impl InvitationLink {
    /// What the invitee's page says of a link that does not work (empty for one that does).
    pub fn problem(&self) -> &'static str {
        match self {
            InvitationLink::Valid(_) => "",
            InvitationLink::Used => "This invitation has already been used. Sign in instead.",
            InvitationLink::Declined => "You declined this invitation. If that was a mistake, ask the administrator to invite you again.",
            InvitationLink::Expired => "This invitation has expired. Ask the administrator who invited you to send it again.",
            InvitationLink::Cancelled => "This invitation was cancelled.",
            InvitationLink::Unknown => "This invitation link is no longer valid. It may have been replaced by a newer invitation.",
            InvitationLink::Throttled => "Too many invalid invitation links were opened from your network. Try again in a few minutes.",
        }
    }
}

/// Why an invitation was cancelled without anyone cancelling it: it is only as good as its
/// inviter's authority, and ended with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EndReason {
    InviterDeactivated,
    InviterDeleted,
    InviterLostAuthority,
}

impl EndReason {
    pub fn from_key(key: &str) -> Option<EndReason> {
        match key {
            "inviter_deactivated" => Some(EndReason::InviterDeactivated),
            "inviter_deleted" => Some(EndReason::InviterDeleted),
            "inviter_lost_authority" => Some(EndReason::InviterLostAuthority),
            _ => None,
        }
    }

    /// What the Invitations list says beside Cancelled.
    pub fn label(self) -> &'static str {
        match self {
            EndReason::InviterDeactivated => "The inviter was deactivated",
            EndReason::InviterDeleted => "The inviter was deleted",
            EndReason::InviterLostAuthority => "The inviter may no longer invite with this role",
        }
    }
}

/// The invitee's page for the link `token`, as a path of Roster's own (the token encoded).
pub fn link_path(token: &str) -> String {
    let query: String = form_urlencoded::Serializer::new(String::new()).append_pair("token", token).finish();
    format!("/invitation?{query}")
}

/// What **Accept invitation** sends.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Acceptance {
    pub token: String,
    pub name: String,
    pub password: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pending_invitation_past_its_expiry_is_expired() {
        assert_eq!(InvitationStatus::at("pending", 1_000, 999), InvitationStatus::Pending);
        assert_eq!(InvitationStatus::at("pending", 1_000, 1_000), InvitationStatus::Expired);
        assert_eq!(InvitationStatus::at("accepted", 1_000, 5_000), InvitationStatus::Accepted);
        assert_eq!(InvitationStatus::at("cancelled", 1_000, 5), InvitationStatus::Cancelled);
    }

    #[test]
    fn the_invite_form_is_checked_field_by_field() {
        let ok = NewInvitation { email: " ada@example.com ".into(), role_id: "r1".into(), message: "  Welcome!\r\nSee you ".into() };
        let valid = ok.validate().unwrap();
        assert_eq!((valid.email.as_str(), valid.message.as_deref()), ("ada@example.com", Some("Welcome!\nSee you")));
        let bad = NewInvitation { email: "ada".into(), role_id: " ".into(), message: "x".repeat(MESSAGE_MAX + 1) };
        let fields: Vec<String> = bad.validate().unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["email", "role", "message"]);
        let exactly = NewInvitation { message: "é".repeat(MESSAGE_MAX), ..ok.clone() };
        assert!(exactly.validate().is_ok());
        assert!(NewInvitation { message: "bell\u{7}".into(), ..ok }.validate().is_err());
    }

    #[test]
    fn list_parameters_parse_and_links_encode() {
        let p = InvitationListParams { search: Some(" ada ".into()), status: Some("expired".into()), after: Some("c".into()), before: None };
        let q = InvitationQuery::from_params(&p).unwrap();
        assert_eq!((q.search.as_str(), q.status), ("ada", Some(InvitationStatus::Expired)));
        assert_eq!(p.href(), "/invitations?search=+ada+&status=expired&after=c");
        assert_eq!(p.first_page().href(), "/invitations?search=+ada+&status=expired");
        let bad = InvitationListParams { status: Some("gone".into()), ..Default::default() };
        assert_eq!(InvitationQuery::from_params(&bad).unwrap_err().field, "status");
    }
}

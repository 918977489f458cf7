//! The one error type of Roster, shared by the server and the browser.
//!
//! Server functions return `Result<T, AppError>`; the client matches on the variant to send an
//! expired session to sign-in or to show field errors beside their fields. Internal causes are
//! logged on the server and never sent: the browser only learns that something went wrong.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// A message for one field of a form, keyed by the field's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// No valid session: the browser goes to sign-in.
    #[error("Your session has ended. Please sign in again.")]
    Unauthenticated,
    /// Signed in, but without the permission this needs.
    #[error("You don't have permission to do this. Contact your administrator.")]
    Forbidden,
    /// Holding the permission, but not over this person: their roles carry a permission the
    /// viewer lacks (an Owner, for an Admin). The message names them and what was refused.
    #[error("{0}")]
    Outranked(String),
    /// Missing, or belonging to another organization (the two are never told apart).
    #[error("Not found.")]
    NotFound,
    /// Someone else changed the same thing first, or a unique value is taken.
    #[error("{0}")]
    Conflict(String),
    /// Bad input: one message per field, shown next to the field.
    #[error("Please correct the highlighted fields.")]
    Validation(Vec<FieldError>),
    /// Too many of these too quickly (invitations an hour, say): the message says which limit
    /// and when to try again.
    #[error("{0}")]
    RateLimited(String),
    /// The server is too busy to do this now (password checks queued up under a flood of
    /// sign-ins): try again in a moment.
    #[error("{0}")]
    Unavailable(String),
    /// Sign-in failed; deliberately says nothing about why.
    #[error("Invalid email or password")]
    InvalidCredentials,
    /// The request's arguments could not be read: a value of the wrong kind, a field missing or
    /// unknown. A client bug or a forged request, never what a person typed into a form (the
    /// forms send text, checked into field messages).
    #[error("The request could not be read: {0}")]
    BadRequest(String),
    /// Anything else. The cause is in the server log under the request id.
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// The request never reached the function (network down, bad arguments…).
    #[error("Could not reach the server: {0}")]
    Transport(String),
}

impl AppError {
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        AppError::Validation(vec![FieldError { field: field.to_owned(), message: message.into() }])
    }

    /// The message for `field`, when this is a validation error that names it.
    pub fn field_message(&self, field: &str) -> Option<String> {
        match self {
            AppError::Validation(errors) => {
                errors.iter().find(|e| e.field == field).map(|e| e.message.clone())
            }
            _ => None,
        }
    }

    /// The HTTP status a server function answers with for this error.
    pub fn status(&self) -> u16 {
        match self {
            AppError::BadRequest(_) => 400,
            AppError::Unauthenticated | AppError::InvalidCredentials => 401,
            AppError::Forbidden | AppError::Outranked(_) => 403,
            AppError::NotFound => 404,
            AppError::Conflict(_) => 409,
            AppError::Validation(_) => 422,
            AppError::RateLimited(_) => 429,
            AppError::Unavailable(_) => 503,
            AppError::Internal | AppError::Transport(_) => 500,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    /// On the server, arguments that do not decode are the caller's fault: 400 with what was
    /// wrong (serde's words: a field and what it expected), not the 500 the framework would
    /// send. Everything else, and everything in the browser, is the transport's.
    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        #[cfg(feature = "ssr")]
        if let ServerFnErrorErr::Args(detail) | ServerFnErrorErr::MissingArg(detail) | ServerFnErrorErr::Deserialization(detail) = &value {
            // The status through the response options directly: `server::respond` builds on this
            // module, and must not be built on by it.
            if let Some(options) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
                options.set_status(http::StatusCode::BAD_REQUEST);
            }
            return AppError::BadRequest(detail.clone());
        }
        AppError::Transport(value.to_string())
    }
}

/// What a request is told while the database cannot answer (down, restarting, locked).
pub const DATABASE_UNAVAILABLE: &str = "Roster is temporarily unavailable. Please try again in a moment.";

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    /// A database that cannot answer now is 503, to be retried; anything else is a fault, 500.
    fn from(err: sqlx::Error) -> Self {
        if crate::server::db::is_unavailable(&err) {
            tracing::warn!(error = %err, "database unavailable");
            return AppError::Unavailable(DATABASE_UNAVAILABLE.into());
        }
        tracing::error!(error = %err, "database error");
        AppError::Internal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_message_finds_the_named_field_only() {
        let err = AppError::validation("email", "Enter an email address");
        assert_eq!(err.field_message("email").as_deref(), Some("Enter an email address"));
        assert_eq!(err.field_message("name"), None);
        assert_eq!(AppError::Forbidden.field_message("email"), None);
    }

    #[test]
    fn errors_round_trip_through_the_wire_encoding() {
        let err = AppError::validation("email", "Taken");
        let bytes = err.ser();
        assert_eq!(AppError::de(bytes), err);
    }
}

//! The one way into the database. A server function asks the guard for a [`Permit`], which
//! only exists for a live session whose user holds the permission asked for, and carries the
//! organization's data ([`OrgDb`]); services take the permit first, repositories the `OrgDb`.
//! The state every request can reach keeps its database private (see [`capability`]), so a
//! server function that skips the guard has nothing to query with and does not compile.

pub mod capability;

pub use capability::{AppState, AuthGate, Authenticated, InviteGate, JobContext, JobDesk, Mailroom, Operator, OrgDb, OrgTx, Permit};

use super::session;
use crate::auth::types::Permission;
use crate::error::AppError;
use crate::server::respond;
use http::request::Parts;
use http::StatusCode;
use leptos::prelude::use_context;

/// A permit for a signed-in user holding `permission`; 401 or 403 otherwise.
pub async fn require(permission: Permission) -> Result<Permit, AppError> {
    let permit = signed_in().await?;
    if !permit.can(permission) {
        respond::set_status(StatusCode::FORBIDDEN);
        return Err(AppError::Forbidden);
    }
    Ok(permit)
}

/// Runs `action` with a permit for `permission`, and answers a failure, the guard's or the
/// action's, with the HTTP status that fits it: the body of a server function.
pub async fn with_permission<T, F, Fut>(permission: Permission, action: F) -> Result<T, AppError>
where
    F: FnOnce(Permit) -> Fut,
    Fut: std::future::Future<Output = Result<T, AppError>>,
{
    let result = match require(permission).await {
        Ok(permit) => action(permit).await,
        Err(err) => Err(err),
    };
    result.or_else(respond::fail)
}

/// A permit for any signed-in user, for what every user may do (see themselves, sign out).
pub async fn signed_in() -> Result<Permit, AppError> {
    let state = app_state()?;
    let parts = use_context::<Parts>().ok_or(AppError::Internal)?;
    // The session layer resolved the cookie already; resolve it here when it did not run
    // (a server function called while a page renders on the server).
    let auth = match parts.extensions.get::<Authenticated>() {
        Some(auth) => Some(auth.clone()),
        None => match session::token_from_headers(&state.settings, &parts.headers) {
            Some(token) => resolve_session(&state, &token).await?,
            None => None,
        },
    };
    match auth {
        Some(auth) => Ok(Permit::new(auth, &state)),
        None => {
            respond::set_status(StatusCode::UNAUTHORIZED);
            Err(AppError::Unauthenticated)
        }
    }
}

/// The live session a cookie's token names, with its user's current permissions: for the
/// session layer in front of every request, and for [`signed_in`].
pub async fn resolve_session(state: &AppState, token: &str) -> Result<Option<Authenticated>, sqlx::Error> {
    session::resolve(&state.auth_gate(), token).await
}

/// The same, for a live stream: its session as it is now, without counting as activity.
pub async fn resolve_session_quietly(state: &AppState, token: &str) -> Result<Option<Authenticated>, sqlx::Error> {
    session::resolve_quietly(&state.auth_gate(), token).await
}

/// Sign-in's way in, for the public functions of the `auth` feature alone.
pub(in crate::auth) fn auth_gate() -> Result<AuthGate, AppError> {
    Ok(app_state()?.auth_gate())
}

/// The invitee's way in, for the public functions of the `invitations` feature. (Rust cannot
/// name a sibling module in `pub(in …)`, so this is crate-wide; `scripts/check_structure.py`
/// checks that only `invitations/api.rs` calls it.)
pub(crate) fn invite_gate() -> Result<InviteGate, AppError> {
    Ok(app_state()?.invite_gate())
}

/// The application state, from the Leptos context of this request.
fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the Leptos context");
        AppError::Internal
    })
}

/// The session token the browser sent with this request, if any.
pub fn request_token() -> Option<String> {
    let state = use_context::<AppState>()?;
    use_context::<Parts>().and_then(|parts| session::token_from_headers(&state.settings, &parts.headers))
}

/// The device tokens the browser sent with this request (see [`super::device`]).
pub fn request_device_tokens() -> Vec<String> {
    let Some(state) = use_context::<AppState>() else { return Vec::new() };
    use_context::<Parts>().map(|parts| super::device::tokens_from_headers(&state.settings, &parts.headers)).unwrap_or_default()
}

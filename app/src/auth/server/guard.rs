//! The one way into tenant data: a [`Permit`], which only this guard can make, and only for
//! a live session whose user holds the permission asked for. Services take a `&Permit` first,
//! so a server function that skips the guard does not compile.

use super::session::{self, Authenticated, ClientInfo};
use crate::auth::types::{SignedInUser, Permission};
use crate::error::AppError;
use crate::server::db::Db;
use crate::server::state::AppState;
use http::request::Parts;
use http::StatusCode;
use leptos::prelude::use_context;
use std::net::SocketAddr;

/// Proof that the acting user is signed in and allowed; carries their organization.
#[derive(Debug, Clone)]
pub struct Permit {
    auth: Authenticated,
    state: AppState,
}

impl Permit {
    pub fn db(&self) -> &Db {
        &self.state.db
    }
    pub fn state(&self) -> &AppState {
        &self.state
    }
    /// Every query for tenant data is scoped by this.
    pub fn org_id(&self) -> &str {
        &self.auth.org_id
    }
    pub fn user_id(&self) -> &str {
        &self.auth.user_id
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

/// A permit for a signed-in user holding `permission`; 401 or 403 otherwise.
pub async fn require(permission: Permission) -> Result<Permit, AppError> {
    let permit = signed_in().await?;
    if !permit.can(permission) {
        set_status(StatusCode::FORBIDDEN);
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
    result.or_else(crate::server::respond::fail)
}

/// A permit for any signed-in user, for what every user may do (see themselves, sign out).
pub async fn signed_in() -> Result<Permit, AppError> {
    let state = app_state()?;
    let parts = use_context::<Parts>().ok_or(AppError::Internal)?;
    // The session layer resolved the cookie already; resolve it here when it did not run.
    let auth = match parts.extensions.get::<Authenticated>() {
        Some(auth) => Some(auth.clone()),
        None => match session::token_from_headers(&parts.headers) {
            Some(token) => session::resolve(&state, &token).await?,
            None => None,
        },
    };
    match auth {
        Some(auth) => Ok(Permit { auth, state }),
        None => {
            set_status(StatusCode::UNAUTHORIZED);
            Err(AppError::Unauthenticated)
        }
    }
}

pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the Leptos context");
        AppError::Internal
    })
}

/// The session token the browser sent with this request, if any.
pub fn request_token() -> Option<String> {
    use_context::<Parts>().and_then(|parts| session::token_from_headers(&parts.headers))
}

/// The client's address and user agent for this request.
pub fn client_info(state: &AppState) -> ClientInfo {
    let Some(parts) = use_context::<Parts>() else {
        return ClientInfo::default();
    };
    client_info_from_parts(state, &parts)
}

pub fn client_info_from_parts(state: &AppState, parts: &Parts) -> ClientInfo {
    let forwarded = state
        .settings
        .trust_proxy_headers
        .then(|| parts.headers.get("x-forwarded-for"))
        .flatten()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|ip| ip.trim().to_owned())
        .filter(|ip| !ip.is_empty());
    let peer = parts
        .extensions
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip().to_string());
    let user_agent = parts
        .headers
        .get(http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .chars()
        .take(512)
        .collect();
    ClientInfo { ip_address: forwarded.or(peer).unwrap_or_else(|| "unknown".into()), user_agent }
}

/// Sets the HTTP status of the current response (server functions and pages alike).
pub fn set_status(status: StatusCode) {
    if let Some(options) = use_context::<leptos_axum::ResponseOptions>() {
        options.set_status(status);
    }
}

/// Adds a `Set-Cookie` header to the current response.
pub fn set_cookie_header(value: &str) {
    if let (Some(options), Ok(value)) =
        (use_context::<leptos_axum::ResponseOptions>(), http::HeaderValue::from_str(value))
    {
        options.append_header(http::header::SET_COOKIE, value);
    }
}

//! Server functions of sign-in. `login` and `login_options` are the only public ones: they
//! live under `/api/public`, the one prefix the session layer lets through without a session.

#[cfg(feature = "ssr")]
use crate::auth::types::SignInProblem;
use crate::auth::types::{SignedInUser, SignInOptions};
use crate::error::AppError;
use leptos::prelude::*;

/// Public. Checks the credentials, starts a new session (ending any this browser held) and
/// sends the browser to `/` (the Users page, or Your account for those who may not see it).
#[server(prefix = "/api/public", endpoint = "login")]
pub async fn login(email: String, password: String, organization: Option<String>) -> Result<(), AppError> {
    use crate::auth::server::{guard, service, session};
    use crate::server::client::ClientInfo;
    use crate::server::respond;

    let gate = guard::auth_gate()?;
    let client = ClientInfo::of_request(gate.settings());
    let previous = guard::request_token();
    let devices = guard::request_device_tokens();
    let creds = service::Credentials { email, password, organization, devices };
    match service::sign_in(&gate, &client, creds).await {
        Ok(signed_in) => {
            if let Some(old) = previous {
                service::end_session(&gate, &old, "replaced").await?;
            }
            respond::set_cookie_header(&session::set_cookie(gate.settings(), &signed_in.token));
            respond::set_cookie_header(&signed_in.device_cookie);
            leptos_axum::redirect("/");
            Ok(())
        }
        // Without JavaScript the form posts directly: send the browser back with the message.
        Err(err) if respond::is_plain_form_post() => {
            leptos_axum::redirect(&format!("/login?error={}", SignInProblem::of(&err).key()));
            Err(err)
        }
        Err(err) => respond::fail(err),
    }
}

/// Public. Whether sign-in must ask for the organization (only when more than one exists).
#[server(prefix = "/api/public", endpoint = "login_options")]
pub async fn login_options() -> Result<SignInOptions, AppError> {
    use crate::auth::server::{guard, service};
    let gate = guard::auth_gate()?;
    Ok(SignInOptions { ask_organization: service::must_ask_organization(&gate).await? })
}

/// Any signed-in user. Ends this browser's session and sends it to sign-in.
#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::auth::server::{guard, service, session};
    use crate::server::respond;
    let permit = guard::signed_in().await?;
    let gate = guard::auth_gate()?;
    if let Some(token) = guard::request_token() {
        service::end_session(&gate, &token, "signed_out").await?;
    }
    respond::set_cookie_header(&session::clear_cookie(permit.settings()));
    leptos_axum::redirect("/login");
    Ok(())
}

/// Any signed-in user. Who they are, in which organization, and what they may do.
#[server(endpoint = "current_user")]
pub async fn current_user() -> Result<SignedInUser, AppError> {
    use crate::auth::server::guard;
    Ok(guard::signed_in().await?.current_user())
}

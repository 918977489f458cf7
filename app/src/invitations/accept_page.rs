//! The invitee's page, `/invitation?token=…`, public: who invited them to which organization
//! and role, with their message, then **Accept invitation** (a name and a password) or
//! **Decline**. A link that no longer works says why. The page sends no referrer, so the
//! token never leaves in a `Referer` header.
//!
//! Both forms work before (and without) the WASM: they are plain forms posting to their
//! server functions, whose failures come back to this page (see `ui::form_outcome`).
//! Declining asks first on `?token=…&decline=1`, a page of its own, so the question needs no
//! script either.

use crate::error::AppError;
use crate::invitations::api::{open_invitation, AcceptInvitation, DeclineInvitation, ACCEPT_FORM, DECLINE_FORM};
use crate::invitations::types::{link_path, InvitationDetails, InvitationLink};
use crate::ui::field::{TextField, PASSWORD_HINT};
use crate::ui::form_outcome::{form_outcome, FormOutcome};
use crate::ui::auth_card::AuthCard;
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_query_map;

#[component]
pub fn AcceptInvitationPage() -> impl IntoView {
    let query = use_query_map();
    let token = Memo::new(move |_| query.read().get("token").unwrap_or_default());
    let confirming_decline = Memo::new(move |_| query.read().get("decline").is_some());
    let link = Resource::new(move || token.get(), open_invitation);
    // What a form posted before the WASM ran left for this page (read once, in this order).
    let accepted_before = StoredValue::new(form_outcome(ACCEPT_FORM));
    let declined_before = StoredValue::new(form_outcome(DECLINE_FORM));
    view! {
        <Title text="Invitation · Roster"/>
        <Meta name="referrer" content="no-referrer"/>
        <AuthCard wide=true>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match link.await {
                        Ok(InvitationLink::Valid(details)) => view! {
                            <Invitation details token=token.get_untracked() confirming_decline
                                accepted_before=accepted_before.get_value() declined_before=declined_before.get_value()
                                on_declined=move || link.refetch()/>
                        }
                        .into_any(),
                        Ok(InvitationLink::Declined) => view! {
                            <h1>"Invitation declined"</h1>
                            <p role="status">{InvitationLink::Declined.problem()}</p>
                        }
                        .into_any(),
                        Ok(other) => problem(other.problem().to_owned()).into_any(),
                        Err(error) => problem(error.to_string()).into_any(),
                    }
                })}
            </Suspense>
        </AuthCard>
    }
}

fn problem(message: String) -> impl IntoView {
    view! {
        <h1>"This invitation can't be used"</h1>
        <div class="notice notice-error" role="alert">{message}</div>
        <p><a class="button" href="/login">"Go to sign in"</a></p>
    }
}

/// The message of an error that belongs to no one field.
fn general(error: &AppError) -> Option<String> {
    (!matches!(error, AppError::Validation(_))).then(|| error.to_string())
}

#[component]
fn Invitation(
    details: InvitationDetails,
    token: String,
    confirming_decline: Memo<bool>,
    accepted_before: Option<FormOutcome>,
    declined_before: Option<FormOutcome>,
    on_declined: impl Fn() + Send + Sync + 'static,
) -> impl IntoView {
    let accept = ServerAction::<AcceptInvitation>::new();
    let decline = ServerAction::<DeclineInvitation>::new();
    let kept_name = StoredValue::new(accepted_before.as_ref().and_then(|o| o.kept("name")));
    let (accepted_before, declined_before) = (StoredValue::new(accepted_before), StoredValue::new(declined_before));
    // The latest error of either form: this visit's, or else what a plain post left.
    let accept_error = move || match accept.value().get() {
        Some(result) => result.err(),
        None => accepted_before.with_value(|o| o.as_ref().map(|o| o.error.clone())),
    };
    let decline_error = move || match decline.value().get() {
        Some(result) => result.err(),
        None => declined_before.with_value(|o| o.as_ref().map(|o| o.error.clone())),
    };
    Effect::new(move |_| {
        // A full page load: the new session's cookie is set, and the app starts clean.
        if let Some(Ok(())) = accept.value().get() {
            #[cfg(feature = "hydrate")]
            let _ = window().location().set_href("/");
        }
    });
    let back_to = StoredValue::new(link_path(&token));
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(())) = decline.value().get() {
            navigate(&back_to.get_value(), Default::default());
            on_declined();
        }
    });
    let field = move |f: &'static str| Signal::derive(move || accept_error().and_then(|e| e.field_message(f)));
    let problem_text = move || {
        let error = if confirming_decline.get() { decline_error() } else { accept_error() };
        error.as_ref().and_then(general)
    };
    let busy = move || accept.pending().get() || decline.pending().get();
    let inviter = details.invited_by.clone().unwrap_or_else(|| "An administrator".into());
    let decline_question = StoredValue::new(format!("Decline the invitation to join {}? This link will stop working.", details.organization));
    let ask_href = StoredValue::new(format!("{}&decline=1", link_path(&token)));
    let hidden_token = StoredValue::new(token);
    view! {
        <h1>{format!("Join {}", details.organization)}</h1>
        <p class="page-description">
            <strong>{inviter}</strong>" invited you to join "<strong>{details.organization.clone()}</strong>
            " on Roster as "<strong>{details.role.clone()}</strong>"."
        </p>
        {details.message.clone().map(|m| view! { <blockquote class="invitation-message">{m}</blockquote> })}
        <p class="muted">{format!("Your account will use {}.", details.email)}</p>
        {move || problem_text().map(|message| view! { <div class="notice notice-error" role="alert">{message}</div> })}
        <Show
            when=move || confirming_decline.get()
            fallback=move || view! {
                <ActionForm action=accept attr:class="form" attr:novalidate="">
                    <input type="hidden" name="token" value=hidden_token.get_value()/>
                    <TextField name="name" id="accept-name" label="Name" autocomplete="name" required=true
                        initial=kept_name.get_value() error=field("name")/>
                    <TextField name="password" id="accept-password" label="Password" kind="password" autocomplete="new-password"
                        required=true error=field("password") hint=PASSWORD_HINT/>
                    <button type="submit" class="button button-primary button-block" disabled=busy>
                        {move || if accept.pending().get() { "Accepting…" } else { "Accept invitation" }}
                    </button>
                </ActionForm>
                <p><a class="button button-ghost button-block" href=ask_href.get_value()>"Decline"</a></p>
            }
        >
            // Declining cannot be undone: it asks first.
            <div class="notice" role="group" aria-labelledby="decline-question">
                <p id="decline-question">{decline_question.get_value()}</p>
                <ActionForm action=decline attr:class="modal-actions">
                    <input type="hidden" name="token" value=hidden_token.get_value()/>
                    <a class="button" href=back_to.get_value()>"Keep it"</a>
                    <button type="submit" class="button button-danger" disabled=busy autofocus>"Decline invitation"</button>
                </ActionForm>
            </div>
        </Show>
    }
}

//! The invitee's page, `/invitation?token=…`, public: who invited them to which organization
//! and role, with their message, then **Accept invitation** (a name and a password) or
//! **Decline**. A link that no longer works says why. The page sends no referrer, so the
//! token never leaves in a `Referer` header.

use crate::error::AppError;
use crate::invitations::api::{accept_invitation, decline_invitation, open_invitation};
use crate::invitations::types::{Acceptance, InvitationDetails, InvitationLink};
use crate::ui::field::{TextField, PASSWORD_HINT};
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_query_map;

#[component]
pub fn AcceptInvitationPage() -> impl IntoView {
    let query = use_query_map();
    let token = Memo::new(move |_| query.read().get("token").unwrap_or_default());
    let link = Resource::new(move || token.get(), open_invitation);
    view! {
        <Title text="Invitation · Roster"/>
        <Meta name="referrer" content="no-referrer"/>
        <main class="auth-page">
            <div class="auth-card auth-card-wide">
                <div class="brand">
                    <span class="brand-mark" aria-hidden="true">"R"</span>
                    <span class="brand-name">"Roster"</span>
                </div>
                <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match link.await {
                            Ok(InvitationLink::Valid(details)) => view! { <Invitation details token=token.get_untracked()/> }.into_any(),
                            Ok(other) => problem(other.problem().to_owned()).into_any(),
                            Err(error) => problem(error.to_string()).into_any(),
                        }
                    })}
                </Suspense>
            </div>
        </main>
    }
}

fn problem(message: String) -> impl IntoView {
    view! {
        <h1>"This invitation can't be used"</h1>
        <div class="notice notice-error" role="alert">{message}</div>
        <p><a class="button" href="/login">"Go to sign in"</a></p>
    }
}

#[component]
fn Invitation(details: InvitationDetails, token: String) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let declined = RwSignal::new(false);
    let confirming_decline = RwSignal::new(false);
    let problem_text = RwSignal::new(None::<String>);
    let accept = Action::new(move |input: &Acceptance| {
        let input = input.clone();
        async move { accept_invitation(input).await }
    });
    let decline = Action::new(move |token: &String| {
        let token = token.clone();
        async move { decline_invitation(token).await }
    });
    Effect::new(move |_| match accept.value().get() {
        // A full page load: the new session's cookie is set, and the app starts clean.
        Some(Ok(())) => {
            #[cfg(feature = "hydrate")]
            let _ = window().location().set_href("/");
        }
        Some(Err(AppError::Validation(_))) | None => {}
        Some(Err(error)) => problem_text.set(Some(error.to_string())),
    });
    Effect::new(move |_| match decline.value().get() {
        Some(Ok(())) => declined.set(true),
        Some(Err(error)) => problem_text.set(Some(error.to_string())),
        None => {}
    });
    let field = move |f: &'static str| {
        Signal::derive(move || match accept.value().get() {
            Some(Err(e)) => e.field_message(f),
            _ => None,
        })
    };
    let submit_token = token.clone();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        problem_text.set(None);
        accept.dispatch(Acceptance { token: submit_token.clone(), name: name.get_untracked(), password: password.get_untracked() });
    };
    let busy = move || accept.pending().get() || decline.pending().get();
    let inviter = details.invited_by.clone().unwrap_or_else(|| "An administrator".into());
    let org = details.organization.clone();
    let decline_question = StoredValue::new(format!("Decline the invitation to join {}? This link will stop working.", details.organization));
    let decline_token = StoredValue::new(token.clone());
    view! {
        <Show
            when=move || !declined.get()
            fallback={
                let org = org.clone();
                move || view! {
                    <h1>"Invitation declined"</h1>
                    <p role="status">{format!("You declined the invitation to join {org}. You can close this page.")}</p>
                }
            }
        >
            <h1>{format!("Join {}", details.organization)}</h1>
            <p class="page-description">
                <strong>{inviter.clone()}</strong>" invited you to join "<strong>{details.organization.clone()}</strong>
                " on Roster as "<strong>{details.role.clone()}</strong>"."
            </p>
            {details.message.clone().map(|m| view! { <blockquote class="invitation-message">{m}</blockquote> })}
            <p class="muted">{format!("Your account will use {}.", details.email)}</p>
            {move || problem_text.get().map(|message| view! { <div class="notice notice-error" role="alert">{message}</div> })}
            <form class="form" method="post" novalidate on:submit=on_submit.clone()>
                <TextField name="name" id="accept-name" label="Name" autocomplete="name" required=true value=name error=field("name")/>
                <TextField name="password" id="accept-password" label="Password" kind="password" autocomplete="new-password" required=true value=password error=field("password") hint=PASSWORD_HINT/>
                <button type="submit" class="button button-primary button-block" disabled=busy>
                    {move || if accept.pending().get() { "Accepting…" } else { "Accept invitation" }}
                </button>
            </form>
            // Declining cannot be undone: it asks first, in place.
            <Show
                when=move || confirming_decline.get()
                fallback=move || view! {
                    <p>
                        <button type="button" class="button button-ghost button-block" disabled=busy
                            on:click=move |_| confirming_decline.set(true)>
                            "Decline"
                        </button>
                    </p>
                }
            >
                <div class="notice" role="group" aria-labelledby="decline-question">
                    <p id="decline-question">{decline_question.get_value()}</p>
                    <div class="modal-actions">
                        <button type="button" class="button" on:click=move |_| confirming_decline.set(false)>"Keep it"</button>
                        <button type="button" class="button button-danger" disabled=busy autofocus
                            on:click=move |_| {
                                problem_text.set(None);
                                decline.dispatch(decline_token.get_value());
                            }>
                            "Decline invitation"
                        </button>
                    </div>
                </div>
            </Show>
        </Show>
    }
}

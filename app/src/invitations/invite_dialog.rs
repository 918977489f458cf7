//! **Invite User** on the Users page: a modal dialog with Email, Role (the roles the inviter may
//! grant), an optional Message with a counter, and **Send Invitation**. Messages appear beside
//! their fields; an address already invited gets a **Resend** button in its message.

use crate::error::{AppError, FieldError};
use crate::invitations::api::{invite_roles, invite_user, resend_invitation};
use crate::invitations::types::{NewInvitation, MESSAGE_MAX, PENDING_INVITATION_FIELD};
use crate::ui::dialog::{lazily, loaded, Modal};
use crate::ui::field::TextField;
use crate::ui::load::go_to_sign_in;
use crate::ui::toast::Toasts;
use crate::users::account::RoleOption;
use leptos::prelude::*;

/// The **Invite User** button and its dialog. `on_invited` runs after an invitation is sent (the
/// Users list reloads, showing the invitee as Pending).
#[component]
pub fn InviteUser(on_invited: Callback<()>) -> impl IntoView {
    let open = RwSignal::new(false);
    view! {
        <button type="button" class="button button-primary" aria-haspopup="dialog" on:click=move |_| open.set(true)>
            "Invite User"
        </button>
        <Modal open title="Invite User" id="invite-user">
            {move || {
                let roles = LocalResource::new(invite_roles);
                loaded(roles, open, move |roles: Vec<RoleOption>| lazily(invite_form(roles, open, on_invited)))
            }}
        </Modal>
    }
}

/// The form is a chunk of its own, fetched the first time the dialog opens.
#[lazy]
fn invite_form(roles: Vec<RoleOption>, open: RwSignal<bool>, on_invited: Callback<()>) -> AnyView {
    view! { <InviteForm roles open on_invited/> }.into_any()
}

#[component]
fn InviteForm(roles: Vec<RoleOption>, open: RwSignal<bool>, on_invited: Callback<()>) -> impl IntoView {
    let toasts = expect_context::<Toasts>();
    let email = RwSignal::new(String::new());
    let default_role = roles.iter().find(|r| r.name == "Member").or(roles.first()).map(|r| r.id.clone()).unwrap_or_default();
    let role_id = RwSignal::new(default_role);
    let message = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let problem = RwSignal::new(None::<String>);

    let send = Action::new(move |input: &NewInvitation| {
        let input = input.clone();
        async move { invite_user(input).await }
    });
    Effect::new(move |_| match send.value().get() {
        Some(Ok(invited)) => {
            toasts.show(format!("Invitation sent to {}.", invited.email));
            open.set(false);
            on_invited.run(());
        }
        Some(Err(AppError::Validation(list))) => errors.set(list),
        Some(Err(AppError::Unauthenticated)) => go_to_sign_in(),
        Some(Err(error)) => problem.set(Some(error.to_string())),
        None => {}
    });
    let resend = Action::new(move |id: &String| {
        let id = id.clone();
        async move { resend_invitation(id).await }
    });
    Effect::new(move |_| match resend.value().get() {
        Some(Ok(email)) => {
            toasts.show(format!("Invitation sent again to {email}. The earlier link no longer works."));
            open.set(false);
            on_invited.run(());
        }
        Some(Err(AppError::Unauthenticated)) => go_to_sign_in(),
        Some(Err(error)) => problem.set(Some(error.to_string())),
        None => {}
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        problem.set(None);
        let input = NewInvitation { email: email.get_untracked(), role_id: role_id.get_untracked(), message: message.get_untracked() };
        match input.validate() {
            Ok(_) => {
                errors.set(Vec::new());
                send.dispatch(input);
            }
            Err(list) => errors.set(list),
        }
    };
    let error = move |field: &'static str| {
        Signal::derive(move || errors.with(|list| list.iter().find(|e| e.field == field).map(|e| e.message.clone())))
    };
    let pending_invitation = error(PENDING_INVITATION_FIELD);
    let role_error = error("role");
    let message_error = error("message");
    let count = move || message.with(|m| m.trim().chars().count());
    let count_class = move || if count() > MESSAGE_MAX { "field-hint field-over" } else { "field-hint" };
    request_animation_frame(|| {
        if let Some(el) = document().get_element_by_id("invite-email") {
            if let Ok(input) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el) {
                let _ = input.focus();
            }
        }
    });

    view! {
        <form class="form modal-form" novalidate on:submit=on_submit>
            {move || problem.get().map(|message| view! { <div class="notice notice-error" role="alert">{message}</div> })}
            <TextField name="email" id="invite-email" label="Email" kind="email" autocomplete="off" required=true value=email error=error("email")/>
            {move || pending_invitation.get().map(|id| view! {
                <p class="field-action">
                    <button type="button" class="button button-small" disabled=move || resend.pending().get()
                        on:click=move |_| {
                            problem.set(None);
                            resend.dispatch(id.clone());
                        }>
                        "Resend"
                    </button>
                </p>
            })}
            <div class="field">
                <label for="invite-role">"Role"</label>
                <select id="invite-role" name="role" aria-describedby="invite-role-error" aria-invalid=move || role_error.get().is_some().to_string()
                    on:change=move |ev| role_id.set(event_target_value(&ev))>
                    {roles
                        .into_iter()
                        .map(|r| {
                            let id = r.id.clone();
                            let selected = move || role_id.get() == id;
                            let text = if r.description.is_empty() { r.name.clone() } else { format!("{} — {}", r.name, r.description) };
                            view! { <option value=r.id.clone() selected=selected>{text}</option> }
                        })
                        .collect_view()}
                </select>
                <p class="field-error" id="invite-role-error">{move || role_error.get()}</p>
            </div>
            <div class="field">
                <label for="invite-message">"Message " <span class="muted">"(optional)"</span></label>
                <textarea id="invite-message" name="message" rows="4" aria-describedby="invite-message-count invite-message-error"
                    aria-invalid=move || message_error.get().is_some().to_string()
                    prop:value=move || message.get() on:input=move |ev| message.set(event_target_value(&ev))></textarea>
                <p id="invite-message-count" class=count_class>
                    {move || format!("{} / {MESSAGE_MAX}", count())}
                </p>
                <p class="field-error" id="invite-message-error">{move || message_error.get()}</p>
            </div>
            <div class="modal-actions">
                <button type="button" class="button" on:click=move |_| open.set(false)>"Cancel"</button>
                <button type="submit" class="button button-primary" disabled=move || send.pending().get()>
                    {move || if send.pending().get() { "Sending…" } else { "Send Invitation" }}
                </button>
            </div>
        </form>
    }
}

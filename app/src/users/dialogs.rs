//! The Users page's dialogs: Edit (details and roles, then **Save Changes**) and the
//! confirmations of Deactivate and Delete. Each reports its outcome in a toast, reloads the
//! list, and on failure says why inside the dialog, changing nothing.

use crate::error::{AppError, FieldError};
use crate::ui::dialog::{lazily, loaded, open_while_some, ConfirmDialog, Confirmation, Modal};
use crate::ui::field::TextField;
use crate::ui::load::go_to_sign_in;
use crate::ui::toast::Toasts;
use crate::users::account::{Profile, UserEditor, UserUpdate};
use crate::sessions::api::revoke_user_sessions;
use crate::users::api::{delete_user, get_user, set_user_active, update_user};
use crate::users::actions::{actions_button_id, Confirm, ConfirmKind, UserActions};
use leptos::prelude::*;

/// Time zones offered as suggestions; any IANA name is accepted.
const TIME_ZONES: &[&str] = &[
    "UTC", "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Sao_Paulo",
    "Europe/London", "Europe/Paris", "Europe/Berlin", "Europe/Madrid", "Africa/Lagos", "Africa/Johannesburg",
    "Asia/Dubai", "Asia/Kolkata", "Asia/Singapore", "Asia/Shanghai", "Asia/Tokyo", "Australia/Sydney",
    "Pacific/Auckland",
];

#[component]
pub fn EditUserDialog() -> impl IntoView {
    let actions = expect_context::<UserActions>();
    let open = RwSignal::new(false);
    let title = RwSignal::new("Edit user".to_owned());
    open_while_some(open, actions.editing, || ());
    view! {
        <Modal open title id="edit-user">
            {move || {
                let id = actions.editing.get_untracked().unwrap_or_default();
                let editor = LocalResource::new(move || get_user(id.clone()));
                loaded(editor, open, move |editor: UserEditor| {
                    title.set(format!("Edit {}", editor.user.name));
                    lazily(edit_form(editor, open))
                })
            }}
        </Modal>
    }
}

/// The form is a chunk of its own: most visits to Users edit no one.
#[lazy]
fn edit_form(editor: UserEditor, open: RwSignal<bool>) -> AnyView {
    view! { <EditForm editor open/> }.into_any()
}

#[component]
fn EditForm(editor: UserEditor, open: RwSignal<bool>) -> impl IntoView {
    let actions = expect_context::<UserActions>();
    let toasts = expect_context::<Toasts>();
    let user = editor.user;
    let name = RwSignal::new(user.name.clone());
    let email = RwSignal::new(user.email.clone());
    let phone = RwSignal::new(user.profile.phone);
    let job_title = RwSignal::new(user.profile.job_title);
    let department = RwSignal::new(user.profile.department);
    let location = RwSignal::new(user.profile.location);
    let time_zone = RwSignal::new(user.profile.time_zone);
    let role_ids = RwSignal::new(user.role_ids);
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let problem = RwSignal::new(None::<String>);
    let (id, version) = (user.id, user.version);
    let user_id = id.clone();

    let save = Action::new(move |update: &UserUpdate| {
        let update = update.clone();
        async move { update_user(update).await }
    });
    Effect::new(move |_| match save.value().get() {
        Some(Ok(())) => {
            toasts.show(format!("Saved changes to {}.", name.get_untracked().trim()));
            open.set(false);
            actions.reload.run(actions_button_id(&user_id));
        }
        Some(Err(AppError::Validation(list))) => errors.set(list),
        Some(Err(AppError::Unauthenticated)) => go_to_sign_in(),
        Some(Err(error)) => problem.set(Some(error.to_string())),
        None => {}
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        problem.set(None);
        let update = UserUpdate {
            id: id.clone(),
            version,
            name: name.get_untracked(),
            email: email.get_untracked(),
            profile: Profile {
                phone: phone.get_untracked(),
                job_title: job_title.get_untracked(),
                department: department.get_untracked(),
                location: location.get_untracked(),
                time_zone: time_zone.get_untracked(),
            },
            role_ids: role_ids.get_untracked(),
        };
        // The same checks as the server, for messages without a round trip.
        match update.validate() {
            Ok(_) => {
                errors.set(Vec::new());
                save.dispatch(update);
            }
            Err(list) => errors.set(list),
        }
    };
    let error = move |field: &'static str| {
        Signal::derive(move || errors.with(|list| list.iter().find(|e| e.field == field).map(|e| e.message.clone())))
    };
    let roles_error = error("roles");
    // The form arrives after the dialog opened: put the focus on its first field.
    request_animation_frame(|| {
        if let Some(el) = document().get_element_by_id("edit-name") {
            if let Ok(input) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el) {
                let _ = input.focus();
            }
        }
    });
    let can_assign = editor.can_assign_roles;
    let read_only = editor.read_only_reason.clone();
    let locked = read_only.is_some();

    view! {
        <form class="form modal-form" novalidate on:submit=on_submit>
            {read_only.map(|reason| view! { <div class="notice">{reason}</div> })}
            {move || problem.get().map(|message| view! { <div class="notice notice-error" role="alert">{message}</div> })}
            <fieldset class="plain-fieldset" disabled=locked>
            <div class="form-grid">
                <TextField name="name" id="edit-name" label="Name" autocomplete="off" required=true value=name error=error("name")/>
                <TextField name="email" id="edit-email" label="Email" kind="email" autocomplete="off" required=true value=email error=error("email")/>
                <TextField name="phone" id="edit-phone" label="Phone" kind="tel" value=phone error=error("phone")/>
                <TextField name="job_title" id="edit-job-title" label="Job title" value=job_title error=error("job_title")/>
                <TextField name="department" id="edit-department" label="Department" value=department error=error("department")/>
                <TextField name="location" id="edit-location" label="Location" value=location error=error("location")/>
                <TextField name="time_zone" id="edit-time-zone" label="Time zone" value=time_zone list="time-zones" error=error("time_zone")/>
            </div>
            <datalist id="time-zones">{TIME_ZONES.iter().map(|tz| view! { <option value=*tz></option> }).collect_view()}</datalist>
            <fieldset class="role-choices" aria-describedby="edit-roles-error">
                <legend>"Roles"</legend>
                {(!can_assign && !locked).then(|| view! { <p class="muted">"You can see these roles but not change them."</p> })}
                {editor
                    .roles
                    .into_iter()
                    .map(|role| {
                        let role_id = role.id.clone();
                        let checked = {
                            let role_id = role_id.clone();
                            move || role_ids.with(|ids| ids.contains(&role_id))
                        };
                        let toggle = move |ev: leptos::ev::Event| {
                            let on = event_target_checked(&ev);
                            role_ids.update(|ids| {
                                ids.retain(|i| i != &role_id);
                                if on {
                                    ids.push(role_id.clone());
                                }
                            });
                        };
                        let input_id = format!("edit-role-{}", role.id);
                        view! {
                            <div class="choice">
                                <input type="checkbox" id=input_id.clone() prop:checked=checked disabled=!(role.grantable && can_assign) on:change=toggle/>
                                <label for=input_id>
                                    <span class="choice-name">{role.name}</span>
                                    <span class="choice-hint">{role.description}</span>
                                </label>
                            </div>
                        }
                    })
                    .collect_view()}
                <p class="field-error" id="edit-roles-error">{move || roles_error.get()}</p>
            </fieldset>
            </fieldset>
            <div class="modal-actions">
                <button type="button" class="button" on:click=move |_| open.set(false)>"Cancel"</button>
                <button type="submit" class="button button-primary" disabled=move || locked || save.pending().get()>
                    {move || if save.pending().get() { "Saving…" } else { "Save Changes" }}
                </button>
            </div>
        </form>
    }
}

/// The confirmation of Deactivate, Delete and Revoke all sessions, on the shared dialog.
#[component]
pub fn ConfirmUserDialog() -> impl IntoView {
    let actions = expect_context::<UserActions>();
    let toasts = expect_context::<Toasts>();
    let done = Callback::new(move |(message, user_id): (String, String)| {
        toasts.show(message);
        actions.reload.run(actions_button_id(&user_id));
    });
    view! { <ConfirmDialog id="confirm-user-action" subject=actions.confirming describe=describe_confirm act=confirmed done/> }
}

fn describe_confirm(c: &Confirm) -> Confirmation {
    let (title, body, act) = match c.kind {
        ConfirmKind::Deactivate => (
            format!("Deactivate {}?", c.name),
            format!(
                "{} ({}) will be signed out of every session at once and won't be able to sign in until someone activates the account again.",
                c.name, c.email
            ),
            "Deactivate",
        ),
        ConfirmKind::Delete => (
            format!("Delete {}?", c.name),
            format!(
                "This permanently deletes the account of {} ({}) and ends their sessions. Login attempts and the audit trail keep the email. This can't be undone.",
                c.name, c.email
            ),
            "Delete",
        ),
        ConfirmKind::RevokeSessions => (
            format!("Revoke all sessions of {}?", c.name),
            format!(
                "{} ({}) will be signed out on every device at their next click. Their account stays active: they can sign in again.",
                c.name, c.email
            ),
            "Revoke all sessions",
        ),
    };
    Confirmation { title, body, keep: "Cancel", act }
}

/// Does what the confirmation asked; answers the toast's message and whose row to go back to.
async fn confirmed(c: Confirm) -> Result<(String, String), AppError> {
    let message = match c.kind {
        ConfirmKind::Deactivate => set_user_active(c.id.clone(), false).await.map(|(name, _)| format!("{name} was deactivated and signed out everywhere."))?,
        ConfirmKind::Delete => delete_user(c.id.clone()).await.map(|name| format!("{name} was deleted."))?,
        ConfirmKind::RevokeSessions => revoke_user_sessions(c.id.clone()).await.map(|(name, ended)| match ended {
            0 => format!("{name} had no active sessions."),
            1 => format!("1 session of {name} was revoked."),
            n => format!("{n} sessions of {name} were revoked."),
        })?,
    };
    Ok((message, c.id))
}

//! Bulk actions on the Users page: the selection (a checkbox per row and one for the page,
//! kept in [`Selection`]), the bar that says how many are selected and offers the actions,
//! the preview dialog (what will happen, group by group, before anything changes), and the
//! job's panel (progress and **Cancel**, then the outcome and **Undo**).

use crate::live::listen::heard;
use crate::live::types::Topic;
use crate::bulk::api::{cancel_bulk_job, get_bulk_job, latest_bulk_job, preview_bulk_action, start_bulk_job, undo_bulk_job};
use crate::bulk::types::{count_text, BulkGroup, BulkJob, BulkKind, BulkPreview, BulkRequest, JobState};
use crate::error::AppError;
use crate::ui::dialog::{lazily, Modal};
use crate::ui::load::go_to_sign_in;
use crate::ui::time::exact;
use crate::ui::toast::Toasts;
use crate::users::account::RoleOption;
use crate::users::types::{ListRights, Total, UserListParams};
use leptos::prelude::*;
use std::collections::BTreeSet;
use std::time::Duration;

/// A call on the job the panel shows (**Cancel**, **Undo**), answering the job to show next.
type JobCall = fn(String) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<BulkJob, AppError>>>>;

/// How often a running job's panel asks how far it got when the live stream says nothing.
const POLL: Duration = Duration::from_millis(5000);

/// The users ticked on the Users page, or all who match its filters.
#[derive(Clone, Copy)]
pub struct Selection {
    pub ticked: RwSignal<BTreeSet<String>>,
    /// **Select all N users matching this filter** was chosen.
    pub all_matching: RwSignal<bool>,
    /// The action whose preview dialog is open.
    pub asking: RwSignal<Option<BulkKind>>,
    /// The job the panel shows.
    pub job: RwSignal<Option<BulkJob>>,
}

impl Selection {
    pub fn new() -> Selection {
        Selection { ticked: RwSignal::new(BTreeSet::new()), all_matching: RwSignal::new(false), asking: RwSignal::new(None), job: RwSignal::new(None) }
    }

    pub fn clear(&self) {
        self.all_matching.set(false);
        self.ticked.set(BTreeSet::new());
    }

    pub fn is_empty(&self) -> bool {
        !self.all_matching.get() && self.ticked.with(BTreeSet::is_empty)
    }

    /// Ticks or unticks one row; unticking one of "all matching" leaves the page's others.
    pub fn set(&self, id: &str, on: bool, page: &[String]) {
        if self.all_matching.get_untracked() && !on {
            self.all_matching.set(false);
            self.ticked.set(page.iter().filter(|p| *p != id).cloned().collect());
            return;
        }
        self.ticked.update(|t| {
            if on {
                t.insert(id.to_owned());
            } else {
                t.remove(id);
            }
        });
    }

    pub fn is_ticked(&self, id: &str) -> bool {
        self.all_matching.get() || self.ticked.with(|t| t.contains(id))
    }
}

impl Default for Selection {
    fn default() -> Self {
        Selection::new()
    }
}

/// Whether the viewer may take any bulk action: the selection column shows only then.
pub fn may_select(rights: &ListRights) -> bool {
    rights.deactivate || rights.delete || rights.revoke_sessions || rights.assign_roles || rights.invite
}

fn offered(rights: &ListRights) -> Vec<BulkKind> {
    BulkKind::OFFERED
        .into_iter()
        .filter(|k| match k {
            BulkKind::Deactivate | BulkKind::Activate => rights.deactivate,
            BulkKind::AddRole | BulkKind::RemoveRole => rights.assign_roles,
            BulkKind::RevokeSessions => rights.revoke_sessions,
            BulkKind::Delete => rights.delete,
            BulkKind::ResendInvitation => rights.invite,
            BulkKind::CancelInvitation | BulkKind::Undo => false,
        })
        .collect()
}

/// The header's checkbox: the whole page, ticked or not (mixed when some rows are).
#[component]
pub fn SelectPage(
    page: Vec<String>,
    /// What the rows are: "users", "invitations".
    #[prop(default = "users")]
    noun: &'static str,
) -> impl IntoView {
    let selection = expect_context::<Selection>();
    let ids = StoredValue::new(page);
    let all = move || selection.all_matching.get() || ids.with_value(|ids| !ids.is_empty() && selection.ticked.with(|t| ids.iter().all(|id| t.contains(id))));
    let some = move || !all() && ids.with_value(|ids| selection.ticked.with(|t| ids.iter().any(|id| t.contains(id))));
    let on_change = move |ev: leptos::ev::Event| {
        let on = event_target_checked(&ev);
        selection.all_matching.set(false);
        ids.with_value(|ids| {
            selection.ticked.update(|t| {
                for id in ids {
                    if on {
                        t.insert(id.clone());
                    } else {
                        t.remove(id);
                    }
                }
            })
        });
    };
    view! {
        <input type="checkbox" class="select-box" id="select-page" aria-label=format!("Select all {noun} on this page")
            prop:checked=all prop:indeterminate=some on:change=on_change/>
    }
}

/// A row's checkbox (its cell keeps its clicks: a click on the row opens Edit).
#[component]
pub fn SelectRow(id: String, name: String, page: Vec<String>) -> impl IntoView {
    let selection = expect_context::<Selection>();
    let checked = {
        let id = id.clone();
        move || selection.is_ticked(&id)
    };
    let on_change = move |ev: leptos::ev::Event| selection.set(&id, event_target_checked(&ev), &page);
    view! { <input type="checkbox" class="select-box" aria-label=format!("Select {name}") prop:checked=checked on:change=on_change/> }
}

/// "N selected", **Select all N users matching this filter**, the actions, **Clear selection**.
#[component]
pub fn BulkBar(
    /// The ids of the page's rows.
    #[prop(into)]
    page: Signal<Vec<String>>,
    /// The list's count as it reads ("12,431", "1,000+") when **Select all matching** is
    /// offered (Users); `None` where it is not.
    #[prop(into)]
    matching_total: Signal<Option<String>>,
    /// Whether the list has pages beyond this one.
    #[prop(into)]
    more_than_page: Signal<bool>,
    /// The actions offered, with their buttons' words.
    #[prop(into)]
    actions: Signal<Vec<(BulkKind, &'static str)>>,
    /// What the rows are: "users", "invitations".
    noun: &'static str,
) -> impl IntoView {
    let selection = expect_context::<Selection>();
    let page_all_ticked = move || {
        let ids = page.get();
        !ids.is_empty() && selection.ticked.with(|t| ids.iter().all(|id| t.contains(id)))
    };
    let count = move || {
        if selection.all_matching.get() {
            format!("All {} {noun} matching this filter are selected.", matching_total.get().unwrap_or_default())
        } else {
            format!("{} selected", count_text(selection.ticked.with(|t| t.len() as i64)))
        }
    };
    let buttons = move || {
        actions
            .get()
            .into_iter()
            .map(|(kind, words)| {
                let class = if matches!(kind, BulkKind::Delete | BulkKind::CancelInvitation) { "button button-danger" } else { "button" };
                view! { <button type="button" class=class on:click=move |_| selection.asking.set(Some(kind))>{words}</button> }
            })
            .collect_view()
    };
    view! {
        <Show when=move || !selection.is_empty()>
            <div class="bulk-bar" role="region" aria-label=format!("Selected {noun}")>
                <p class="bulk-count" aria-live="polite">{count}</p>
                {move || {
                    let total = matching_total.get()?;
                    (page_all_ticked() && more_than_page.get() && !selection.all_matching.get()).then(|| view! {
                        <button type="button" class="link-button" on:click=move |_| selection.all_matching.set(true)>
                            {format!("Select all {total} {noun} matching this filter")}
                        </button>
                    })
                }}
                <div class="bulk-actions">{buttons}</div>
                <button type="button" class="link-button" on:click=move |_| selection.clear()>"Clear selection"</button>
            </div>
        </Show>
    }
}

/// The actions the Users bar offers the viewer, with their buttons' words.
pub fn user_actions(rights: &ListRights) -> Vec<(BulkKind, &'static str)> {
    offered(rights).into_iter().map(|k| (k, k.label())).collect()
}

/// "12,431", "1,000+", "about 37,000": the Users list's count as the bar says it.
pub fn total_text(total: Total) -> String {
    match total {
        Total::Exact(n) => count_text(n),
        Total::MoreThan(n) => format!("{}+", count_text(n)),
        Total::About(n) => format!("about {}", count_text(n)),
    }
}

/// What a selection is of: the Users list (whose filters "all matching" means) or the
/// Invitations list (ticked rows only).
#[derive(Clone, Copy)]
pub enum SelectionOf {
    Users(Memo<UserListParams>),
    Invitations,
}

/// The preview of the action asked for, then **Confirm**: opens while `Selection::asking` is
/// set. The selection is fixed when the preview is made.
#[component]
pub fn BulkPreviewDialog(
    of: SelectionOf,
    /// The roles Add role and Remove role offer (those the viewer may grant are listed).
    #[prop(into, optional)]
    roles: Signal<Vec<RoleOption>>,
) -> impl IntoView {
    let selection = expect_context::<Selection>();
    let open = RwSignal::new(false);
    crate::ui::dialog::open_while_some(open, selection.asking, || ());
    let title = Signal::derive(move || selection.asking.get().map(|k| format!("{}: preview", k.label())).unwrap_or_default());
    view! {
        <Modal open title id="bulk-preview">
            {move || selection.asking.get_untracked().map(|kind| {
                let ticked: Vec<String> = selection.ticked.get_untracked().into_iter().collect();
                let request = match of {
                    SelectionOf::Users(params) => BulkRequest {
                        kind,
                        role_id: None,
                        ids: ticked,
                        matching: selection.all_matching.get_untracked().then(|| params.get_untracked().first_page()),
                        invitation_ids: Vec::new(),
                    },
                    SelectionOf::Invitations => BulkRequest { kind, role_id: None, ids: Vec::new(), matching: None, invitation_ids: ticked },
                };
                let roles = roles.get_untracked();
                lazily(preview_body(request, roles, open))
            })}
        </Modal>
    }
}

/// The dialog's body is a chunk of its own: most visits to Users act on no one.
#[lazy]
fn preview_body(request: BulkRequest, roles: Vec<RoleOption>, open: RwSignal<bool>) -> AnyView {
    view! { <PreviewBody request roles open/> }.into_any()
}

#[component]
fn PreviewBody(request: BulkRequest, roles: Vec<RoleOption>, open: RwSignal<bool>) -> impl IntoView {
    let kind = request.kind;
    let role_id = RwSignal::new(String::new());
    let preview = Action::new(move |request: &BulkRequest| {
        let request = request.clone();
        async move { preview_bulk_action(request).await }
    });
    let ask = {
        let request = request.clone();
        move || {
            let role = role_id.get_untracked();
            preview.dispatch(BulkRequest { role_id: (!role.is_empty()).then_some(role), ..request.clone() });
        }
    };
    if !kind.takes_role() {
        ask();
    }
    let grantable: Vec<RoleOption> = roles.into_iter().filter(|r| r.grantable).collect();
    let previewed = move || preview.value().with(|v| matches!(v, Some(Ok(_))));
    let ask_for_role = kind.takes_role().then(|| {
        let ask = ask.clone();
        let role_error = move || preview.value().with(|v| match v {
            Some(Err(e)) => e.field_message("role"),
            _ => None,
        });
        view! {
            <form class="form bulk-role" novalidate on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                ask();
            }>
                <div class="field">
                    <label for="bulk-role">"Role"</label>
                    <select id="bulk-role" aria-describedby="bulk-role-error" on:change=move |ev| role_id.set(event_target_value(&ev))>
                        <option value="">"Choose a role"</option>
                        {grantable.into_iter().map(|r| view! { <option value=r.id.clone()>{r.name}</option> }).collect_view()}
                    </select>
                    <p class="field-error" id="bulk-role-error">{role_error}</p>
                </div>
                // Once a preview is shown, its own buttons take over (another role: Preview again).
                <div class="modal-actions">
                    {move || (!previewed()).then(|| view! { <button type="button" class="button" on:click=move |_| open.set(false)>"Cancel"</button> })}
                    <button type="submit" class="button" class:button-primary=move || !previewed() disabled=move || preview.pending().get()>"Preview"</button>
                </div>
            </form>
        }
    });
    let outcome = move || {
        match preview.value().get() {
            None if preview.pending().get() => view! { <p class="muted">"Working out what will happen…"</p> }.into_any(),
            None => ().into_any(),
            Some(Ok(p)) => view! { <PreviewOutcome preview=p open/> }.into_any(),
            Some(Err(AppError::Unauthenticated)) => {
                go_to_sign_in();
                ().into_any()
            }
            Some(Err(error)) if error.field_message("role").is_some() => ().into_any(),
            Some(Err(error)) => {
                let message = match &error {
                    AppError::Validation(list) => list.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join(" "),
                    other => other.to_string(),
                };
                view! {
                    <div class="notice notice-error" role="alert">{message}</div>
                    <div class="modal-actions">
                        <button type="button" class="button" on:click=move |_| open.set(false)>"Close"</button>
                    </div>
                }
                .into_any()
            }
        }
    };
    view! { {ask_for_role} {outcome} }
}

fn group_line(group: &BulkGroup) -> String {
    let names = match (group.names.as_slice(), group.count - group.names.len() as i64) {
        ([], _) => String::new(),
        (names, 0) => format!(": {}", names.join(", ")),
        (names, more) => format!(": {} and {} more", names.join(", "), count_text(more)),
    };
    format!("{} {}{names}", count_text(group.count), group.label)
}

#[component]
fn PreviewOutcome(preview: BulkPreview, open: RwSignal<bool>) -> impl IntoView {
    let selection = expect_context::<Selection>();
    let toasts = expect_context::<Toasts>();
    let kind = preview.kind;
    let confirm = RwSignal::new(String::new());
    let start = Action::new(move |(id, confirm): &(String, Option<String>)| {
        let (id, confirm) = (id.clone(), confirm.clone());
        async move { start_bulk_job(id, confirm).await }
    });
    Effect::new(move |_| {
        if let Some(Ok(job)) = start.value().get() {
            toasts.show(format!("{} started.", job.title));
            selection.job.set(Some(job));
            selection.clear();
            open.set(false);
        } else if let Some(Err(AppError::Unauthenticated)) = start.value().get() {
            go_to_sign_in();
        }
    });
    let confirm_error = move || start.value().with(|v| match v {
        Some(Err(e)) => e.field_message("confirm"),
        _ => None,
    });
    let problem = move || start.value().with(|v| match v {
        Some(Err(e)) if e.field_message("confirm").is_none() && *e != AppError::Unauthenticated => Some(e.to_string()),
        _ => None,
    });
    let total = preview.total;
    let act_label = kind.act_label(preview.changing);
    let id = preview.job_id.clone();
    let on_act = move |_| {
        let typed = (kind == BulkKind::Delete).then(|| confirm.get_untracked());
        start.dispatch((id.clone(), typed));
    };
    let nothing_to_do = preview.changing == 0;
    // The preview arrives after the dialog opened: put the focus on Cancel, as a confirmation
    // has it.
    request_animation_frame(|| {
        if let Some(el) = document().get_element_by_id("bulk-cancel").and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok()) {
            let _ = el.focus();
        }
    });
    let undo_note = if kind.undoable() {
        "You can undo it for 15 minutes after it ends, for everyone not changed again since."
    } else {
        "This can't be undone."
    };
    view! {
        <p class="modal-body">{preview.title.clone()}":"</p>
        <ul class="bulk-groups">
            {preview.groups.iter().map(|g| view! { <li class:bulk-group-change=g.changes>{group_line(g)}</li> }).collect_view()}
        </ul>
        <p class="muted">
            "Only these " {count_text(total)} " are included: any that match the filter later are not. " {undo_note}
        </p>
        {(kind == BulkKind::Delete && !nothing_to_do).then(|| view! {
            <div class="field">
                <label for="bulk-confirm">{format!("Type {total} to confirm")}</label>
                <input id="bulk-confirm" type="text" inputmode="numeric" autocomplete="off" aria-describedby="bulk-confirm-error"
                    prop:value=move || confirm.get() on:input=move |ev| confirm.set(event_target_value(&ev))/>
                <p class="field-error" id="bulk-confirm-error">{confirm_error}</p>
            </div>
        })}
        {move || problem().map(|message| view! { <div class="notice notice-error" role="alert">{message}</div> })}
        <div class="modal-actions">
            <button type="button" class="button" id="bulk-cancel" on:click=move |_| open.set(false)>"Cancel"</button>
            {(!nothing_to_do).then(|| {
                let class = if matches!(kind, BulkKind::Delete | BulkKind::Deactivate | BulkKind::RevokeSessions | BulkKind::CancelInvitation) { "button button-danger" } else { "button button-primary" };
                view! { <button type="button" class=class disabled=move || start.pending().get() on:click=on_act.clone()>{act_label.clone()}</button> }
            })}
        </div>
    }
}

/// The job under way, or just ended: progress and **Cancel**; then what it did and **Undo**.
/// It asks for the viewer's latest job when the page opens, so a reload keeps it in view.
#[component]
pub fn BulkJobPanel(
    /// Runs when a job ends: the list reloads.
    on_end: Callback<()>,
    /// The kinds of job this page shows again after a reload (its own list's).
    shows: fn(BulkKind) -> bool,
) -> impl IntoView {
    let selection = expect_context::<Selection>();
    let toasts = expect_context::<Toasts>();
    let latest = LocalResource::new(latest_bulk_job);
    Effect::new(move |_| {
        if let Some(Ok(Some(job))) = latest.get() {
            if selection.job.get_untracked().is_none() && shows(job.kind) {
                selection.job.set(Some(job));
            }
        }
    });
    // While the job runs, ask how far it got as each chunk commits (the live stream says so),
    // or every few seconds if the stream is away; once it ends, reload the list. Only the
    // latest question counts: each answer schedules the next one.
    let news = heard(Topic::Bulk);
    let asked = StoredValue::new(0_u64);
    Effect::new(move |before: Option<u64>| {
        let heard = news.get();
        let Some(job) = selection.job.get() else { return heard };
        if !job.state.is_live() {
            return heard;
        }
        let id = job.id.clone();
        asked.update_value(|n| *n += 1);
        let ask = asked.get_value();
        let at_once = before.is_some_and(|before| before != heard);
        set_timeout(
            move || {
                if asked.get_value() != ask {
                    return;
                }
                leptos::task::spawn_local(async move {
                    match get_bulk_job(id).await {
                        Ok(next) => {
                            if !next.state.is_live() {
                                on_end.run(());
                            }
                            selection.job.set(Some(next));
                        }
                        Err(AppError::Unauthenticated) => go_to_sign_in(),
                        Err(_) => selection.job.update(|_| {}),
                    }
                });
            },
            if at_once { Duration::ZERO } else { POLL },
        );
        heard
    });
    let act = move |call: JobCall| {
        let Some(id) = selection.job.with_untracked(|j| j.as_ref().map(|j| j.id.clone())) else { return };
        leptos::task::spawn_local(async move {
            match call(id).await {
                Ok(job) => selection.job.set(Some(job)),
                Err(AppError::Unauthenticated) => go_to_sign_in(),
                Err(error) => toasts.show(error.to_string()),
            }
        });
    };
    view! {
        {move || selection.job.get().map(|job| {
            let live = job.state.is_live();
            let status = match job.state {
                JobState::Queued => "Waiting to start…".to_owned(),
                JobState::Running => format!("{} done", job.progress_text()),
                JobState::Done => "Done.".to_owned(),
                JobState::Cancelled => "Cancelled.".to_owned(),
                JobState::Failed => format!("Stopped: {}", job.error.clone().unwrap_or_default()),
            };
            let undo_until = job.undo_until;
            view! {
                <section class="bulk-job" aria-labelledby="bulk-job-title">
                    <h2 class="bulk-job-title" id="bulk-job-title">{job.title.clone()}</h2>
                    {live.then(|| view! {
                        <progress class="bulk-progress" max=job.total.max(1) value=job.processed() aria-label="Progress"></progress>
                    })}
                    <p class="bulk-job-status" aria-live="polite">{status}</p>
                    <ul class="bulk-groups">
                        {job.groups.iter().map(|g| view! { <li class:bulk-group-change=g.changes>{group_line(g)}</li> }).collect_view()}
                    </ul>
                    <div class="bulk-job-actions">
                        {live.then(|| view! {
                            <button type="button" class="button" on:click=move |_| act(|id| Box::pin(cancel_bulk_job(id)))>"Cancel"</button>
                        })}
                        {undo_until.map(|until| view! {
                            <button type="button" class="button button-primary" on:click=move |_| act(|id| Box::pin(undo_bulk_job(id)))>"Undo"</button>
                            <span class="muted">{format!("until {}", exact(until))}</span>
                        })}
                        {(!live).then(|| view! {
                            <button type="button" class="link-button" on:click=move |_| selection.job.set(None)>"Dismiss"</button>
                        })}
                    </div>
                </section>
            }
        })}
    }
}

//! The Invitations page: every invitation, newest first, with its status and what became of its
//! email; **Resend** and **Cancel** per row. Filters and page live in the URL, as on Users.

use crate::live::listen::live_list;
use crate::live::types::Topic;
use crate::bulk::bar::{BulkBar, BulkJobPanel, BulkPreviewDialog, SelectPage, SelectRow, Selection, SelectionOf};
use crate::bulk::types::BulkKind;
use crate::error::AppError;
use crate::invitations::api::{cancel_invitation, list_invitations, resend_invitation};
use crate::invitations::types::{Delivery, Invitation, InvitationList, InvitationListParams, InvitationStatus};
use crate::ui::badge::{Badge, Tone};
use crate::ui::dialog::{ConfirmDialog, Confirmation};
use crate::ui::load::{go_to_sign_in, LoadError, SkeletonRows};
use crate::ui::menu::{ActionsMenu, MenuItem};
use crate::ui::page_header::PageHeader;
use crate::ui::pager::Pager;
use crate::ui::search_field::SearchField;
use crate::ui::table::EmptyRow;
use crate::ui::time::Timestamp;
use crate::ui::toast::Toasts;
use leptos::html;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;

const COLUMNS: &[&str] = &["Email", "Role", "Status", "Invited by", "Sent", "Expires"];

pub fn status_tone(status: InvitationStatus) -> Tone {
    match status {
        InvitationStatus::Pending => Tone::Warning,
        InvitationStatus::Accepted => Tone::Success,
        InvitationStatus::Declined => Tone::Danger,
        InvitationStatus::Expired | InvitationStatus::Cancelled => Tone::Neutral,
    }
}

fn delivery_tone(delivery: Delivery) -> Tone {
    match delivery {
        Delivery::Queued => Tone::Neutral,
        Delivery::Sent => Tone::Success,
        Delivery::Failed => Tone::Danger,
    }
}

/// What rows ask of the page: confirm a cancellation, reload.
#[derive(Clone, Copy)]
struct RowActions {
    cancelling: RwSignal<Option<Invitation>>,
    reload: Callback<()>,
}

#[component]
pub fn InvitationsPage() -> impl IntoView {
    let query = use_query_map();
    let params = Memo::new(move |_| {
        let q = query.read();
        InvitationListParams::from_query(|k| q.get(k))
    });
    let (invitations, news) = live_list(Topic::Invitations, params, |p| list_invitations(p.search, p.status, p.after, p.before));
    let actions = RowActions { cancelling: RwSignal::new(None), reload: Callback::new(move |()| invitations.refetch()) };
    provide_context(actions);
    // Ticked invitations, for **Resend** and **Cancel** on many at once (`bulk::bar`); a new
    // filter starts a new selection.
    let selection = Selection::new();
    provide_context(selection);
    Effect::new(move |previous: Option<(Option<String>, Option<String>)>| {
        let p = params.get();
        let filters = (p.search, p.status);
        if previous.is_some_and(|previous| previous != filters) {
            selection.clear();
        }
        filters
    });
    let page_ids = Signal::derive(move || {
        invitations.get().and_then(Result::ok).map(|l| l.invitations.iter().map(|i| i.id.clone()).collect()).unwrap_or_default()
    });
    let bulk_actions = vec![(BulkKind::ResendInvitation, "Resend"), (BulkKind::CancelInvitation, "Cancel")];
    // Only the ticked rows: no "all matching" here.
    let no_total: Option<String> = None;
    view! {
        <Title text="Invitations · Roster"/>
        <PageHeader title="Invitations" description="Invitations sent to join your organization, and what became of them."/>
        <InvitationFilters params/>
        {news}
        <BulkJobPanel on_end=actions.reload shows=|kind| matches!(kind, BulkKind::ResendInvitation | BulkKind::CancelInvitation)/>
        <BulkBar page=page_ids matching_total=no_total more_than_page=false actions=bulk_actions noun="invitations"/>
        <InvitationsTable params invitations/>
        <CancelDialog/>
        <BulkPreviewDialog of=SelectionOf::Invitations/>
    }
}

#[component]
fn InvitationFilters(params: Memo<InvitationListParams>) -> impl IntoView {
    let navigate = use_navigate();
    let go = move |next: InvitationListParams| navigate(&next.href(), NavigateOptions { replace: true, scroll: false, ..Default::default() });
    let search = NodeRef::<html::Input>::new();
    let on_search = {
        let go = go.clone();
        Callback::new(move |value: String| go(InvitationListParams { search: Some(value), ..params.get_untracked().first_page() }))
    };
    let on_status = {
        let go = go.clone();
        move |ev: leptos::ev::Event| go(InvitationListParams { status: Some(event_target_value(&ev)), ..params.get_untracked().first_page() })
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        go(InvitationListParams { search: search.get_untracked().map(|i| i.value()), ..params.get_untracked().first_page() });
    };
    let status = move || params.get().status.unwrap_or_default();
    let current = Signal::derive(move || params.get().search.unwrap_or_default());
    view! {
        <form class="filters" method="get" action="/invitations" role="search" aria-label="Filter invitations" on:submit=on_submit>
            <SearchField id="invitation-search" placeholder="Email" current on_search node_ref=search/>
            <div class="field">
                <label for="invitation-status">"Status"</label>
                <select id="invitation-status" name="status" on:change=on_status>
                    <option value="" selected=move || status().is_empty()>"All statuses"</option>
                    {InvitationStatus::ALL
                        .into_iter()
                        .map(|s| view! { <option value=s.key() selected=move || status() == s.key()>{s.label()}</option> })
                        .collect_view()}
                </select>
            </div>
            <button type="submit" class="button filters-apply">"Apply filters"</button>
        </form>
    }
}

/// The table's head; `page`, the page's ids, puts the page's checkbox first.
fn header(page: Option<Vec<String>>) -> impl IntoView {
    view! {
        <thead>
            <tr>
                {page.map(|page| view! { <th scope="col" class="cell-select"><SelectPage page noun="invitations"/></th> })}
                {COLUMNS.iter().map(|c| view! { <th scope="col">{*c}</th> }).collect_view()}
                <th scope="col" class="cell-actions"><span class="visually-hidden">"Actions"</span></th>
            </tr>
        </thead>
    }
}

#[component]
fn InvitationsTable(params: Memo<InvitationListParams>, invitations: Resource<Result<InvitationList, AppError>>) -> impl IntoView {
    let skeleton = move || {
        view! {
            <div class="table-wrap" role="region" aria-label="Invitations" tabindex="0">
                <table class="data-table" aria-label="Invitations">{header(None)}<tbody><SkeletonRows columns=COLUMNS.len() + 1/></tbody></table>
            </div>
        }
    };
    view! {
        <Transition fallback=skeleton>
            {move || Suspend::new(async move {
                match invitations.await {
                    Ok(list) => {
                        let p = params.get_untracked();
                        let notice = list.mail_not_configured.then(|| view! {
                            <div class="notice notice-error" role="status">
                                "Email is not set up: invitations wait in the outbox and go out once ROSTER_SMTP_URL is configured."
                            </div>
                        });
                        let now = list.now;
                        let page: Vec<String> = list.invitations.iter().map(|i| i.id.clone()).collect();
                        let body = if list.invitations.is_empty() {
                            empty_state(&p).into_any()
                        } else {
                            list.invitations
                                .iter()
                                .cloned()
                                .map(|invitation| view! { <InvitationRow invitation now page=page.clone()/> })
                                .collect_view()
                                .into_any()
                        };
                        view! {
                            {notice}
                            <div class="table-wrap" id="invitations-table" role="region" aria-label="Invitations" tabindex="0">
                                <table class="data-table" aria-label="Invitations">{header(Some(page.clone()))}<tbody>{body}</tbody></table>
                            </div>
                            <Pager
                                prev=list.prev_cursor.clone().map(|c| InvitationListParams { before: Some(c), ..p.first_page() }.href())
                                next=list.next_cursor.clone().map(|c| InvitationListParams { after: Some(c), ..p.first_page() }.href())
                            />
                        }
                        .into_any()
                    }
                    Err(AppError::Validation(errors)) => {
                        let first = params.get_untracked().first_page().href();
                        let message = errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join(" ");
                        view! { <div class="notice notice-error" role="alert">{message} " " <a href=first>"Show the first page"</a></div> }.into_any()
                    }
                    Err(error) => view! { <LoadError error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

fn empty_state(params: &InvitationListParams) -> impl IntoView + use<> {
    let (title, hint) = if params.is_filtered() {
        ("No invitations match these filters", "Try another search, or clear the filters.")
    } else {
        ("No invitations yet", "Invite people from the Users page with Invite User; their invitations appear here.")
    };
    let clear_href = params.is_filtered().then(|| "/invitations".to_owned());
    view! { <EmptyRow columns=COLUMNS.len() + 2 title hint clear_href/> }
}

#[component]
fn InvitationRow(invitation: Invitation, now: i64, page: Vec<String>) -> impl IntoView {
    let actions = expect_context::<RowActions>();
    let toasts = expect_context::<Toasts>();
    let open = matches!(invitation.status, InvitationStatus::Pending | InvitationStatus::Expired);
    // **Resend** is a button of its own (the help page's "Click Resend"); Cancel, destructive,
    // waits in the ⋮ menu and asks first.
    let resend = open.then(|| {
        let (id, email) = (invitation.id.clone(), invitation.email.clone());
        let busy = RwSignal::new(false);
        let on_click = move |_| {
            let id = id.clone();
            busy.set(true);
            leptos::task::spawn_local(async move {
                match resend_invitation(id).await {
                    Ok(email) => toasts.show(format!("Invitation sent again to {email}. The earlier link no longer works.")),
                    Err(AppError::Unauthenticated) => go_to_sign_in(),
                    Err(error) => toasts.show(error.to_string()),
                }
                busy.set(false);
                actions.reload.run(());
            });
        };
        view! {
            <button type="button" class="button button-small" aria-label=format!("Resend the invitation to {email}") disabled=move || busy.get() on:click=on_click>
                "Resend"
            </button>
        }
    });
    let menu = open.then(|| {
        let subject = invitation.clone();
        let entries = vec![MenuItem { label: "Cancel", danger: true, on_select: Callback::new(move |()| actions.cancelling.set(Some(subject.clone()))) }];
        view! { <ActionsMenu label=format!("Actions for the invitation to {}", invitation.email) id=format!("invitation-actions-{}", invitation.id) entries/> }
    });
    let sent = match (invitation.delivery, invitation.delivery_error.clone()) {
        (Delivery::Failed, Some(error)) => view! {
            <Badge tone=Tone::Danger label="Failed"/>
            <span class="cell-note" title=error.clone()>{error.clone()}</span>
        }
        .into_any(),
        (Delivery::Queued, Some(error)) => view! {
            <Badge tone=Tone::Neutral label="Queued"/>
            <span class="cell-note" title=error.clone()>{format!("Retrying: {error}")}</span>
        }
        .into_any(),
        (delivery, _) => view! { <Badge tone=delivery_tone(delivery) label=delivery.label()/> }.into_any(),
    };
    view! {
        <tr>
            <td class="cell-select"><SelectRow id=invitation.id.clone() name=invitation.email.clone() page/></td>
            <td class="cell-truncate cell-strong" title=invitation.email.clone()>{invitation.email.clone()}</td>
            <td><Badge tone=Tone::Outline label=invitation.role.clone()/></td>
            <td>
                <Badge tone=status_tone(invitation.status) label=invitation.status.label()/>
                {invitation.end_reason.map(|reason| view! { <span class="cell-sub">{reason.label()}</span> })}
            </td>
            <td class="cell-truncate" data-label="Invited by">{invitation.invited_by.clone().unwrap_or_else(|| "—".into())}</td>
            <td><span class="delivery">{sent}</span></td>
            <td data-label="Expires">{if open { view! { <Timestamp at=Some(invitation.expires_at) now=now/> }.into_any() } else { "—".into_any() }}</td>
            <td class="cell-actions"><span class="row-actions">{resend}{menu}</span></td>
        </tr>
    }
}

fn describe_cancel(invitation: &Invitation) -> Confirmation {
    Confirmation {
        title: format!("Cancel the invitation to {}?", invitation.email),
        body: format!(
            "The link sent to {} stops working at once, and their pending account leaves the Users list. You can invite them again later.",
            invitation.email
        ),
        keep: "Keep invitation",
        act: "Cancel invitation",
    }
}

#[component]
fn CancelDialog() -> impl IntoView {
    let actions = expect_context::<RowActions>();
    let toasts = expect_context::<Toasts>();
    let done = Callback::new(move |email: String| {
        toasts.show(format!("The invitation to {email} was cancelled."));
        actions.reload.run(());
    });
    view! {
        <ConfirmDialog id="cancel-invitation" subject=actions.cancelling describe=describe_cancel act=|i: Invitation| cancel_invitation(i.id) done/>
    }
}

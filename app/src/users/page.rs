//! The Users page: filters, the list with its actions menus, and the Edit and confirmation
//! dialogs. The filters, sort and page live in the URL, so a refresh, back or a pasted link
//! shows the same view, rendered on the server.

use crate::auth::types::Permission;
use crate::bulk::bar::{total_text, user_actions, BulkBar, BulkJobPanel, BulkPreviewDialog, Selection, SelectionOf};
use crate::bulk::types::BulkKind;
use crate::invitations::invite_dialog::InviteUser;
use crate::ui::layout::CurrentUser;
use crate::ui::page_header::PageHeader;
use crate::users::actions::UserActions;
use crate::users::api::{list_roles, list_users};
use crate::users::dialogs::{ConfirmUserDialog, EditUserDialog};
use crate::users::filters::UserFilters;
use crate::users::list::UsersTable;
use crate::users::types::UserListParams;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn UsersPage() -> impl IntoView {
    let query = use_query_map();
    let params = Memo::new(move |_| {
        let q = query.read();
        UserListParams::from_query(|k| q.get(k))
    });
    let users = Resource::new(
        move || params.get(),
        |p| list_users(p.search, p.status, p.role, p.last_login, p.sort, p.dir, p.after, p.before, p.size),
    );
    let roles = Resource::new(|| (), |_| list_roles());
    let focus_after_reload = RwSignal::new(None);
    provide_context(UserActions {
        editing: RwSignal::new(None),
        confirming: RwSignal::new(None),
        reload: Callback::new(move |focus: String| {
            focus_after_reload.set(Some(focus));
            users.refetch();
        }),
        focus_after_reload,
    });

    // A selection is of the filtered set: another filter starts a new one.
    let selection = Selection::new();
    provide_context(selection);
    Effect::new(move |previous: Option<UserListParams>| {
        let p = params.get();
        let filters = UserListParams { search: p.search, status: p.status, role: p.role, last_login: p.last_login, ..Default::default() };
        if previous.is_some_and(|previous| previous != filters) {
            selection.clear();
        }
        filters
    });

    // What the selection bar reads of the list.
    let list = move || users.get().and_then(Result::ok);
    let page_ids = Signal::derive(move || list().map(|l| l.users.iter().map(|u| u.id.clone()).collect()).unwrap_or_default());
    let matching_total = Signal::derive(move || list().map(|l| total_text(l.total)));
    let more_than_page = Signal::derive(move || list().is_some_and(|l| l.next_cursor.is_some() || l.prev_cursor.is_some()));
    let actions = Signal::derive(move || list().map(|l| user_actions(&l.rights)).unwrap_or_default());
    let role_options = Signal::derive(move || roles.get().and_then(Result::ok).unwrap_or_default());

    let me = expect_context::<CurrentUser>();
    let on_invited = Callback::new(move |()| users.refetch());
    view! {
        <Title text="Users · Roster"/>
        <PageHeader title="Users" description="People in your organization, their roles and their status.">
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let may_invite = me.0.await.is_ok_and(|me| me.permissions.contains(&Permission::UsersInvite));
                    may_invite.then(|| view! { <InviteUser on_invited/> })
                })}
            </Suspense>
        </PageHeader>
        <UserFilters params roles/>
        <BulkJobPanel on_end=Callback::new(move |()| users.refetch()) shows=|kind| kind != BulkKind::CancelInvitation/>
        <BulkBar page=page_ids matching_total more_than_page actions noun="users"/>
        <UsersTable params users/>
        <EditUserDialog/>
        <ConfirmUserDialog/>
        <BulkPreviewDialog of=SelectionOf::Users(params) roles=role_options/>
    }
}

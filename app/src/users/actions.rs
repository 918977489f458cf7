//! What the rows of the Users list ask of the page they are on (edit, confirm, reload), shared
//! by the page, which provides it, and the list and dialogs, which use it.

use leptos::prelude::*;

/// What a row asks of the page: open the Edit dialog, ask to confirm, reload the list.
#[derive(Clone, Copy)]
pub struct UserActions {
    /// The user the Edit dialog shows, while it is open.
    pub editing: RwSignal<Option<String>>,
    /// The deactivation or deletion waiting for confirmation.
    pub confirming: RwSignal<Option<Confirm>>,
    /// Reloads the current page of the list after a change, then moves the focus to the
    /// element with this id (the row's ⋮ button), or to the table when that row is gone.
    pub reload: Callback<String>,
    /// Where the focus goes once the reloaded rows are in the page.
    pub focus_after_reload: RwSignal<Option<String>>,
}

/// The id of a row's ⋮ button, where the focus returns after an action on that row.
pub fn actions_button_id(user_id: &str) -> String {
    format!("actions-{user_id}")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfirmKind {
    Deactivate,
    Delete,
    /// **Revoke all sessions**: every session the user holds ends.
    RevokeSessions,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    pub kind: ConfirmKind,
    pub id: String,
    pub name: String,
    pub email: String,
}

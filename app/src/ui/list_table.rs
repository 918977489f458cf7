//! The table of a keyset list (Sessions, Login Attempts): skeleton rows while the first page
//! loads (same height, no layout shift), the old rows kept while the next one loads, then the
//! rows and **Previous** / **Next**, an empty state that says what to do (with **Clear
//! filters** when the filters emptied it), or a clear message: a bad filter or page link says
//! what is wrong and links to the first page.

use crate::error::AppError;
use crate::ui::load::{LoadError, SkeletonRows};
use crate::ui::pager::Pager;
use crate::ui::query::ListParams;
use crate::ui::table::EmptyRow;
use leptos::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// What a page of a keyset list holds, as the table needs it.
pub trait KeysetPage {
    fn is_empty(&self) -> bool;
    /// The cursors of the pages before and after this one.
    fn cursors(&self) -> (Option<String>, Option<String>);
}

/// What an empty list says, with and without filters.
#[derive(Clone, Copy)]
pub struct EmptyText {
    pub title: &'static str,
    pub hint: &'static str,
    pub filtered_title: &'static str,
}

fn header(columns: &'static [&'static str], actions: bool) -> impl IntoView {
    view! {
        <thead>
            <tr>
                {columns.iter().map(|c| view! { <th scope="col">{*c}</th> }).collect_view()}
                {actions.then(|| view! { <th scope="col" class="cell-actions"><span class="visually-hidden">"Actions"</span></th> })}
            </tr>
        </thead>
    }
}

#[component]
pub fn ListTable<T>(
    /// Accessible name of the table and of its scroll region.
    label: &'static str,
    /// The id of the scroll region.
    id: &'static str,
    columns: &'static [&'static str],
    /// A last column of row actions (its header is for screen readers only).
    #[prop(optional)]
    actions: bool,
    params: Memo<ListParams>,
    data: Resource<Result<T, AppError>>,
    empty: EmptyText,
    /// The table's rows.
    rows: Callback<T, Vec<AnyView>>,
    /// A line above the table about what it shows (a filter set from another page), made
    /// from the loaded page so that the server's HTML and the hydrated page agree.
    #[prop(optional)]
    note: Option<Callback<T, Option<AnyView>>>,
) -> impl IntoView
where
    T: KeysetPage + Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
{
    let width = columns.len() + usize::from(actions);
    let table = move |body: AnyView| {
        view! {
            <div class="table-wrap" id=id role="region" aria-label=label tabindex="0">
                <table class="data-table" aria-label=label>{header(columns, actions)}<tbody>{body}</tbody></table>
            </div>
        }
    };
    let skeleton = move || table(view! { <SkeletonRows columns=width/> }.into_any());
    view! {
        <Transition fallback=skeleton>
            {move || Suspend::new(async move {
                let p = params.get_untracked();
                match data.await {
                    Ok(page) => {
                        let (prev, next) = page.cursors();
                        let note = note.and_then(|n| n.run(page.clone()));
                        let body = if page.is_empty() {
                            let filtered = p.is_filtered();
                            let title = if filtered { empty.filtered_title } else { empty.title };
                            let hint = if filtered { "Try another search, or clear the filters." } else { empty.hint };
                            let clear_href = filtered.then(|| p.cleared().href());
                            view! { <EmptyRow columns=width title hint clear_href/> }.into_any()
                        } else {
                            rows.run(page).into_any()
                        };
                        view! {
                            {note}
                            {table(body)}
                            <Pager prev=prev.map(|c| p.page(None, Some(c)).href()) next=next.map(|c| p.page(Some(c), None).href())/>
                        }
                        .into_any()
                    }
                    Err(AppError::Validation(errors)) => {
                        let message = errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join(" ");
                        let first = p.cleared().href();
                        view! { <div class="notice notice-error" role="alert">{message} " " <a href=first>"Show the first page"</a></div> }.into_any()
                    }
                    Err(error) => view! { <LoadError error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

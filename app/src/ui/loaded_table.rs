//! A table whose rows come from a server function: skeleton rows while loading (same height,
//! no layout shift), then the rows, an empty state that says what to do, or a clear error.

use crate::error::AppError;
use crate::ui::load::{LoadError, SkeletonRows};
use crate::ui::table::{DataTable, EmptyRow};
use leptos::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;

#[component]
pub fn LoadedTable<T>(
    /// Accessible name of the table (and of its scroll region).
    label: &'static str,
    columns: &'static [&'static str],
    data: Resource<Result<T, AppError>>,
    empty_title: &'static str,
    empty_hint: &'static str,
    /// The table's rows; none means the empty state.
    rows: fn(T) -> Vec<AnyView>,
    /// A line under the table (counts), computed from the data before the rows.
    #[prop(optional)]
    footer: Option<fn(&T) -> String>,
    /// Shown instead of the generic message when the viewer lacks the permission.
    #[prop(optional)]
    forbidden: Option<&'static str>,
) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
{
    let skeleton = move || view! { <DataTable label=label columns=columns><SkeletonRows columns=columns.len()/></DataTable> };
    view! {
        <Suspense fallback=skeleton>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(value) => {
                        let footer = footer.map(|f| view! { <p class="table-footer">{f(&value)}</p> });
                        let rows = rows(value);
                        let body = if rows.is_empty() {
                            view! { <EmptyRow columns=columns.len() title=empty_title hint=empty_hint/> }.into_any()
                        } else {
                            rows.into_any()
                        };
                        view! { <DataTable label=label columns=columns>{body}</DataTable>{footer} }.into_any()
                    }
                    Err(AppError::Forbidden) if forbidden.is_some() => {
                        view! { <div class="notice notice-error" role="alert">{forbidden}</div> }.into_any()
                    }
                    Err(error) => view! { <LoadError error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

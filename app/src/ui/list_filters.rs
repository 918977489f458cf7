//! The filter bar of a keyset list: a search box and selects, one plain GET form (so it works
//! before the WASM); once hydrated each change replaces the URL, which the list follows. A
//! filter the bar does not show (a user picked from the Users page, say) rides along as a
//! hidden field; the list says so above its rows (see `ListTable`'s `note`).

use crate::ui::query::ListParams;
use crate::ui::search_field::SearchField;
use leptos::html;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;

/// A select of the filter bar: the URL parameter `name`, its label, the choice meaning "any",
/// and the other choices as (value, label), or in labelled groups (`<optgroup>`).
#[derive(Clone, Default)]
pub struct SelectFilter {
    pub name: &'static str,
    pub label: &'static str,
    pub any: &'static str,
    pub options: Vec<(&'static str, &'static str)>,
    pub groups: Vec<(&'static str, Vec<(&'static str, &'static str)>)>,
}

#[component]
pub fn ListFilters(
    params: Memo<ListParams>,
    /// The form's accessible name, e.g. "Filter sessions".
    label: &'static str,
    /// The search box: its id and placeholder; the list may have none.
    #[prop(optional)]
    search: Option<(&'static str, &'static str)>,
    /// What the ids of the form and its selects start with, when there is no search box.
    #[prop(optional)]
    id: Option<&'static str>,
    selects: Vec<SelectFilter>,
    /// Filters set elsewhere (a link from the Users page): kept as hidden fields.
    #[prop(optional)]
    hidden: Vec<&'static str>,
) -> impl IntoView {
    let navigate = use_navigate();
    let go = move |next: ListParams| navigate(&next.href(), NavigateOptions { replace: true, scroll: false, ..Default::default() });
    let input = NodeRef::<html::Input>::new();
    let on_search = {
        let go = go.clone();
        Callback::new(move |value: String| go(params.get_untracked().with("search", Some(value))))
    };
    let on_submit = {
        let go = go.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            go(params.get_untracked().with("search", input.get_untracked().map(|i| i.value())));
        }
    };
    let current = Signal::derive(move || params.get().get("search").unwrap_or_default());
    let prefix = search.map(|s| s.0).or(id).unwrap_or("list");
    let (path, form_id) = (params.get_untracked().path, format!("{prefix}-filters"));
    let selects = selects
        .into_iter()
        .map(|filter| {
            let go = go.clone();
            let name = filter.name;
            let id = format!("{prefix}-{name}");
            let value = move || params.get().get(name).unwrap_or_default();
            let option = move |(key, text): (&'static str, &'static str)| view! { <option value=key selected=move || value() == key>{text}</option> };
            let on_change = move |ev: leptos::ev::Event| {
                let chosen = event_target_value(&ev);
                go(params.get_untracked().with(name, Some(chosen)));
            };
            view! {
                <div class="field">
                    <label for=id.clone()>{filter.label}</label>
                    <select id=id name=name on:change=on_change>
                        <option value="" selected=move || value().is_empty()>{filter.any}</option>
                        {filter.options.into_iter().map(option).collect_view()}
                        {filter
                            .groups
                            .into_iter()
                            .map(|(group, options)| view! { <optgroup label=group>{options.into_iter().map(option).collect_view()}</optgroup> })
                            .collect_view()}
                    </select>
                </div>
            }
        })
        .collect_view();
    let hidden_fields = move || {
        hidden
            .iter()
            .filter_map(|name| params.get().get(name).map(|v| view! { <input type="hidden" name=*name value=v/> }))
            .collect_view()
    };
    view! {
        <form class="filters" id=form_id method="get" action=path role="search" aria-label=label on:submit=on_submit>
            {search.map(|(id, placeholder)| view! { <SearchField id=id placeholder=placeholder current on_search node_ref=input/> })}
            {selects}
            {hidden_fields}
            <button type="submit" class="button filters-apply">"Apply filters"</button>
        </form>
    }
}

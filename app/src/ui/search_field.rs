//! The Search box of a list's filters: part of the list's plain GET form (so it works without
//! the WASM), and once hydrated the list follows as you type, after a short pause. Back and
//! forward change the URL; the box follows unless the user is typing in it.

use leptos::html;
use leptos::prelude::*;
use std::time::Duration;

/// How long typing must pause before the list follows the box.
const SEARCH_DEBOUNCE: Duration = Duration::from_millis(250);

#[component]
pub fn SearchField(
    id: &'static str,
    placeholder: &'static str,
    /// The search the URL holds now.
    #[prop(into)]
    current: Signal<String>,
    /// Called with the text once typing pauses.
    on_search: Callback<String>,
    /// Filled by the component: the input, for a form's submit handler to read.
    #[prop(optional)]
    node_ref: Option<NodeRef<html::Input>>,
) -> impl IntoView {
    let input = node_ref.unwrap_or_default();
    // Not `new_local`: the page also renders on the server's threads, where a local value
    // dropped on another thread panics.
    let timer = StoredValue::new(None::<TimeoutHandle>);
    let on_input = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        if let Some(handle) = timer.get_value() {
            handle.clear();
        }
        let handle = set_timeout_with_handle(move || on_search.run(value.clone()), SEARCH_DEBOUNCE);
        timer.set_value(handle.ok());
    };
    Effect::new(move |_| {
        let wanted = current.get();
        if let Some(el) = input.get() {
            let focused = document().active_element().is_some_and(|a| a == **el);
            if !focused && el.value() != wanted {
                el.set_value(&wanted);
            }
        }
    });
    view! {
        <div class="field filter-search">
            <label for=id>"Search"</label>
            <input
                id=id
                node_ref=input
                type="search"
                name="search"
                placeholder=placeholder
                autocomplete="off"
                spellcheck="false"
                value=current.get_untracked()
                on:input=on_input
            />
        </div>
    }
}

//! A labelled input with its error message beside it, tied together for screen readers.

use leptos::prelude::*;

#[component]
pub fn TextField(
    /// The form field's name; also its id unless `id` is given.
    name: &'static str,
    label: &'static str,
    /// The input's type: text, email, password, tel…
    #[prop(default = "text")]
    kind: &'static str,
    #[prop(default = "off")]
    autocomplete: &'static str,
    #[prop(into)] error: Signal<Option<String>>,
    /// Two-way bound when given; otherwise the browser keeps the value (plain forms).
    #[prop(optional)]
    value: Option<RwSignal<String>>,
    #[prop(optional)] id: Option<&'static str>,
    #[prop(optional)] required: bool,
    /// The id of a `<datalist>` of suggestions.
    #[prop(optional)]
    list: Option<&'static str>,
) -> impl IntoView {
    let id = id.unwrap_or(name);
    let error_id = format!("{id}-error");
    let invalid = move || error.get().is_some().to_string();
    let input = match value {
        Some(value) => view! {
            <input id=id name=name type=kind autocomplete=autocomplete required=required list=list
                aria-invalid=invalid aria-describedby=error_id.clone()
                prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
        }
        .into_any(),
        None => view! {
            <input id=id name=name type=kind autocomplete=autocomplete required=required list=list
                aria-invalid=invalid aria-describedby=error_id.clone()/>
        }
        .into_any(),
    };
    view! {
        <div class="field">
            <label for=id>{label}</label>
            {input}
            <p class="field-error" id=error_id>{move || error.get()}</p>
        </div>
    }
}

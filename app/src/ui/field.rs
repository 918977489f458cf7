//! A labelled input with its error message beside it, tied together for screen readers.

use leptos::prelude::*;

/// The rule every new password follows, shown beside the field that sets one.
pub const PASSWORD_HINT: &str = "At least 12 characters. Spaces and any characters are welcome; a few words make a good password.";

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
    /// What a plain form's field holds when the page renders (a value kept from a failed post).
    #[prop(optional_no_strip)]
    initial: Option<String>,
    #[prop(optional)] id: Option<&'static str>,
    #[prop(optional)] required: bool,
    /// The id of a `<datalist>` of suggestions.
    #[prop(optional)]
    list: Option<&'static str>,
    /// A standing hint under the field (a password's rules), read with it by screen readers.
    #[prop(optional)]
    hint: Option<&'static str>,
) -> impl IntoView {
    let id = id.unwrap_or(name);
    let hint_id = format!("{id}-hint");
    let error_id = match hint {
        Some(_) => format!("{id}-error {hint_id}"),
        None => format!("{id}-error"),
    };
    let error_p_id = format!("{id}-error");
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
                value=initial aria-invalid=invalid aria-describedby=error_id.clone()/>
        }
        .into_any(),
    };
    view! {
        <div class="field">
            <label for=id>{label}</label>
            {input}
            {hint.map(|text| view! { <p class="field-hint" id=hint_id>{text}</p> })}
            <p class="field-error" id=error_p_id>{move || error.get()}</p>
        </div>
    }
}

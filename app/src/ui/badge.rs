//! Badges: status in colour and text, roles in a neutral outline.

use leptos::prelude::*;

/// The look of a badge; colour always comes with text, never alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Success,
    Neutral,
    Warning,
    Danger,
    Outline,
}

impl Tone {
    fn class(self) -> &'static str {
        match self {
            Tone::Success => "badge badge-success",
            Tone::Neutral => "badge badge-neutral",
            Tone::Warning => "badge badge-warning",
            Tone::Danger => "badge badge-danger",
            Tone::Outline => "badge badge-outline",
        }
    }
}

#[component]
pub fn Badge(tone: Tone, #[prop(into)] label: String) -> impl IntoView {
    view! { <span class=tone.class()>{label}</span> }
}

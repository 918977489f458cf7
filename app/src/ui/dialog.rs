//! A modal dialog on the native `<dialog>` element, opened with `showModal()`: the browser
//! makes the rest of the page inert (the focus trap), closes it on Escape, and puts it above
//! everything. We add the WAI-ARIA pieces the element leaves to us: a labelled title, focus on
//! the first field, and focus back on whatever opened it.

use crate::error::AppError;
use crate::ui::load::go_to_sign_in;
use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// The body of a dialog whose content loads first: "Loading…" meanwhile, then `content` with
/// the data; or what went wrong, with **Close** (an ended session goes to sign-in).
pub fn loaded<T, V>(
    data: LocalResource<Result<T, AppError>>,
    open: RwSignal<bool>,
    content: impl Fn(T) -> V + Clone + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || {
                let content = content.clone();
                Suspend::new(async move {
                    match data.await {
                        Ok(value) => content(value).into_any(),
                        Err(AppError::Unauthenticated) => {
                            go_to_sign_in();
                            ().into_any()
                        }
                        Err(error) => view! {
                            <div class="notice notice-error" role="alert">{error.to_string()}</div>
                            <div class="modal-actions">
                                <button type="button" class="button" on:click=move |_| open.set(false)>"Close"</button>
                            </div>
                        }
                        .into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// A dialog's content whose code is a chunk of its own (a `#[lazy]` function), fetched the
/// first time the dialog opens: "Loading…" until it has arrived. The chunk loader is not
/// `Send` (the browser has one thread); dialog content only ever renders in the browser, so the
/// `SendWrapper` never leaves it.
pub fn lazily(content: impl std::future::Future<Output = AnyView> + 'static) -> impl IntoView {
    let content = send_wrapper::SendWrapper::new(content);
    view! { <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>{Suspend::new(content)}</Suspense> }
}

/// Keeps a dialog open while the page's `subject` is set, and clears it (then runs
/// `on_close`) when the dialog closes. Each side writes only a change: a write notifies even
/// when the value is the same, and the two would loop.
pub fn open_while_some<T>(open: RwSignal<bool>, subject: RwSignal<Option<T>>, on_close: impl Fn() + 'static)
where
    T: Send + Sync + 'static,
{
    Effect::new(move |_| {
        let wanted = subject.with(Option::is_some);
        if open.get_untracked() != wanted {
            open.set(wanted);
        }
    });
    Effect::new(move |_| {
        if !open.get() && subject.with_untracked(Option::is_some) {
            subject.set(None);
            on_close();
        }
    });
}

/// What a confirmation says: its title, the consequences, and its two buttons.
pub struct Confirmation {
    pub title: String,
    pub body: String,
    /// The button that keeps things as they are (focused first).
    pub keep: &'static str,
    /// The button that does it, in the danger colour.
    pub act: &'static str,
}

/// A dialog that asks before a change that can't be taken back, open while `subject` is set.
/// **keep** has the focus first; **act** runs `act` on the subject; its failure is shown in the
/// dialog (an ended session goes to sign-in), its success closes the dialog and goes to `done`.
#[component]
pub fn ConfirmDialog<T, R, F, Fut>(
    /// Unique in the page.
    id: &'static str,
    subject: RwSignal<Option<T>>,
    describe: fn(&T) -> Confirmation,
    act: F,
    done: Callback<R>,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    R: Clone + Send + Sync + 'static,
    F: Fn(T) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<R, AppError>> + Send + 'static,
{
    let open = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    open_while_some(open, subject, move || problem.set(None));
    let run = Action::new(move |target: &T| act(target.clone()));
    Effect::new(move |_| match run.value().get() {
        Some(Ok(result)) => {
            open.set(false);
            done.run(result);
        }
        Some(Err(AppError::Unauthenticated)) => go_to_sign_in(),
        Some(Err(error)) => problem.set(Some(error.to_string())),
        None => {}
    });
    let title = Signal::derive(move || subject.with(|s| s.as_ref().map(|t| describe(t).title)).unwrap_or_default());
    view! {
        <Modal open title id>
            {move || subject.get_untracked().map(|target| {
                let said = describe(&target);
                view! {
                    <p class="modal-body">{said.body}</p>
                    {move || problem.get().map(|message| view! { <div class="notice notice-error" role="alert">{message}</div> })}
                    <div class="modal-actions">
                        <button type="button" class="button" autofocus on:click=move |_| open.set(false)>{said.keep}</button>
                        <button type="button" class="button button-danger" disabled=move || run.pending().get()
                            on:click=move |_| {
                                problem.set(None);
                                run.dispatch(target.clone());
                            }>
                            {said.act}
                        </button>
                    </div>
                }
            })}
        </Modal>
    }
}

#[component]
pub fn Modal(
    /// Open while true; the dialog sets it false when it closes (Escape, Cancel, done).
    open: RwSignal<bool>,
    /// The heading, also the dialog's accessible name.
    #[prop(into)]
    title: Signal<String>,
    /// Unique in the page: ties the heading to the dialog.
    id: &'static str,
    children: ChildrenFn,
) -> impl IntoView {
    let dialog = NodeRef::<html::Dialog>::new();
    let title_id = format!("{id}-title");
    let heading_id = title_id.clone();
    // The element focused when the dialog opened, to return to when it closes.
    // Always `None` on the server, so the `SendWrapper` (the element is not `Send`) is only
    // ever dropped in the browser's one thread; `new_local` would wrap the container itself
    // and panic when the server drops it on another thread.
    let opener = StoredValue::new(None::<send_wrapper::SendWrapper<web_sys::HtmlElement>>);

    Effect::new(move |_| {
        let Some(el) = dialog.get() else { return };
        if open.get() {
            if !el.open() {
                opener.set_value(document().active_element().and_then(|e| e.dyn_into().ok()).map(send_wrapper::SendWrapper::new));
                let _ = el.show_modal();
            }
        } else if el.open() {
            el.close();
        }
    });
    let on_close = move |_| {
        open.set(false);
        if let Some(opener) = opener.get_value() {
            if opener.is_connected() {
                let _ = opener.focus();
            }
        }
    };

    view! {
        <dialog node_ref=dialog id=id class="modal" aria-labelledby=title_id on:close=on_close>
            <Show when=move || open.get()>
                <h2 class="modal-title" id=heading_id.clone()>{move || title.get()}</h2>
                {children()}
            </Show>
        </dialog>
    }
}

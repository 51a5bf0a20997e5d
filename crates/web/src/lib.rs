//! The splitbrain playground in the browser: a Yew front end over the simulation core.
//!
//! The page runs any registered protocol in the core, compiled to WebAssembly, animates its
//! nodes, links and messages, and lets the user break the network, the nodes and their
//! clocks. The view only reads the world and dispatches messages to the reducer in
//! `state.rs`.
//!
//! The page is a library, so that a crate with a protocol of its own can build the page
//! with it: register the protocol with the core's registry, then call [`start`] (see the
//! README's "Test your own protocol").

/// The heap is counted, so that what is kept for seeking back stays within its budget in
/// bytes (the core's `rewind` and `mem`).
#[global_allocator]
static HEAP: splitbrain_core::mem::Counting<std::alloc::System> =
    splitbrain_core::mem::Counting(std::alloc::System);

mod any;
mod api;
mod app;
mod availability_view;
mod bench;
mod cap_live;
mod cap_view;
mod chart;
mod deflate;
mod event_log;
mod figures;
mod flight;
mod inspector;
mod lesson_panel;
mod lessons;
mod link_editor;
mod link_panel;
mod markup;
mod measures;
mod network_panel;
mod panic_overlay;
mod pen;
mod prefs;
mod recovery;
mod search;
mod setup_panel;
mod share;
mod side;
mod spacetime;
mod state;
mod sweep;
mod topology;
mod url;

/// Starts the page: renders the playground into a body marked `data-splitbrain-page`, or
/// leaves the page alone when it only loads the module to mount playgrounds itself. Call it
/// once, from `main`, after registering any protocols of your own.
pub fn start() {
    // In a worker of the page's search there is no page: the worker only calls the
    // module's exported functions.
    if web_sys::window().is_none() {
        return;
    }
    panic_overlay::install();
    // The playground's own page asks to be rendered (`data-splitbrain-page` on its body);
    // a page that loads the module to mount playgrounds itself does not.
    let page = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.body())
        .filter(|b| b.has_attribute("data-splitbrain-page"));
    if let Some(body) = page {
        reload_on_new_link();
        let fragment = url::current_fragment();
        if deflate::compressed_part(&fragment).is_none() && !url::needs_lessons(&fragment) {
            render(body, url::PageState::parse(&fragment));
            // The course is fetched behind the run, for when the reader opens it.
            wasm_bindgen_futures::spawn_local(async {
                // A failure is told where the lessons are shown (the course map).
                let _ = lessons::load().await;
            });
            return;
        }
        wasm_bindgen_futures::spawn_local(async move {
            // A compressed link is expanded by the browser first.
            let query = match deflate::compressed_part(&fragment) {
                Some(_) => deflate::expand(&fragment).await,
                None => Ok(fragment),
            };
            // A link to a lesson or to the course waits for the lessons.
            let page = match query {
                Ok(query) if url::needs_lessons(&query) => match lessons::load().await {
                    Ok(()) => url::PageState::parse(&query),
                    Err(e) => Err(format!("the lessons could not be loaded ({e})")),
                },
                other => other.and_then(|query| url::PageState::parse(&query)),
            };
            render(body, page);
            let _ = lessons::load().await;
        });
    }
}

/// A link pasted into the address bar of an open page changes only the part after `#`,
/// which loads nothing by itself: the page starts again from the new link, as a lecturer
/// pasting prepared links one after another expects. The page's own updates of its
/// address replace the history entry and fire no `hashchange`, so only a new link does.
fn reload_on_new_link() {
    use wasm_bindgen::JsCast;
    let Some(window) = web_sys::window() else {
        return;
    };
    let on_change = wasm_bindgen::closure::Closure::<dyn Fn()>::new(|| {
        if let Some(window) = web_sys::window() {
            window.location().reload().ok();
        }
    });
    window
        .add_event_listener_with_callback("hashchange", on_change.as_ref().unchecked_ref())
        .ok();
    // The page lives as long as the listener.
    on_change.forget();
}

fn render(body: web_sys::HtmlElement, page: Result<url::PageState, String>) {
    // An iframe inside another page: the address is the embedding page's choice.
    let embedded = page.as_ref().is_ok_and(|p| !p.embed.is_empty());
    let init = std::rc::Rc::new(app::Init {
        asked: page,
        embedded,
        handle: Default::default(),
    });
    yew::Renderer::<app::App>::with_root_and_props(body.into(), app::AppProps { init }).render();
}

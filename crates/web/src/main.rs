//! The splitbrain playground in the browser: a Yew front end over the simulation core.
//!
//! The page runs a Raft cluster in the core, compiled to WebAssembly, animates its nodes,
//! links and messages, and lets the user crash, pause, isolate and skew nodes. The view
//! only reads the world and dispatches messages to the reducer in `state.rs`.

mod app;
mod bench;
mod event_log;
mod flight;
mod inspector;
mod link_editor;
mod link_panel;
mod network_panel;
mod panic_overlay;
mod recovery;
mod setup_panel;
mod spacetime;
mod state;
mod topology;

fn main() {
    panic_overlay::install();
    yew::Renderer::<app::App>::new().render();
}

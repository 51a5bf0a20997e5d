//! The splitbrain playground in the browser: a Yew front end over the simulation core.
//!
//! This first page runs a Raft cluster in the core, compiled to WebAssembly, and lets the
//! user advance time, crash and restart nodes and partition the leader away, with the
//! checkers' verdict and the trace hash always on screen. The view only reads the world
//! and dispatches actions; it never changes simulation state itself.

mod app;
mod panic_overlay;

fn main() {
    panic_overlay::install();
    yew::Renderer::<app::App>::new().render();
}

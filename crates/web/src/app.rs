//! The page: controls, the cluster, the inspector and the event log.

use crate::event_log::EventLog;
use crate::inspector::Inspector;
use crate::network_panel::NetworkPanel;
use crate::state::{Msg, Sim, SPEEDS};
use crate::topology::Topology;
use splitbrain_core::action::Action;
use splitbrain_core::run::hash_hex;
use splitbrain_core::time::{Pretty, MICROS_PER_SEC};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Drives `Msg::Frame` from requestAnimationFrame while the page is mounted.
#[hook]
fn use_animation_frames(sim: UseReducerHandle<Sim>) {
    use_effect_with((), move |_| {
        let handle: Rc<RefCell<Option<gloo_render::AnimationFrame>>> = Rc::default();
        let last: Rc<RefCell<Option<f64>>> = Rc::default();
        fn schedule(
            sim: UseReducerHandle<Sim>,
            handle: Rc<RefCell<Option<gloo_render::AnimationFrame>>>,
            last: Rc<RefCell<Option<f64>>>,
        ) {
            let next = handle.clone();
            *handle.borrow_mut() = Some(gloo_render::request_animation_frame(move |t| {
                let previous = last.borrow_mut().replace(t);
                if let Some(p) = previous {
                    sim.dispatch(Msg::Frame(t - p));
                }
                schedule(sim, next, last);
            }));
        }
        schedule(sim, handle.clone(), last);
        move || {
            handle.borrow_mut().take();
        }
    });
}

#[component]
pub fn App() -> Html {
    let sim = use_reducer(|| Sim::new(1));
    use_animation_frames(sim.clone());
    let world = sim.world.borrow();

    let dispatch = |msg: fn() -> Msg| {
        let sim = sim.clone();
        Callback::from(move |_| sim.dispatch(msg()))
    };
    let act = |action: Action| {
        let sim = sim.clone();
        Callback::from(move |_| sim.dispatch(Msg::Act(action.clone())))
    };
    let on_speed = {
        let sim = sim.clone();
        Callback::from(move |e: Event| {
            if let Some(select) = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok())
            {
                if let Some((speed, _)) = select
                    .value()
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| SPEEDS.get(i))
                {
                    sim.dispatch(Msg::SetSpeed(*speed));
                }
            }
        })
    };
    let onkeydown = {
        let sim = sim.clone();
        Callback::from(move |e: KeyboardEvent| match e.key().as_str() {
            " " => {
                e.prevent_default();
                sim.dispatch(Msg::TogglePlay);
            }
            "ArrowRight" => sim.dispatch(Msg::Step),
            "ArrowLeft" => {
                let now = sim.world.borrow().now();
                sim.dispatch(Msg::Seek(now.saturating_sub(100_000)));
            }
            "h" => sim.dispatch(Msg::Act(Action::Heal)),
            _ => {}
        })
    };
    let reset = {
        let sim = sim.clone();
        let seed = sim.seed;
        Callback::from(move |_| sim.dispatch(Msg::Reset(seed.wrapping_add(1))))
    };
    let verdict = match world.violations().first() {
        None => {
            html! { <p class="verdict ok">{"All Raft safety properties hold so far (checked after every event)."}</p> }
        }
        Some(v) => html! {
            <p class="verdict bad" role="alert">{ format!("{} violated at {}: {}", v.invariant, Pretty(v.time_us), v.message) }</p>
        },
    };
    let horizon = sim.history.borrow().horizon.max(world.now());
    let on_seek = {
        let sim = sim.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(input) = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            {
                if let Ok(ms) = input.value().parse::<u64>() {
                    sim.dispatch(Msg::Seek(ms * 1000));
                }
            }
        })
    };
    let speed_index = SPEEDS
        .iter()
        .position(|(s, _)| *s == sim.speed)
        .unwrap_or(2);
    let side = match sim.selected {
        Some(node) => html! { <Inspector sim={sim.clone()} {node} /> },
        None => html! {
            <section class="inspector hint">
                <h2>{"Break something"}</h2>
                <p>{"Click a node to inspect its log, clocks and store, and to crash, pause or isolate it. Space plays and pauses; the right arrow steps one event, the left arrow goes back 100 ms; drag the timeline to travel in time; h heals the network."}</p>
            </section>
        },
    };
    html! {
        <main tabindex="0" {onkeydown}>
            <header>
                <h1>{"splitbrain"}</h1>
                <p class="tagline">{"See and feel how distributed systems fail: five Raft nodes, running in your browser, deterministically."}</p>
            </header>
            <section class="controls" aria-label="Time">
                <button class="primary" onclick={dispatch(|| Msg::TogglePlay)} aria-label="Play or pause">
                    { if sim.playing { "Pause" } else { "Play" } }
                </button>
                <button onclick={dispatch(|| Msg::Step)} aria-label="Step one event">{"Step"}</button>
                <button onclick={dispatch(|| Msg::Advance(MICROS_PER_SEC))}>{"+1 s"}</button>
                <label>{"speed "}
                    <select onchange={on_speed} aria-label="Playback speed">
                        { for SPEEDS.iter().enumerate().map(|(i, (_, name))| html! {
                            <option value={i.to_string()} selected={i == speed_index}>{ *name }</option>
                        }) }
                    </select>
                </label>
                <span class="clock">{ format!("t = {}", Pretty(world.now())) }</span>
                <span class="spacer"></span>
                <button onclick={act(Action::Heal)}>{"Heal network"}</button>
                <button onclick={reset}>{ format!("New run (seed {})", sim.seed + 1) }</button>
            </section>
            <section class="timeline" aria-label="Timeline">
                <input type="range" min="0" max={(horizon / 1000).to_string()} value={(world.now() / 1000).to_string()}
                       step="1" oninput={on_seek} aria-label="Seek in simulated time (milliseconds)" />
                <span class="horizon">{ format!("of {}", Pretty(horizon)) }</span>
            </section>
            <NetworkPanel sim={sim.clone()} />
            { verdict }
            <div class="stage">
                <Topology sim={sim.clone()} />
                { side }
            </div>
            <EventLog sim={sim.clone()} />
            <footer>
                <span>{ format!("seed {} · {} events · trace hash {}", sim.seed, world.counters().events, hash_hex(world.trace_hash())) }</span>
            </footer>
        </main>
    }
}

//! What the column beside the cluster says: the linearizability verdict with its witness,
//! the end properties checked on demand, the newest step of the story, where to begin on
//! a first visit, and, while nothing is picked, what one can do and what the picture's
//! marks mean.

use crate::state::{Msg, Page};
use splitbrain_core::check::Violation;
use splitbrain_core::checkers::linearizability::Verdict;
use splitbrain_core::client::ClientRecord;
use splitbrain_core::sim::Sim;
use splitbrain_core::time::{Micros, Pretty};
use yew::prelude::*;

/// The linearizability checker's verdict on the clients' history so far, with the
/// operations that prove a violation.
pub fn lin_verdict(page: &UseReducerHandle<Page>, world: &crate::any::AnyWorld) -> Html {
    let lin = page.control.lin.borrow();
    let Some(report) = &lin.report else {
        return html! {};
    };
    let (ops, finished) = lin.ops;
    match report.verdict {
        Verdict::Linearizable => html! {
            <p class="verdict ok lin">{ format!(
                "The clients' history is linearizable so far: {finished} finished operation{} ({} in flight) fit{} one order that respects real time and a single copy of each key.",
                if finished == 1 { "" } else { "s" },
                ops - finished,
                if finished == 1 { "s" } else { "" }
            ) }</p>
        },
        Verdict::Inconclusive => html! {
            <p class="verdict lin">{ format!(
                "Linearizability: inconclusive. The checker's budget ran out on {} key(s) of {finished} finished operation(s).",
                report.inconclusive_keys.len()
            ) }</p>
        },
        Verdict::NotLinearizable => {
            let key = report.witness_key.unwrap_or_default();
            let records: Vec<&ClientRecord> = report
                .witness
                .iter()
                .filter_map(|id| world.clients().get(id.0 as usize))
                .collect();
            let items = records.iter().map(|r| {
                html! { <li>{ crate::cap_view::op_text(r) }</li> }
            });
            html! {
                <div class="verdict bad lin" role="alert">
                    <p>
                        { format!("Not linearizable: no single copy of k{key} could have given these {} answers in this real-time order.", report.witness.len()) }
                        <button onclick={let page = page.clone(); Callback::from(move |_| page.dispatch(Msg::ShowWitness))}>{"Show them in the diagram"}</button>
                    </p>
                    <ol class="witness-list">{ for items }</ol>
                    { for crate::cap_view::real_time_text(&records).map(|t| html! { <p class="small">{ t }</p> }) }
                </div>
            }
        }
    }
}

/// The properties a protocol checks at the end of a run, checked on demand on a copy of
/// the run given time to settle, each with its verdict; properties the protocol does not
/// promise are marked so.
pub fn end_verdict(
    page: &UseReducerHandle<Page>,
    state: &UseStateHandle<Option<(Micros, Vec<Violation>)>>,
    about: &'static splitbrain_core::registry::About,
    now: Micros,
) -> Html {
    use splitbrain_core::registry::PropertyKind;
    let properties: Vec<_> = about
        .properties
        .iter()
        .filter(|p| p.kind == PropertyKind::AtEnd)
        .collect();
    if properties.is_empty() {
        return html! {};
    }
    let check = {
        let page = page.clone();
        let state = state.clone();
        Callback::from(move |_| {
            let world = page.world.borrow();
            state.set(Some((world.now(), world.check_end())));
        })
    };
    let settle = Pretty(splitbrain_core::run::SETTLE_US);
    let results = state.as_ref().map(|(at, found)| {
        let rows = properties.iter().map(|p| {
            let broken = found.iter().find(|v| v.invariant == p.name);
            let class = match (broken, p.promised) {
                (None, _) => "ok",
                (Some(_), true) => "bad",
                (Some(_), false) => "shown",
            };
            let text = match broken {
                None => format!("{}: holds", p.name),
                Some(v) => format!("{}: broken: {}", p.name, v.message),
            };
            html! {
                <li class={class}>{ text }
                    if !p.promised { <span class="muted small">{" (not promised: no protocol can keep it under these faults)"}</span> }
                </li>
            }
        });
        html! {
            <>
            <p class="small">{ format!("Checked from {}{}: a copy of the run, with the network healed and calm and the clients stopped, ran {settle} more.", Pretty(*at), if *at == now { "" } else { " (the run has moved on since)" }) }</p>
            <ul class="end-list">{ for rows }</ul>
            </>
        }
    });
    html! {
        <div class="verdict end">
            <p>{ format!("{} propert{} checked at the end of a run. ", properties.len(), if properties.len() == 1 { "y is" } else { "ies are" }) }
                <button onclick={check}>{ format!("Check {} now (settles a copy for {settle})", if properties.len() == 1 { "it" } else { "them" }) }</button>
            </p>
            { for results }
        </div>
    }
}

/// The newest step of the story in a sentence, or a button to have it told; clicking the
/// sentence goes to that moment.
pub fn narration(
    page: &UseReducerHandle<Page>,
    world: &crate::any::AnyWorld,
    narrate: &UseStateHandle<bool>,
) -> Html {
    let switch = |on: bool| {
        let narrate = narrate.clone();
        Callback::from(move |e: MouseEvent| {
            e.stop_propagation();
            crate::prefs::set_flag("narrate", on);
            narrate.set(on);
        })
    };
    if !**narrate {
        return html! {
            <button class="narrate-on" onclick={switch(true)}>{"Tell me what happens"}</button>
        };
    }
    let Some((index, at, text)) = world.narration() else {
        return html! {};
    };
    let goto = {
        let page = page.clone();
        Callback::from(move |_| page.dispatch(Msg::SelectEvent(Some(index), true)))
    };
    html! {
        <p class="narration" role="status" onclick={goto} title="Click to go to this moment">
            <span class="t">{ Pretty(at).to_string() }</span>{ text }
            <button class="close" onclick={switch(false)} aria-label="Stop narrating" title="Stop narrating">{"×"}</button>
        </p>
    }
}

/// Where to begin, shown until the reader dismisses it.
pub fn first_visit_hint(seen: &UseStateHandle<bool>) -> Html {
    let dismiss = {
        let seen = seen.clone();
        Callback::from(move |_| {
            crate::prefs::set_flag("hint-seen", true);
            seen.set(true);
        })
    };
    html! {
        <div class="first-visit" role="note">
            <p><strong>{"New here? "}</strong>{"Watch the nodes talk: each dot is a message (the Play button pauses and resumes the run). Then break things: click a node to crash or isolate it, use Split… to cut the cluster in two, and drag the timeline back to see what happened. The address bar always holds the run, so a link replays it exactly. For a guided tour, open Lessons at the top."}</p>
            <button onclick={dismiss}>{"Got it"}</button>
        </div>
    }
}

/// What one can do, and what the marks in the picture mean (shown while nothing is picked).
pub fn legend(world: &dyn Sim) -> Html {
    let about = world.about();
    html! {
        <section class="inspector hint">
            <h2>{"Break something"}</h2>
            <p>{"Click a node to inspect its log, clocks and store, and to crash, pause, slow or isolate it. Click a link to cut it one way or both. Split the cluster with the split tool."}</p>
            <p class="muted small">{"Keys: space play/pause · → step · ← back 100 ms · 0-9 select a node · c crash · x crash and lose disk · r restart · p pause · s slow · i isolate · b lie or stop lying · g split · h heal · Esc deselect"}</p>
            <ul class="legend-list">
                { for about.roles.iter().map(|r| html! {
                    <li><span class={classes!("dot", r.tone.class())}></span>{ r.label }</li>
                }) }
                <li><span class="dot paused"></span>{"paused"}</li>
                <li><span class="dot slow"></span>{"slow"}</li>
                <li><span class="dot crashed"></span>{"crashed"}</li>
                if !about.behaviours.is_empty() {
                    <li><span class="dot byzantine"></span>{"Byzantine (lies; b switches the selected node)"}</li>
                }
                if !world.countdowns().is_empty() {
                    <li><svg class="swatch" viewBox="0 0 28 12" aria-hidden="true"><path class="countdown" d="M14 1.5 A4.5 4.5 0 1 1 9.5 6" /></svg>{"time left on its timer (it fires when the arc is gone)"}</li>
                }
                <li><svg class="swatch" viewBox="0 0 28 12" aria-hidden="true"><g class="node selected"><circle class="halo" cx="14" cy="6" r="4" /></g></svg>{"the node you picked"}</li>
            </ul>
            <ul class="legend-list">
                { for crate::flight::COLOURS.iter().zip(about.look.legend).filter(|(_, name)| !name.is_empty()).map(|(colour, name)| html! {
                    <li><span class="dot" style={format!("background: {colour}")}></span>{ name }</li>
                }) }
                <li><span class="cross">{"×"}</span>{"message lost (and why)"}</li>
            </ul>
            <ul class="legend-list">
                { for [("link cut", "cut"), ("link cut one way", "one-way"), ("across a partition", "partitioned"), ("link with its own faults", "tuned")].into_iter().map(|(label, class)| html! {
                    <li><svg class="swatch" viewBox="0 0 28 12" aria-hidden="true"><g class={classes!("link", class)}><line class="stroke" x1="0" y1="6" x2="28" y2="6" /></g></svg>{ label }</li>
                }) }
                <li><svg class="swatch" viewBox="0 0 28 12" aria-hidden="true">
                    <g class="node group-0"><circle class="halo" cx="6" cy="6" r="5" /></g>
                    <g class="node group-1"><circle class="halo" cx="21" cy="6" r="5" /></g>
                </svg>{"sides of a partition"}</li>
            </ul>
        </section>
    }
}

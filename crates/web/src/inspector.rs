//! Everything about one node, and the faults that can be done to it.

use crate::state::{Msg, Sim};
use splitbrain_core::action::{Action, DiskFate};
use splitbrain_core::client::KvOp;
use splitbrain_core::ids::NodeId;
use splitbrain_core::protocols::raft::Command;
use splitbrain_core::time::{Pretty, MICROS_PER_MS};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub sim: UseReducerHandle<Sim>,
    pub node: NodeId,
}

fn command_text(cmd: &Command) -> String {
    match cmd {
        Command::Noop => "no-op".into(),
        Command::Client { op, req, .. } => match op {
            KvOp::Get { key } => format!("get k{key} ({req})"),
            KvOp::Put { key, value } => format!("put k{key}={value} ({req})"),
            KvOp::Cas { key, expect, new } => format!(
                "cas k{key}: {} → {new} ({req})",
                expect.map_or("none".into(), |v| v.to_string())
            ),
        },
    }
}

#[component]
pub fn Inspector(props: &Props) -> Html {
    let sim = &props.sim;
    let id = props.node;
    let world = sim.world.borrow();
    let slot = &world.nodes()[id.index()];
    let now = world.now();
    let act = |action: Action| {
        let sim = sim.clone();
        Callback::from(move |_| sim.dispatch(Msg::Act(action.clone())))
    };
    let kv1 = slot
        .state
        .as_ref()
        .and_then(|n| n.kv().data().get(&1).copied());
    let others: Vec<NodeId> = (0..world.nodes().len() as u32)
        .map(NodeId)
        .filter(|&n| n != id)
        .collect();
    let slow = slot.processing_us > 0;
    let buttons = if slot.is_up() {
        html! {
            <div class="buttons">
                <button onclick={act(Action::Crash { node: id, disk: DiskFate::Keep })} title="shortcut c">{"Crash (keep disk)"}</button>
                <button onclick={act(Action::Crash { node: id, disk: DiskFate::Lose })} title="shortcut x">{"Crash (lose disk)"}</button>
                <button onclick={act(Action::Pause { node: id, for_us: 200 * MICROS_PER_MS })}>{"Pause 200 ms"}</button>
                <button onclick={act(Action::Pause { node: id, for_us: 1000 * MICROS_PER_MS })} title="shortcut p">{"Pause 1 s"}</button>
                <button onclick={act(Action::Pause { node: id, for_us: 5000 * MICROS_PER_MS })}>{"Pause 5 s"}</button>
                <button onclick={act(Action::Slow { node: id, delay_us: if slow { 0 } else { 20 * MICROS_PER_MS } })} title="shortcut s">
                    { if slow { "Make fast again" } else { "Slow (+20 ms per input)" } }
                </button>
                <button onclick={act(Action::Partition { groups: vec![vec![id], others] })} title="shortcut i">{"Isolate"}</button>
                <button onclick={act(Action::SkewClock { node: id, by_us: 100_000 })}>{"Clock +100 ms"}</button>
                <button onclick={act(Action::SkewClock { node: id, by_us: -100_000 })}>{"Clock −100 ms"}</button>
                <button onclick={act(Action::SetDrift { node: id, ppm: slot.clock.drift_ppm() + 50_000 })}>{"Drift +5%"}</button>
                <button onclick={act(Action::SetDrift { node: id, ppm: 0 })}>{"No drift"}</button>
                <button onclick={act(Action::Client { node: id, op: KvOp::Put { key: 1, value: now / 1000 } })}>{"Client: put k1"}</button>
                <button onclick={act(Action::Client { node: id, op: KvOp::Get { key: 1 } })}>{"Client: get k1"}</button>
                <button onclick={act(Action::Client { node: id, op: KvOp::Cas { key: 1, expect: kv1, new: now / 1000 } })}>{"Client: cas k1"}</button>
            </div>
        }
    } else {
        html! { <div class="buttons"><button onclick={act(Action::Restart { node: id })} title="shortcut r">{"Restart"}</button></div> }
    };
    let body = match &slot.state {
        None => html! { <p class="muted">{"Crashed. Its disk holds what it persisted."}</p> },
        Some(node) => {
            let log = node.log();
            let first = log.last_index().saturating_sub(11).max(1);
            let rows = (first..=log.last_index()).rev().map(|i| {
                let e = log.get(i).expect("in range");
                let committed = i <= node.commit_index();
                html! {
                    <tr class={classes!(committed.then_some("committed"))}>
                        <td>{ i }</td><td>{ e.term }</td><td>{ command_text(&e.cmd) }</td>
                        <td>{ if committed { "✓" } else { "" } }</td>
                    </tr>
                }
            });
            let kv: Vec<String> = node
                .kv()
                .data()
                .iter()
                .map(|(k, v)| format!("k{k}={v}"))
                .collect();
            html! {
                <>
                <dl class="facts">
                    <dt>{"role"}</dt><dd>{ format!("{:?}", node.role()).to_ascii_lowercase() }</dd>
                    <dt>{"term"}</dt><dd>{ node.term() }</dd>
                    <dt>{"voted for"}</dt><dd>{ node.voted_for().map_or("nobody".into(), |v| v.to_string()) }</dd>
                    <dt>{"commit index"}</dt><dd>{ node.commit_index() }</dd>
                    <dt>{"store"}</dt><dd>{ if kv.is_empty() { "empty".to_string() } else { kv.join(" ") } }</dd>
                </dl>
                <table class="log">
                    <caption>{ format!("log ({} entries, newest first)", log.last_index()) }</caption>
                    <thead><tr><th>{"index"}</th><th>{"term"}</th><th>{"command"}</th><th>{"committed"}</th></tr></thead>
                    <tbody>{ for rows }</tbody>
                </table>
                </>
            }
        }
    };
    let close = {
        let sim = sim.clone();
        Callback::from(move |_| sim.dispatch(Msg::Select(None)))
    };
    html! {
        <section class="inspector" aria-label={format!("Node {id}")}>
            <h2>{ format!("Node {id}") }<button class="close" onclick={close} aria-label="Close">{"×"}</button></h2>
            <dl class="facts clocks">
                <dt>{"true time"}</dt><dd>{ Pretty(now).to_string() }</dd>
                <dt>{"its clock"}</dt><dd>{ format!("{} ({:+} µs, drift {} ppm)", Pretty(slot.clock.read(now).max(0) as u64), slot.clock.offset(now), slot.clock.drift_ppm()) }</dd>
                if slot.is_paused(now) { <dt>{"paused"}</dt><dd>{ format!("until {}, {} inputs waiting", Pretty(slot.paused_until), slot.inbox_len()) }</dd> }
                if slow { <dt>{"slow"}</dt><dd>{ format!("+{} per input, {} waiting", Pretty(slot.processing_us), slot.inbox_len()) }</dd> }
                <dt>{"Lamport"}</dt><dd>{ slot.lamport.0 }</dd>
                <dt>{"vector"}</dt><dd>{ format!("{:?}", slot.vclock.0) }</dd>
            </dl>
            { body }
            { buttons }
        </section>
    }
}

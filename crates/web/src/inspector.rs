//! Everything about one node, and the faults that can be done to it.

use crate::state::{Msg, WorldRef};
use splitbrain_core::action::{Action, DiskFate, HONEST};
use splitbrain_core::client::KvOp;
use splitbrain_core::ids::NodeId;
use splitbrain_core::time::{Pretty, MICROS_PER_MS};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The world the node is in.
    pub world: WorldRef,
    pub node: NodeId,
    /// The page's reducer, for the faults the buttons cause.
    pub dispatch: Callback<Msg>,
}

#[component]
pub fn Inspector(props: &Props) -> Html {
    let dispatch = &props.dispatch;
    let id = props.node;
    let world = props.world.borrow();
    let slot = world.node_view(id.index());
    let now = world.now();
    let act = |action: Action| {
        let dispatch = dispatch.clone();
        Callback::from(move |_| dispatch.emit(Msg::Act(action.clone())))
    };
    let kv1 = world.local_value(id.index(), 1);
    let others: Vec<NodeId> = (0..world.len() as u32)
        .map(NodeId)
        .filter(|&n| n != id)
        .collect();
    let slow = slot.processing_us > 0;
    // Key-value client buttons only for the operations the protocol offers.
    let offers = |name: &str| world.about().operations.iter().any(|o| o.name == name);
    let (put, get, cas) = (offers("put"), offers("get"), offers("cas"));
    // The protocol's own action, first: it is what the protocol is about (a snapshot).
    let trigger = world.about().trigger.map(|label| {
        let (first, rest) = label.split_at(label.chars().next().map_or(0, char::len_utf8));
        format!("{}{rest} here", first.to_uppercase())
    });
    let buttons = if slot.up {
        html! {
            <div class="buttons">
                if let Some(text) = trigger {
                    <button class="primary" onclick={act(Action::Trigger { node: id })} title="shortcut t">{ text }</button>
                }
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
                if put {
                    <button onclick={act(Action::Client { node: id, op: KvOp::Put { key: 1, value: now / 1000 } })}>{"Client: put k1"}</button>
                }
                if get {
                    <button onclick={act(Action::Client { node: id, op: KvOp::Get { key: 1 } })}>{"Client: get k1"}</button>
                }
                if cas {
                    <button onclick={act(Action::Client { node: id, op: KvOp::Cas { key: 1, expect: kv1, new: now / 1000 } })}>{"Client: cas k1"}</button>
                }
            </div>
        }
    } else {
        html! { <div class="buttons"><button onclick={act(Action::Restart { node: id })} title="shortcut r">{"Restart"}</button></div> }
    };
    let behaviours = world.about().behaviours;
    let behaviour = if behaviours.is_empty() || !slot.up {
        html! {}
    } else {
        let on_change = {
            let dispatch = dispatch.clone();
            Callback::from(move |e: Event| {
                if let Some(select) = e.target_dyn_into::<web_sys::HtmlSelectElement>() {
                    dispatch.emit(Msg::Act(Action::Behave {
                        node: id,
                        behaviour: select.value(),
                    }));
                }
            })
        };
        let current = slot.behaviour.clone().unwrap_or_else(|| HONEST.to_string());
        html! {
            <label class="behaviour" title="A Byzantine node runs a lying behaviour instead of its honest code (shortcut b)">
                {"behaviour "}
                <select aria-label="Behaviour of this node" onchange={on_change}>
                    <option value={HONEST} selected={current == HONEST}>{"honest"}</option>
                    { for behaviours.iter().map(|b| html! {
                        <option value={b.name} selected={current == b.name} title={b.does}>{ format!("{}: {}", b.name, b.does) }</option>
                    }) }
                </select>
            </label>
        }
    };
    let body = world.inspect(id.index()).unwrap_or_else(|| {
        let text = match slot.crashed {
            Some((at, DiskFate::Keep)) => format!(
                "Crashed at {}, its disk kept. Everything it held only in memory is gone; when it restarts it rebuilds itself from what it wrote to disk."
            , Pretty(at)),
            Some((at, DiskFate::Lose)) => format!(
                "Crashed at {} and lost its disk. When it restarts it remembers nothing it ever wrote, not even promises it made: outside the fault model of most protocols, so their checkers may find safety broken."
            , Pretty(at)),
            None => "Down.".into(),
        };
        html! { <p class="muted">{ text }</p> }
    });
    let close = dispatch.reform(|_| Msg::Select(None));
    html! {
        <section class="inspector" aria-label={format!("Node {id}")}>
            <h2>{ format!("Node {id}") }<button class="close" onclick={close} aria-label="Close">{"×"}</button></h2>
            // What one can do to the node first, then what it holds.
            { buttons }
            { behaviour }
            <dl class="facts clocks">
                <dt>{"true time"}</dt><dd>{ Pretty(now).to_string() }</dd>
                <dt>{"its clock"}</dt><dd>{ format!("{} ({}, drift {} ppm)", Pretty(slot.clock.read(now).max(0) as u64), offset_text(slot.clock.offset(now)), slot.clock.drift_ppm()) }</dd>
                if slot.paused { <dt>{"paused"}</dt><dd>{ format!("until {}, {} inputs waiting", Pretty(slot.paused_until), slot.inbox_len) }</dd> }
                if slow { <dt>{"slow"}</dt><dd>{ format!("+{} per input, {} waiting", Pretty(slot.processing_us), slot.inbox_len) }</dd> }
                <dt>{"Lamport"}</dt><dd>{ slot.lamport }</dd>
                <dt>{"vector"}</dt><dd>{ format!("[{}]", slot.vclock.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(", ")) }</dd>
            </dl>
            { body }
        </section>
    }
}

/// A clock's offset from true time in words: `100 ms ahead`, `2 s behind`, `on time`.
fn offset_text(offset_us: i64) -> String {
    match offset_us.cmp(&0) {
        std::cmp::Ordering::Greater => format!("{} ahead", Pretty(offset_us.unsigned_abs())),
        std::cmp::Ordering::Less => format!("{} behind", Pretty(offset_us.unsigned_abs())),
        std::cmp::Ordering::Equal => "on time".into(),
    }
}

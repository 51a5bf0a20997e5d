//! The newest trace events, in words.

use crate::state::Sim;
use splitbrain_core::protocol::Message;
use splitbrain_core::protocols::raft::RaftNode;
use splitbrain_core::time::Pretty;
use splitbrain_core::trace::{EventKind, TraceEvent};
use yew::prelude::*;

const SHOWN: usize = 60;

pub fn describe(e: &TraceEvent<RaftNode>) -> Option<(&'static str, String)> {
    Some(match &e.kind {
        EventKind::Send { from, to, msg, .. } => ("send", format!("{from} → {to}: {}", msg.kind())),
        EventKind::Drop {
            from, to, reason, ..
        } => ("drop", format!("{from} → {to} dropped ({reason:?})")),
        EventKind::Corrupt { id, .. } => ("fault", format!("message {} corrupted in flight", id.0)),
        EventKind::CorruptUndetected { id } => (
            "fault",
            format!("corrupted message {} delivered (checksums off)", id.0),
        ),
        EventKind::Duplicate { id, .. } => ("fault", format!("message {} duplicated", id.0)),
        EventKind::Timer { node, timer } => ("timer", format!("{node}: {timer:?} timer")),
        EventKind::Crash { node, disk } => ("fault", format!("{node} crashed (disk {disk:?})")),
        EventKind::Restart { node } => ("fault", format!("{node} restarted")),
        EventKind::Pause { node, until } => {
            ("fault", format!("{node} paused until {}", Pretty(*until)))
        }
        EventKind::Resume { node } => ("fault", format!("{node} resumed")),
        EventKind::ClientInvoke { req, node, op } => ("client", format!("{req} → {node}: {op:?}")),
        EventKind::ClientReply { req, result } => ("client", format!("{req} answered: {result:?}")),
        EventKind::ClientTimeout { req } => ("client", format!("{req} timed out")),
        EventKind::RoleChange { node, role, term } => {
            ("role", format!("{node} is {role:?} in term {term}"))
        }
        EventKind::Commit { node, index } => ("commit", format!("{node} commits up to {index}")),
        EventKind::Fault { action } => ("fault", format!("{action:?}")),
        EventKind::Deliver { .. }
        | EventKind::Persist { .. }
        | EventKind::Append { .. }
        | EventKind::Truncate { .. } => return None,
    })
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub sim: UseReducerHandle<Sim>,
}

#[component]
pub fn EventLog(props: &Props) -> Html {
    let world = props.sim.world.borrow();
    let rows = world
        .trace()
        .events()
        .rev()
        .filter_map(|e| describe(e).map(|(kind, text)| (e.time, kind, text)))
        .take(SHOWN)
        .map(|(time, kind, text)| {
            html! { <li class={kind}><span class="t">{ Pretty(time).to_string() }</span>{ text }</li> }
        });
    html! {
        <section class="event-log" aria-label="Event log, newest first">
            <h2>{"Events"}</h2>
            <ol>{ for rows }</ol>
        </section>
    }
}

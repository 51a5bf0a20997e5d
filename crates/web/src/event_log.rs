//! The event log: every trace event in words, newest first, filtered by node and kind.
//! Only the rows in view are rendered, and the list of matching events grows
//! incrementally, so a long run stays fast. Clicking a row seeks to that event.

use crate::any::with_world;
use crate::spacetime::lane_of;
use crate::state::{Msg, Sim};
use splitbrain_core::describe;
use splitbrain_core::ids::{NodeId, RequestId};
use splitbrain_core::protocol::Message;
use splitbrain_core::protocol::Note as _;
use splitbrain_core::protocol::Protocol;
use splitbrain_core::time::Pretty;
use splitbrain_core::trace::{EventKind, TraceEvent};
use splitbrain_core::world::World;
use yew::prelude::*;

const ROW_PX: usize = 20;
const VIEW_PX: usize = 260;

/// Kinds of event the log can show, as (class, label).
pub const KINDS: [(&str, &str); 8] = [
    ("send", "messages"),
    ("drop", "drops"),
    ("fault", "faults"),
    ("role", "roles"),
    ("commit", "commits"),
    ("client", "clients"),
    ("timer", "timers"),
    ("note", "protocol notes"),
];

pub fn describe<P: crate::any::Shown>(e: &TraceEvent<P>) -> Option<(&'static str, String)> {
    Some(match &e.kind {
        EventKind::Send { from, to, msg, .. } => ("send", format!("{from} → {to}: {}", msg.kind())),
        EventKind::Deliver { from, to, id } => (
            "send",
            format!("{to} receives message {} from {from}", id.0),
        ),
        EventKind::Drop {
            from, to, reason, ..
        } => (
            "drop",
            format!("{from} → {to} dropped: {}", describe::drop_reason(*reason)),
        ),
        EventKind::Corrupt { id, .. } => ("fault", format!("message {} corrupted in flight", id.0)),
        EventKind::CorruptUndetected { id } => (
            "fault",
            format!("corrupted message {} delivered (checksums off)", id.0),
        ),
        EventKind::Duplicate { id, .. } => ("fault", format!("message {} duplicated", id.0)),
        EventKind::Timer { node, timer } => (
            "timer",
            format!("{node}'s timer fires: {}", P::timer_text(timer)),
        ),
        EventKind::Crash { node, disk } => ("fault", describe::crash(*node, *disk)),
        EventKind::Restart { node } => ("fault", format!("{node} restarted")),
        EventKind::Pause { node, until } => {
            ("fault", format!("{node} paused until {}", Pretty(*until)))
        }
        EventKind::Resume { node } => ("fault", format!("{node} resumed")),
        EventKind::ClientInvoke { req, node, op } => {
            ("client", format!("{req} → {node}: {}", describe::op(op)))
        }
        EventKind::ClientReply { req, result } => (
            "client",
            format!("{req} answered: {}", describe::result(result)),
        ),
        EventKind::ClientTimeout { req } => ("client", format!("{req} timed out")),
        EventKind::ClientRetry { req, attempt } => {
            ("client", format!("{req} tried again (attempt {attempt})"))
        }
        EventKind::RoleChange { node, role, term } => {
            let label = P::ROLES
                .iter()
                .find(|r| r.code == role.0)
                .map_or("in a role its protocol does not name", |r| r.label);
            let era = P::ERA.map_or(String::new(), |(_, name)| format!(" in {name} {term}"));
            ("role", format!("{node} is {label}{era}"))
        }
        EventKind::Commit { node, index } => ("commit", format!("{node} commits up to {index}")),
        EventKind::Fault { action } => ("fault", describe::action(action)),
        EventKind::Note { node, note } => ("note", format!("{node} {}", note.text())),
        EventKind::Persist { .. } | EventKind::Append { .. } | EventKind::Truncate { .. } => {
            return None
        }
    })
}

/// Any event in words: as the log describes it, or, for the disk and log-length events the
/// log leaves out, a short sentence of its own (for exported traces and the diagram).
pub fn text<P: crate::any::Shown>(e: &TraceEvent<P>) -> String {
    if let Some((_, text)) = describe(e) {
        return text;
    }
    match &e.kind {
        EventKind::Persist { node } => format!("{node} writes to its disk"),
        EventKind::Append { node, len } => format!("{node}'s log grows to {len} entries"),
        EventKind::Truncate { node, len } => format!("{node}'s log is cut back to {len} entries"),
        _ => "an event".into(),
    }
}

/// The client operation an event belongs to, if any.
pub fn client_request<P: Protocol>(kind: &EventKind<P>) -> Option<RequestId> {
    match kind {
        EventKind::ClientInvoke { req, .. }
        | EventKind::ClientReply { req, .. }
        | EventKind::ClientTimeout { req }
        | EventKind::ClientRetry { req, .. } => Some(*req),
        _ => None,
    }
}

/// The node an event concerns, for filtering (a message concerns both ends).
fn concerns<P: Protocol>(e: &TraceEvent<P>, node: NodeId) -> bool {
    match &e.kind {
        EventKind::Send { from, to, .. }
        | EventKind::Deliver { from, to, .. }
        | EventKind::Drop { from, to, .. } => *from == node || *to == node,
        EventKind::Commit { node: n, .. } => *n == node,
        EventKind::Fault { action } => action.nodes().contains(&node),
        kind => lane_of(kind) == Some(node),
    }
}

#[derive(Clone, PartialEq)]
struct Filter {
    node: Option<NodeId>,
    kinds: [bool; KINDS.len()],
}

impl Default for Filter {
    fn default() -> Self {
        // Deliveries and timers are many and mostly noise until asked for.
        let mut kinds = [true; KINDS.len()];
        kinds[6] = false;
        Filter { node: None, kinds }
    }
}

impl Filter {
    fn accepts<P: crate::any::Shown>(&self, e: &TraceEvent<P>) -> bool {
        let Some((class, _)) = describe(e) else {
            return false;
        };
        if matches!(e.kind, EventKind::Deliver { .. }) && self.node.is_none() {
            return false;
        }
        let kind_ok = KINDS
            .iter()
            .position(|(c, _)| *c == class)
            .is_some_and(|k| self.kinds[k]);
        kind_ok && self.node.is_none_or(|n| concerns(e, n))
    }
}

/// Trace positions of the events the filter accepts, kept up to date incrementally.
#[derive(Default)]
struct Matches {
    filter: Option<Filter>,
    epoch: u64,
    scanned: u64,
    rows: Vec<u64>,
}

/// Brings the matches up to date and renders the rows in view: (rows, matches, events).
fn visible_rows<P: crate::any::Shown>(
    sim: &UseReducerHandle<Sim>,
    world: &World<P>,
    filter: &Filter,
    m: &mut Matches,
    scroll: f64,
    selected: Option<u64>,
    witness: &[RequestId],
) -> (Vec<Html>, usize, u64) {
    let trace = world.trace();
    let epoch = sim.control.epoch.get();
    if m.filter.as_ref() != Some(filter) || m.epoch != epoch || m.scanned > trace.len() {
        *m = Matches {
            filter: Some(filter.clone()),
            epoch,
            ..Matches::default()
        };
    }
    let from = m.scanned;
    let found: Vec<u64> = trace
        .events_from(from)
        .filter(|(_, e)| filter.accepts(e))
        .map(|(i, _)| i)
        .collect();
    m.rows.extend(found);
    m.scanned = trace.len();
    let total = m.rows.len();
    let first = (scroll as usize / ROW_PX).min(total);
    let shown = VIEW_PX / ROW_PX + 2;
    let rows = (first..(first + shown).min(total)).filter_map(|r| {
        // Newest first: row 0 is the last match.
        let index = m.rows[total - 1 - r];
        let event = trace.get(index)?;
        let (class, text) = describe(event)?;
        let onclick = {
            let sim = sim.clone();
            Callback::from(move |_| sim.dispatch(Msg::SelectEvent(Some(index), true)))
        };
        let is_selected = selected == Some(index);
        let in_witness = client_request(&event.kind).is_some_and(|req| witness.contains(&req));
        let title = if in_witness {
            "One of the operations that prove the history is not linearizable. Click to go to this moment"
        } else {
            "Click to go to this moment"
        };
        Some(html! {
            <div role="listitem" class={classes!("row", class, is_selected.then_some("selected"), in_witness.then_some("witness"))} style={format!("top: {}px", r * ROW_PX)}
                {onclick} {title}>
                <span class="t">{ Pretty(event.time).to_string() }</span>{ text }
            </div>
        })
    });
    (rows.collect(), total, trace.len())
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub sim: UseReducerHandle<Sim>,
}

#[component]
pub fn EventLog(props: &Props) -> Html {
    let sim = &props.sim;
    let filter = use_state(Filter::default);
    let scroll = use_state(|| 0.0f64);
    let matches = use_mut_ref(Matches::default);
    let world = sim.world.borrow();
    let selected = sim.control.selected_event.get();
    let (rows, total, trace_len) = with_world!(&*world, w => {
        let lin = sim.control.lin.borrow();
        visible_rows(sim, w, &filter, &mut matches.borrow_mut(), *scroll, selected, lin.witness())
    });
    let onscroll = {
        let scroll = scroll.clone();
        Callback::from(move |e: Event| {
            if let Some(el) = e.target_dyn_into::<web_sys::Element>() {
                scroll.set(el.scroll_top() as f64);
            }
        })
    };
    let n = world.len();
    let on_node = {
        let filter = filter.clone();
        Callback::from(move |e: Event| {
            if let Some(select) = e.target_dyn_into::<web_sys::HtmlSelectElement>() {
                let mut f = (*filter).clone();
                f.node = select.value().parse::<u32>().ok().map(NodeId);
                filter.set(f);
            }
        })
    };
    let toggles = KINDS.iter().enumerate().map(|(k, (class, label))| {
        let on = filter.kinds[k];
        let onclick = {
            let filter = filter.clone();
            Callback::from(move |_| {
                let mut f = (*filter).clone();
                f.kinds[k] = !f.kinds[k];
                filter.set(f);
            })
        };
        html! {
            <button class={classes!("chip", *class, on.then_some("active"))} aria-pressed={on.to_string()} {onclick}>{ *label }</button>
        }
    });
    html! {
        <section class="event-log" aria-label="Event log, newest first">
            <div class="panel-head">
                <h2>{"Events"}</h2>
                <select onchange={on_node} aria-label="Show events of one node">
                    <option value="all" selected={filter.node.is_none()}>{"all nodes"}</option>
                    { for (0..n).map(|i| html! {
                        <option value={i.to_string()} selected={filter.node == Some(NodeId(i as u32))}>{ format!("node {i}") }</option>
                    }) }
                </select>
                { for toggles }
                <span class="muted count">{ format!("{total} shown of {trace_len}") }</span>
            </div>
            <div class="log-view" {onscroll} style={format!("height: {VIEW_PX}px")}>
                <div class="rows" role="list" style={format!("height: {}px", total * ROW_PX)}>
                    { for rows }
                </div>
            </div>
        </section>
    }
}

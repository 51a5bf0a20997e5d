//! The event log: every trace event in words, newest first, filtered by node and kind.
//! Only the rows in view are rendered, and the list of matching events grows
//! incrementally, so a long run stays fast. Clicking a row seeks to that event.

use crate::state::{Msg, Page};
use splitbrain_core::ids::{NodeId, RequestId};
use splitbrain_core::sim::Sim;
use splitbrain_core::time::Pretty;
use splitbrain_core::view::{Seen, SeenKind, CLASSES as KINDS};
use yew::prelude::*;

const ROW_PX: usize = 20;
const VIEW_PX: usize = 260;

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
    fn accepts(&self, e: &Seen) -> bool {
        let Some(class) = e.kind.class() else {
            return false;
        };
        if matches!(e.kind, SeenKind::Deliver { .. }) && self.node.is_none() {
            return false;
        }
        let kind_ok = KINDS
            .iter()
            .position(|(c, _)| *c == class)
            .is_some_and(|k| self.kinds[k]);
        kind_ok && self.node.is_none_or(|n| e.kind.concerns(n))
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
fn visible_rows(
    page: &UseReducerHandle<Page>,
    world: &dyn Sim,
    filter: &Filter,
    m: &mut Matches,
    scroll: f64,
    selected: Option<u64>,
    witness: &[RequestId],
) -> (Vec<Html>, usize, u64) {
    let trace_len = world.trace_len();
    let epoch = page.control.epoch.get();
    if m.filter.as_ref() != Some(filter) || m.epoch != epoch || m.scanned > trace_len {
        *m = Matches {
            filter: Some(filter.clone()),
            epoch,
            ..Matches::default()
        };
    }
    let from = m.scanned;
    let found: Vec<u64> = world
        .events_from(from)
        .filter(|(_, e)| filter.accepts(e))
        .map(|(i, _)| i)
        .collect();
    m.rows.extend(found);
    m.scanned = trace_len;
    // Events older than those the page keeps (see the core's `rewind`) are gone.
    let first_kept = world.first_kept_event();
    let forgotten = m.rows.partition_point(|&r| r < first_kept);
    m.rows.drain(..forgotten);
    let total = m.rows.len();
    let first = (scroll as usize / ROW_PX).min(total);
    let shown = VIEW_PX / ROW_PX + 2;
    let rows = (first..(first + shown).min(total)).filter_map(|r| {
        // Newest first: row 0 is the last match.
        let index = m.rows[total - 1 - r];
        let event = world.event(index)?;
        let class = event.kind.class()?;
        let text = world.event_text(index)?;
        let onclick = {
            let page = page.clone();
            Callback::from(move |_| page.dispatch(Msg::SelectEvent(Some(index), true)))
        };
        let is_selected = selected == Some(index);
        let in_witness = event.kind.request().is_some_and(|req| witness.contains(&req));
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
    (rows.collect(), total, trace_len)
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub page: UseReducerHandle<Page>,
}

#[component]
pub fn EventLog(props: &Props) -> Html {
    let page = &props.page;
    let filter = use_state(Filter::default);
    let scroll = use_state(|| 0.0f64);
    let matches = use_mut_ref(Matches::default);
    let world = page.world.borrow();
    let selected = page.control.selected_event.get();
    let first_kept = world.first_kept_event();
    let (rows, total, trace_len) = {
        let lin = page.control.lin.borrow();
        visible_rows(
            page,
            &**world,
            &filter,
            &mut matches.borrow_mut(),
            *scroll,
            selected,
            lin.witness(),
        )
    };
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
                <span class="muted count" title={(first_kept > 0).then_some("A long run keeps only its newest events for the log and the diagram; the run itself, its checks and its link are complete")}>{
                    if first_kept > 0 {
                        format!("{total} shown of the newest {} ({first_kept} older not kept)", trace_len - first_kept)
                    } else {
                        format!("{total} shown of {trace_len}")
                    }
                }</span>
            </div>
            <div class="log-view" {onscroll} style={format!("height: {VIEW_PX}px")}>
                <div class="rows" role="list" style={format!("height: {}px", total * ROW_PX)}>
                    { for rows }
                </div>
            </div>
        </section>
    }
}

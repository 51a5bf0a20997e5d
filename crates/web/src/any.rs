//! The playground runs any of the core's protocols. [`AnyWorld`] holds the world of
//! whichever protocol the set-up names as the core's object-safe [`Sim`]; the page's views
//! read only what `Sim` describes in protocol-neutral terms (events as
//! [`splitbrain_core::view::Seen`], messages in flight, countdowns, a node's card), so they
//! are compiled once for every protocol and a new protocol needs no code here.

use splitbrain_core::action::Scheduled;
use splitbrain_core::card::Card;
use splitbrain_core::check::Violation;
use splitbrain_core::client::KvOp;
use splitbrain_core::recipe::Setup;
use splitbrain_core::sim::Sim;
use splitbrain_core::time::Micros;
use yew::prelude::*;

/// A key-value operation in words, such as `put k1=5`.
pub fn op_text(op: &KvOp) -> String {
    splitbrain_core::describe::op(op)
}

/// A protocol's card for one node (facts, and a table if it has one), as the inspector
/// shows it.
pub fn card_html(card: &Card) -> Html {
    let table = card.table.as_ref().map(|t| {
        // The one row mark the protocols use; its colour is said under the table.
        let committed = t.rows.iter().any(|r| r.mark == Some("committed"));
        html! {
            <>
            <table class="log">
                <caption>{ t.caption.clone() }</caption>
                <thead><tr>{ for t.columns.iter().map(|c| html! { <th>{ c.clone() }</th> }) }</tr></thead>
                <tbody>{ for t.rows.iter().map(|r| html! {
                    <tr class={classes!(r.mark)}>{ for r.cells.iter().map(|c| html! { <td>{ c.clone() }</td> }) }</tr>
                }) }</tbody>
            </table>
            if committed {
                <p class="muted small"><span class="row-key committed"></span>{"shaded rows are committed: the protocol promises they never change"}</p>
            }
            </>
        }
    });
    html! {
        <>
        <dl class="facts">
            { for card.facts.iter().map(|(name, value)| html! { <><dt>{ name.clone() }</dt><dd>{ value.clone() }</dd></> }) }
        </dl>
        { for table }
        </>
    }
}

/// The playground's world, whichever protocol it runs.
#[derive(Clone)]
pub struct AnyWorld(Box<dyn Sim>);

impl std::ops::Deref for AnyWorld {
    type Target = dyn Sim;

    fn deref(&self) -> &(dyn Sim + 'static) {
        &*self.0
    }
}

impl std::ops::DerefMut for AnyWorld {
    fn deref_mut(&mut self) -> &mut (dyn Sim + 'static) {
        &mut *self.0
    }
}

impl From<Box<dyn Sim>> for AnyWorld {
    fn from(world: Box<dyn Sim>) -> Self {
        AnyWorld(world)
    }
}

impl AnyWorld {
    /// The world for `setup` with `schedule` to come, recording its trace, at time 0.
    pub fn new(setup: &Setup, schedule: Vec<Scheduled>) -> AnyWorld {
        AnyWorld(
            setup
                .sim(schedule)
                .unwrap_or_else(|e| panic!("the set-up was checked before the run starts: {e}")),
        )
    }

    pub fn len(&self) -> usize {
        self.node_count()
    }

    /// The time of trace event `index`, if it is kept.
    pub fn event_time(&self, index: u64) -> Option<Micros> {
        self.event(index).map(|e| e.time)
    }

    /// The end-of-run properties' verdict on a copy of the run settled for
    /// [`splitbrain_core::run::SETTLE_US`] (the run itself is left alone).
    pub fn check_end(&self) -> Vec<Violation> {
        self.0
            .box_clone()
            .check_end(splitbrain_core::run::SETTLE_US)
    }

    /// How many nodes are down.
    pub fn down(&self) -> usize {
        (0..self.len()).filter(|&i| !self.is_up(i)).count()
    }

    /// The inspector's view of node `i`'s protocol state (`None` while it is down).
    pub fn inspect(&self, i: usize) -> Option<Html> {
        self.card(i).map(|card| card_html(&card))
    }
}

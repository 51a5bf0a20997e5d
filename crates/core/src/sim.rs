//! [`Sim`]: a world of any protocol behind one object-safe interface, for the command line,
//! the CAP experiment and the page. The kernel ([`Kernel`]) implements it; it is compiled
//! once, whatever the protocol.

use crate::action::{Action, Scheduled};
use crate::card::Card;
use crate::check::{Sample, Violation};
use crate::client::{ClientRecord, Key, Value};
use crate::ids::MsgId;
use crate::ids::NodeId;
use crate::network::Network;
use crate::protocol::NodeStatus;
use crate::registry::{About, MeasureDesc};
use crate::time::Micros;
use crate::trace::Counters;
use crate::view::{self, Countdown, Flying, NodeView, Seen};
use crate::world::Kernel;

/// A running world, whichever protocol it runs.
pub trait Sim {
    /// The protocol's description.
    fn about(&self) -> &'static About;
    fn now(&self) -> Micros;
    /// Processes one action or event; false when there is nothing to do or the run halted.
    fn step(&mut self) -> bool;
    /// Runs every event up to and including `until` (see [`Kernel::run_until`]).
    fn run_until(&mut self, until: Micros) -> u64;
    fn halted(&self) -> bool;
    fn act(&mut self, action: Action);
    fn schedule(&mut self, actions: Vec<Scheduled>);
    fn schedule_so_far(&self) -> &[Scheduled];
    fn counters(&self) -> &Counters;
    fn violations(&self) -> &[Violation];
    fn clients(&self) -> &[ClientRecord];
    fn trace_hash(&self) -> u64;
    fn trace_len(&self) -> u64;
    fn node_count(&self) -> usize;
    /// The status of every node that is up.
    fn statuses(&self) -> Vec<(NodeId, NodeStatus)>;
    /// How many nodes that are up hold a role that leads.
    fn leaders(&self) -> usize;
    /// The most nodes that led at once so far, and when (see [`Kernel::most_leaders`]).
    fn most_leaders(&self) -> (usize, Option<Micros>);
    /// What node `node` stores for `key` (empty while it is down).
    fn stored(&self, node: NodeId, key: Key) -> Vec<Value>;
    fn box_clone(&self) -> Box<dyn Sim>;
    /// The end properties' verdict, after settling `settle_us` (see [`Kernel::check_end`]).
    fn check_end(&mut self, settle_us: Micros) -> Vec<Violation>;
    /// What the protocol measures now, each with its description (see
    /// [`crate::check::Meter`]); empty for a protocol without a meter.
    fn measures(&self) -> Vec<(&'static MeasureDesc, Option<i64>)> {
        self.about()
            .measures
            .iter()
            .zip(self.host_readings())
            .collect()
    }
    /// The meter's readings now, in the order of `About::measures`.
    fn host_readings(&self) -> Vec<Option<i64>>;
    /// The meter's warning now, if it raises one (the overloaded service's "metastable").
    fn alarm(&self) -> Option<crate::check::Alarm>;
    /// The service's availability so far (see [`crate::availability`]).
    fn availability(&self) -> crate::availability::Availability;
    /// When the service started or stopped being able to answer (see
    /// [`Kernel::serving_changes`]).
    fn serving_changes(&self) -> &[(Micros, bool)];
    /// The random failures on now, if any (see [`Kernel::failures`]).
    fn failures(&self) -> Option<crate::availability::Failures>;
    /// The measures sampled over the run so far, for a chart over time.
    fn samples(&self) -> &[Sample];
    /// The meter's figures now (see [`crate::check::Meter::figures`]); empty for most
    /// protocols.
    fn figures(&self) -> Vec<crate::check::Figure>;

    // What views read: the world as protocol-neutral descriptions (see [`crate::view`]).

    fn network(&self) -> &Network;
    /// Actions scheduled and not yet applied.
    fn pending_actions(&self) -> usize;
    /// Drops the actions scheduled for later (acting in the past forks the run).
    fn discard_future_actions(&mut self);

    /// Takes `action` now as a fork of the run: the actions still to come are dropped,
    /// except those in `keep` (a lesson step's own, a design's workload), which stay planned.
    fn act_forking(&mut self, action: Action, keep: &[Scheduled]) {
        let planned = self.schedule_so_far();
        let kept: Vec<Scheduled> = planned[planned.len() - self.pending_actions()..]
            .iter()
            .filter(|s| keep.contains(s))
            .cloned()
            .collect();
        self.discard_future_actions();
        self.act(action);
        self.schedule(kept);
    }
    /// Kept trace event `index`, if the world records its events.
    fn event(&self, index: u64) -> Option<Seen<'_>>;
    /// The kept events from position `index` on, each with its position.
    fn events_from(&self, index: u64) -> Box<dyn Iterator<Item = (u64, Seen<'_>)> + '_>;
    /// The position of the oldest trace event still kept (see [`Sim::forget_events_before`]).
    fn first_kept_event(&self) -> u64;
    /// Forgets kept trace events before position `index` (a chunk at a time), to bound the
    /// memory of a long run; the hash and the run are unchanged.
    fn forget_events_before(&mut self, index: u64);
    /// Kept event `index` in words (see [`view::text`]).
    fn event_text(&self, index: u64) -> Option<String>;
    /// The messages in flight.
    fn flying(&self) -> Vec<Flying>;
    /// Message `id`, still in flight, in words for a tooltip.
    fn message_text(&self, id: MsgId) -> Option<String>;
    /// The timers worth drawing as countdowns.
    fn countdowns(&self) -> Vec<Countdown>;
    fn node_view(&self, node: usize) -> NodeView;
    fn is_up(&self, node: usize) -> bool;
    /// Node `node`'s state as its protocol describes it for an inspector (`None` while down).
    fn card(&self, node: usize) -> Option<Card>;
    /// Key `key` as node `node` holds it (for a compare-and-set).
    fn local_value(&self, node: usize, key: Key) -> Option<Value>;
    /// The newest step of the story: (trace position, time, sentence); see
    /// [`view::narration`].
    fn narration(&self) -> Option<(u64, Micros, String)>;
}

impl Clone for Box<dyn Sim> {
    fn clone(&self) -> Self {
        self.box_clone()
    }
}

impl Sim for Kernel {
    fn about(&self) -> &'static About {
        Kernel::about(self)
    }

    fn now(&self) -> Micros {
        Kernel::now(self)
    }

    fn step(&mut self) -> bool {
        Kernel::step(self)
    }

    fn run_until(&mut self, until: Micros) -> u64 {
        Kernel::run_until(self, until)
    }

    fn halted(&self) -> bool {
        Kernel::halted(self)
    }

    fn act(&mut self, action: Action) {
        Kernel::act(self, action)
    }

    fn schedule(&mut self, actions: Vec<Scheduled>) {
        Kernel::schedule(self, actions)
    }

    fn schedule_so_far(&self) -> &[Scheduled] {
        Kernel::schedule_so_far(self)
    }

    fn counters(&self) -> &Counters {
        Kernel::counters(self)
    }

    fn violations(&self) -> &[Violation] {
        Kernel::violations(self)
    }

    fn clients(&self) -> &[ClientRecord] {
        Kernel::clients(self)
    }

    fn trace_hash(&self) -> u64 {
        Kernel::trace_hash(self)
    }

    fn trace_len(&self) -> u64 {
        self.trace().len()
    }

    fn node_count(&self) -> usize {
        self.nodes().len()
    }

    fn statuses(&self) -> Vec<(NodeId, NodeStatus)> {
        Kernel::statuses(self).collect()
    }

    fn leaders(&self) -> usize {
        Kernel::statuses(self)
            .filter(|(_, s)| self.leads(s.role))
            .count()
    }

    fn most_leaders(&self) -> (usize, Option<Micros>) {
        Kernel::most_leaders(self)
    }

    fn stored(&self, node: NodeId, key: Key) -> Vec<Value> {
        self.host().stored(node, key)
    }

    fn box_clone(&self) -> Box<dyn Sim> {
        Box::new(self.clone())
    }

    fn check_end(&mut self, settle_us: Micros) -> Vec<Violation> {
        Kernel::check_end(self, settle_us)
    }

    fn host_readings(&self) -> Vec<Option<i64>> {
        self.host().readings(self.now())
    }

    fn alarm(&self) -> Option<crate::check::Alarm> {
        self.host().alarm(self.now())
    }

    fn availability(&self) -> crate::availability::Availability {
        Kernel::availability(self)
    }

    fn serving_changes(&self) -> &[(Micros, bool)] {
        Kernel::serving_changes(self)
    }

    fn failures(&self) -> Option<crate::availability::Failures> {
        Kernel::failures(self)
    }

    fn samples(&self) -> &[Sample] {
        self.host().samples()
    }

    fn figures(&self) -> Vec<crate::check::Figure> {
        self.host().figures(self.now())
    }

    fn network(&self) -> &Network {
        Kernel::network(self)
    }

    fn pending_actions(&self) -> usize {
        Kernel::pending_actions(self).len()
    }

    fn discard_future_actions(&mut self) {
        Kernel::discard_future_actions(self)
    }

    fn event(&self, index: u64) -> Option<Seen<'_>> {
        self.trace().get(index).map(view::seen)
    }

    fn events_from(&self, index: u64) -> Box<dyn Iterator<Item = (u64, Seen<'_>)> + '_> {
        Box::new(
            self.trace()
                .events_from(index)
                .map(|(i, e)| (i, view::seen(e))),
        )
    }

    fn first_kept_event(&self) -> u64 {
        self.trace().first_kept()
    }

    fn forget_events_before(&mut self, index: u64) {
        self.trace_mut().forget_before(index);
    }

    fn event_text(&self, index: u64) -> Option<String> {
        let about = Kernel::about(self);
        self.trace().get(index).map(|e| view::text(e, about))
    }

    fn flying(&self) -> Vec<Flying> {
        view::flying(self)
    }

    fn message_text(&self, id: MsgId) -> Option<String> {
        view::message_text(self, id)
    }

    fn countdowns(&self) -> Vec<Countdown> {
        view::countdowns(self)
    }

    fn node_view(&self, node: usize) -> NodeView {
        view::node_view(self, node)
    }

    fn is_up(&self, node: usize) -> bool {
        self.nodes().get(node).is_some_and(|s| s.is_up())
    }

    fn card(&self, node: usize) -> Option<Card> {
        (node < self.nodes().len())
            .then(|| self.host().card(NodeId(node as u32)))
            .flatten()
    }

    fn local_value(&self, node: usize, key: Key) -> Option<Value> {
        (node < self.nodes().len())
            .then(|| self.host().local_value(NodeId(node as u32), key))
            .flatten()
    }

    fn narration(&self) -> Option<(u64, Micros, String)> {
        view::narration(self)
    }
}

#[cfg(test)]
mod tests {
    use crate::action::{Action, DiskFate, Scheduled};
    use crate::ids::NodeId;
    use crate::recipe::Setup;
    use crate::time::MICROS_PER_SEC;

    #[test]
    fn acting_in_the_past_keeps_only_the_named_actions_to_come() {
        let crash = |n| Action::Crash {
            node: NodeId(n),
            disk: DiskFate::Keep,
        };
        let later = Scheduled::at(5 * MICROS_PER_SEC, Action::Restart { node: NodeId(1) });
        let dropped = Scheduled::at(6 * MICROS_PER_SEC, Action::Restart { node: NodeId(2) });
        let mut w = Setup::default()
            .sim(vec![later.clone(), dropped.clone()])
            .expect("a valid set-up");
        w.run_until(MICROS_PER_SEC);
        w.act_forking(crash(1), std::slice::from_ref(&later));
        let planned = w.schedule_so_far();
        let to_come = &planned[planned.len() - w.pending_actions()..];
        assert_eq!(to_come, std::slice::from_ref(&later));
        assert!(planned
            .iter()
            .any(|s| s.action == crash(1) && s.at == MICROS_PER_SEC));
        assert!(!planned.contains(&dropped));
    }
}

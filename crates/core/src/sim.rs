//! [`Sim`]: a world of any protocol behind one object-safe interface, for the command line,
//! the CAP experiment and the page. The world's own step stays generic (`World<P>`), so a
//! call through `Sim` costs one indirect call however many events it runs.

use crate::action::{Action, Scheduled};
use crate::check::Violation;
use crate::client::{ClientRecord, Key, Value};
use crate::ids::NodeId;
use crate::protocol::NodeStatus;
use crate::registry::{About, Described};
use crate::time::Micros;
use crate::trace::Counters;
use crate::world::World;

/// A running world, whichever protocol it runs.
pub trait Sim {
    /// The protocol's description.
    fn about(&self) -> &'static About;
    fn now(&self) -> Micros;
    /// Processes one action or event; false when there is nothing to do or the run halted.
    fn step(&mut self) -> bool;
    /// Runs every event up to and including `until` (see [`World::run_until`]).
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
    /// What node `node` stores for `key` (empty while it is down).
    fn stored(&self, node: NodeId, key: Key) -> Vec<Value>;
    fn box_clone(&self) -> Box<dyn Sim>;
    /// The end properties' verdict, after settling `settle_us` (see [`World::check_end`]).
    fn check_end(&mut self, settle_us: Micros) -> Vec<Violation>;
}

impl Clone for Box<dyn Sim> {
    fn clone(&self) -> Self {
        self.box_clone()
    }
}

impl<P: Described> Sim for World<P> {
    fn about(&self) -> &'static About {
        P::ABOUT
    }

    fn now(&self) -> Micros {
        World::now(self)
    }

    fn step(&mut self) -> bool {
        World::step(self)
    }

    fn run_until(&mut self, until: Micros) -> u64 {
        World::run_until(self, until)
    }

    fn halted(&self) -> bool {
        World::halted(self)
    }

    fn act(&mut self, action: Action) {
        World::act(self, action)
    }

    fn schedule(&mut self, actions: Vec<Scheduled>) {
        World::schedule(self, actions)
    }

    fn schedule_so_far(&self) -> &[Scheduled] {
        World::schedule_so_far(self)
    }

    fn counters(&self) -> &Counters {
        World::counters(self)
    }

    fn violations(&self) -> &[Violation] {
        World::violations(self)
    }

    fn clients(&self) -> &[ClientRecord] {
        World::clients(self)
    }

    fn trace_hash(&self) -> u64 {
        World::trace_hash(self)
    }

    fn trace_len(&self) -> u64 {
        self.trace().len()
    }

    fn node_count(&self) -> usize {
        self.nodes().len()
    }

    fn statuses(&self) -> Vec<(NodeId, NodeStatus)> {
        World::statuses(self).collect()
    }

    fn leaders(&self) -> usize {
        World::statuses(self)
            .filter(|(_, s)| P::leads(s.role))
            .count()
    }

    fn stored(&self, node: NodeId, key: Key) -> Vec<Value> {
        self.node(node).map(|n| n.stored(key)).unwrap_or_default()
    }

    fn box_clone(&self) -> Box<dyn Sim> {
        Box::new(self.clone())
    }

    fn check_end(&mut self, settle_us: Micros) -> Vec<Violation> {
        World::check_end(self, settle_us)
    }
}

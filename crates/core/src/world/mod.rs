//! The world: nodes, network, clocks, clients and the event queue, advanced one event at a
//! time. It owns every fault; protocols only see their own inputs.
//!
//! The engine is a kernel compiled once ([`Kernel`]: time, the queue, the network, clocks,
//! clients, faults, the trace), which drives a protocol's nodes through one object-safe
//! boundary ([`nodes::Nodes`]). [`World<P>`] is the same kernel with protocol `P`'s types
//! known, for tests and tools that read a node's typed state.
//!
//! Call order: [`Kernel::new`] (or [`World::new`]) boots every node; then any mix of
//! [`Kernel::schedule`] (or [`Kernel::act`] for "now"), [`Kernel::step`] and
//! [`Kernel::run_until`]. The world is `Clone`, so a snapshot is a clone and seeking
//! backwards is "restore the nearest snapshot and replay".

mod actions;
mod clients;
mod dispatch;
mod failures;
pub mod nodes;
pub mod queue;

use crate::about::Described;
use crate::action::{Action, Schedule, Scheduled};
use crate::check::Violation;
use crate::client::{ClientRecord, Workload};
use crate::clock::{Lamport, PhysicalClock, VectorClock};
use crate::ids::NodeId;
use crate::network::{LinkConfig, Network};
use crate::protocol::{NodeStatus, Protocol};
use crate::rng::SimRng;
use crate::time::Micros;
use crate::trace::{Counters, Trace};
use nodes::{Nodes, Typed};
use queue::EventQueue;
use std::marker::PhantomData;

/// Everything a run starts from (besides its schedule).
#[derive(Clone, Debug)]
pub struct WorldConfig<P: Protocol> {
    pub nodes: usize,
    pub seed: u64,
    pub link: LinkConfig,
    pub protocol: P::Config,
    /// Keep every trace event (for viewers); batch runs keep only hash and counters.
    pub record: bool,
    /// Keep vector clocks (for viewers: they are in no trace event and judged by no
    /// checker, and cost a copy of a clock with every message).
    pub vector_clocks: bool,
    /// Stop at the first invariant violation.
    pub stop_on_violation: bool,
}

impl<P: Protocol> WorldConfig<P> {
    pub fn new(nodes: usize, seed: u64, protocol: P::Config) -> Self {
        WorldConfig {
            nodes,
            seed,
            link: LinkConfig::default(),
            protocol,
            record: false,
            vector_clocks: true,
            stop_on_violation: true,
        }
    }

    /// The kernel's part, and the protocol's.
    fn split(self) -> (Config, P::Config) {
        (
            Config {
                nodes: self.nodes,
                seed: self.seed,
                link: self.link,
                record: self.record,
                vector_clocks: self.vector_clocks,
                stop_on_violation: self.stop_on_violation,
            },
            self.protocol,
        )
    }
}

/// What the kernel starts from: [`WorldConfig`] without the protocol's configuration.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    pub nodes: usize,
    pub seed: u64,
    pub link: LinkConfig,
    pub record: bool,
    pub vector_clocks: bool,
    pub stop_on_violation: bool,
}

/// One node as the kernel sees it: whether it is up, its clocks, faults and waiting
/// inputs (its protocol state, disk and timers are behind the boundary).
#[derive(Clone, Debug)]
pub struct NodeSlot {
    up: bool,
    pub clock: PhysicalClock,
    pub lamport: Lamport,
    pub vclock: VectorClock,
    /// Paused (a stall) until this time.
    pub paused_until: Micros,
    /// Extra processing time per input (a slow node).
    pub processing_us: Micros,
    /// When its last pause, slowdown or restart ended (or will): from then on it has run at
    /// full speed, as far as the faults go.
    pub troubled_until: Micros,
    busy_until: Micros,
    /// Inputs that arrived while the node was paused or busy, in arrival order.
    inbox: std::collections::VecDeque<queue::Event>,
    wake_pending: bool,
    /// While it is down: when it crashed and what became of its disk.
    pub crashed: Option<(Micros, crate::action::DiskFate)>,
    /// Armed by `Action::CrashOnWrite`: how to crash at the next disk write.
    crash_on_write: Option<(crate::action::DiskFate, Option<Micros>)>,
    /// Its status as last reported (`None` while down); a node's status changes only in
    /// its inputs, after each of which it is read again.
    status: Option<NodeStatus>,
}

impl NodeSlot {
    pub fn is_up(&self) -> bool {
        self.up
    }

    /// Its status, `None` while it is down.
    pub fn status(&self) -> Option<NodeStatus> {
        self.status
    }

    pub fn is_paused(&self, now: Micros) -> bool {
        self.is_up() && self.paused_until > now
    }

    /// When the node can take its next input.
    pub fn ready_at(&self) -> Micros {
        self.paused_until.max(self.busy_until)
    }

    /// Inputs waiting for a paused or busy node.
    pub fn inbox_len(&self) -> usize {
        self.inbox.len()
    }
}

/// The engine, whatever the protocol: a world of nodes behind [`Nodes`].
#[derive(Clone)]
pub struct Kernel {
    config: Config,
    now: Micros,
    queue: EventQueue,
    nodes: Vec<NodeSlot>,
    /// The protocol's side of every node.
    host: Box<dyn Nodes>,
    net: Network,
    rng: SimRng,
    schedule: Schedule,
    next_action: usize,
    /// Events handled at the instant `now` so far (an action taken now comes after them,
    /// also on replay).
    events_now: u32,
    next_msg: u64,
    clients: Vec<ClientRecord>,
    /// Per client operation: attempts started or scheduled so far, and its retry policy.
    attempts: Vec<(u32, crate::client::Retry)>,
    workload: Option<Workload>,
    workload_generation: u64,
    workload_last_value: Vec<Option<u64>>,
    trace: Trace,
    counters: Counters,
    violations: Vec<Violation>,
    /// A reused buffer: the properties one event broke.
    broken: Vec<(&'static str, String)>,
    /// Per node: `None` while it runs its honest code, else its Byzantine behaviour.
    behaviours: Vec<Option<String>>,
    /// Per node: whether it is honest (the checkers' view of `behaviours`).
    honest: Vec<bool>,
    /// The most nodes that were up and led at once so far, and when that was first seen.
    most_leaders: (usize, Option<Micros>),
    /// Random failures and repairs, and the time the service could answer.
    uptime: failures::Uptime,
}

impl Kernel {
    /// A world of `config.nodes` nodes behind `host`, every one booted.
    pub fn new(config: Config, host: Box<dyn Nodes>) -> Self {
        assert!(config.nodes > 0, "a cluster needs at least one node");
        let n = config.nodes;
        let nodes = (0..n)
            .map(|_| NodeSlot {
                up: false,
                clock: PhysicalClock::default(),
                lamport: Lamport::default(),
                vclock: VectorClock::new(if config.vector_clocks { n } else { 0 }),
                paused_until: 0,
                processing_us: 0,
                troubled_until: 0,
                busy_until: 0,
                inbox: Default::default(),
                wake_pending: false,
                crashed: None,
                crash_on_write: None,
                status: None,
            })
            .collect();
        let (needs, seed) = (host.needs(), config.seed);
        let mut world = Kernel {
            net: Network::new(n, config.link),
            rng: SimRng::new(config.seed),
            trace: Trace::new(config.record),
            host,
            config,
            now: 0,
            queue: EventQueue::default(),
            nodes,
            schedule: Vec::new(),
            next_action: 0,
            events_now: 0,
            next_msg: 0,
            clients: Vec::new(),
            attempts: Vec::new(),
            workload: None,
            workload_generation: 0,
            workload_last_value: Vec::new(),
            counters: Counters::default(),
            violations: Vec::new(),
            broken: Vec::new(),
            behaviours: vec![None; n],
            honest: vec![true; n],
            most_leaders: (0, None),
            uptime: failures::Uptime::new(needs, seed),
        };
        for i in 0..n {
            world.boot(NodeId(i as u32), false);
        }
        world
    }

    /// Adds actions to the schedule. Actions dated before now happen now, after the
    /// events already handled at this instant.
    pub fn schedule(&mut self, actions: impl IntoIterator<Item = Scheduled>) {
        let now = self.moment();
        self.schedule.extend(actions.into_iter().map(|mut s| {
            if s.moment() < now {
                (s.at, s.after) = now;
            }
            s
        }));
        // Only the part not yet applied is re-sorted; the sort is stable.
        crate::sort::by_key(&mut self.schedule[self.next_action..], Scheduled::moment);
    }

    /// Applies an action now (recorded in the schedule, so the run stays replayable: it
    /// comes after the events already handled at this instant, as it did live).
    pub fn act(&mut self, action: Action) {
        self.schedule(std::iter::once(Scheduled {
            at: self.now,
            after: self.events_now,
            action,
        }));
        while self
            .schedule
            .get(self.next_action)
            .is_some_and(|s| s.moment() <= self.moment())
        {
            self.apply_next_action();
        }
    }

    /// Now, and how many events were handled at this instant.
    fn moment(&self) -> (Micros, u32) {
        (self.now, self.events_now)
    }

    /// Moves the clock to `t` (never back).
    fn advance_to(&mut self, t: Micros) {
        if t > self.now {
            self.now = t;
            self.events_now = 0;
        }
    }

    /// Drops scheduled actions that have not happened yet: taking an action in the past
    /// forks the run, and the old future's actions go with it.
    pub fn discard_future_actions(&mut self) {
        self.schedule.truncate(self.next_action);
    }

    /// Actions scheduled but not applied yet.
    pub fn pending_actions(&self) -> &[Scheduled] {
        &self.schedule[self.next_action..]
    }

    /// Time of the next thing that will happen, if anything will.
    pub fn next_time(&self) -> Option<Micros> {
        let action = self.schedule.get(self.next_action).map(|s| s.at);
        match (action, self.queue.peek_time()) {
            (Some(a), Some(e)) => Some(a.min(e)),
            (a, e) => a.or(e),
        }
    }

    /// Whether the run stopped at a violation.
    pub fn halted(&self) -> bool {
        self.config.stop_on_violation && !self.violations.is_empty()
    }

    /// Processes one action or event. Returns false when there is nothing to do or the
    /// run has halted.
    pub fn step(&mut self) -> bool {
        if self.halted() {
            return false;
        }
        let action_at = self.schedule.get(self.next_action).map(Scheduled::moment);
        let event_at = self.queue.peek_time();
        // An action goes before the events of its instant, but after the ones it was
        // taken after: the user acts, then the world reacts.
        let handled_at = |t: Micros| if t == self.now { self.events_now } else { 0 };
        match (action_at, event_at) {
            (Some((a, after)), e)
                if e.is_none_or(|e| a < e || (a == e && handled_at(a) >= after)) =>
            {
                self.apply_next_action();
                true
            }
            (_, Some(_)) => {
                let (at, event) = self.queue.pop().expect("peeked");
                self.advance_to(at);
                self.events_now += 1;
                self.counters.events += 1;
                self.handle(event);
                true
            }
            _ => false,
        }
    }

    /// Runs every event up to and including time `until`, then sets the clock to `until`
    /// (unless the run halted earlier). Returns the number of steps taken.
    pub fn run_until(&mut self, until: Micros) -> u64 {
        let mut steps = 0;
        while self.next_time().is_some_and(|t| t <= until) {
            if !self.step() {
                return steps;
            }
            steps += 1;
        }
        if !self.halted() {
            self.advance_to(until);
        }
        steps
    }

    fn apply_next_action(&mut self) {
        let s = self.schedule[self.next_action].clone();
        self.next_action += 1;
        self.advance_to(s.at);
        self.apply(s.action);
    }

    // --- Read access, for checkers, viewers, the CLI and tests. ---

    pub fn now(&self) -> Micros {
        self.now
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn nodes(&self) -> &[NodeSlot] {
        &self.nodes
    }

    /// The protocol's side of the nodes.
    pub fn host(&self) -> &dyn Nodes {
        self.host.as_ref()
    }

    /// The protocol's description.
    pub fn about(&self) -> &'static crate::about::About {
        self.host.about()
    }

    pub fn network(&self) -> &Network {
        &self.net
    }

    pub fn queue(&self) -> &EventQueue {
        &self.queue
    }

    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// For forgetting old events ([`Trace::forget_before`]); the trace is only ever
    /// appended to by the world.
    pub fn trace_mut(&mut self) -> &mut Trace {
        &mut self.trace
    }

    pub fn trace_hash(&self) -> u64 {
        self.trace.hash()
    }

    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// The most nodes that were up and held a role that leads at the same moment, and
    /// when that many first did (`(0, None)` if none has led yet).
    pub fn most_leaders(&self) -> (usize, Option<Micros>) {
        self.most_leaders
    }

    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    pub fn clients(&self) -> &[ClientRecord] {
        &self.clients
    }

    pub fn schedule_so_far(&self) -> &[Scheduled] {
        &self.schedule
    }

    pub fn rng_draws(&self) -> u64 {
        self.rng.draws()
    }

    /// Node `id`'s Byzantine behaviour, `None` while it is honest.
    pub fn behaviour(&self, id: NodeId) -> Option<&str> {
        self.behaviours[id.index()].as_deref()
    }

    /// Runs the protocol's end-of-run properties and returns what they find (the run's own
    /// violations are not touched). With `settle_us > 0` the world first settles: the
    /// network heals and its links become calm again (the world's starting links), slow
    /// nodes get their speed back, the clients stop, and it runs `settle_us` more, so that "every live node caught up" asks
    /// about a run that had its chance; call it on a copy to keep the run itself as it was.
    pub fn check_end(&mut self, settle_us: Micros) -> Vec<Violation> {
        if !self.host.has_end_properties() {
            return Vec::new();
        }
        if settle_us > 0 {
            self.act(Action::Heal);
            self.act(Action::SetNetwork {
                link: self.config.link,
            });
            for i in 0..self.nodes.len() {
                if self.nodes[i].processing_us > 0 {
                    self.act(Action::Slow {
                        node: NodeId(i as u32),
                        delay_us: 0,
                    });
                }
            }
            self.act(Action::SetWorkload {
                workload: Workload {
                    rate_per_s: 0,
                    ..self.workload.unwrap_or_default()
                },
            });
            self.discard_future_actions();
            let until = self.now + settle_us;
            self.run_until(until);
        }
        let facts = Facts {
            nodes: &self.nodes,
            now: self.now,
        };
        let moment = crate::check::Moment {
            now: self.now,
            acted: None,
            rebooted: false,
            honest: &self.honest,
            facts: &facts,
        };
        self.host
            .check_end(moment)
            .into_iter()
            .map(|(property, message)| Violation {
                invariant: property.to_string(),
                message,
                time_us: self.now,
                event: self.trace.len(),
                node: None,
                at_end: true,
            })
            .collect()
    }

    /// The current status of every node that is up.
    pub fn statuses(&self) -> impl Iterator<Item = (NodeId, NodeStatus)> + '_ {
        self.nodes
            .iter()
            .enumerate()
            .filter_map(|(i, s)| Some((NodeId(i as u32), s.status?)))
    }

    /// Whether a node in `role` leads the others.
    pub fn leads(&self, role: crate::protocol::Role) -> bool {
        self.host.leads(role)
    }
}

/// What checkers may ask of the kernel's side of the nodes, now.
struct Facts<'a> {
    nodes: &'a [NodeSlot],
    now: Micros,
}

impl crate::check::NodeFacts for Facts<'_> {
    fn crashed(&self, id: NodeId) -> Option<(Micros, crate::action::DiskFate)> {
        self.nodes[id.index()].crashed
    }

    fn is_paused(&self, id: NodeId) -> bool {
        self.nodes[id.index()].is_paused(self.now)
    }

    fn clock(&self, id: NodeId) -> i64 {
        self.nodes[id.index()].clock.read(self.now)
    }

    fn slowed(&self, id: NodeId) -> Micros {
        self.nodes[id.index()].processing_us
    }

    fn troubled_until(&self, id: NodeId) -> Micros {
        self.nodes[id.index()].troubled_until
    }

    fn physical_clock(&self, id: NodeId) -> Option<crate::clock::PhysicalClock> {
        Some(self.nodes[id.index()].clock)
    }
}

/// A kernel running protocol `P`, with `P`'s types known: the typed face of a world, for
/// tests and tools that read a node's state. Everything else is the kernel's (it derefs to
/// [`Kernel`]).
pub struct World<P> {
    kernel: Kernel,
    _protocol: PhantomData<fn() -> P>,
}

impl<P> Clone for World<P> {
    fn clone(&self) -> Self {
        World {
            kernel: self.kernel.clone(),
            _protocol: PhantomData,
        }
    }
}

impl<P: Described> World<P> {
    pub fn new(config: WorldConfig<P>) -> Self {
        let (config, protocol) = config.split();
        let host = Box::new(Typed::<P>::new(protocol, config.nodes));
        World {
            kernel: Kernel::new(config, host),
            _protocol: PhantomData,
        }
    }

    /// The typed world around `kernel`, whose nodes are `P`'s.
    pub(crate) fn of(kernel: Kernel) -> Self {
        World {
            kernel,
            _protocol: PhantomData,
        }
    }

    fn typed(&self) -> &Typed<P> {
        self.kernel
            .host
            .as_any()
            .downcast_ref()
            .expect("a world's nodes are of its protocol")
    }

    /// Node `id`'s state, `None` while it is down.
    pub fn node(&self, id: NodeId) -> Option<&P> {
        self.typed().node(id)
    }

    /// Node `id`'s disk.
    pub fn disk(&self, id: NodeId) -> &P::Disk {
        self.typed().disk(id)
    }

    /// The kernel alone, the protocol's types forgotten.
    pub fn into_kernel(self) -> Kernel {
        self.kernel
    }

    // The kernel's mutating calls, here as well so that `w.run_until(w.now() + d)` reads
    // as it does on the kernel (a call through `DerefMut` cannot read `w` in its arguments).

    /// See [`Kernel::run_until`].
    pub fn run_until(&mut self, until: Micros) -> u64 {
        self.kernel.run_until(until)
    }

    /// See [`Kernel::act`].
    pub fn act(&mut self, action: Action) {
        self.kernel.act(action)
    }
}

impl<P> std::ops::Deref for World<P> {
    type Target = Kernel;

    fn deref(&self) -> &Kernel {
        &self.kernel
    }
}

impl<P> std::ops::DerefMut for World<P> {
    fn deref_mut(&mut self) -> &mut Kernel {
        &mut self.kernel
    }
}

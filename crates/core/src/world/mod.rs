//! The world: nodes, network, clocks, clients and the event queue, advanced one event at a
//! time. It owns every fault; protocols only see their own inputs.
//!
//! Call order: [`World::new`] boots every node; then any mix of [`World::schedule`] (or
//! [`World::act`] for "now"), [`World::step`] and [`World::run_until`]. The world is `Clone`,
//! so a snapshot is a clone and seeking backwards is "restore the nearest snapshot and
//! replay".

mod actions;
mod clients;
mod dispatch;
pub mod queue;

use crate::action::{Action, Schedule, Scheduled};
use crate::check::{Invariant, Violation};
use crate::client::{ClientRecord, Workload};
use crate::clock::{Lamport, PhysicalClock, VectorClock};
use crate::ids::NodeId;
use crate::network::{LinkConfig, Network};
use crate::protocol::{Effect, NodeStatus, Protocol};
use crate::rng::SimRng;
use crate::time::Micros;
use crate::trace::{Counters, Trace};
use queue::EventQueue;

/// Everything a run starts from (besides its schedule).
#[derive(Clone, Debug)]
pub struct WorldConfig<P: Protocol> {
    pub nodes: usize,
    pub seed: u64,
    pub link: LinkConfig,
    pub protocol: P::Config,
    /// Keep every trace event (for viewers); batch runs keep only hash and counters.
    pub record: bool,
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
            stop_on_violation: true,
        }
    }
}

/// One node as the world sees it: the protocol state (if up), its disk, clocks and timers.
#[derive(Clone, Debug)]
pub struct NodeSlot<P: Protocol> {
    /// `None` while the node is crashed.
    pub state: Option<P>,
    pub disk: P::Disk,
    pub clock: PhysicalClock,
    pub lamport: Lamport,
    pub vclock: VectorClock,
    /// Paused (a stall) until this time.
    pub paused_until: Micros,
    /// Extra processing time per input (a slow node).
    pub processing_us: Micros,
    busy_until: Micros,
    /// Inputs that arrived while the node was paused or busy, in arrival order.
    inbox: std::collections::VecDeque<queue::Event<P>>,
    wake_pending: bool,
    /// While it is down: when it crashed and what became of its disk.
    pub crashed: Option<(Micros, crate::action::DiskFate)>,
    /// Armed by `Action::CrashOnWrite`: how to crash at the next disk write.
    crash_on_write: Option<(crate::action::DiskFate, Option<Micros>)>,
    timers: Vec<(P::Timer, u64)>,
    next_timer_generation: u64,
    status: Option<NodeStatus>,
}

impl<P: Protocol> NodeSlot<P> {
    pub fn is_up(&self) -> bool {
        self.state.is_some()
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

    /// Armed timers and their generation.
    pub fn timers(&self) -> &[(P::Timer, u64)] {
        &self.timers
    }
}

#[derive(Clone)]
pub struct World<P: Protocol> {
    config: WorldConfig<P>,
    now: Micros,
    queue: EventQueue<P>,
    nodes: Vec<NodeSlot<P>>,
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
    trace: Trace<P>,
    counters: Counters,
    invariants: Vec<Box<dyn Invariant<P>>>,
    violations: Vec<Violation>,
    effects: Vec<Effect<P>>,
    /// Per node: `None` while it runs its honest code, else its Byzantine behaviour.
    behaviours: Vec<Option<String>>,
    /// Per node: whether it is honest (the checkers' view of `behaviours`).
    honest: Vec<bool>,
    /// The most nodes that were up and led at once so far, and when that was first seen.
    most_leaders: (usize, Option<Micros>),
}

impl<P: Protocol> World<P> {
    pub fn new(config: WorldConfig<P>) -> Self {
        assert!(config.nodes > 0, "a cluster needs at least one node");
        let n = config.nodes;
        let nodes = (0..n)
            .map(|_| NodeSlot {
                state: None,
                disk: P::Disk::default(),
                clock: PhysicalClock::default(),
                lamport: Lamport::default(),
                vclock: VectorClock::new(n),
                paused_until: 0,
                processing_us: 0,
                busy_until: 0,
                inbox: Default::default(),
                wake_pending: false,
                crashed: None,
                crash_on_write: None,
                timers: Vec::new(),
                next_timer_generation: 0,
                status: None,
            })
            .collect();
        let mut world = World {
            net: Network::new(n, config.link),
            rng: SimRng::new(config.seed),
            trace: Trace::new(config.record),
            invariants: P::invariants(&config.protocol, n),
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
            effects: Vec::new(),
            behaviours: vec![None; n],
            honest: vec![true; n],
            most_leaders: (0, None),
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
        self.schedule[self.next_action..].sort_by_key(Scheduled::moment);
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

    pub fn config(&self) -> &WorldConfig<P> {
        &self.config
    }

    pub fn nodes(&self) -> &[NodeSlot<P>] {
        &self.nodes
    }

    pub fn node(&self, id: NodeId) -> Option<&P> {
        self.nodes[id.index()].state.as_ref()
    }

    pub fn network(&self) -> &Network {
        &self.net
    }

    pub fn queue(&self) -> &EventQueue<P> {
        &self.queue
    }

    pub fn trace(&self) -> &Trace<P> {
        &self.trace
    }

    /// For forgetting old events ([`Trace::forget_before`]); the trace is only ever
    /// appended to by the world.
    pub fn trace_mut(&mut self) -> &mut Trace<P> {
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
        let properties = P::end_properties(&self.config.protocol, self.config.nodes);
        if properties.is_empty() {
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
        let view = crate::check::CheckView {
            now: self.now,
            acted: None,
            rebooted: false,
            nodes: &self.nodes,
            honest: &self.honest,
        };
        properties
            .iter()
            .filter_map(|p| {
                p.check_end(&view).err().map(|message| Violation {
                    invariant: p.name().to_string(),
                    message,
                    time_us: self.now,
                    event: self.trace.len(),
                    node: None,
                    at_end: true,
                })
            })
            .collect()
    }

    /// The current status of every node that is up.
    pub fn statuses(&self) -> impl Iterator<Item = (NodeId, NodeStatus)> + '_ {
        self.nodes
            .iter()
            .enumerate()
            .filter_map(|(i, s)| Some((NodeId(i as u32), s.state.as_ref()?.status())))
    }
}

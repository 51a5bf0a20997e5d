//! The boundary between the kernel, which knows no protocol, and a protocol's nodes.
//!
//! The kernel ([`super::Kernel`]) owns time, the event queue, the network, clocks, clients,
//! faults and the trace, and is compiled once. Everything of one protocol sits behind
//! [`Nodes`], an object-safe trait: the kernel hands a node an input and takes back its
//! effects ([`Out`]) with the protocol's payloads erased ([`crate::payload`]), and asks for
//! what it must check and show. [`Typed`] is the thin layer that implements it for protocol
//! `P`; with the protocol's own code, it is all that is compiled once per protocol.

use super::queue::{InFlight, Parcel};
use crate::about::{Around, Described, Scene};
use crate::card::Card;
use crate::check::{CheckView, EndProperty, Invariant, Meter, Moment, Sample, SAMPLE_EVERY_US};
use crate::client::{Key, KvOp, KvResult, Value};
use crate::ids::{NodeId, RequestId};
use crate::payload::{AnyMsg, AnyNote, Msg, MsgOf, TimerOf};
use crate::protocol::{Ctx, Durable, Effect, Message, NodeStatus, Role};
use crate::rng::SimRng;
use crate::time::Micros;
use crate::trace::{EventKind, Trace};
use std::any::Any;
use std::rc::Rc;

/// One input for one node.
pub enum Input {
    Start,
    Recover,
    Message {
        from: NodeId,
        parcel: Box<dyn Parcel>,
    },
    /// The timer taken by the last [`Nodes::take_timer`].
    Timer,
    Client {
        req: RequestId,
        op: KvOp,
    },
    /// A person's `Action::Trigger`.
    Trigger,
}

/// One effect of an input, for the kernel to carry out in order. A timer's identity and a
/// disk write stay behind the boundary: the kernel sees a timer as a generation to wake the
/// node at, and a write as the fact that the node wrote.
pub enum Out {
    Send { to: NodeId, parcel: Box<dyn Parcel> },
    SetTimer { generation: u64, after: Micros },
    Persist,
    Reply { req: RequestId, result: KvResult },
    Note(Rc<dyn AnyNote>),
}

/// A protocol's nodes, as the kernel drives them.
pub trait Nodes {
    fn box_clone(&self) -> Box<dyn Nodes>;
    /// For the typed view of a world ([`super::World`]) and tests.
    fn as_any(&self) -> &dyn Any;
    fn about(&self) -> &'static crate::about::About;

    /// Builds node `id` from its disk (at the world's start or on a restart).
    fn boot(&mut self, id: NodeId);
    /// Which nodes must be up for the service to answer (see [`Protocol::needs`]).
    fn needs(&self) -> crate::availability::Needs;
    /// Node `id` crashes: its state and timers go; its disk too if `lose_disk`.
    fn crash(&mut self, id: NodeId, lose_disk: bool);
    /// Runs one input on node `id`, which is up, with its (physical, monotonic) clock
    /// readings; its effects wait for [`Nodes::next_effect`].
    fn input(&mut self, id: NodeId, input: Input, clocks: (i64, i64), rng: &mut SimRng);
    /// The next effect of node `id`'s last input, in the order the node asked for them
    /// (taken one at a time, so that the kernel carries each out before the next exists).
    fn next_effect(&mut self, id: NodeId) -> Option<Out>;
    /// Node `id`'s status, `None` while it is down.
    fn status(&self, id: NodeId) -> Option<NodeStatus>;
    /// Whether a node in `role` leads the others.
    fn leads(&self, role: Role) -> bool;
    /// Takes node `id`'s timer armed as `generation` for the next [`Input::Timer`] and
    /// records it firing in `trace`; false if it was cancelled or armed again since.
    fn take_timer(&mut self, id: NodeId, generation: u64, now: Micros, trace: &mut Trace) -> bool;
    /// What Byzantine node `from` sends instead of `msg` (see [`crate::protocol::Protocol::lie`]).
    fn lie(
        &self,
        behaviour: &str,
        from: NodeId,
        to: NodeId,
        parcel: Box<dyn Parcel>,
        rng: &mut SimRng,
    ) -> Option<Box<dyn Parcel>>;

    /// Runs every safety property at `moment`; appends (property, message) for each broken.
    fn check(&mut self, moment: Moment<'_>, broken: &mut Vec<(&'static str, String)>);
    /// Whether the protocol has properties to check at the end of a run.
    fn has_end_properties(&self) -> bool;
    /// Runs the end properties at `moment`: (property, message) for each broken.
    fn check_end(&self, moment: Moment<'_>) -> Vec<(&'static str, String)>;
    /// The meter's readings at `now` (see [`crate::check::Meter`]); empty without one.
    fn readings(&self, now: Micros) -> Vec<Option<i64>>;
    /// The meter's warning at `now`, if it raises one (see [`crate::check::Meter::alarm`]).
    fn alarm(&self, now: Micros) -> Option<crate::check::Alarm>;
    /// The readings sampled every [`crate::check::SAMPLE_EVERY_US`] so far.
    fn samples(&self) -> &[Sample];
    /// The meter's figures at `now` (see [`crate::check::Meter::figures`]).
    fn figures(&self, now: Micros) -> Vec<crate::check::Figure>;

    /// The span to draw node `id`'s timer armed as `generation` with, if it is still armed
    /// and worth drawing (see [`Described::countdown`]).
    fn countdown(&self, id: NodeId, generation: u64) -> Option<Micros>;
    /// Node `id`'s card, `None` while it is down.
    fn card(&self, id: NodeId) -> Option<Card>;
    /// What node `id` stores for `key` (empty while it is down).
    fn stored(&self, id: NodeId, key: Key) -> Vec<Value>;
    /// Key `key` as node `id` holds it.
    fn local_value(&self, id: NodeId, key: Key) -> Option<Value>;
    /// Event `e` told in the protocol's words (see [`Described::narrate`]).
    fn narrate(&self, e: &EventKind, around: &dyn Around) -> Option<String>;
}

impl Clone for Box<dyn Nodes> {
    fn clone(&self) -> Self {
        self.box_clone()
    }
}

/// Protocol `P`'s nodes: their states, disks and armed timers, its configuration and
/// checkers.
pub struct Typed<P: Described> {
    config: P::Config,
    states: Vec<Option<P>>,
    disks: Vec<P::Disk>,
    /// Per node: armed timers and the generation each was last armed as.
    timers: Vec<Vec<(P::Timer, u64)>>,
    next_generation: Vec<u64>,
    invariants: Vec<Box<dyn Invariant<P>>>,
    meter: Option<Box<dyn Meter<P>>>,
    samples: Vec<Sample>,
    /// Per node: what it recorded for the checkers since its last boot ([`Ctx::record`]).
    records: Vec<Vec<P::Note>>,
    effects: Vec<Effect<P>>,
    /// The timer taken by [`Nodes::take_timer`], for the next [`Input::Timer`].
    fired: Option<P::Timer>,
}

impl<P: Described> Clone for Typed<P> {
    fn clone(&self) -> Self {
        Typed {
            config: self.config.clone(),
            states: self.states.clone(),
            disks: self.disks.clone(),
            timers: self.timers.clone(),
            next_generation: self.next_generation.clone(),
            invariants: self.invariants.clone(),
            meter: self.meter.clone(),
            samples: self.samples.clone(),
            records: self.records.clone(),
            effects: Vec::new(),
            fired: self.fired.clone(),
        }
    }
}

impl<P: Described> Typed<P> {
    /// `nodes` nodes of protocol `P`, none booted yet, their disks empty.
    pub fn new(config: P::Config, nodes: usize) -> Self {
        Typed {
            invariants: P::invariants(&config, nodes),
            meter: P::meter(&config, nodes),
            samples: Vec::new(),
            config,
            states: vec![None; nodes],
            disks: vec![P::Disk::default(); nodes],
            timers: vec![Vec::new(); nodes],
            next_generation: vec![0; nodes],
            records: vec![Vec::new(); nodes],
            effects: Vec::new(),
            fired: None,
        }
    }

    pub fn node(&self, id: NodeId) -> Option<&P> {
        self.states.get(id.index())?.as_ref()
    }

    pub fn disk(&self, id: NodeId) -> &P::Disk {
        &self.disks[id.index()]
    }

    /// Carries out an effect the kernel need not see (a timer's identity, a disk write),
    /// and turns the rest into what the kernel carries out.
    fn hand_over(&mut self, id: NodeId, effect: Effect<P>) -> Option<Out> {
        let i = id.index();
        Some(match effect {
            Effect::Send { to, msg } => Out::Send {
                to,
                parcel: ParcelOf::<P>::pack(msg),
            },
            Effect::SetTimer { timer, after } => {
                let generation = self.next_generation[i];
                self.next_generation[i] += 1;
                let timers = &mut self.timers[i];
                match timers.iter_mut().find(|(t, _)| *t == timer) {
                    Some(entry) => entry.1 = generation,
                    None => timers.push((timer, generation)),
                }
                Out::SetTimer { generation, after }
            }
            Effect::CancelTimer { timer } => {
                self.timers[i].retain(|(t, _)| *t != timer);
                return None;
            }
            Effect::Persist(write) => {
                self.disks[i].apply(write);
                Out::Persist
            }
            Effect::Reply { req, result } => Out::Reply { req, result },
            Effect::Note(note) => Out::Note(Rc::new(note)),
            Effect::Record(record) => {
                self.records[i].push(record);
                return None;
            }
        })
    }
}

impl<P: Described> Nodes for Typed<P> {
    fn box_clone(&self) -> Box<dyn Nodes> {
        Box::new(self.clone())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn about(&self) -> &'static crate::about::About {
        P::ABOUT
    }

    fn needs(&self) -> crate::availability::Needs {
        P::needs(&self.config, self.states.len())
    }

    fn boot(&mut self, id: NodeId) {
        let n = self.states.len();
        let i = id.index();
        self.states[i] = Some(P::boot(id, n, &self.config, &self.disks[i]));
        self.records[i].clear();
    }

    fn crash(&mut self, id: NodeId, lose_disk: bool) {
        let i = id.index();
        self.states[i] = None;
        self.timers[i].clear();
        self.records[i].clear();
        if lose_disk {
            self.disks[i] = P::Disk::default();
        }
    }

    fn input(&mut self, id: NodeId, input: Input, clocks: (i64, i64), rng: &mut SimRng) {
        let n = self.states.len();
        let Some(state) = self.states[id.index()].as_mut() else {
            return;
        };
        let mut ctx = Ctx::new(id, n, clocks, rng, &mut self.effects);
        match input {
            Input::Start => state.on_start(&mut ctx),
            Input::Recover => state.on_recover(&mut ctx),
            Input::Message { from, parcel } => {
                state.on_message(&mut ctx, from, ParcelOf::<P>::unpack(parcel))
            }
            Input::Timer => {
                let timer = self.fired.take().expect("a timer taken before its input");
                state.on_timer(&mut ctx, timer)
            }
            Input::Client { req, op } => state.on_client_request(&mut ctx, req, op),
            Input::Trigger => state.on_trigger(&mut ctx),
        }
        // Taken from the back, one at a time.
        self.effects.reverse();
    }

    fn next_effect(&mut self, id: NodeId) -> Option<Out> {
        while let Some(effect) = self.effects.pop() {
            if let Some(out) = self.hand_over(id, effect) {
                return Some(out);
            }
        }
        None
    }

    fn status(&self, id: NodeId) -> Option<NodeStatus> {
        self.node(id).map(|s| s.status())
    }

    fn leads(&self, role: Role) -> bool {
        P::leads(role)
    }

    fn take_timer(&mut self, id: NodeId, generation: u64, now: Micros, trace: &mut Trace) -> bool {
        let timers = &mut self.timers[id.index()];
        let Some(pos) = timers.iter().position(|(_, g)| *g == generation) else {
            return false; // cancelled, re-armed or the node crashed since
        };
        let (timer, _) = timers.swap_remove(pos);
        trace.push_timer(now, id, &timer, || Rc::new(TimerOf::<P>(timer.clone())));
        self.fired = Some(timer);
        true
    }

    fn lie(
        &self,
        behaviour: &str,
        from: NodeId,
        to: NodeId,
        parcel: Box<dyn Parcel>,
        rng: &mut SimRng,
    ) -> Option<Box<dyn Parcel>> {
        P::lie(behaviour, from, to, ParcelOf::<P>::unpack(parcel), rng).map(ParcelOf::<P>::pack)
    }

    fn check(&mut self, moment: Moment<'_>, broken: &mut Vec<(&'static str, String)>) {
        let view = CheckView::new(moment, &self.states, &self.disks, &self.records);
        for inv in &mut self.invariants {
            if let Err(message) = inv.check(&view) {
                broken.push((inv.name(), message));
            }
        }
        if let Some(meter) = &mut self.meter {
            meter.observe(&view);
            let due = self
                .samples
                .last()
                .map_or(0, |s| (s.at_us / SAMPLE_EVERY_US + 1) * SAMPLE_EVERY_US);
            if moment.now >= due {
                self.samples.push(Sample {
                    at_us: moment.now,
                    readings: meter.readings(moment.now),
                });
            }
        }
    }

    fn readings(&self, now: Micros) -> Vec<Option<i64>> {
        self.meter
            .as_ref()
            .map_or_else(Vec::new, |m| m.readings(now))
    }

    fn alarm(&self, now: Micros) -> Option<crate::check::Alarm> {
        self.meter.as_ref().and_then(|m| m.alarm(now))
    }

    fn samples(&self) -> &[Sample] {
        &self.samples
    }

    fn figures(&self, now: Micros) -> Vec<crate::check::Figure> {
        self.meter
            .as_ref()
            .map_or_else(Vec::new, |m| m.figures(now))
    }

    fn has_end_properties(&self) -> bool {
        !P::end_properties(&self.config, self.states.len()).is_empty()
    }

    fn check_end(&self, moment: Moment<'_>) -> Vec<(&'static str, String)> {
        let view = CheckView::new(moment, &self.states, &self.disks, &self.records);
        let properties: Vec<Box<dyn EndProperty<P>>> =
            P::end_properties(&self.config, self.states.len());
        properties
            .iter()
            .filter_map(|p| p.check_end(&view).err().map(|message| (p.name(), message)))
            .collect()
    }

    fn countdown(&self, id: NodeId, generation: u64) -> Option<Micros> {
        let (timer, _) = self.timers[id.index()]
            .iter()
            .find(|(_, g)| *g == generation)?;
        P::countdown(timer, &self.config)
    }

    fn card(&self, id: NodeId) -> Option<Card> {
        self.node(id).map(|s| s.card())
    }

    fn stored(&self, id: NodeId, key: Key) -> Vec<Value> {
        self.node(id).map(|n| n.stored(key)).unwrap_or_default()
    }

    fn local_value(&self, id: NodeId, key: Key) -> Option<Value> {
        self.node(id)?.local_value(key)
    }

    fn narrate(&self, e: &EventKind, around: &dyn Around) -> Option<String> {
        P::narrate(
            e,
            &Told {
                nodes: self,
                around,
            },
        )
    }
}

/// The run as protocol `P`'s narration sees it ([`Scene`]): its nodes, and the kernel's
/// side of the moment.
struct Told<'a, P: Described> {
    nodes: &'a Typed<P>,
    around: &'a dyn Around,
}

impl<P: Described> Scene<P> for Told<'_, P> {
    fn now(&self) -> Micros {
        self.around.now()
    }

    fn config(&self) -> &P::Config {
        &self.nodes.config
    }

    fn cluster_size(&self) -> usize {
        self.nodes.states.len()
    }

    fn node(&self, id: NodeId) -> Option<&P> {
        self.nodes.node(id)
    }

    fn disk(&self, id: NodeId) -> &P::Disk {
        self.nodes.disk(id)
    }

    fn roles_before(&self, node: NodeId, max: usize) -> Vec<(Role, u64)> {
        self.around.roles_before(node, max)
    }
}

/// Protocol `P`'s message in its envelope (see [`Parcel`]): owned, or shared with a
/// recorded trace.
struct ParcelOf<P: Described> {
    meta: InFlight,
    msg: Held<P>,
}

enum Held<P: Described> {
    Own(MsgOf<P>),
    Shared(Rc<MsgOf<P>>),
    /// Only while [`Parcel::share`] moves an owned message into a shared allocation.
    Moving,
}

impl<P: Described> ParcelOf<P> {
    fn pack(msg: P::Msg) -> Box<dyn Parcel> {
        Box::new(ParcelOf::<P> {
            meta: InFlight::unsent(),
            msg: Held::Own(MsgOf(msg)),
        })
    }

    /// # Panics
    /// If `parcel` holds another protocol's message: the kernel gives a protocol only its
    /// own.
    fn unpack(parcel: Box<dyn Parcel>) -> P::Msg {
        let parcel = parcel
            .into_any()
            .downcast::<ParcelOf<P>>()
            .unwrap_or_else(|_| panic!("a message of another protocol than {}", P::ABOUT.name));
        match parcel.msg {
            Held::Own(m) => m.0,
            Held::Shared(rc) => Rc::try_unwrap(rc).map_or_else(|rc| rc.0.clone(), |m| m.0),
            Held::Moving => unreachable!("a parcel is whole between calls"),
        }
    }

    fn typed(&self) -> &MsgOf<P> {
        match &self.msg {
            Held::Own(m) => m,
            Held::Shared(rc) => rc,
            Held::Moving => unreachable!("a parcel is whole between calls"),
        }
    }
}

impl<P: Described> Parcel for ParcelOf<P> {
    fn meta(&self) -> &InFlight {
        &self.meta
    }

    fn meta_mut(&mut self) -> &mut InFlight {
        &mut self.meta
    }

    fn msg(&self) -> &dyn AnyMsg {
        self.typed()
    }

    fn share(&mut self) -> Msg {
        self.msg = match std::mem::replace(&mut self.msg, Held::Moving) {
            Held::Own(m) => Held::Shared(Rc::new(m)),
            shared => shared,
        };
        match &self.msg {
            Held::Shared(rc) => rc.clone(),
            _ => unreachable!("shared above"),
        }
    }

    fn corrupt(&mut self, rng: &mut SimRng) {
        let damaged = self.typed().0.corrupt(rng);
        self.msg = Held::Own(MsgOf(damaged));
    }

    fn box_clone(&self) -> Box<dyn Parcel> {
        Box::new(ParcelOf::<P> {
            meta: self.meta.clone(),
            msg: match &self.msg {
                Held::Own(m) => Held::Own(MsgOf(m.0.clone())),
                Held::Shared(rc) => Held::Shared(rc.clone()),
                Held::Moving => unreachable!("a parcel is whole between calls"),
            },
        })
    }

    fn into_any(self: Box<Self>) -> Box<dyn Any> {
        self
    }
}

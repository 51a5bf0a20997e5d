//! The playground runs any of the core's protocols. [`AnyWorld`] holds the world of
//! whichever protocol the set-up names; code that reads protocol-specific types (trace
//! events, messages, node state) is generic over [`Shown`] and reached through
//! [`with_world!`], while everything else goes through `AnyWorld`'s own methods.
//!
//! [`Shown`] is what the page needs to know about a protocol beyond the core's `Protocol`
//! and `Described` traits: how to colour its messages and which timer to draw as a
//! countdown. A node's state in the inspector is the protocol's own card
//! (`Described::card`), drawn by [`card_html`]. A new protocol module needs one impl here.

use splitbrain_core::action::{Action, Scheduled};
use splitbrain_core::card::Card;
use splitbrain_core::check::Violation;
use splitbrain_core::client::{ClientRecord, KvOp};
use splitbrain_core::clock::PhysicalClock;
use splitbrain_core::network::Network;
use splitbrain_core::protocol::{NodeStatus, Protocol};
use splitbrain_core::protocols::primary_backup::PbNode;
use splitbrain_core::protocols::quorum::QuorumNode;
use splitbrain_core::protocols::raft::{RaftNode, RaftTimer};
use splitbrain_core::protocols::two_generals::{General, GeneralsTimer};
use splitbrain_core::recipe::Setup;
use splitbrain_core::registry::Described;
use splitbrain_core::time::Micros;
use splitbrain_core::trace::Counters;
use splitbrain_core::world::World;
use yew::prelude::*;

/// What the page shows of a protocol, beyond what the core's trait says.
pub trait Shown: Described {
    /// This protocol's world as the page holds it.
    fn wrap(world: World<Self>) -> AnyWorld;
    /// The protocol's name in sentences.
    const NAME: &'static str;
    /// What the checkers run after every event guard, in a few words.
    const SAFETY: &'static str;
    /// Names of the four message colours (see `flight::COLOURS`): control traffic, data
    /// sent out, replies, anything else; an empty name for a colour the protocol does not
    /// use (it is left out of the legend).
    const LEGEND: [&'static str; 4];
    /// The protocol's era (term, epoch) as (the prefix under a node's name, its name);
    /// `None` if it has none.
    const ERA: Option<(&'static str, &'static str)>;
    /// Which of the four colours a message kind gets.
    fn colour_of(kind: &str) -> usize;
    /// A timer drawn as a shrinking arc around its node, with its longest span; `None`
    /// for timers not worth drawing.
    fn countdown(timer: &Self::Timer, config: &Self::Config) -> Option<Micros>;
    /// The value of key `k` as this node holds it, for a compare-and-set button.
    fn local_value(&self, key: u32) -> Option<u64> {
        self.stored(key).into_iter().max()
    }
}

/// A key-value operation in words, such as `put k1=5`.
pub fn op_text(op: &KvOp) -> String {
    splitbrain_core::describe::op(op)
}

/// A protocol's card for one node (facts, and a table if it has one), as the inspector
/// shows it.
pub fn card_html(card: &Card) -> Html {
    let table = card.table.as_ref().map(|t| {
        html! {
            <table class="log">
                <caption>{ t.caption.clone() }</caption>
                <thead><tr>{ for t.columns.iter().map(|c| html! { <th>{ c.clone() }</th> }) }</tr></thead>
                <tbody>{ for t.rows.iter().map(|r| html! {
                    <tr class={classes!(r.mark)}>{ for r.cells.iter().map(|c| html! { <td>{ c.clone() }</td> }) }</tr>
                }) }</tbody>
            </table>
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

impl Shown for RaftNode {
    fn wrap(world: World<Self>) -> AnyWorld {
        AnyWorld::Raft(world)
    }

    const NAME: &'static str = "Raft";
    const SAFETY: &'static str = "All Raft safety properties hold so far";
    const LEGEND: [&'static str; 4] = [
        "vote request / vote",
        "append entries / heartbeat",
        "append reply",
        "forwarded request",
    ];
    const ERA: Option<(&'static str, &'static str)> = Some(("T", "term"));

    fn colour_of(kind: &str) -> usize {
        match kind {
            "RequestVote" | "Vote" => 0,
            "AppendEntries" => 1,
            "AppendReply" => 2,
            _ => 3,
        }
    }

    fn countdown(timer: &RaftTimer, config: &Self::Config) -> Option<Micros> {
        (*timer == RaftTimer::Election).then_some(config.election_timeout_max_us)
    }

    fn local_value(&self, key: u32) -> Option<u64> {
        self.kv().data().get(&key).copied()
    }
}

impl Shown for QuorumNode {
    fn wrap(world: World<Self>) -> AnyWorld {
        AnyWorld::Quorum(world)
    }

    const NAME: &'static str = "the quorum store";
    const SAFETY: &'static str = "No replica's version of a key has gone backwards so far";
    const LEGEND: [&'static str; 4] = [
        "hinted (sloppy quorum) traffic",
        "read / write to a replica",
        "replica's answer",
        "read repair",
    ];
    const ERA: Option<(&'static str, &'static str)> = None;

    fn colour_of(kind: &str) -> usize {
        match kind {
            "HintedRead" | "HintedReadReply" | "HintedWrite" | "HintedWriteAck" | "Handoff"
            | "HandoffAck" => 0,
            "Read" | "Write" => 1,
            "ReadReply" | "WriteAck" => 2,
            _ => 3,
        }
    }

    fn countdown(_: &Self::Timer, _: &Self::Config) -> Option<Micros> {
        None
    }
}

impl Shown for PbNode {
    fn wrap(world: World<Self>) -> AnyWorld {
        AnyWorld::PrimaryBackup(world)
    }

    const NAME: &'static str = "primary-backup";
    const SAFETY: &'static str =
        "Epochs have not gone backwards and no primary rewrote its log so far";
    const LEGEND: [&'static str; 4] = [
        "ping (backup to backup)",
        "log stream / heartbeat",
        "acknowledgement",
        "forwarded request",
    ];
    const ERA: Option<(&'static str, &'static str)> = Some(("E", "epoch"));

    fn colour_of(kind: &str) -> usize {
        match kind {
            "Ping" => 0,
            "Append" => 1,
            "AppendReply" | "ForwardReply" => 2,
            _ => 3,
        }
    }

    fn countdown(_: &Self::Timer, _: &Self::Config) -> Option<Micros> {
        None
    }

    fn local_value(&self, key: u32) -> Option<u64> {
        self.store().get(&key).copied()
    }
}

impl Shown for General {
    fn wrap(world: World<Self>) -> AnyWorld {
        AnyWorld::TwoGenerals(world)
    }

    const NAME: &'static str = "the two generals";
    const SAFETY: &'static str =
        "No general took back a decision or attacked on a forged messenger so far";
    const LEGEND: [&'static str; 4] = ["", "the order: attack at T", "a confirmation", ""];
    const ERA: Option<(&'static str, &'static str)> = None;

    fn colour_of(kind: &str) -> usize {
        match kind {
            "Order" => 1,
            _ => 2,
        }
    }

    fn countdown(timer: &GeneralsTimer, config: &Self::Config) -> Option<Micros> {
        (*timer == GeneralsTimer::Deadline).then_some(config.attack_at_us)
    }
}

/// The playground's world, whichever protocol it runs.
#[derive(Clone)]
pub enum AnyWorld {
    Raft(World<RaftNode>),
    Quorum(World<QuorumNode>),
    PrimaryBackup(World<PbNode>),
    TwoGenerals(World<General>),
}

/// Runs `$body` with `$w` bound to the world inside an [`AnyWorld`] (by reference or by
/// mutable reference, as `$world` is), for code generic over [`Shown`].
macro_rules! with_world {
    ($world:expr, $w:ident => $body:expr) => {
        match $world {
            $crate::any::AnyWorld::Raft($w) => $body,
            $crate::any::AnyWorld::Quorum($w) => $body,
            $crate::any::AnyWorld::PrimaryBackup($w) => $body,
            $crate::any::AnyWorld::TwoGenerals($w) => $body,
        }
    };
}
pub(crate) use with_world;

/// Runs `$body` with `$P` the node type of the protocol named `$name`: the page's one list
/// of the protocols it has views for (the core's registry lists them all).
macro_rules! with_protocol {
    ($name:expr, $P:ident => $body:expr) => {
        match $name {
            "quorum" => {
                type $P = splitbrain_core::protocols::quorum::QuorumNode;
                $body
            }
            "primary-backup" => {
                type $P = splitbrain_core::protocols::primary_backup::PbNode;
                $body
            }
            "two-generals" => {
                type $P = splitbrain_core::protocols::two_generals::General;
                $body
            }
            _ => {
                type $P = splitbrain_core::protocols::raft::RaftNode;
                $body
            }
        }
    };
}
pub(crate) use with_protocol;

/// What the page says about the protocol a world runs.
pub struct About {
    pub name: &'static str,
    pub safety: &'static str,
    pub legend: [&'static str; 4],
    pub roles: &'static [splitbrain_core::registry::RoleDesc],
    pub era: Option<(&'static str, &'static str)>,
}

/// One node as the page's protocol-neutral views see it.
pub struct NodeView {
    pub up: bool,
    pub paused: bool,
    pub paused_until: Micros,
    pub processing_us: Micros,
    pub inbox_len: usize,
    pub status: Option<NodeStatus>,
    pub clock: PhysicalClock,
    pub lamport: u64,
    pub vclock: Vec<u32>,
    /// Its Byzantine behaviour, `None` while it is honest.
    pub behaviour: Option<String>,
}

impl AnyWorld {
    /// The world for `setup` with `schedule` to come, recording its trace, at time 0.
    pub fn new(setup: &Setup, schedule: Vec<Scheduled>) -> AnyWorld {
        let spec = setup.spec(schedule);
        let mut world = with_protocol!(setup.protocol.as_str(), P => P::wrap(
            spec.typed_world::<P>(true).expect("the set-up was checked before the run starts"),
        ));
        world.run_until(0);
        world
    }

    pub fn now(&self) -> Micros {
        with_world!(self, w => w.now())
    }

    pub fn halted(&self) -> bool {
        with_world!(self, w => w.halted())
    }

    pub fn run_until(&mut self, until: Micros) {
        with_world!(self, w => {
            w.run_until(until);
        })
    }

    pub fn step(&mut self) {
        with_world!(self, w => {
            w.step();
        })
    }

    pub fn act(&mut self, action: Action) {
        with_world!(self, w => w.act(action))
    }

    pub fn schedule(&mut self, actions: Vec<Scheduled>) {
        with_world!(self, w => w.schedule(actions))
    }

    pub fn schedule_so_far(&self) -> &[Scheduled] {
        with_world!(self, w => w.schedule_so_far())
    }

    pub fn pending_actions(&self) -> usize {
        with_world!(self, w => w.pending_actions().len())
    }

    pub fn discard_future_actions(&mut self) {
        with_world!(self, w => w.discard_future_actions())
    }

    pub fn len(&self) -> usize {
        with_world!(self, w => w.nodes().len())
    }

    pub fn network(&self) -> &Network {
        with_world!(self, w => w.network())
    }

    pub fn counters(&self) -> &Counters {
        with_world!(self, w => w.counters())
    }

    pub fn violations(&self) -> &[Violation] {
        with_world!(self, w => w.violations())
    }

    pub fn clients(&self) -> &[ClientRecord] {
        with_world!(self, w => w.clients())
    }

    pub fn trace_hash(&self) -> u64 {
        with_world!(self, w => w.trace_hash())
    }

    /// The time of trace event `index`, if it is kept.
    pub fn event_time(&self, index: u64) -> Option<Micros> {
        with_world!(self, w => w.trace().get(index).map(|e| e.time))
    }

    pub fn in_flight(&self) -> usize {
        with_world!(self, w => w.queue().in_flight().count())
    }

    /// The protocol's name, what its checkers guard, and its message legend.
    pub fn about(&self) -> About {
        fn about<P: Shown>(_: &World<P>) -> About {
            About {
                name: P::NAME,
                safety: P::SAFETY,
                legend: P::LEGEND,
                roles: P::ROLES,
                era: P::ERA,
            }
        }
        with_world!(self, w => about(w))
    }

    /// The core's description of the protocol (settings, behaviours, properties).
    pub fn described(&self) -> &'static splitbrain_core::registry::About {
        fn described<P: Shown>(_: &World<P>) -> &'static splitbrain_core::registry::About {
            P::ABOUT
        }
        with_world!(self, w => described(w))
    }

    /// The end-of-run properties' verdict on a copy of the run settled for
    /// [`splitbrain_core::run::SETTLE_US`] (the run itself is left alone).
    pub fn check_end(&self) -> Vec<Violation> {
        with_world!(self, w => w.clone().check_end(splitbrain_core::run::SETTLE_US))
    }

    /// How many nodes are down.
    pub fn down(&self) -> usize {
        with_world!(self, w => w.nodes().iter().filter(|s| !s.is_up()).count())
    }

    pub fn node(&self, i: usize) -> NodeView {
        with_world!(self, w => {
            let now = w.now();
            let slot = &w.nodes()[i];
            NodeView {
                up: slot.is_up(),
                paused: slot.is_paused(now),
                paused_until: slot.paused_until,
                processing_us: slot.processing_us,
                inbox_len: slot.inbox_len(),
                status: slot.state.as_ref().map(|s| s.status()),
                clock: slot.clock,
                lamport: slot.lamport.0,
                vclock: slot.vclock.0.clone(),
                behaviour: w.behaviour(splitbrain_core::ids::NodeId(i as u32)).map(str::to_string),
            }
        })
    }

    /// Key `key` as node `i` holds it (for compare-and-set).
    pub fn local_value(&self, i: usize, key: u32) -> Option<u64> {
        with_world!(self, w => w.nodes()[i].state.as_ref().and_then(|s| s.local_value(key)))
    }

    /// The inspector's view of node `i`'s protocol state (`None` while it is down).
    pub fn inspect(&self, i: usize) -> Option<Html> {
        let card = with_world!(self, w => w.nodes()[i].state.as_ref().map(|s| s.card()))?;
        Some(card_html(&card))
    }
}

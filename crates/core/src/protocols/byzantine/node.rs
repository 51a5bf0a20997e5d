//! One general: the orders it heard and along which paths, and its decision.

use super::{ByzBug, ByzConfig};
use crate::check::{EndProperty, Invariant};
use crate::ids::NodeId;
use crate::protocol::{Ctx, Durable, Message, NodeStatus, Note, Protocol};
use crate::rng::{Ppm, SimRng};
use crate::trace::StableHasher;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    Attack,
    Retreat,
}

impl Order {
    pub fn word(self) -> &'static str {
        match self {
            Order::Attack => "attack",
            Order::Retreat => "retreat",
        }
    }

    fn other(self) -> Order {
        match self {
            Order::Attack => Order::Retreat,
            Order::Retreat => Order::Attack,
        }
    }
}

/// An order on its way: the generals it passed through (the commander first, the sender
/// last) and, for signed messages, each one's signature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ByzMsg {
    Order {
        path: Vec<NodeId>,
        value: Order,
        sigs: Vec<u64>,
    },
}

/// The signature `signer` puts on `value` having come along `path` (which ends with the
/// signer). Unforgeable by construction: a general's code signs only as itself (a lying
/// general may sign anything as itself, and nothing as anyone else).
pub fn signature(signer: NodeId, value: Order, path: &[NodeId]) -> u64 {
    StableHasher::of(&("signed by", signer, value, path))
}

impl ByzMsg {
    fn path(&self) -> &[NodeId] {
        let ByzMsg::Order { path, .. } = self;
        path
    }

    /// Whether every signature on a signed order is genuine.
    fn signed_well(&self) -> bool {
        let ByzMsg::Order { path, value, sigs } = self;
        sigs.len() == path.len()
            && sigs
                .iter()
                .enumerate()
                .all(|(k, s)| *s == signature(path[k], *value, &path[..=k]))
    }
}

pub fn path_text(path: &[NodeId]) -> String {
    path.iter()
        .map(|n| n.to_string())
        .collect::<Vec<_>>()
        .join(" → ")
}

impl Message for ByzMsg {
    fn kind(&self) -> &'static str {
        if self.path().len() <= 1 {
            "Order"
        } else {
            "Relayed order"
        }
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        let ByzMsg::Order { path, value, sigs } = self;
        let mut f = vec![
            ("order", value.word().to_string()),
            ("path", path_text(path)),
        ];
        if !sigs.is_empty() {
            f.push(("signatures", sigs.len().to_string()));
        }
        f
    }

    fn corrupt(&self, rng: &mut SimRng) -> Self {
        let ByzMsg::Order { path, value, sigs } = self.clone();
        if rng.chance(Ppm::percent(50)) || path.len() < 2 {
            ByzMsg::Order {
                path,
                value: value.other(),
                sigs,
            }
        } else {
            let mut path = path;
            path.swap(0, 1);
            ByzMsg::Order { path, value, sigs }
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum ByzTimer {
    /// The commander gives its order (a moment after the start, so that a general made to
    /// lie from the start lies from its first message).
    Send,
    /// The rounds are over: time to decide.
    Decide,
}

/// Nothing is kept on disk: the algorithm runs once, and a general that crashes during
/// it is faulty.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ByzDisk;

impl Durable for ByzDisk {
    type Write = ();
    fn apply(&mut self, _write: ()) {}
}

/// What a general tells the trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum ByzNote {
    /// A lieutenant decided, with how it came to.
    Decided { order: Order, why: String },
    /// A signed order whose signatures are not genuine was refused.
    Forged { path: Vec<NodeId> },
    /// Back from a crash with nothing heard: it retreats by default.
    CameBackEmpty,
}

impl Note for ByzNote {
    fn text(&self) -> String {
        match self {
            ByzNote::Decided { order, why } => format!("decides to {}: {why}", order.word()),
            ByzNote::Forged { path } => format!(
                "refuses an order along {}: a signature on it is not genuine",
                path_text(path)
            ),
            ByzNote::CameBackEmpty => {
                "came back from a crash having missed the rounds: it retreats by default".into()
            }
        }
    }
}

#[derive(Clone, Debug)]
pub struct ByzGeneral {
    id: NodeId,
    nodes: usize,
    config: ByzConfig,
    /// What reached this general along each path (the first copy counts).
    heard: BTreeMap<Vec<NodeId>, Order>,
    /// Signed messages: the orders collected with genuine signatures.
    collected: BTreeSet<Order>,
    decision: Option<Order>,
}

type BCtx<'a> = Ctx<'a, ByzGeneral>;

impl ByzGeneral {
    pub fn is_commander(&self) -> bool {
        self.id.0 == 0
    }

    pub fn decision(&self) -> Option<Order> {
        self.decision
    }

    pub fn config(&self) -> &ByzConfig {
        &self.config
    }

    /// Every path along which an order reached it, with the order, shortest first.
    pub fn heard(&self) -> impl Iterator<Item = (&Vec<NodeId>, Order)> + '_ {
        let mut all: Vec<_> = self.heard.iter().map(|(p, o)| (p, *o)).collect();
        all.sort_by_key(|(p, _)| (p.len(), (*p).clone()));
        all.into_iter()
    }

    pub fn collected(&self) -> &BTreeSet<Order> {
        &self.collected
    }

    fn lieutenants(&self) -> impl Iterator<Item = NodeId> {
        (1..self.nodes as u32).map(NodeId)
    }

    /// The longest path the algorithm relays along (m + 1 generals).
    fn depth(&self) -> usize {
        self.config.m as usize + 1
    }

    fn send_along(&self, ctx: &mut BCtx, path: &[NodeId], value: Order, sigs: &[u64]) {
        let mut path = path.to_vec();
        path.push(self.id);
        let mut sigs = sigs.to_vec();
        if self.config.signed {
            sigs.push(signature(self.id, value, &path));
        }
        let targets: Vec<NodeId> = self.lieutenants().filter(|j| !path.contains(j)).collect();
        for to in targets {
            ctx.send(
                to,
                ByzMsg::Order {
                    path: path.clone(),
                    value,
                    sigs: sigs.clone(),
                },
            );
        }
    }

    /// OM: the value of `path` as this lieutenant reckons it: what it heard along the
    /// path, and (unless the path is as long as it goes) what each other lieutenant not
    /// on it said it heard, by majority; retreat when nothing came or on a tie.
    fn value_of(&self, path: &mut Vec<NodeId>, depth: usize) -> Order {
        let direct = self
            .heard
            .get(path.as_slice())
            .copied()
            .unwrap_or(Order::Retreat);
        if path.len() >= depth {
            return direct;
        }
        let others: Vec<NodeId> = self
            .lieutenants()
            .filter(|j| *j != self.id && !path.contains(j))
            .collect();
        let mut attack = usize::from(direct == Order::Attack);
        let mut retreat = usize::from(direct == Order::Retreat);
        for j in others {
            path.push(j);
            match self.value_of(path, depth) {
                Order::Attack => attack += 1,
                Order::Retreat => retreat += 1,
            }
            path.pop();
        }
        if attack > retreat {
            Order::Attack
        } else {
            Order::Retreat
        }
    }

    fn decide(&mut self, ctx: &mut BCtx) {
        if self.is_commander() || self.decision.is_some() {
            return;
        }
        let (order, why) = if self.config.signed {
            match self
                .collected
                .iter()
                .copied()
                .collect::<Vec<_>>()
                .as_slice()
            {
                [one] => (
                    *one,
                    format!("the only order that reached it signed, {}", one.word()),
                ),
                [] => (Order::Retreat, "no signed order reached it".to_string()),
                _ => (
                    Order::Retreat,
                    "signed orders to attack and to retreat reached it, so the commander lied"
                        .to_string(),
                ),
            }
        } else {
            let depth = if self.config.has(ByzBug::OneRoundShort) {
                self.depth() - 1
            } else {
                self.depth()
            };
            let depth = depth.max(1);
            let direct = self.heard.get(&vec![NodeId(0)][..]).copied();
            let told = match direct {
                Some(o) => format!("the commander told it {}", o.word()),
                None => "no order came from the commander (so: retreat)".into(),
            };
            // The votes at the top: the commander's order as heard directly, and what each
            // other lieutenant reported it heard (itself a majority when paths go deeper).
            let mut votes = vec![direct.unwrap_or(Order::Retreat)];
            if depth > 1 {
                let others: Vec<NodeId> = self.lieutenants().filter(|j| *j != self.id).collect();
                for j in others {
                    votes.push(self.value_of(&mut vec![NodeId(0), j], depth));
                }
            }
            let order = self.value_of(&mut vec![NodeId(0)], depth);
            let attack = votes.iter().filter(|o| **o == Order::Attack).count();
            let retreat = votes.len() - attack;
            let why = if votes.len() == 1 {
                format!("{told}, and it relays nothing further before deciding")
            } else {
                let reports = if depth > 2 {
                    "the other lieutenants' reports (each a majority of what it was told in turn)"
                } else {
                    "the other lieutenants' reports"
                };
                if attack == retreat {
                    format!("{told}; with {reports}, {attack} say attack and {retreat} retreat: a tie, so the default, retreat")
                } else {
                    format!("{told}; with {reports}, {attack} say attack and {retreat} retreat: the majority says {}", order.word())
                }
            };
            (order, why)
        };
        self.decision = Some(order);
        ctx.note(ByzNote::Decided { order, why });
    }
}

impl Protocol for ByzGeneral {
    type Msg = ByzMsg;
    type Timer = ByzTimer;
    type Disk = ByzDisk;
    type Config = ByzConfig;
    type Note = ByzNote;
    const ROLES: &'static [crate::protocol::RoleDesc] = super::roles::ALL;

    fn boot(id: NodeId, nodes: usize, config: &ByzConfig, _disk: &ByzDisk) -> Self {
        ByzGeneral {
            id,
            nodes,
            config: config.clone(),
            heard: BTreeMap::new(),
            collected: BTreeSet::new(),
            decision: None,
        }
    }

    fn on_start(&mut self, ctx: &mut BCtx) {
        if self.is_commander() {
            ctx.set_timer(ByzTimer::Send, super::START_US);
        } else {
            ctx.set_timer(ByzTimer::Decide, super::START_US + self.config.decide_at());
        }
    }

    fn on_recover(&mut self, ctx: &mut BCtx) {
        if !self.is_commander() {
            ctx.note(ByzNote::CameBackEmpty);
            self.decision = Some(Order::Retreat);
        }
    }

    fn on_message(&mut self, ctx: &mut BCtx, from: NodeId, msg: ByzMsg) {
        if self.is_commander() || self.decision.is_some() {
            return;
        }
        let well_formed = {
            let path = msg.path();
            let distinct: BTreeSet<&NodeId> = path.iter().collect();
            path.first() == Some(&NodeId(0))
                && path.last() == Some(&from)
                && path.len() <= self.depth()
                && distinct.len() == path.len()
                && !path.contains(&self.id)
                && path.iter().all(|n| n.index() < self.nodes)
        };
        if !well_formed {
            // A general always knows who sent a message: a path that does not end with
            // the sender, or that loops, is not an order of the algorithm.
            return;
        }
        if self.config.signed && !msg.signed_well() {
            ctx.note(ByzNote::Forged {
                path: msg.path().to_vec(),
            });
            return;
        }
        let ByzMsg::Order { path, value, sigs } = msg;
        if self.heard.contains_key(&path) {
            return;
        }
        self.heard.insert(path.clone(), value);
        if self.config.signed {
            // Relay each order once, the first time it is collected.
            if self.collected.insert(value) && path.len() < self.depth() {
                self.send_along(ctx, &path, value, &sigs);
            }
        } else if path.len() < self.depth() {
            self.send_along(ctx, &path, value, &sigs);
        }
    }

    fn on_timer(&mut self, ctx: &mut BCtx, timer: ByzTimer) {
        match timer {
            ByzTimer::Send => self.send_along(ctx, &[], self.config.order, &[]),
            ByzTimer::Decide => self.decide(ctx),
        }
    }

    fn timer_text(timer: &ByzTimer) -> String {
        match timer {
            ByzTimer::Send => "give the order".into(),
            ByzTimer::Decide => "the rounds are over: decide".into(),
        }
    }

    fn status(&self) -> NodeStatus {
        NodeStatus {
            role: match (self.is_commander(), self.decision) {
                (true, _) => super::roles::COMMANDER,
                (false, None) => super::roles::LIEUTENANT,
                (false, Some(Order::Attack)) => super::roles::ATTACKS,
                (false, Some(Order::Retreat)) => super::roles::RETREATS,
            },
            term: 0,
            log_len: 0,
            commit: 0,
        }
    }

    /// Lies: an order other than the one the honest code meant (different ones to
    /// different generals, or the opposite), or silence. With signatures, a liar can sign
    /// only as itself: a commander may sign two different orders, but a relay that changes
    /// an order cannot sign for those before it, so its lie is refused.
    fn lie(
        behaviour: &str,
        _from: NodeId,
        to: NodeId,
        msg: ByzMsg,
        rng: &mut SimRng,
    ) -> Option<ByzMsg> {
        let ByzMsg::Order {
            path,
            value,
            mut sigs,
        } = msg;
        let lied = match behaviour {
            "two-faced" => {
                if to.0 % 2 == 1 {
                    Order::Attack
                } else {
                    Order::Retreat
                }
            }
            "opposite" => value.other(),
            "random" => {
                if rng.chance(Ppm::percent(50)) {
                    Order::Attack
                } else {
                    Order::Retreat
                }
            }
            _ => return None,
        };
        if let (Some(last), Some(me)) = (sigs.last_mut(), path.last()) {
            *last = signature(*me, lied, &path);
        }
        Some(ByzMsg::Order {
            path,
            value: lied,
            sigs,
        })
    }

    fn invariants(config: &ByzConfig, nodes: usize) -> Vec<Box<dyn Invariant<Self>>> {
        super::checkers::safety(config, nodes)
    }

    fn end_properties(config: &ByzConfig, nodes: usize) -> Vec<Box<dyn EndProperty<Self>>> {
        super::checkers::at_end(config, nodes)
    }
}

//! One general: the orders it heard and along which paths, and its decision.

use super::msg::{signature, ByzDisk, ByzMsg, ByzNote, ByzTimer, Order};
use super::{ByzBug, ByzConfig};
use crate::check::{EndProperty, Invariant};
use crate::flat::{FlatMap, FlatSet};
use crate::ids::NodeId;
use crate::protocol::{Ctx, NodeStatus, Protocol};
use crate::rng::{Ppm, SimRng};

#[derive(Clone, Debug)]
pub struct ByzGeneral {
    id: NodeId,
    nodes: usize,
    config: ByzConfig,
    /// What reached this general along each path (the first copy counts).
    heard: FlatMap<Vec<NodeId>, Order>,
    /// Signed messages: the orders collected with genuine signatures.
    collected: FlatSet<Order>,
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
        crate::sort::by(&mut all, |(a, _), (b, _)| (a.len(), a).cmp(&(b.len(), b)));
        all.into_iter()
    }

    pub fn collected(&self) -> &FlatSet<Order> {
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

    /// What must be up for the service to answer: more than two thirds of the generals (n - m of n = 3m + 1) must take part.
    fn needs(_config: &Self::Config, nodes: usize) -> crate::availability::Needs {
        crate::availability::Needs::AtLeast(nodes - (nodes - 1) / 3)
    }

    fn boot(id: NodeId, nodes: usize, config: &ByzConfig, _disk: &ByzDisk) -> Self {
        ByzGeneral {
            id,
            nodes,
            config: config.clone(),
            heard: FlatMap::new(),
            collected: FlatSet::new(),
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
            let distinct: FlatSet<&NodeId> = FlatSet::from_iter(path);
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

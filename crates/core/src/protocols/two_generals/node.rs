//! One general: what it knows of the plan, the messengers it has received, and its
//! decision.

use super::msg::{Decision, GeneralsDisk, GeneralsMsg, GeneralsNote, GeneralsTimer, GeneralsWrite};
use super::{GeneralsBug, GeneralsConfig};
use crate::check::{EndProperty, Invariant};
use crate::ids::NodeId;
use crate::protocol::{Ctx, NodeStatus, Protocol};
use crate::rng::SimRng;
use crate::time::Micros;

#[derive(Clone, Debug)]
pub struct General {
    id: NodeId,
    config: GeneralsConfig,
    plan: Option<Micros>,
    heard: u32,
    decision: Option<Decision>,
    /// Whether the decision was made at the moment (false: late, after a restart).
    on_time: bool,
}

type GCtx<'a> = Ctx<'a, General>;

impl General {
    /// The first general picks the moment; the second learns it from the order.
    pub fn is_first(&self) -> bool {
        self.id.0 == 0
    }

    fn other(&self) -> NodeId {
        NodeId(1 - self.id.0.min(1))
    }

    /// Messenger `depth` is sent by the first general when odd, by the second when even.
    fn sends(&self, depth: u32) -> bool {
        (depth % 2 == 1) == self.is_first()
    }

    /// The messenger this general owes: the one after the deepest it received.
    fn owed(&self) -> Option<u32> {
        let next = self.heard + 1;
        (self.sends(next) && next <= self.config.messages && self.plan.is_some()).then_some(next)
    }

    /// The last messenger of the chain meant for this general (0: none).
    fn last_for_me(&self) -> u32 {
        (1..=self.config.messages)
            .rev()
            .find(|&d| !self.sends(d))
            .unwrap_or(0)
    }

    /// Whether every messenger meant for this general has arrived.
    pub fn complete(&self) -> bool {
        self.plan.is_some() && self.heard >= self.last_for_me()
    }

    pub fn plan(&self) -> Option<Micros> {
        self.plan
    }

    pub fn heard(&self) -> u32 {
        self.heard
    }

    pub fn decision(&self) -> Option<Decision> {
        self.decision
    }

    pub fn decided_on_time(&self) -> bool {
        self.on_time
    }

    pub fn messages(&self) -> u32 {
        self.config.messages
    }

    fn send_owed(&self, ctx: &mut GCtx) {
        if let (Some(depth), Some(attack_at)) = (self.owed(), self.plan) {
            if self.decision.is_none() {
                ctx.send(self.other(), GeneralsMsg::Messenger { depth, attack_at });
            }
        }
    }

    fn arm_deadline(&self, ctx: &mut GCtx) {
        if let (Some(at), None) = (self.plan, self.decision) {
            let now = ctx.clock().max(0) as Micros;
            ctx.set_timer(GeneralsTimer::Deadline, at.saturating_sub(now).max(1));
        }
    }

    fn decide(&mut self, ctx: &mut GCtx, on_time: bool) {
        if self.decision.is_some() {
            return;
        }
        let complete = self.complete();
        let decision = if complete && on_time {
            Decision::Attack
        } else {
            Decision::Hold
        };
        self.decision = Some(decision);
        self.on_time = on_time;
        if !self.config.has(GeneralsBug::ForgetDecision) {
            ctx.persist(GeneralsWrite::Decided(decision));
        }
        ctx.cancel_timer(GeneralsTimer::Resend);
        ctx.note(GeneralsNote::Decided { decision, complete });
    }
}

impl Protocol for General {
    type Msg = GeneralsMsg;
    type Timer = GeneralsTimer;
    type Disk = GeneralsDisk;
    type Config = GeneralsConfig;
    type Note = GeneralsNote;
    const ROLES: &'static [crate::protocol::RoleDesc] = super::roles::ALL;

    /// What must be up for the service to answer: both generals.
    fn needs(_config: &Self::Config, nodes: usize) -> crate::availability::Needs {
        crate::availability::Needs::AtLeast(nodes)
    }

    fn boot(id: NodeId, _nodes: usize, config: &GeneralsConfig, disk: &GeneralsDisk) -> Self {
        General {
            id,
            config: config.clone(),
            plan: disk.plan,
            heard: disk.heard,
            decision: disk.decision,
            on_time: disk.decision.is_some(),
        }
    }

    fn on_start(&mut self, ctx: &mut GCtx) {
        if self.is_first() {
            self.plan = Some(self.config.attack_at_us);
            ctx.persist(GeneralsWrite::Plan(self.config.attack_at_us));
            self.send_owed(ctx);
            self.arm_deadline(ctx);
        }
        ctx.set_timer(GeneralsTimer::Resend, self.config.resend_us);
    }

    fn on_recover(&mut self, ctx: &mut GCtx) {
        // Back from a crash: a general that missed the moment can no longer attack.
        if let (Some(at), None) = (self.plan, self.decision) {
            if ctx.clock() >= at as i64 {
                self.decide(ctx, false);
                return;
            }
        }
        self.arm_deadline(ctx);
        ctx.set_timer(GeneralsTimer::Resend, self.config.resend_us);
    }

    fn on_message(&mut self, ctx: &mut GCtx, from: NodeId, msg: GeneralsMsg) {
        let GeneralsMsg::Messenger { depth, attack_at } = msg;
        if from == self.id || self.sends(depth) || self.decision.is_some() {
            return;
        }
        if depth > self.heard {
            self.heard = depth;
            ctx.persist(GeneralsWrite::Heard(depth));
            ctx.note(GeneralsNote::Received { depth });
            if self.plan.is_none() {
                self.plan = Some(attack_at);
                ctx.persist(GeneralsWrite::Plan(attack_at));
                self.arm_deadline(ctx);
            }
        }
        // Answer at once; an old messenger again means our answer may have been caught.
        self.send_owed(ctx);
    }

    fn on_timer(&mut self, ctx: &mut GCtx, timer: GeneralsTimer) {
        match timer {
            GeneralsTimer::Resend => {
                if self.decision.is_none() {
                    self.send_owed(ctx);
                    ctx.set_timer(GeneralsTimer::Resend, self.config.resend_us);
                }
            }
            GeneralsTimer::Deadline => self.decide(ctx, true),
        }
    }

    fn timer_text(timer: &GeneralsTimer) -> String {
        match timer {
            GeneralsTimer::Resend => "send the owed messenger again",
            GeneralsTimer::Deadline => "the moment of the attack",
        }
        .into()
    }

    fn status(&self) -> NodeStatus {
        NodeStatus {
            role: if self.is_first() {
                super::roles::FIRST
            } else {
                super::roles::SECOND
            },
            // Messengers and decisions are told as notes, not as a log and commits.
            term: 0,
            log_len: 0,
            commit: 0,
        }
    }

    fn lie(
        behaviour: &str,
        _from: NodeId,
        _to: NodeId,
        msg: GeneralsMsg,
        _rng: &mut SimRng,
    ) -> Option<GeneralsMsg> {
        match (behaviour, msg) {
            ("wrong-time", GeneralsMsg::Messenger { depth, attack_at }) => {
                Some(GeneralsMsg::Messenger {
                    depth,
                    attack_at: attack_at + 2_000_000,
                })
            }
            _ => None,
        }
    }

    fn invariants(_config: &GeneralsConfig, _nodes: usize) -> Vec<Box<dyn Invariant<Self>>> {
        super::checkers::safety()
    }

    fn end_properties(_config: &GeneralsConfig, _nodes: usize) -> Vec<Box<dyn EndProperty<Self>>> {
        super::checkers::at_end()
    }
}

//! One node: a client making calls one after another, or the server applying them.

use super::msg::{CallId, RpcDisk, RpcMsg, RpcNote, RpcTimer, RpcWrite};
use super::{Reissue, RpcBug, RpcConfig, Steps, AMOUNT};
use crate::check::{EndProperty, Invariant};
use crate::flat::FlatMap;
use crate::ids::NodeId;
use crate::protocol::{Ctx, NodeStatus, Protocol};

#[derive(Clone, Debug)]
pub struct RpcNode {
    id: NodeId,
    nodes: usize,
    config: RpcConfig,
    // A client's state.
    started: u32,
    waiting: Option<u32>,
    /// When (on its own clock) it began waiting for the call, or came back to it.
    waiting_since: i64,
    attempt: u32,
    answered: u32,
    gave_up: u32,
    last_balance: Option<u64>,
    /// Whether the completion message of its last call came (for a keyless strategy).
    acked: bool,
    // The server's state.
    balance: u64,
    ledger: Vec<CallId>,
    answers: FlatMap<CallId, u64>,
}

type RCtx<'a> = Ctx<'a, RpcNode>;

impl RpcNode {
    /// The server is the last node; every other node is a client.
    pub fn is_server(&self) -> bool {
        self.id.index() + 1 == self.nodes
    }

    fn server(&self) -> NodeId {
        NodeId(self.nodes as u32 - 1)
    }

    pub fn config(&self) -> &RpcConfig {
        &self.config
    }

    pub fn calls(&self) -> u32 {
        self.config.calls
    }

    pub fn started(&self) -> u32 {
        self.started
    }

    /// The call this client waits for, if any.
    pub fn waiting(&self) -> Option<u32> {
        self.waiting
    }

    /// When, on its own clock, it began waiting for the call it waits for.
    pub fn waiting_since(&self) -> i64 {
        self.waiting_since
    }

    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    pub fn answered(&self) -> u32 {
        self.answered
    }

    pub fn gave_up(&self) -> u32 {
        self.gave_up
    }

    pub fn last_balance(&self) -> Option<u64> {
        self.last_balance
    }

    pub fn balance(&self) -> u64 {
        self.balance
    }

    /// The calls applied to the account, in order.
    pub fn ledger(&self) -> &[CallId] {
        &self.ledger
    }

    /// Whether the server keeps a table of answers at all (not under `no-dedup`, nor with
    /// a keyless reissue strategy).
    pub fn keeps_table(&self) -> bool {
        !self.config.has(RpcBug::NoDedup) && self.config.keyed()
    }

    /// Whether the completion message of this client's last call came.
    pub fn acked(&self) -> bool {
        self.acked
    }

    /// The server's table of answers by idempotency key.
    pub fn answers(&self) -> &FlatMap<CallId, u64> {
        &self.answers
    }

    fn send_call(&self, ctx: &mut RCtx, number: u32) {
        let call = CallId {
            client: self.id,
            number,
        };
        ctx.send(
            self.server(),
            RpcMsg::Call {
                call,
                amount: AMOUNT,
                attempt: self.attempt,
            },
        );
        // A keyless client has no timeout: it waits to hear from the server.
        if self.config.keyed() {
            ctx.set_timer(RpcTimer::Timeout, self.config.timeout_us);
        }
    }

    fn start_next(&mut self, ctx: &mut RCtx) {
        if self.waiting.is_some() || self.started >= self.config.calls {
            return;
        }
        let number = self.started + 1;
        self.started = number;
        self.waiting = Some(number);
        self.waiting_since = ctx.clock();
        self.attempt = 1;
        self.acked = false;
        ctx.persist(RpcWrite::Started(number));
        ctx.note(RpcNote::Calls { number });
        self.send_call(ctx, number);
    }

    fn end_call(&mut self, ctx: &mut RCtx, answered: bool) {
        self.waiting = None;
        if answered {
            self.answered += 1;
        } else {
            self.gave_up += 1;
        }
        ctx.persist(RpcWrite::Ended { answered });
        ctx.cancel_timer(RpcTimer::Timeout);
        ctx.set_timer(RpcTimer::Next, self.config.pause_us.max(1));
    }

    /// The server's side of a call: its two steps, P (apply) and M (the completion
    /// message), together or `work` apart in the order of [`Steps`].
    fn serve(&mut self, ctx: &mut RCtx, from: NodeId, call: CallId, amount: u64) {
        if self.keeps_table() {
            if let Some(&balance) = self.answers.get(&call) {
                ctx.note(RpcNote::AnswersAgain { call });
                ctx.send(from, RpcMsg::Reply { call, balance });
                return;
            }
        }
        match self.config.steps {
            Steps::Together => {
                self.apply(ctx, call, amount);
                let balance = self.balance;
                ctx.send(from, RpcMsg::Reply { call, balance });
            }
            Steps::ReplyFirst => {
                ctx.note(RpcNote::ConfirmsFirst { call });
                let balance = self.balance + amount;
                ctx.send(from, RpcMsg::Reply { call, balance });
                ctx.set_timer(RpcTimer::Work(call), self.config.work_us);
            }
            Steps::EffectFirst => {
                self.apply(ctx, call, amount);
                ctx.set_timer(RpcTimer::Work(call), self.config.work_us);
            }
        }
    }

    /// The server's second step for `call`, `work` after its first.
    fn second_step(&mut self, ctx: &mut RCtx, call: CallId) {
        match self.config.steps {
            Steps::ReplyFirst => self.apply(ctx, call, AMOUNT),
            Steps::EffectFirst | Steps::Together => {
                let balance = self.balance;
                ctx.send(call.client, RpcMsg::Reply { call, balance });
            }
        }
    }

    /// P: the deposit, written to disk with the call's key when the server keeps a table.
    fn apply(&mut self, ctx: &mut RCtx, call: CallId, amount: u64) {
        let dedup = self.keeps_table();
        self.balance += amount;
        self.ledger.push(call);
        if dedup {
            self.answers.insert(call, self.balance);
        }
        ctx.persist(RpcWrite::Applied {
            call,
            balance: self.balance,
            key: dedup && !self.config.has(RpcBug::ForgetKeys),
        });
        ctx.note(RpcNote::Applies {
            call,
            balance: self.balance,
        });
    }

    /// A keyless client hears that the server restarted: it sends its last call again or
    /// not, as its strategy says, knowing only whether that call's completion came.
    fn on_restarted(&mut self, ctx: &mut RCtx) {
        let number = self.started;
        if number == 0 {
            return;
        }
        let acked = self.acked;
        let again = match self.config.reissue {
            Reissue::Always => true,
            Reissue::WhenAcked => acked,
            Reissue::WhenNotAcked => !acked,
            Reissue::Never | Reissue::Key => false,
        };
        if again {
            ctx.note(RpcNote::Reissues { number, acked });
            self.attempt += 1;
            self.send_call(ctx, number);
        } else {
            ctx.note(RpcNote::KeepsQuiet { number, acked });
            if self.waiting == Some(number) {
                ctx.note(RpcNote::GivesUp { number });
                self.end_call(ctx, false);
            }
        }
    }
}

impl Protocol for RpcNode {
    type Msg = RpcMsg;
    type Timer = RpcTimer;
    type Disk = RpcDisk;
    type Config = RpcConfig;
    type Note = RpcNote;
    const ROLES: &'static [crate::protocol::RoleDesc] = super::roles::ALL;

    /// What must be up for the service to answer: the one server, the last node.
    fn needs(_config: &Self::Config, nodes: usize) -> crate::availability::Needs {
        crate::availability::Needs::These(vec![crate::ids::NodeId(nodes as u32 - 1)])
    }

    fn boot(id: NodeId, nodes: usize, config: &RpcConfig, disk: &RpcDisk) -> Self {
        RpcNode {
            id,
            nodes,
            config: config.clone(),
            started: disk.started,
            waiting: disk.waiting,
            waiting_since: 0,
            attempt: 1,
            answered: disk.answered,
            gave_up: disk.gave_up,
            last_balance: None,
            acked: false,
            balance: disk.balance,
            ledger: disk.ledger.clone(),
            answers: disk.answers.clone(),
        }
    }

    fn on_start(&mut self, ctx: &mut RCtx) {
        if !self.is_server() {
            self.start_next(ctx);
        }
    }

    fn on_recover(&mut self, ctx: &mut RCtx) {
        if self.is_server() {
            // Without keys the clients rely on hearing about a restart.
            if !self.config.keyed() {
                ctx.note(RpcNote::AnnouncesRestart);
                for client in 0..self.nodes as u32 - 1 {
                    ctx.send(NodeId(client), RpcMsg::Restarted);
                }
            }
            return;
        }
        self.waiting_since = ctx.clock();
        // A call that was waiting is asked again under the same key: the client cannot
        // know whether it took effect before the crash.
        match self.waiting {
            Some(number) if !self.config.has(RpcBug::NoRetry) => {
                self.attempt += 1;
                ctx.note(RpcNote::Retries {
                    number,
                    attempt: self.attempt,
                });
                self.send_call(ctx, number);
            }
            Some(_) => ctx.set_timer(RpcTimer::Timeout, self.config.timeout_us),
            None => ctx.set_timer(RpcTimer::Next, self.config.pause_us.max(1)),
        }
    }

    fn on_message(&mut self, ctx: &mut RCtx, from: NodeId, msg: RpcMsg) {
        match msg {
            RpcMsg::Call { call, amount, .. } if self.is_server() => {
                self.serve(ctx, from, call, amount)
            }
            // Only the answer to the call it waits for; a late copy of an earlier answer
            // is ignored.
            RpcMsg::Reply { call, balance }
                if !self.is_server()
                    && from == self.server()
                    && call.client == self.id
                    && self.waiting == Some(call.number) =>
            {
                self.last_balance = Some(balance);
                self.acked = true;
                let answered = RpcNote::Answered {
                    number: call.number,
                    balance,
                };
                // The checker's copy: a call confirmed must have taken effect.
                ctx.record(answered.clone());
                ctx.note(answered);
                self.end_call(ctx, true);
            }
            RpcMsg::Restarted if !self.is_server() && !self.config.keyed() => {
                self.on_restarted(ctx)
            }
            _ => {}
        }
    }

    fn on_timer(&mut self, ctx: &mut RCtx, timer: RpcTimer) {
        match timer {
            RpcTimer::Timeout => {
                let Some(number) = self.waiting else {
                    return;
                };
                if self.config.has(RpcBug::NoRetry) {
                    ctx.note(RpcNote::GivesUp { number });
                    self.end_call(ctx, false);
                } else {
                    self.attempt += 1;
                    ctx.note(RpcNote::Retries {
                        number,
                        attempt: self.attempt,
                    });
                    self.send_call(ctx, number);
                }
            }
            RpcTimer::Next => self.start_next(ctx),
            RpcTimer::Work(call) => self.second_step(ctx, call),
        }
    }

    fn timer_text(timer: &RpcTimer) -> String {
        match timer {
            RpcTimer::Timeout => "no answer yet: send the call again (or give up)",
            RpcTimer::Next => "time for the next call",
            RpcTimer::Work(_) => "the second step of a call: apply it, or send its completion",
        }
        .into()
    }

    fn status(&self) -> NodeStatus {
        // No log and nothing committed: the card tells the calls and the account.
        NodeStatus {
            role: if self.is_server() {
                super::roles::SERVER
            } else {
                super::roles::CLIENT
            },
            term: 0,
            log_len: 0,
            commit: 0,
        }
    }

    fn invariants(_config: &RpcConfig, _nodes: usize) -> Vec<Box<dyn Invariant<Self>>> {
        super::checkers::safety()
    }

    fn end_properties(_config: &RpcConfig, _nodes: usize) -> Vec<Box<dyn EndProperty<Self>>> {
        super::checkers::at_end()
    }
}

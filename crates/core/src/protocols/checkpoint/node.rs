//! One process: its jobs and history, its log, what it knows of rollbacks, and the inputs
//! the engine hands it; its checkpoints and the coordinated rounds in `node/rounds.rs`, its
//! restarts, rollbacks and replays in `node/recover.rs`.

mod recover;
mod rounds;

use super::msg::{Checkpoint, CkDisk, CkMsg, CkNote, CkTimer, CkWrite, Logged, Rollback, Rsn};
use super::{CkBug, CkConfig, Ended, Entry, Event, Logging, Mid, Pos, Scheme, COORDINATOR};
use crate::check::{EndProperty, Invariant};
use crate::flat::{FlatMap, FlatSet};
use crate::ids::NodeId;
use crate::protocol::{Ctx, NodeStatus, Protocol};

pub(super) type KCtx<'a> = Ctx<'a, CkNode>;

/// A restarted process collecting the jobs the others logged for it (sender-based logging).
#[derive(Clone, Debug)]
pub struct Collect {
    /// The checkpoint it restarted from and the events it holds.
    pub checkpoint: Option<u32>,
    pub after: Pos,
    /// Checkpoints it went back past.
    pub passed: u32,
    /// What each process answered.
    pub answers: FlatMap<NodeId, Vec<Logged>>,
}

#[derive(Clone, Debug)]
pub struct CkNode {
    id: NodeId,
    n: usize,
    config: CkConfig,
    inc: u32,
    /// Its state: every event it has done, in order.
    history: Vec<Entry>,
    /// What the history adds up to: the jobs it received (per sender, as incarnation and
    /// number), its total, its jobs started.
    applied: Vec<FlatSet<(u32, u32)>>,
    total: u64,
    seq: u32,
    /// As on its disk: its checkpoints, how much of its history is written, its own
    /// rollbacks, the rollbacks it knows of, its sent jobs (sender-based logging), the
    /// rounds it started (the coordinator), checkpoints numbered (independent).
    checkpoints: Vec<Checkpoint>,
    durable: Pos,
    rollbacks: Vec<Rollback>,
    table: Vec<Ended>,
    sent: Vec<Logged>,
    rounds: u32,
    taken: u32,
    /// The round whose tentative checkpoint it holds, holding back its jobs until done.
    holding: Option<u32>,
    /// The coordinator: the round in progress and who has reported.
    open: Option<(u32, FlatSet<NodeId>)>,
    /// A job is due but may not start yet.
    tick_due: bool,
    flush_armed: bool,
    /// Sender-based logging: jobs received whose order the sender has not confirmed.
    unconfirmed: FlatMap<Mid, Rsn>,
    /// Sender-based logging: collecting its logged jobs after a restart.
    collecting: Option<Collect>,
    /// Per peer, the digest of the rollbacks it last said it knows.
    known: Vec<Option<u64>>,
    /// Restores since it booted, and the events the latest one restored.
    restores: u32,
    base: Pos,
}

impl CkNode {
    pub fn config(&self) -> &CkConfig {
        &self.config
    }

    pub fn id(&self) -> NodeId {
        self.id
    }

    /// Its history: its state, event by event.
    pub fn history(&self) -> &[Entry] {
        &self.history
    }

    /// Its total: the sizes of the jobs it started and received.
    pub fn total(&self) -> u64 {
        self.total
    }

    pub fn incarnation(&self) -> u32 {
        self.inc
    }

    pub fn checkpoints(&self) -> &[Checkpoint] {
        &self.checkpoints
    }

    /// The rollbacks it knows of.
    pub fn table(&self) -> &[Ended] {
        &self.table
    }

    /// Its own rollbacks since the start (as written on its disk).
    pub fn rollbacks(&self) -> &[Rollback] {
        &self.rollbacks
    }

    /// How much of its history is on its disk.
    pub fn durable(&self) -> Pos {
        self.durable
    }

    /// Sender-based logging: the jobs it sent, as logged.
    pub fn sent_log(&self) -> &[Logged] {
        &self.sent
    }

    /// Jobs it received whose order their sender has not yet confirmed writing down.
    pub fn unconfirmed(&self) -> impl Iterator<Item = Mid> + '_ {
        self.unconfirmed.keys().copied()
    }

    /// The round it holds back its jobs for.
    pub fn holding(&self) -> Option<u32> {
        self.holding
    }

    /// Whether it is collecting its logged jobs after a restart (and does nothing else).
    pub fn recovering(&self) -> bool {
        self.collecting.is_some()
    }

    /// Who it still waits for, while collecting its logged jobs.
    pub fn waiting_for(&self) -> Vec<NodeId> {
        match &self.collecting {
            Some(c) => self
                .peers()
                .filter(|p| !c.answers.contains_key(p))
                .collect(),
            None => Vec::new(),
        }
    }

    /// Times it went back to a saved state since it booted, and the events the latest one
    /// kept.
    pub fn restores(&self) -> (u32, Pos) {
        (self.restores, self.base)
    }

    /// Whether a job is due that it may not start yet.
    pub fn job_waiting(&self) -> bool {
        self.tick_due
    }

    /// The rollback it knows of that undid job `id`, sent after `pos` events, if any.
    pub fn undone_by(&self, id: Mid, pos: Pos) -> Option<Ended> {
        self.table.iter().find(|e| e.undoes(id, pos)).copied()
    }

    fn peers(&self) -> impl Iterator<Item = NodeId> + 'static {
        let me = self.id;
        (0..self.n as u32).map(NodeId).filter(move |p| *p != me)
    }

    fn is_coordinator(&self) -> bool {
        self.config.scheme == Scheme::Coordinated && self.id == COORDINATOR
    }

    /// Adds an event to its state.
    fn push(&mut self, entry: Entry) {
        self.total += u64::from(entry.size());
        match entry.event {
            Event::Tick { seq, .. } => self.seq = self.seq.max(seq),
            Event::Apply { id, .. } => {
                if let Some(from) = self.applied.get_mut(id.from.index()) {
                    from.insert((id.inc, id.seq));
                }
            }
        }
        self.history.push(entry);
    }

    /// Rebuilds what its history adds up to.
    fn recount(&mut self) {
        self.applied = vec![FlatSet::default(); self.n];
        self.total = 0;
        self.seq = 0;
        let history = std::mem::take(&mut self.history);
        for e in &history {
            self.push(*e);
        }
        self.history = history;
    }

    /// Writes the event it just did to its log, as its logging says.
    fn log_last(&mut self, ctx: &mut KCtx) {
        let len = self.history.len() as Pos;
        if self.config.batches() {
            if !self.flush_armed {
                ctx.set_timer(CkTimer::Flush, self.config.flush_us);
                self.flush_armed = true;
            }
        } else if self.config.logging == Logging::PessimisticReceiver && self.durable < len {
            let from = self.durable;
            ctx.persist(CkWrite::Log {
                from,
                events: self.history[from as usize..].to_vec(),
            });
            self.durable = len;
        }
    }

    /// Writes the waiting events to the log (optimistic logging).
    fn flush(&mut self, ctx: &mut KCtx) {
        self.flush_armed = false;
        let len = self.history.len() as Pos;
        if self.collecting.is_none() && self.durable < len {
            let from = self.durable;
            ctx.persist(CkWrite::Log {
                from,
                events: self.history[from as usize..].to_vec(),
            });
            self.durable = len;
        }
    }

    /// Whether it may start a job now: not while it collects its logged jobs, holds back
    /// its jobs for a round, or (sender-based logging) waits for a sender to confirm the
    /// order of a job it received.
    fn may_start(&self) -> bool {
        self.collecting.is_none()
            && (self.holding.is_none() || self.config.has(CkBug::SendDuringCheckpoint))
            && (self.unconfirmed.is_empty()
                || self.config.logging != Logging::PessimisticSender
                || self.config.has(CkBug::SendBeforeLogged))
    }

    /// Starts the job that was due, if it may now.
    fn start_due(&mut self, ctx: &mut KCtx) {
        if self.tick_due && self.may_start() {
            self.start_job(ctx);
        }
    }

    /// Starts a job: its size and receiver follow from the state, it is added to the total,
    /// written down as the logging says, and sent.
    fn start_job(&mut self, ctx: &mut KCtx) {
        self.tick_due = false;
        if self.n < 2 {
            return;
        }
        let pos = self.history.len() as Pos + 1;
        let mix = spread(self.total ^ (u64::from(pos) << 32) ^ u64::from(self.id.0) << 56);
        let size = 1 + (mix % 9) as u32;
        let peers: Vec<NodeId> = self.peers().collect();
        let to = peers[((mix >> 16) % peers.len() as u64) as usize];
        let seq = self.seq + 1;
        let at = ctx.clock();
        self.push(Entry {
            inc: self.inc,
            at,
            event: Event::Tick { to, seq, size },
        });
        match self.config.logging {
            Logging::PessimisticSender => {
                let logged = Logged {
                    id: Mid {
                        from: self.id,
                        inc: self.inc,
                        seq,
                    },
                    to,
                    pos,
                    size,
                    at,
                    rsn: None,
                };
                ctx.persist(CkWrite::Sent(logged));
                self.sent.push(logged);
            }
            _ => self.log_last(ctx),
        }
        ctx.send(
            to,
            CkMsg::Job {
                inc: self.inc,
                seq,
                pos,
                size,
            },
        );
    }

    /// A job arrives: discarded if a rollback undid it or it was received before, else
    /// added to the state and written down as the logging says.
    fn on_job(&mut self, ctx: &mut KCtx, from: NodeId, id: Mid, pos: Pos, size: u32) {
        if self.collecting.is_some() {
            return;
        }
        if let Some(by) = self.undone_by(id, pos) {
            ctx.note(CkNote::Discards { id, by });
            return;
        }
        if self.applied[from.index()].contains(&(id.inc, id.seq)) {
            return;
        }
        let at = ctx.clock();
        self.push(Entry {
            inc: self.inc,
            at,
            event: Event::Apply { id, pos, size },
        });
        if self.config.logging == Logging::PessimisticSender {
            let rsn = Rsn {
                inc: self.inc,
                pos: self.history.len() as Pos,
                at,
            };
            self.unconfirmed.insert(id, rsn);
            ctx.send(from, CkMsg::Order { id, rsn });
        } else {
            self.log_last(ctx);
        }
    }

    /// The sender's side of a receive sequence number: written beside the logged job, and
    /// confirmed.
    fn on_order(&mut self, ctx: &mut KCtx, from: NodeId, id: Mid, rsn: Rsn) {
        let Some(l) = self
            .sent
            .iter_mut()
            .rev()
            .find(|l| l.id == id && l.to == from)
        else {
            return;
        };
        if l.rsn != Some(rsn) {
            l.rsn = Some(rsn);
            ctx.persist(CkWrite::Rsn { id, rsn });
        }
        ctx.send(from, CkMsg::Ordered { id });
    }

    fn on_ordered(&mut self, ctx: &mut KCtx, id: Mid) {
        if self.unconfirmed.remove(&id).is_some() {
            self.start_due(ctx);
        }
    }

    /// Its table of rollbacks in one number, to tell whether a peer knows the same.
    pub fn digest(&self) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for e in &self.table {
            for x in [
                u64::from(e.node.0),
                u64::from(e.inc),
                u64::from(e.at),
                e.round.map_or(u64::MAX, u64::from),
                e.line,
            ] {
                h = (h ^ x).wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
        h
    }

    /// Sends every peer that may not know them the rollbacks it knows of.
    fn tell_rollbacks(&mut self, ctx: &mut KCtx) {
        if self.table.is_empty() {
            return;
        }
        let digest = self.digest();
        for p in self.peers() {
            if self.known[p.index()] != Some(digest) {
                ctx.send(
                    p,
                    CkMsg::Rollbacks {
                        ended: self.table.clone(),
                    },
                );
            }
        }
    }

    /// Rollbacks from a peer: the new ones are written down, acknowledged, and may make
    /// this process an orphan.
    fn on_rollbacks(&mut self, ctx: &mut KCtx, from: NodeId, ended: Vec<Ended>) {
        let new: Vec<Ended> = ended
            .into_iter()
            .filter(|e| self.table.binary_search(e).is_err())
            .collect();
        if !new.is_empty() {
            ctx.persist(CkWrite::Learn { ended: new.clone() });
            for e in new {
                if let Err(i) = self.table.binary_search(&e) {
                    self.table.insert(i, e);
                }
            }
        }
        ctx.send(
            from,
            CkMsg::Known {
                digest: self.digest(),
            },
        );
        self.check_orphan(ctx);
    }

    /// Sends again what has not been answered.
    fn repair(&mut self, ctx: &mut KCtx) {
        ctx.set_timer(CkTimer::Repair, super::REPAIR);
        self.tell_rollbacks(ctx);
        for (id, rsn) in self.unconfirmed.iter() {
            ctx.send(id.from, CkMsg::Order { id: *id, rsn: *rsn });
        }
        self.repair_rounds(ctx);
        if let Some(c) = &self.collecting {
            let attempt = self.inc;
            let after = c.after;
            for p in self.waiting_for() {
                ctx.send(p, CkMsg::AskLog { after, attempt });
            }
        }
    }

    fn schedule_job(&mut self, ctx: &mut KCtx) {
        let j = self.config.jobs_us;
        let after = ctx.random_between((j / 2).max(1), j + j / 2);
        ctx.set_timer(CkTimer::Job, after);
    }

    fn on_job_timer(&mut self, ctx: &mut KCtx) {
        self.schedule_job(ctx);
        if self.may_start() {
            self.start_job(ctx);
        } else {
            self.tick_due = true;
        }
    }
}

/// Spreads the bits of `x` (a fixed mix, so a job's size and receiver follow from the state).
fn spread(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

impl Protocol for CkNode {
    type Msg = CkMsg;
    type Timer = CkTimer;
    type Disk = CkDisk;
    type Config = CkConfig;
    type Note = CkNote;
    const ROLES: &'static [crate::protocol::RoleDesc] = super::roles::ALL;

    /// What must be up for the application's work to go on: every process (each sends its
    /// jobs to the others and checkpoints in rounds with them).
    fn needs(_config: &Self::Config, nodes: usize) -> crate::availability::Needs {
        crate::availability::Needs::AtLeast(nodes)
    }

    /// From its disk: everything it wrote, its whole written history in memory; on a
    /// restart, `on_recover` then chooses where to go back to.
    fn boot(id: NodeId, nodes: usize, config: &CkConfig, disk: &CkDisk) -> Self {
        let mut node = CkNode {
            id,
            n: nodes,
            config: config.clone(),
            inc: disk.inc,
            history: disk.events.clone(),
            applied: vec![FlatSet::default(); nodes],
            total: 0,
            seq: 0,
            checkpoints: disk.checkpoints.clone(),
            durable: disk.events.len() as Pos,
            rollbacks: disk.rollbacks.clone(),
            table: disk.table.clone(),
            sent: disk.sent.clone(),
            rounds: disk.rounds,
            taken: disk.taken,
            holding: None,
            open: None,
            tick_due: false,
            flush_armed: false,
            unconfirmed: FlatMap::default(),
            collecting: None,
            known: vec![None; nodes],
            restores: 0,
            base: 0,
        };
        node.recount();
        node
    }

    fn on_start(&mut self, ctx: &mut KCtx) {
        self.schedule_job(ctx);
        ctx.set_timer(CkTimer::Repair, super::REPAIR);
        self.schedule_checkpoint(ctx);
    }

    fn on_recover(&mut self, ctx: &mut KCtx) {
        self.schedule_job(ctx);
        ctx.set_timer(CkTimer::Repair, super::REPAIR);
        self.schedule_checkpoint(ctx);
        self.restart(ctx);
    }

    fn on_message(&mut self, ctx: &mut KCtx, from: NodeId, msg: CkMsg) {
        if from.index() >= self.n || from == self.id {
            return;
        }
        match msg {
            CkMsg::Job {
                inc,
                seq,
                pos,
                size,
            } => self.on_job(ctx, from, Mid { from, inc, seq }, pos, size),
            CkMsg::Rollbacks { ended } => self.on_rollbacks(ctx, from, ended),
            CkMsg::Known { digest } => self.known[from.index()] = Some(digest),
            CkMsg::Request { round } => self.on_request(ctx, from, round),
            CkMsg::Report { round } => self.on_report(ctx, from, round),
            CkMsg::Done { round } => self.on_done(ctx, from, round),
            CkMsg::Abort { round } => self.on_abort(ctx, from, round),
            CkMsg::Order { id, rsn } => self.on_order(ctx, from, id, rsn),
            CkMsg::Ordered { id } => self.on_ordered(ctx, id),
            CkMsg::AskLog { after, attempt } => {
                let jobs = self
                    .sent
                    .iter()
                    .filter(|l| l.to == from && l.rsn.is_some_and(|r| r.pos > after))
                    .copied()
                    .collect();
                ctx.send(from, CkMsg::LogCopy { attempt, jobs });
            }
            CkMsg::LogCopy { attempt, jobs } => self.on_log_copy(ctx, from, attempt, jobs),
        }
    }

    fn on_timer(&mut self, ctx: &mut KCtx, timer: CkTimer) {
        match timer {
            CkTimer::Job => self.on_job_timer(ctx),
            CkTimer::Checkpoint => self.on_checkpoint_timer(ctx),
            CkTimer::Repair => self.repair(ctx),
            CkTimer::Flush => self.flush(ctx),
        }
    }

    fn timer_text(timer: &CkTimer) -> String {
        match timer {
            CkTimer::Job => "time for its next job".into(),
            CkTimer::Checkpoint => "time for its next checkpoint".into(),
            CkTimer::Repair => "time to send again what has not been answered".into(),
            CkTimer::Flush => "time to write its waiting events to its log".into(),
        }
    }

    fn status(&self) -> NodeStatus {
        let role = if self.collecting.is_some() {
            super::roles::RECOVERING
        } else if self.is_coordinator() {
            super::roles::COORDINATOR
        } else if self.holding.is_some() || (self.tick_due && !self.may_start()) {
            super::roles::HOLDING
        } else {
            super::roles::PROCESS
        };
        NodeStatus {
            role,
            term: u64::from(self.inc),
            log_len: 0,
            commit: 0,
        }
    }

    fn invariants(config: &CkConfig, _nodes: usize) -> Vec<Box<dyn Invariant<Self>>> {
        super::checkers::safety(config)
    }

    fn end_properties(config: &CkConfig, _nodes: usize) -> Vec<Box<dyn EndProperty<Self>>> {
        super::checkers::at_end(config)
    }

    fn meter(_config: &CkConfig, _nodes: usize) -> Option<Box<dyn crate::check::Meter<Self>>> {
        Some(Box::new(super::meter::Recovery::default()))
    }
}

/// For hand-made runs in the checkers' tests: a state as a restore or a restart left it.
#[cfg(test)]
impl CkNode {
    /// It has gone back `restores` times since it booted, the latest to `base` events.
    pub fn restored(mut self, restores: u32, base: Pos) -> Self {
        self.restores = restores;
        self.base = base;
        self
    }

    /// It is collecting the jobs logged for it past its event `after`.
    pub fn collecting(mut self, after: Pos) -> Self {
        self.collecting = Some(Collect {
            checkpoint: None,
            after,
            passed: 0,
            answers: FlatMap::default(),
        });
        self
    }
}

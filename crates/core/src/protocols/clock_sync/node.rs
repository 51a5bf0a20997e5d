//! One node: the time server (the Berkeley master) or a client, each with a software
//! correction on top of the engine's physical clock.

use super::msg::{CsDisk, CsMsg, CsNote, CsTimer, CsWrite, Exchange};
use super::{Adjust, Algorithm, CsBug, CsConfig, SERVER};
use crate::check::Invariant;
use crate::ids::NodeId;
use crate::protocol::{Ctx, NodeStatus, Protocol};

/// How fast a slewing clock catches up with its correction: 100,000 parts per million, so
/// it runs 10% fast (or slow) and makes up 100 ms in one second. (Real kernels slew at
/// 500 ppm; a simulation a few seconds long needs it faster to show anything.)
pub const SLEW_PPM: i64 = 100_000;

/// What a node's clock shows, as a function of its physical clock: the correction it aims
/// for, how far a slew towards it has got, and the physical and monotonic clocks at the
/// node's latest input. Small and `Copy`, so that the meter can keep each node's and read
/// the clock between events.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Face {
    /// The correction it aims for: its time is its physical clock plus this. Under `step`
    /// the clock it shows has all of it; under `slew` it is catching up.
    target: i64,
    /// Under `slew`: how much of `target` the shown clock still lacked at monotonic time
    /// `slew_from`.
    slew_left: i64,
    slew_from: i64,
    /// Its physical and monotonic clocks at its latest input.
    phys: i64,
    mono: i64,
}

impl Face {
    /// The clock it shows when its physical clock reads `physical`: its physical clock plus
    /// the correction, less (under `slew`) the part not yet made up. Between its inputs, the
    /// time since its latest one is taken from the physical clock.
    pub fn at(&self, physical: i64) -> i64 {
        let mono = self.mono + (physical - self.phys).max(0);
        physical + self.target - self.remaining(mono)
    }

    /// When its physical clock reads `physical`, how long (on its monotonic clock) the
    /// clock it shows will still slew towards its correction; `None` if it is not slewing.
    pub fn slew_lasts(&self, physical: i64) -> Option<i64> {
        let left = self.remaining(self.mono + (physical - self.phys).max(0));
        (left != 0).then(|| (left.unsigned_abs() * 1_000_000).div_ceil(SLEW_PPM as u64) as i64)
    }

    /// Under `slew`, what the shown clock still lacks of the correction at monotonic
    /// time `mono`.
    fn remaining(&self, mono: i64) -> i64 {
        if self.slew_left == 0 {
            return 0;
        }
        let made_up = (mono - self.slew_from).max(0) as i128 * SLEW_PPM as i128 / 1_000_000;
        let left = self.slew_left.unsigned_abs() as i128;
        if made_up >= left {
            0
        } else {
            (left - made_up) as i64 * self.slew_left.signum()
        }
    }
}

#[derive(Clone, Debug)]
pub struct CsNode {
    id: NodeId,
    nodes: usize,
    config: CsConfig,
    /// Its clock: correction, slew, and its physical clocks at its latest input.
    face: Face,
    /// The furthest the clock it shows has gone back when it applied a correction (a step
    /// backwards; a slew never goes back).
    went_back: i64,
    /// NTP: requests sent, and the one it waits for (number, t1).
    seq: u64,
    pending: Option<(u64, i64)>,
    /// NTP: its last exchange.
    last: Option<Exchange>,
    /// Its time when it last moved its clock by a synchronisation, and how many times.
    synced_at: Option<i64>,
    syncs: u64,
    /// Berkeley: the round the master is in (a client: the last it applied).
    round: u64,
    /// Berkeley master: its clock when it polled, whether the round still takes answers,
    /// and the estimates so far (node, offset from the master, bound).
    round_t1: i64,
    open: bool,
    estimates: Vec<(NodeId, i64, i64)>,
    /// Berkeley: the last correction it was told (or, the master, gave itself).
    last_move: Option<i64>,
    /// Berkeley master: its last decision (round, median, average, outliers).
    decided: Option<(u64, i64, i64, Vec<NodeId>)>,
}

type CCtx<'a> = Ctx<'a, CsNode>;

impl CsNode {
    pub fn config(&self) -> &CsConfig {
        &self.config
    }

    pub fn id(&self) -> NodeId {
        self.id
    }

    pub fn is_server(&self) -> bool {
        self.id == SERVER
    }

    /// The correction it aims for (its time is its physical clock plus this).
    pub fn correction(&self) -> i64 {
        self.face.target
    }

    /// Its time, given what its physical clock reads: the physical clock plus the whole
    /// correction (under `slew`, where the shown clock is heading).
    pub fn time_at(&self, physical: i64) -> i64 {
        physical + self.face.target
    }

    /// The clock it shows, given what its physical clock reads now: under `slew`, the part
    /// of the correction not yet made up is left out. (Between its inputs, the time since
    /// its latest one is taken from the physical clock.)
    pub fn shown_at(&self, physical: i64) -> i64 {
        self.face.at(physical)
    }

    /// Its clock as a function of its physical clock (see [`Face`]).
    pub fn face(&self) -> Face {
        self.face
    }

    /// The clock it showed at its latest input.
    pub fn shown(&self) -> i64 {
        self.shown_at(self.face.phys)
    }

    /// Its physical clock at its latest input.
    pub fn physical(&self) -> i64 {
        self.face.phys
    }

    /// The part of its correction its shown clock still lacks (at its latest input).
    pub fn slewing(&self) -> i64 {
        self.face.remaining(self.face.mono)
    }

    /// The furthest the clock it shows has gone back when it applied a correction, since
    /// it last started (zero if it never went back).
    pub fn went_back(&self) -> i64 {
        self.went_back
    }

    /// Its last NTP exchange.
    pub fn last(&self) -> Option<&Exchange> {
        self.last.as_ref()
    }

    /// Its time at its last synchronisation.
    pub fn synced_at(&self) -> Option<i64> {
        self.synced_at
    }

    pub fn syncs(&self) -> u64 {
        self.syncs
    }

    /// The Berkeley round it is in (the master) or last applied (the others).
    pub fn round(&self) -> u64 {
        self.round
    }

    /// Berkeley: the last correction it applied.
    pub fn last_move(&self) -> Option<i64> {
        self.last_move
    }

    /// Berkeley master: its last decision (round, median, average, outliers).
    pub fn decided(&self) -> Option<&(u64, i64, i64, Vec<NodeId>)> {
        self.decided.as_ref()
    }

    /// Berkeley master: the estimates of the round under way (node, offset, bound).
    pub fn estimates(&self) -> &[(NodeId, i64, i64)] {
        &self.estimates
    }

    /// Its time now, as this input reads it.
    fn now(&self) -> i64 {
        self.face.phys + self.face.target
    }

    fn read(&mut self, ctx: &CCtx) {
        self.face.phys = ctx.clock();
        self.face.mono = ctx.monotonic_clock();
    }

    /// Moves its clock by `by`: at once, or by slewing towards it.
    fn apply(&mut self, ctx: &mut CCtx, by: i64) {
        let before = self.shown();
        let face = &mut self.face;
        match self.config.adjust {
            Adjust::Step => face.slew_left = 0,
            Adjust::Slew => {
                face.slew_left = face.remaining(face.mono) + by;
                face.slew_from = face.mono;
            }
        }
        face.target += by;
        self.went_back = self.went_back.max(before - self.shown());
        self.syncs += 1;
        self.synced_at = Some(self.now());
        ctx.persist(CsWrite::Correction(self.face.target));
    }

    fn start(&mut self, ctx: &mut CCtx) {
        self.read(ctx);
        self.face.slew_left = 0;
        let active = match self.config.algorithm {
            Algorithm::Ntp => !self.is_server(),
            Algorithm::Berkeley => self.is_server(),
        };
        if active {
            self.sync(ctx);
        }
    }

    /// Time to synchronise: an NTP client asks; the Berkeley master polls.
    fn sync(&mut self, ctx: &mut CCtx) {
        ctx.set_timer(CsTimer::Sync, self.config.interval_us);
        let t1 = self.now();
        match self.config.algorithm {
            Algorithm::Ntp => {
                self.seq += 1;
                self.pending = Some((self.seq, t1));
                ctx.record(CsNote::Sent { seq: self.seq, t1 });
                ctx.send(SERVER, CsMsg::Request { seq: self.seq, t1 });
            }
            Algorithm::Berkeley => {
                self.round += 1;
                ctx.persist(CsWrite::Round(self.round));
                self.round_t1 = t1;
                self.open = true;
                self.estimates = vec![(self.id, 0, 0)];
                ctx.record(CsNote::Sent {
                    seq: self.round,
                    t1,
                });
                for peer in ctx.peers() {
                    ctx.send(peer, CsMsg::Poll { round: self.round });
                }
                ctx.set_timer(CsTimer::Decide(self.round), self.config.round_wait());
            }
        }
    }

    /// An NTP client's answer: the four timestamps, the offset and the delay.
    fn on_reply(&mut self, ctx: &mut CCtx, seq: u64, t1: i64, t2: i64, t3: i64) {
        if self.pending != Some((seq, t1)) {
            return;
        }
        self.pending = None;
        let t4 = self.now();
        let theta = ((t2 - t1) + (t3 - t4)) / 2;
        let delay = (t4 - t1) - (t3 - t2);
        if delay < 0 {
            ctx.note(CsNote::Discarded { seq, delay });
            return;
        }
        let moved = if self.config.has(CsBug::IgnoreRtt) {
            t3 - t4
        } else {
            theta
        };
        self.apply(ctx, moved);
        let x = Exchange {
            seq,
            t1,
            t2,
            t3,
            t4,
            theta,
            delay,
            bound: (delay + 1) / 2,
            moved,
        };
        self.last = Some(x.clone());
        ctx.record(CsNote::Synced(x.clone()));
        ctx.note(CsNote::Synced(x));
    }

    /// A Berkeley answer: the master estimates the node's offset by Cristian's method.
    fn on_time(&mut self, ctx: &mut CCtx, from: NodeId, round: u64, clock: i64) {
        if !self.open || round != self.round || self.estimates.iter().any(|e| e.0 == from) {
            return;
        }
        let t1 = self.round_t1;
        let t4 = self.now();
        let rtt = t4 - t1;
        if rtt < 0 {
            return;
        }
        let est = if self.config.has(CsBug::IgnoreRtt) {
            clock - t4
        } else {
            ((clock - t1) + (clock - t4)) / 2
        };
        let bound = (rtt + 1) / 2;
        self.estimates.push((from, est, bound));
        ctx.record(CsNote::Measured {
            of: from,
            round,
            t1,
            clock,
            t4,
            est,
            bound,
        });
        if self.estimates.len() == self.nodes {
            // Every clock has answered: average at once, but as a step of its own, so
            // that the estimate and the correction are two moments of the story.
            ctx.set_timer(CsTimer::Decide(self.round), 0);
        }
    }

    /// The Berkeley master averages the offsets near the median and tells every node that
    /// answered how far to move.
    fn decide(&mut self, ctx: &mut CCtx) {
        self.open = false;
        let mut offsets: Vec<i64> = self.estimates.iter().map(|e| e.1).collect();
        crate::sort::natural(&mut offsets);
        let median = offsets[(offsets.len() - 1) / 2];
        let every = self.config.has(CsBug::AverageOutliers);
        let threshold = self.config.threshold_us as i64;
        let (used, outliers): (Vec<&(NodeId, i64, i64)>, Vec<_>) = self
            .estimates
            .iter()
            .partition(|e| every || (e.1 - median).abs() <= threshold);
        let average = used.iter().map(|e| e.1).sum::<i64>() / used.len() as i64;
        let used: Vec<NodeId> = used.iter().map(|e| e.0).collect();
        let outliers: Vec<NodeId> = outliers.iter().map(|e| e.0).collect();
        for &(peer, est, _) in &self.estimates {
            if peer != self.id {
                ctx.send(
                    peer,
                    CsMsg::Adjust {
                        round: self.round,
                        by: average - est,
                    },
                );
            }
        }
        self.apply(ctx, average);
        self.last_move = Some(average);
        self.decided = Some((self.round, median, average, outliers.clone()));
        let note = CsNote::Decided {
            round: self.round,
            median,
            average,
            used,
            outliers,
        };
        ctx.record(note.clone());
        ctx.note(note);
    }
}

impl Protocol for CsNode {
    type Msg = CsMsg;
    type Timer = CsTimer;
    type Disk = CsDisk;
    type Config = CsConfig;
    type Note = CsNote;
    const ROLES: &'static [crate::protocol::RoleDesc] = super::roles::ALL;

    /// What must be up for the service to answer: the reference time, n0.
    fn needs(_config: &Self::Config, _nodes: usize) -> crate::availability::Needs {
        crate::availability::Needs::These(vec![super::SERVER])
    }

    fn boot(id: NodeId, nodes: usize, config: &CsConfig, disk: &CsDisk) -> Self {
        CsNode {
            id,
            nodes,
            config: config.clone(),
            face: Face {
                target: disk.correction,
                ..Face::default()
            },
            went_back: 0,
            seq: 0,
            pending: None,
            last: None,
            synced_at: None,
            syncs: 0,
            round: disk.round,
            round_t1: 0,
            open: false,
            estimates: Vec::new(),
            last_move: None,
            decided: None,
        }
    }

    fn on_start(&mut self, ctx: &mut CCtx) {
        self.start(ctx);
    }

    fn on_recover(&mut self, ctx: &mut CCtx) {
        self.start(ctx);
    }

    fn on_message(&mut self, ctx: &mut CCtx, from: NodeId, msg: CsMsg) {
        self.read(ctx);
        if from == self.id || from.index() >= self.nodes {
            return;
        }
        match msg {
            CsMsg::Request { seq, t1 } if self.is_server() => {
                let t2 = self.now();
                // The answer leaves in the same step: t3 is t2 here, but the formulas
                // keep both, as NTP's do for a server that takes its time.
                let t3 = t2;
                ctx.record(CsNote::Served {
                    to: from,
                    seq,
                    t: t3,
                });
                ctx.send(from, CsMsg::Reply { seq, t1, t2, t3 });
            }
            CsMsg::Reply { seq, t1, t2, t3 } if from == SERVER => {
                self.on_reply(ctx, seq, t1, t2, t3)
            }
            CsMsg::Poll { round } if from == SERVER => {
                let clock = self.now();
                ctx.record(CsNote::Served {
                    to: from,
                    seq: round,
                    t: clock,
                });
                ctx.send(from, CsMsg::Time { round, clock });
            }
            CsMsg::Time { round, clock } if self.is_server() => {
                self.on_time(ctx, from, round, clock)
            }
            CsMsg::Adjust { round, by } if from == SERVER && round > self.round => {
                self.round = round;
                ctx.persist(CsWrite::Round(round));
                self.apply(ctx, by);
                self.last_move = Some(by);
                ctx.note(CsNote::Adjusted { round, by });
            }
            _ => {}
        }
    }

    fn on_timer(&mut self, ctx: &mut CCtx, timer: CsTimer) {
        self.read(ctx);
        match timer {
            CsTimer::Sync => self.sync(ctx),
            CsTimer::Decide(round) if self.open && round == self.round => self.decide(ctx),
            CsTimer::Decide(_) => {}
        }
    }

    fn timer_text(timer: &CsTimer) -> String {
        match timer {
            CsTimer::Sync => "time to synchronise again".into(),
            CsTimer::Decide(round) => {
                format!("round {round}: stop waiting for answers and average")
            }
        }
    }

    fn status(&self) -> NodeStatus {
        NodeStatus::role(if self.is_server() {
            super::roles::SERVER
        } else {
            super::roles::CLIENT
        })
    }

    fn invariants(config: &CsConfig, _nodes: usize) -> Vec<Box<dyn Invariant<Self>>> {
        super::checkers::safety(config)
    }

    fn meter(_config: &CsConfig, _nodes: usize) -> Option<Box<dyn crate::check::Meter<Self>>> {
        Some(Box::new(super::meter::Offsets::default()))
    }
}

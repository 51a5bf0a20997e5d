//! One node: it sends heartbeats (or pings) to every peer and watches each peer's
//! silence.

use super::msg::{FdDisk, FdMsg, FdNote, FdTimer, FdWrite};
use super::{Detector, FdBug, FdConfig, Style};
use crate::check::{EndProperty, Invariant};
use crate::ids::NodeId;
use crate::protocol::{Ctx, NodeStatus, Protocol};
use crate::time::Micros;

/// How many recent gaps between heartbeats the phi detector keeps.
pub const WINDOW: usize = 20;
/// How many gaps it needs before it trusts its own estimate (until then it uses the
/// timeout).
pub const MIN_GAPS: usize = 3;
/// The adaptive detector's timeout grows to at most this many times its starting value.
pub const MAX_GROWTH: u64 = 16;

/// For a phi threshold of 1 to 16: how many standard deviations past the mean gap a
/// silence must last (in thousandths), under the logistic approximation of the normal
/// distribution that phi accrual detectors use, phi = -log10(1 - F(t)).
const DEVIATIONS_MILLI: [u64; 16] = [
    1282, 2323, 3059, 3638, 4119, 4533, 4898, 5226, 5524, 5799, 6054, 6292, 6516, 6728, 6928, 7120,
];

/// What a node knows of one peer.
#[derive(Clone, Debug)]
pub struct Watch {
    /// The number of the last heartbeat (or answered ping) heard from it.
    beat: u64,
    /// How many times it heard from the peer since it booted.
    heard: u64,
    /// When it last heard from the peer (its monotonic clock); `None` since boot.
    heard_at: Option<i64>,
    /// When it began watching (its boot), for a peer never heard.
    since: i64,
    suspected: bool,
    /// The timeout for this peer (the adaptive detector's grows).
    timeout_us: Micros,
    /// Recent gaps between consecutive heartbeats (the phi detector's history).
    gaps: Vec<Micros>,
    suspicions: u32,
    /// When it last began to suspect the peer (its monotonic clock).
    suspected_at: Option<i64>,
    /// Suspicions it withdrew on hearing from the peer again.
    wrong: u32,
}

#[derive(Clone, Debug)]
pub struct FdNode {
    id: NodeId,
    nodes: usize,
    config: FdConfig,
    /// Heartbeats (or rounds of pings) sent, across restarts.
    beat: u64,
    /// Its monotonic clock at its latest input, for the card's "ago".
    now: i64,
    watches: Vec<Watch>,
}

type FCtx<'a> = Ctx<'a, FdNode>;

impl FdNode {
    pub fn config(&self) -> &FdConfig {
        &self.config
    }

    pub fn id(&self) -> NodeId {
        self.id
    }

    /// How many nodes it knows of (itself included).
    pub fn watched(&self) -> usize {
        self.nodes
    }

    /// The starting timeout (one interval under `timeout-is-interval`).
    fn base_timeout(&self) -> Micros {
        if self.config.has(FdBug::TimeoutIsInterval) {
            self.config.interval_us
        } else {
            self.config.timeout_us
        }
    }

    pub fn suspects(&self, peer: NodeId) -> bool {
        self.watches[peer.index()].suspected
    }

    /// The peers it suspects now.
    pub fn suspected(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.peers().filter(|p| self.suspects(*p))
    }

    /// How many times it has begun to suspect `peer` since it booted.
    pub fn suspicions(&self, peer: NodeId) -> u32 {
        self.watches[peer.index()].suspicions
    }

    /// How many of those suspicions it withdrew on hearing from `peer` again.
    pub fn wrong(&self, peer: NodeId) -> u32 {
        self.watches[peer.index()].wrong
    }

    /// How many times it has heard from `peer` since it booted.
    pub fn heard(&self, peer: NodeId) -> u64 {
        self.watches[peer.index()].heard
    }

    fn peers(&self) -> impl Iterator<Item = NodeId> + 'static {
        let me = self.id;
        (0..self.nodes as u32).map(NodeId).filter(move |p| *p != me)
    }

    /// How long it lets `peer` stay silent before suspecting it, now.
    pub fn allowance(&self, peer: NodeId) -> Micros {
        let w = &self.watches[peer.index()];
        match self.config.detector {
            Detector::Fixed | Detector::Adaptive => w.timeout_us,
            Detector::Phi if w.gaps.len() < MIN_GAPS => w.timeout_us,
            Detector::Phi => {
                let (mean, deviation) = self.spread(w);
                let z = DEVIATIONS_MILLI[(self.config.phi.clamp(1, 16) - 1) as usize];
                mean + deviation * z / 1000
            }
        }
    }

    /// The mean gap between heartbeats from a peer and their standard deviation, never
    /// below a tenth of the interval (a perfectly regular history would otherwise make the
    /// slightest delay look impossible).
    fn spread(&self, w: &Watch) -> (Micros, Micros) {
        let n = w.gaps.len().max(1) as u64;
        let mean = w.gaps.iter().sum::<Micros>() / n;
        let variance = w.gaps.iter().map(|&g| g.abs_diff(mean).pow(2)).sum::<u64>() / n;
        (mean, variance.isqrt().max(self.config.interval_us / 10))
    }

    /// The phi detector's suspicion level for `peer` now, for the card, as the whole
    /// thresholds its silence has passed: 0 to 16 (phi is at least this, and below the
    /// next). Worked out with the table the decisions use, in whole numbers, so that the
    /// card agrees with what the detector does.
    pub fn phi_now(&self, peer: NodeId) -> Option<u32> {
        let w = &self.watches[peer.index()];
        if self.config.detector != Detector::Phi || w.gaps.len() < MIN_GAPS {
            return None;
        }
        let (mean, deviation) = self.spread(w);
        let silence = self.silence(peer);
        Some(
            DEVIATIONS_MILLI
                .iter()
                .take_while(|&&z| silence > mean + deviation * z / 1000)
                .count() as u32,
        )
    }

    /// How long `peer` has been silent, on its clock at its latest input.
    pub fn silence(&self, peer: NodeId) -> Micros {
        let w = &self.watches[peer.index()];
        (self.now - w.heard_at.unwrap_or(w.since)).max(0) as Micros
    }

    /// When it last began to suspect `peer`, as time before its latest input.
    pub fn suspected_ago(&self, peer: NodeId) -> Option<Micros> {
        let w = &self.watches[peer.index()];
        w.suspected_at.map(|at| (self.now - at).max(0) as Micros)
    }

    /// When it last heard from `peer`, as time before its latest input.
    pub fn heard_ago(&self, peer: NodeId) -> Option<Micros> {
        let w = &self.watches[peer.index()];
        w.heard_at.map(|at| (self.now - at).max(0) as Micros)
    }

    fn watch_from(&mut self, now: i64) {
        let timeout = self.base_timeout();
        self.watches = (0..self.nodes)
            .map(|_| Watch {
                beat: 0,
                heard: 0,
                heard_at: None,
                since: now,
                suspected: false,
                timeout_us: timeout,
                gaps: Vec::new(),
                suspicions: 0,
                suspected_at: None,
                wrong: 0,
            })
            .collect();
    }

    fn arm(&self, ctx: &mut FCtx, peer: NodeId) {
        if self.config.has(FdBug::SharedTimer) {
            ctx.set_timer(FdTimer::AnySilence, self.base_timeout());
        } else {
            ctx.set_timer(FdTimer::Silence(peer), self.allowance(peer));
        }
    }

    fn start(&mut self, ctx: &mut FCtx) {
        self.now = ctx.monotonic_clock();
        self.watch_from(self.now);
        for peer in self.peers() {
            self.arm(ctx, peer);
        }
        self.send_beat(ctx);
    }

    fn send_beat(&mut self, ctx: &mut FCtx) {
        self.beat += 1;
        ctx.persist(FdWrite::Beat(self.beat));
        let beat = self.beat;
        for peer in self.peers() {
            let msg = match self.config.style {
                Style::Heartbeat => FdMsg::Heartbeat { beat },
                Style::Ping => FdMsg::Ping { beat },
            };
            ctx.send(peer, msg);
        }
        ctx.set_timer(FdTimer::Beat, self.config.interval_us);
    }

    /// A sign of life from `peer`: its heartbeat (or its answer to ping) `beat`.
    fn heard_from(&mut self, ctx: &mut FCtx, peer: NodeId, beat: u64) {
        let now = self.now;
        let adaptive = self.config.detector == Detector::Adaptive;
        let base = self.base_timeout();
        let w = &mut self.watches[peer.index()];
        // Only the gap between consecutive heartbeats tells how regular the peer is; any
        // heartbeat, late or repeated, tells that it was alive.
        if let (Some(at), true) = (w.heard_at, beat == w.beat + 1) {
            if w.gaps.len() == WINDOW {
                w.gaps.remove(0);
            }
            w.gaps.push((now - at).max(0) as Micros);
        }
        w.beat = beat;
        w.heard += 1;
        w.heard_at = Some(now);
        if w.suspected {
            w.suspected = false;
            w.wrong += 1;
            let allowance_us = adaptive.then(|| {
                w.timeout_us = (w.timeout_us + base).min(base * MAX_GROWTH);
                w.timeout_us
            });
            ctx.note(FdNote::TrustsAgain { peer, allowance_us });
        }
        self.arm(ctx, peer);
    }

    fn suspect(&mut self, ctx: &mut FCtx, peer: NodeId) {
        let silent_us = self.silence(peer);
        let w = &mut self.watches[peer.index()];
        if w.suspected {
            return;
        }
        w.suspected = true;
        w.suspicions += 1;
        w.suspected_at = Some(self.now);
        ctx.note(FdNote::Suspects { peer, silent_us });
    }
}

impl Protocol for FdNode {
    type Msg = FdMsg;
    type Timer = FdTimer;
    type Disk = FdDisk;
    type Config = FdConfig;
    type Note = FdNote;
    const ROLES: &'static [crate::protocol::RoleDesc] = super::roles::ALL;

    /// What must be up for the service to answer: any node that is up watches the others.
    fn needs(_config: &Self::Config, _nodes: usize) -> crate::availability::Needs {
        crate::availability::Needs::AtLeast(1)
    }

    fn boot(id: NodeId, nodes: usize, config: &FdConfig, disk: &FdDisk) -> Self {
        FdNode {
            id,
            nodes,
            config: config.clone(),
            beat: disk.beat,
            now: 0,
            watches: Vec::new(),
        }
    }

    fn on_start(&mut self, ctx: &mut FCtx) {
        self.start(ctx);
    }

    fn on_recover(&mut self, ctx: &mut FCtx) {
        self.start(ctx);
    }

    fn on_message(&mut self, ctx: &mut FCtx, from: NodeId, msg: FdMsg) {
        self.now = ctx.monotonic_clock();
        if from == self.id || from.index() >= self.nodes {
            return;
        }
        match msg {
            FdMsg::Heartbeat { beat } if self.config.style == Style::Heartbeat => {
                self.heard_from(ctx, from, beat)
            }
            FdMsg::Ping { beat } => ctx.send(from, FdMsg::Ack { beat }),
            FdMsg::Ack { beat } if self.config.style == Style::Ping => {
                self.heard_from(ctx, from, beat)
            }
            _ => {}
        }
    }

    fn on_timer(&mut self, ctx: &mut FCtx, timer: FdTimer) {
        self.now = ctx.monotonic_clock();
        match timer {
            FdTimer::Beat => self.send_beat(ctx),
            FdTimer::Silence(peer) => self.suspect(ctx, peer),
            FdTimer::AnySilence => {
                let silent: Vec<NodeId> = self
                    .peers()
                    .filter(|p| self.silence(*p) >= self.allowance(*p))
                    .collect();
                for peer in silent {
                    self.suspect(ctx, peer);
                }
            }
        }
    }

    fn timer_text(timer: &FdTimer) -> String {
        match timer {
            FdTimer::Beat => "time for the next heartbeat".into(),
            FdTimer::Silence(peer) => format!("{peer} has been silent too long: suspect it"),
            FdTimer::AnySilence => "nobody heard for a while: suspect the silent".into(),
        }
    }

    fn status(&self) -> NodeStatus {
        NodeStatus::role(if self.suspected().next().is_some() {
            super::roles::SUSPECTING
        } else {
            super::roles::TRUSTING
        })
    }

    fn invariants(config: &FdConfig, _nodes: usize) -> Vec<Box<dyn Invariant<Self>>> {
        super::checkers::safety(config)
    }

    fn end_properties(_config: &FdConfig, _nodes: usize) -> Vec<Box<dyn EndProperty<Self>>> {
        super::checkers::at_end()
    }

    fn meter(_config: &FdConfig, _nodes: usize) -> Option<Box<dyn crate::check::Meter<Self>>> {
        Some(Box::new(super::meter::Detection::default()))
    }
}

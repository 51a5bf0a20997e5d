//! One node: its account and transfers (the application), the snapshot rules (recording,
//! markers, channels), and underneath them the channel layer in `node/channel.rs`.

mod channel;

use super::msg::{Body, Cause, SnapDisk, SnapMsg, SnapNote, SnapTimer, SnapWrite};
use super::{roles, SnapBug, SnapConfig, MAX_AMOUNT, RESEND};
use crate::check::{EndProperty, Invariant};
use crate::flat::FlatMap;
use crate::ids::NodeId;
use crate::protocol::{Ctx, Durable, NodeStatus, Protocol};
use crate::time::MICROS_PER_MS;

#[derive(Clone, Debug)]
pub struct SnapNode {
    id: NodeId,
    n: usize,
    config: SnapConfig,
    /// Its disk as it stands: every change is made by a write, to both.
    disk: SnapDisk,
    /// Per sender, messages that overtook an earlier one, held back until it arrives.
    held: Vec<FlatMap<u32, Body>>,
    /// Per peer, the highest number sent on the channel at the last resend: what is still
    /// unacknowledged up to it has waited at least one round.
    mark: Vec<u32>,
}

pub(super) type SCtx<'a> = Ctx<'a, SnapNode>;

impl SnapNode {
    pub fn config(&self) -> &SnapConfig {
        &self.config
    }

    pub fn id(&self) -> NodeId {
        self.id
    }

    /// Its account, channels and recordings.
    pub fn ledger(&self) -> &SnapDisk {
        &self.disk
    }

    /// Messages it holds back, per sender.
    pub fn held_back(&self) -> usize {
        self.held.iter().map(FlatMap::len).sum()
    }

    fn peers(&self) -> impl Iterator<Item = NodeId> + 'static {
        let me = self.id;
        (0..self.n as u32).map(NodeId).filter(move |p| *p != me)
    }

    /// Changes its state and writes the change to disk, as one.
    fn write(&mut self, ctx: &mut SCtx, write: SnapWrite) {
        self.disk.apply(write.clone());
        ctx.persist(write);
    }

    /// Opens the account, on a disk that has none.
    fn open(&mut self, ctx: &mut SCtx) {
        if !self.disk.opened {
            self.write(
                ctx,
                SnapWrite::Open {
                    me: self.id,
                    balance: self.config.balance,
                    nodes: self.n as u32,
                },
            );
        }
    }

    fn arm_pay(&mut self, ctx: &mut SCtx) {
        let after = ctx.random_between(
            MICROS_PER_MS,
            (2 * self.config.interval_us).max(2 * MICROS_PER_MS),
        );
        ctx.set_timer(SnapTimer::Pay, after);
    }

    /// Sends a random part of its balance to a random peer.
    fn pay(&mut self, ctx: &mut SCtx) {
        if self.n < 2 || self.disk.balance == 0 {
            return;
        }
        let k = ctx.random_between(0, self.n as u64 - 2) as u32;
        let to = NodeId(if k >= self.id.0 { k + 1 } else { k });
        let amount = ctx.random_between(1, self.disk.balance.min(MAX_AMOUNT));
        let id = self.disk.paid + 1;
        self.send(ctx, to, Body::Money { id, amount });
    }

    /// Records its state for snapshot `snap` and sends its markers (the marker rule: before
    /// anything else leaves on its channels).
    fn record(&mut self, ctx: &mut SCtx, snap: u32, cause: Cause) {
        self.write(
            ctx,
            SnapWrite::Record {
                snap,
                clock: ctx.clock(),
                cause,
            },
        );
        ctx.note(SnapNote::Records {
            snap,
            balance: self.disk.balance,
            cause,
        });
        if self.config.has(SnapBug::LateMarkers) {
            // Against the rule: the markers wait for its next transfer.
            self.write(ctx, SnapWrite::Hold(snap));
        } else {
            self.send_markers(ctx, snap);
        }
        self.finished(ctx, snap);
    }

    fn send_markers(&mut self, ctx: &mut SCtx, snap: u32) {
        for p in self.peers() {
            self.send(ctx, p, Body::Marker { snap });
        }
    }

    /// (Bug `late-markers`) The markers that waited for a transfer leave.
    fn release_markers(&mut self, ctx: &mut SCtx) {
        if self.disk.pending.is_empty() {
            return;
        }
        let pending = self.disk.pending.clone();
        self.write(ctx, SnapWrite::Release);
        for snap in pending {
            self.send_markers(ctx, snap);
        }
    }

    /// Tells its part of snapshot `snap` done, if every channel is recorded.
    fn finished(&mut self, ctx: &mut SCtx, snap: u32) {
        if let Some(r) = self.disk.recording(snap).filter(|r| r.is_done()) {
            ctx.note(SnapNote::Finishes {
                snap,
                balance: r.balance,
                channels: r.in_channels(),
            });
        }
    }

    /// Its moment to start snapshot `k`; then it waits for the next one it starts.
    fn start(&mut self, ctx: &mut SCtx, k: u32) {
        if self.config.wanted(k) {
            if self.disk.recording(k).is_none() {
                self.record(ctx, k, Cause::Started);
            } else {
                ctx.note(SnapNote::AlreadyIn { snap: k });
            }
        }
        let next = self.config.next_start(self.id, k);
        self.write(ctx, SnapWrite::NextStart(next.unwrap_or(0)));
        if let Some(next) = next {
            let wait = u64::from(next - k) * self.config.every_us;
            ctx.set_timer(SnapTimer::Start(next), wait);
        }
    }

    /// A person starts a snapshot here by hand: the next number after every snapshot it
    /// has recorded. A node that has not yet heard of a snapshot another node started
    /// under that number joins it as one more initiator, which keeps the cut consistent
    /// (Chandy-Lamport allows any number of initiators of one snapshot).
    fn start_by_hand(&mut self, ctx: &mut SCtx) {
        if !self.disk.opened {
            return;
        }
        let k = self.disk.snaps.iter().map(|r| r.snap).max().unwrap_or(0) + 1;
        self.record(ctx, k, Cause::Started);
    }

    /// What arrived from `from`, in the channel's order: money joins the account (and the
    /// channel's state in every snapshot still recording it); a marker makes it record, or
    /// ends the recording of its channel.
    fn take(&mut self, ctx: &mut SCtx, from: NodeId, seq: u32, body: Body) {
        self.write(ctx, SnapWrite::Take { from, seq, body });
        match body {
            Body::Money { id, amount } => {
                if self.config.has(SnapBug::NoChannelState) {
                    return;
                }
                let recording: Vec<u32> = self
                    .disk
                    .open
                    .iter()
                    .copied()
                    .filter(|&s| {
                        self.disk
                            .recording(s)
                            .is_some_and(|r| r.channels[from.index()].open)
                    })
                    .collect();
                for snap in recording {
                    self.write(
                        ctx,
                        SnapWrite::Channel {
                            snap,
                            from,
                            id,
                            amount,
                        },
                    );
                }
            }
            Body::Marker { snap } => self.on_marker(ctx, from, snap),
        }
    }

    fn on_marker(&mut self, ctx: &mut SCtx, from: NodeId, snap: u32) {
        let Some(r) = self.disk.recording(snap) else {
            // The first marker: record, and the channel it came on held nothing.
            self.record(ctx, snap, Cause::Marker(from));
            return;
        };
        let Some(chan) = r.channels.get(from.index()).filter(|c| c.open) else {
            return;
        };
        let (money, transfers) = (chan.total(), chan.money.len() as u32);
        if self.config.has(SnapBug::RecordEveryMarker) {
            self.write(
                ctx,
                SnapWrite::Record {
                    snap,
                    clock: ctx.clock(),
                    cause: Cause::Again(from),
                },
            );
            ctx.note(SnapNote::Records {
                snap,
                balance: self.disk.balance,
                cause: Cause::Again(from),
            });
        }
        self.write(ctx, SnapWrite::Close { snap, from });
        ctx.note(SnapNote::Closes {
            snap,
            from,
            money,
            transfers,
        });
        self.finished(ctx, snap);
    }
}

impl Protocol for SnapNode {
    type Msg = SnapMsg;
    type Timer = SnapTimer;
    type Disk = SnapDisk;
    type Config = SnapConfig;
    type Note = SnapNote;
    const ROLES: &'static [crate::protocol::RoleDesc] = roles::ALL;

    /// What must be up for a snapshot to complete: every node.
    fn needs(_config: &Self::Config, nodes: usize) -> crate::availability::Needs {
        crate::availability::Needs::AtLeast(nodes)
    }

    fn boot(id: NodeId, nodes: usize, config: &SnapConfig, disk: &SnapDisk) -> Self {
        SnapNode {
            id,
            n: nodes,
            config: config.clone(),
            disk: disk.clone(),
            held: vec![FlatMap::default(); nodes],
            mark: vec![0; nodes],
        }
    }

    fn on_start(&mut self, ctx: &mut SCtx) {
        self.open(ctx);
        self.arm_pay(ctx);
        ctx.set_timer(SnapTimer::Resend, RESEND);
        if let Some(k) = self.config.next_start(self.id, 0) {
            self.write(ctx, SnapWrite::NextStart(k));
            ctx.set_timer(SnapTimer::Start(k), self.config.start_of(k));
        }
    }

    /// Back from a crash with its disk: its timers start again, and its next snapshot
    /// starts a full interval after it is back.
    fn on_recover(&mut self, ctx: &mut SCtx) {
        self.open(ctx);
        self.arm_pay(ctx);
        ctx.set_timer(SnapTimer::Resend, RESEND);
        let k = self.disk.next_start;
        if self.config.wanted(k) {
            ctx.set_timer(SnapTimer::Start(k), self.config.every_us);
        }
    }

    fn on_message(&mut self, ctx: &mut SCtx, from: NodeId, msg: SnapMsg) {
        if from.index() >= self.n || from == self.id || !self.disk.opened {
            return;
        }
        match msg {
            SnapMsg::Ack { upto } => self.on_ack(ctx, from, upto),
            other => {
                if let Some((seq, body)) = other.body() {
                    self.on_numbered(ctx, from, seq, body);
                }
            }
        }
    }

    fn on_timer(&mut self, ctx: &mut SCtx, timer: SnapTimer) {
        match timer {
            SnapTimer::Pay => {
                self.pay(ctx);
                if self.config.has(SnapBug::LateMarkers) {
                    self.release_markers(ctx);
                }
                self.arm_pay(ctx);
            }
            SnapTimer::Start(k) => self.start(ctx, k),
            SnapTimer::Resend => {
                self.resend(ctx);
                ctx.set_timer(SnapTimer::Resend, RESEND);
            }
        }
    }

    fn on_trigger(&mut self, ctx: &mut SCtx) {
        self.start_by_hand(ctx);
    }

    fn timer_text(timer: &SnapTimer) -> String {
        match timer {
            SnapTimer::Pay => "time for its next transfer".into(),
            SnapTimer::Start(k) => format!("time to start snapshot {k}"),
            SnapTimer::Resend => "time to send again what is not acknowledged".into(),
        }
    }

    fn status(&self) -> NodeStatus {
        let open = &self.disk.open;
        let role = if open.is_empty() {
            roles::ACCOUNT
        } else if open
            .iter()
            .any(|s| self.disk.recording(*s).is_some_and(|r| r.started()))
        {
            roles::INITIATOR
        } else {
            roles::RECORDING
        };
        NodeStatus::role(role)
    }

    fn invariants(config: &SnapConfig, _nodes: usize) -> Vec<Box<dyn Invariant<Self>>> {
        super::checkers::safety(config)
    }

    fn end_properties(config: &SnapConfig, _nodes: usize) -> Vec<Box<dyn EndProperty<Self>>> {
        super::checkers::at_end(config)
    }

    fn meter(config: &SnapConfig, _nodes: usize) -> Option<Box<dyn crate::check::Meter<Self>>> {
        Some(Box::new(super::meter::Snapshots::new(config)))
    }
}

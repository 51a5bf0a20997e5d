//! What the nodes send (money, markers, acknowledgements), their timers, their disk (the
//! account, the channels and what each snapshot recorded) and their notes.

use crate::ids::NodeId;
use crate::protocol::{Durable, Message, Note};
use crate::rng::SimRng;
use serde::{Deserialize, Serialize};

/// What travels on a channel, numbered `seq` (from 1) among everything its sender sent on
/// that channel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SnapMsg {
    /// Transfer `id` (the sender's `id`-th) of `amount`.
    Money { seq: u32, id: u32, amount: u64 },
    /// The marker of snapshot `snap`: everything the sender sent on this channel before it
    /// is inside the sender's cut, everything after it outside.
    Marker { seq: u32, snap: u32 },
    /// Everything numbered up to `upto` on this channel has arrived in order.
    Ack { upto: u32 },
}

/// A message's contents without its number, as a channel keeps it until it is
/// acknowledged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Body {
    Money { id: u32, amount: u64 },
    Marker { snap: u32 },
}

impl Body {
    /// The message that carries it as number `seq`.
    pub fn numbered(self, seq: u32) -> SnapMsg {
        match self {
            Body::Money { id, amount } => SnapMsg::Money { seq, id, amount },
            Body::Marker { snap } => SnapMsg::Marker { seq, snap },
        }
    }
}

impl SnapMsg {
    /// Its number and contents, for a message on a channel.
    pub fn body(&self) -> Option<(u32, Body)> {
        match *self {
            SnapMsg::Money { seq, id, amount } => Some((seq, Body::Money { id, amount })),
            SnapMsg::Marker { seq, snap } => Some((seq, Body::Marker { snap })),
            SnapMsg::Ack { .. } => None,
        }
    }
}

impl Message for SnapMsg {
    fn corrupt(&self, rng: &mut SimRng) -> Self {
        let bump = rng.range(1, 9) as u32;
        match *self {
            SnapMsg::Money { seq, id, amount } => SnapMsg::Money {
                seq,
                id,
                amount: amount + u64::from(bump),
            },
            SnapMsg::Marker { seq, snap } => SnapMsg::Marker {
                seq,
                snap: snap + bump,
            },
            SnapMsg::Ack { upto } => SnapMsg::Ack { upto: upto + bump },
        }
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        match self {
            SnapMsg::Money { seq, id, amount } => vec![
                ("number on this channel", seq.to_string()),
                ("transfer", format!("#{id}")),
                ("amount", amount.to_string()),
            ],
            SnapMsg::Marker { seq, snap } => vec![
                ("number on this channel", seq.to_string()),
                ("marker of snapshot", snap.to_string()),
            ],
            SnapMsg::Ack { upto } => vec![("arrived in order up to", upto.to_string())],
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum SnapTimer {
    /// Time for its next transfer.
    Pay,
    /// Time to start snapshot `k`.
    Start(u32),
    /// Time to send again what its channels have not had acknowledged.
    Resend,
}

/// One outgoing channel: the next number, and what has not been acknowledged.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Outbox {
    pub next: u32,
    pub unacked: Vec<(u32, Body)>,
}

/// One incoming channel: everything numbered below `next` has been taken; `ahead` holds
/// the numbers above it taken already (only when the channels do not keep order).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Inbox {
    pub next: u32,
    pub ahead: Vec<u32>,
}

/// Why a node recorded its state for a snapshot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Cause {
    /// It started the snapshot.
    Started,
    /// The first marker of the snapshot came, from this node.
    Marker(NodeId),
    /// (Bug `record-every-marker`) A later marker came, from this node, and it recorded
    /// again.
    Again(NodeId),
}

/// One incoming channel's state in a snapshot.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Chan {
    /// Still recorded: its marker has not come.
    pub open: bool,
    /// The transfers recorded on it: (transfer number, amount).
    pub money: Vec<(u32, u64)>,
}

impl Chan {
    pub fn total(&self) -> u64 {
        self.money.iter().map(|(_, a)| a).sum()
    }
}

/// What a node recorded for one snapshot. The state at the cut (balance, transfers sent,
/// transfers received) is copied by the disk itself from the account at the moment of the
/// write, so it is the account's true state at the node's cut.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Recording {
    pub snap: u32,
    /// Its balance at the cut.
    pub balance: u64,
    /// How many transfers it had sent at the cut (the numbers of its transfers go up by one).
    pub paid: u32,
    /// Per sender, the highest transfer number it had received from it at the cut.
    pub got: Vec<u32>,
    /// Its own clock when it recorded.
    pub clock: i64,
    pub cause: Cause,
    /// Per sender, its channel's state (its own entry is unused and closed).
    pub channels: Vec<Chan>,
    /// How many channels are still recorded.
    pub open: u32,
    /// The disk's count of cuts at this one (each recording, or recording again, counts).
    pub cut_no: u64,
    /// The disk's count of snapshots completed at this one; 0 while channels are open.
    pub done_no: u64,
}

impl Recording {
    pub fn is_done(&self) -> bool {
        self.open == 0
    }

    /// The money recorded on its channels.
    pub fn in_channels(&self) -> u64 {
        self.channels.iter().map(Chan::total).sum()
    }

    /// Whether it started the snapshot.
    pub fn started(&self) -> bool {
        self.cause == Cause::Started
    }
}

/// Everything a node keeps, on disk: its account, its channels, and what it recorded.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SnapDisk {
    /// Whether the account was opened (an empty disk is a new node).
    pub opened: bool,
    /// Its own node's place among the channels (the one slot it never uses).
    pub me: usize,
    pub balance: u64,
    /// Transfers sent (the latest one's number) and the money in them.
    pub paid: u32,
    pub paid_total: u64,
    /// Per sender, the highest transfer number received; and the money received.
    pub got: Vec<u32>,
    pub got_total: u64,
    /// Per peer, the channel to it and the channel from it.
    pub out: Vec<Outbox>,
    pub inbox: Vec<Inbox>,
    /// What it recorded, one per snapshot, in the order it recorded them.
    pub snaps: Vec<Recording>,
    /// The snapshots whose channels it still records.
    pub open: Vec<u32>,
    /// How many cuts it made (recordings, and recordings again) and snapshots it completed.
    pub cuts: u64,
    pub dones: u64,
    /// The next snapshot it is to start (0: none).
    pub next_start: u32,
    /// (Bug `late-markers`) Snapshots whose markers wait for its next transfer.
    pub pending: Vec<u32>,
}

impl SnapDisk {
    /// What it recorded for snapshot `snap`.
    pub fn recording(&self, snap: u32) -> Option<&Recording> {
        self.snaps.iter().rev().find(|r| r.snap == snap)
    }

    fn recording_mut(&mut self, snap: u32) -> Option<&mut Recording> {
        self.snaps.iter_mut().rev().find(|r| r.snap == snap)
    }

    /// The money it sent that has not been acknowledged yet, all channels together.
    pub fn unacked_money(&self) -> u64 {
        self.out
            .iter()
            .flat_map(|o| o.unacked.iter())
            .map(|(_, b)| match b {
                Body::Money { amount, .. } => *amount,
                Body::Marker { .. } => 0,
            })
            .sum()
    }
}

#[derive(Clone, Debug, Serialize)]
pub enum SnapWrite {
    /// Node `me`'s account opens with `balance`, with channels to and from `nodes` nodes.
    Open {
        me: NodeId,
        balance: u64,
        nodes: u32,
    },
    /// Message `seq` leaves on the channel to `to` (money leaves the account).
    Send { to: NodeId, seq: u32, body: Body },
    /// The channel to `to` is acknowledged up to `upto`.
    Acked { to: NodeId, upto: u32 },
    /// Message `seq` from `from` is taken (money joins the account).
    Take { from: NodeId, seq: u32, body: Body },
    /// Its state is recorded for snapshot `snap` (again, if it was already).
    Record { snap: u32, clock: i64, cause: Cause },
    /// A transfer is recorded on the channel from `from` in snapshot `snap`.
    Channel {
        snap: u32,
        from: NodeId,
        id: u32,
        amount: u64,
    },
    /// The channel from `from` is recorded in full for snapshot `snap`: its marker came.
    Close { snap: u32, from: NodeId },
    /// The next snapshot it is to start.
    NextStart(u32),
    /// (Bug `late-markers`) Snapshot `snap`'s markers wait for its next transfer.
    Hold(u32),
    /// (Bug `late-markers`) The markers that waited have left.
    Release,
}

impl Durable for SnapDisk {
    type Write = SnapWrite;

    fn apply(&mut self, write: SnapWrite) {
        match write {
            SnapWrite::Open { me, balance, nodes } => {
                let n = nodes as usize;
                self.opened = true;
                self.me = me.index();
                self.balance = balance;
                self.got = vec![0; n];
                self.out = vec![
                    Outbox {
                        next: 1,
                        unacked: Vec::new()
                    };
                    n
                ];
                self.inbox = vec![
                    Inbox {
                        next: 1,
                        ahead: Vec::new()
                    };
                    n
                ];
            }
            SnapWrite::Send { to, seq, body } => {
                let Some(out) = self.out.get_mut(to.index()) else {
                    return;
                };
                out.next = out.next.max(seq + 1);
                out.unacked.push((seq, body));
                if let Body::Money { id, amount } = body {
                    self.balance = self.balance.saturating_sub(amount);
                    self.paid = self.paid.max(id);
                    self.paid_total += amount;
                }
            }
            SnapWrite::Acked { to, upto } => {
                if let Some(out) = self.out.get_mut(to.index()) {
                    out.unacked.retain(|(s, _)| *s > upto);
                }
            }
            SnapWrite::Take { from, seq, body } => {
                let Some(inbox) = self.inbox.get_mut(from.index()) else {
                    return;
                };
                if seq >= inbox.next && !inbox.ahead.contains(&seq) {
                    inbox.ahead.push(seq);
                }
                while let Some(p) = inbox.ahead.iter().position(|s| *s == inbox.next) {
                    inbox.ahead.swap_remove(p);
                    inbox.next += 1;
                }
                if let Body::Money { id, amount } = body {
                    self.balance += amount;
                    self.got_total += amount;
                    let got = &mut self.got[from.index()];
                    *got = (*got).max(id);
                }
            }
            SnapWrite::Record { snap, clock, cause } => {
                self.cuts += 1;
                let (balance, paid, got, cut_no) =
                    (self.balance, self.paid, self.got.clone(), self.cuts);
                if let Some(r) = self.recording_mut(snap) {
                    r.balance = balance;
                    r.paid = paid;
                    r.got = got;
                    r.cut_no = cut_no;
                    return;
                }
                let n = self.inbox.len();
                let closed_by = match cause {
                    Cause::Marker(from) | Cause::Again(from) => Some(from.index()),
                    Cause::Started => None,
                };
                let channels: Vec<Chan> = (0..n)
                    .map(|i| Chan {
                        open: i != self.me && Some(i) != closed_by,
                        money: Vec::new(),
                    })
                    .collect();
                let open = channels.iter().filter(|c| c.open).count() as u32;
                let mut r = Recording {
                    snap,
                    balance,
                    paid,
                    got,
                    clock,
                    cause,
                    channels,
                    open,
                    cut_no,
                    done_no: 0,
                };
                if open == 0 {
                    self.dones += 1;
                    r.done_no = self.dones;
                } else {
                    self.open.push(snap);
                }
                self.snaps.push(r);
            }
            SnapWrite::Channel {
                snap,
                from,
                id,
                amount,
            } => {
                if let Some(c) = self
                    .recording_mut(snap)
                    .and_then(|r| r.channels.get_mut(from.index()))
                {
                    c.money.push((id, amount));
                }
            }
            SnapWrite::Close { snap, from } => {
                let dones = self.dones + 1;
                let Some(r) = self.recording_mut(snap) else {
                    return;
                };
                let Some(c) = r.channels.get_mut(from.index()).filter(|c| c.open) else {
                    return;
                };
                c.open = false;
                r.open -= 1;
                if r.open == 0 {
                    r.done_no = dones;
                    self.dones = dones;
                    self.open.retain(|s| *s != snap);
                }
            }
            SnapWrite::NextStart(k) => self.next_start = k,
            SnapWrite::Hold(snap) => self.pending.push(snap),
            SnapWrite::Release => self.pending.clear(),
        }
    }
}

/// What a node tells the trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum SnapNote {
    /// It records its state for snapshot `snap`, its cut: the space-time diagram marks it.
    Records {
        snap: u32,
        balance: u64,
        cause: Cause,
    },
    /// The marker of `snap` from `from` came: the channel from `from` is recorded with
    /// `transfers` transfers of `money` in all.
    Closes {
        snap: u32,
        from: NodeId,
        money: u64,
        transfers: u32,
    },
    /// It has recorded every incoming channel of `snap`: its part of the snapshot.
    Finishes {
        snap: u32,
        balance: u64,
        channels: u64,
    },
    /// Its moment to start `snap` came, but a marker had made it record already.
    AlreadyIn { snap: u32 },
    /// Message `seq` from `from` overtook an earlier one and waits for number `waits`.
    HoldsBack { from: NodeId, seq: u32, waits: u32 },
}

/// Money in flight in words: `nothing` for none.
pub fn in_flight(money: u64) -> String {
    if money == 0 {
        "nothing".into()
    } else {
        money.to_string()
    }
}

impl Note for SnapNote {
    fn text(&self) -> String {
        match self {
            SnapNote::Records {
                snap,
                balance,
                cause,
            } => match cause {
                Cause::Started => {
                    format!("starts snapshot {snap} and records its state: balance {balance}")
                }
                Cause::Marker(from) => format!(
                    "records its state for snapshot {snap} at its first marker, from {from}: balance {balance}"
                ),
                Cause::Again(from) => format!(
                    "records its state for snapshot {snap} again, at the marker from {from}: balance {balance}"
                ),
            },
            SnapNote::Closes {
                snap,
                from,
                money,
                transfers,
            } => match transfers {
                0 => format!(
                    "has the marker of snapshot {snap} from {from}: nothing was in flight on that channel"
                ),
                1 => format!(
                    "has the marker of snapshot {snap} from {from}: 1 transfer of {money} was in flight on that channel"
                ),
                k => format!(
                    "has the marker of snapshot {snap} from {from}: {k} transfers of {money} in all were in flight on that channel"
                ),
            },
            SnapNote::Finishes {
                snap,
                balance,
                channels,
            } => format!(
                "has recorded all of its part of snapshot {snap}: balance {balance}, and {} in flight towards it",
                in_flight(*channels)
            ),
            SnapNote::AlreadyIn { snap } => format!(
                "was to start snapshot {snap}, but a marker of it came first: it has recorded its state already"
            ),
            SnapNote::HoldsBack { from, seq, waits } => format!(
                "holds back message {seq} from {from}: it overtook number {waits}, which has not arrived"
            ),
        }
    }

    fn is_routine(&self) -> bool {
        matches!(self, SnapNote::HoldsBack { .. })
    }

    /// A node's cut: a tick on its lane.
    fn is_mark(&self) -> bool {
        matches!(self, SnapNote::Records { .. })
    }

    /// The same moment, joined with the other nodes' cuts of the snapshot into its line.
    fn cut(&self) -> Option<crate::protocol::CutPoint> {
        match self {
            SnapNote::Records { snap, .. } => Some(crate::protocol::CutPoint {
                line: u64::from(*snap),
                at_us: None,
            }),
            _ => None,
        }
    }
}

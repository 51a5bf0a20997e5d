//! What the nodes say to each other (requests for the time, answers, polls, corrections),
//! their timers, disk and notes.

use crate::ids::NodeId;
use crate::protocol::{Durable, Message, Note};
use crate::rng::SimRng;
use crate::time::{Micros, Pretty};

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CsMsg {
    /// NTP: "what time is it?", sent at `t1` on the client's clock.
    Request { seq: u64, t1: i64 },
    /// NTP: the server's answer: the request's `t1` echoed, and when the request came
    /// (`t2`) and the answer left (`t3`) on the server's clock.
    Reply { seq: u64, t1: i64, t2: i64, t3: i64 },
    /// Berkeley: the master asks for a node's time in round `round`.
    Poll { round: u64 },
    /// Berkeley: a node's answer: its clock when the poll came.
    Time { round: u64, clock: i64 },
    /// Berkeley: "move your clock by `by`", the master's correction after round `round`.
    Adjust { round: u64, by: i64 },
}

/// A timestamp changed by a bit error: a few milliseconds either way.
fn garble(t: i64, rng: &mut SimRng) -> i64 {
    t + (rng.range(1, 40_000) as i64) * if rng.range(0, 1) == 0 { 1 } else { -1 }
}

impl Message for CsMsg {
    fn corrupt(&self, rng: &mut SimRng) -> Self {
        match *self {
            CsMsg::Request { seq, t1 } => CsMsg::Request {
                seq,
                t1: garble(t1, rng),
            },
            CsMsg::Reply { seq, t1, t2, t3 } => CsMsg::Reply {
                seq,
                t1,
                t2,
                t3: garble(t3, rng),
            },
            CsMsg::Poll { round } => CsMsg::Poll {
                round: round + rng.range(1, 9),
            },
            CsMsg::Time { round, clock } => CsMsg::Time {
                round,
                clock: garble(clock, rng),
            },
            CsMsg::Adjust { round, by } => CsMsg::Adjust {
                round,
                by: garble(by, rng),
            },
        }
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        let t = |v: i64| stamp(v);
        match *self {
            CsMsg::Request { seq, t1 } => vec![("request", seq.to_string()), ("t1", t(t1))],
            CsMsg::Reply { seq, t1, t2, t3 } => vec![
                ("answers", seq.to_string()),
                ("t1", t(t1)),
                ("t2", t(t2)),
                ("t3", t(t3)),
            ],
            CsMsg::Poll { round } => vec![("round", round.to_string())],
            CsMsg::Time { round, clock } => {
                vec![("round", round.to_string()), ("clock", t(clock))]
            }
            CsMsg::Adjust { round, by } => {
                vec![("round", round.to_string()), ("move by", signed(by))]
            }
        }
    }
}

/// A clock reading in seconds with microseconds (`1.004250 s`), as a timestamp is read.
pub fn stamp(t: i64) -> String {
    let sign = if t < 0 { "-" } else { "" };
    let a = t.unsigned_abs();
    format!("{sign}{}.{:06} s", a / 1_000_000, a % 1_000_000)
}

/// A signed duration, to the microsecond (`+3.250 ms`, `-150 µs`, `+1.000200 s`).
pub fn signed(d: i64) -> String {
    let sign = if d < 0 { "-" } else { "+" };
    let a = d.unsigned_abs();
    if a < 1_000 {
        format!("{sign}{a} µs")
    } else if a < 1_000_000 {
        format!("{sign}{}.{:03} ms", a / 1_000, a % 1_000)
    } else {
        format!("{sign}{}.{:06} s", a / 1_000_000, a % 1_000_000)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum CsTimer {
    /// Time to synchronise again (a client's next request; the master's next round).
    Sync,
    /// The Berkeley master has waited long enough for the answers of round `round`.
    Decide(u64),
}

/// What a node writes down: its correction, so that its clock keeps its time across a
/// restart, and the last Berkeley round it started (the master) or applied (the others),
/// so that an old or repeated correction is never applied again.
#[derive(Clone, Debug, Default, Serialize)]
pub struct CsDisk {
    pub correction: i64,
    pub round: u64,
}

#[derive(Clone, Debug, Serialize)]
pub enum CsWrite {
    Correction(i64),
    Round(u64),
}

impl Durable for CsDisk {
    type Write = CsWrite;

    fn apply(&mut self, write: CsWrite) {
        match write {
            CsWrite::Correction(c) => self.correction = c,
            CsWrite::Round(r) => self.round = r,
        }
    }
}

/// One NTP exchange as the client saw it, and what it made of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Exchange {
    pub seq: u64,
    /// The client's clock when it asked.
    pub t1: i64,
    /// The server's clock when the request came and when the answer left.
    pub t2: i64,
    pub t3: i64,
    /// The client's clock when the answer came (before it corrected it).
    pub t4: i64,
    /// The server's clock less the client's, as estimated.
    pub theta: i64,
    /// The round trip less the server's time.
    pub delay: i64,
    /// The error the client claims for its clock once corrected: half the round trip.
    pub bound: i64,
    /// What it moved its clock by (θ, or what the `ignore-rtt` bug makes of it).
    pub moved: i64,
}

/// What a node tells the trace, and what it records for the checkers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum CsNote {
    /// (Record) It asked for the time (NTP request `seq`) or polled (Berkeley round `seq`)
    /// at `t1` on its clock.
    Sent { seq: u64, t1: i64 },
    /// (Record) It stamped its answer to `to`'s request or poll `seq` with `t` on its clock.
    Served { to: NodeId, seq: u64, t: i64 },
    /// An NTP client corrected its clock after an exchange.
    Synced(Exchange),
    /// An NTP client threw away an exchange whose round trip came out negative (a clock
    /// was stepped during it).
    Discarded { seq: u64, delay: i64 },
    /// (Record) The Berkeley master estimated `of`'s offset from its own clock in round
    /// `round`: `est`, within `bound`, from its poll at `t1`, the answer `clock` and its
    /// arrival at `t4` (the master's clock).
    Measured {
        of: NodeId,
        round: u64,
        t1: i64,
        clock: i64,
        t4: i64,
        est: i64,
        bound: i64,
    },
    /// The Berkeley master chose the group's time in round `round`: `average` (as an
    /// offset from its own clock) of the offsets of `used`, leaving out `outliers`, with
    /// the median offset `median`.
    Decided {
        round: u64,
        median: i64,
        average: i64,
        used: Vec<NodeId>,
        outliers: Vec<NodeId>,
    },
    /// A node moved its clock by `by` as the Berkeley master told it after `round`.
    Adjusted { round: u64, by: i64 },
}

impl Note for CsNote {
    fn text(&self) -> String {
        match self {
            CsNote::Sent { seq, t1 } => format!("asks the time (#{seq}) at {}", stamp(*t1)),
            CsNote::Served { to, seq, t } => {
                format!("stamps its answer to {to} (#{seq}) with {}", stamp(*t))
            }
            CsNote::Synced(x) => format!(
                "measures offset {} with round trip {} and moves its clock by {}: within ±{} of the server",
                signed(x.theta),
                Pretty(x.delay.max(0) as Micros),
                signed(x.moved),
                Pretty(x.bound.max(0) as Micros)
            ),
            CsNote::Discarded { seq, delay } => format!(
                "throws away exchange #{seq}: its round trip comes out at {}, so a clock jumped during it",
                signed(*delay)
            ),
            CsNote::Measured { of, est, bound, .. } => format!(
                "estimates {of}'s clock at {} from its own, within ±{}",
                signed(*est),
                Pretty((*bound).max(0) as Micros)
            ),
            CsNote::Decided {
                round,
                average,
                used,
                outliers,
                ..
            } => {
                let names = |v: &[NodeId]| {
                    v.iter()
                        .map(|n| n.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let left = if outliers.is_empty() {
                    String::new()
                } else {
                    format!(", leaving out {}", names(outliers))
                };
                format!(
                    "averages round {round}'s clocks ({}{left}): the group's time is {} from its own",
                    names(used),
                    signed(*average)
                )
            }
            CsNote::Adjusted { round, by } => {
                format!("moves its clock by {} after round {round}", signed(*by))
            }
        }
    }

    fn is_routine(&self) -> bool {
        matches!(self, CsNote::Adjusted { .. })
    }
}

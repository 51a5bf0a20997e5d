//! What clock synchronisation promises, judged with what only the engine knows: the true
//! time at which every timestamp was taken, and what every clock read then.
//!
//! [`Ghost`] follows the run and, for every synchronisation, works out the error it
//! really left and how much the clocks themselves gained or lost during the exchange; the
//! checkers ([`bound`], [`outliers`]) and the meter share it.

mod bound;
mod outliers;

pub use bound::WithinBound;
pub use outliers::OutliersIgnored;

use super::{Algorithm, CsConfig, CsNode, CsNote, SERVER};
use crate::check::{CheckView, Invariant, LogCursor};
use crate::flat::FlatMap;
use crate::ids::NodeId;
use crate::time::Micros;

pub fn safety(config: &CsConfig) -> Vec<Box<dyn Invariant<CsNode>>> {
    let mut all: Vec<Box<dyn Invariant<CsNode>>> = vec![Box::new(WithinBound::default())];
    if config.algorithm == Algorithm::Berkeley {
        all.push(Box::new(OutliersIgnored::default()));
    }
    all
}

/// Node `id`'s time now (its physical clock plus its correction; its disk's correction
/// while it is down).
pub fn time_of(view: &CheckView<'_, CsNode>, id: NodeId) -> i64 {
    let correction = match view.node(id) {
        Some(node) => node.correction(),
        None => view.disk(id).correction,
    };
    view.clock(id) + correction
}

/// One synchronisation judged: an NTP client's correction, or a Berkeley estimate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sync {
    /// The node whose clock was estimated and corrected (NTP: the client; Berkeley: the
    /// node polled).
    pub node: NodeId,
    /// NTP: the exchange's number; Berkeley: the round.
    pub seq: u64,
    /// The true error: NTP, the client's time less the server's once corrected; Berkeley,
    /// the master's estimate of the node's offset less the real one.
    pub error: i64,
    /// The error bound the algorithm claims: half the round trip.
    pub bound: i64,
    /// What the two clocks gained or lost during the exchange, beyond true time, added up
    /// (drift, or a step), plus a microsecond for rounding: what the claim cannot cover.
    pub allowance: i64,
    /// The round trip measured.
    pub delay: i64,
    /// Berkeley: the node's real offset from the master when the answer came.
    pub actual: i64,
}

impl Sync {
    pub fn holds(&self) -> bool {
        self.error.abs() <= self.bound + self.allowance
    }
}

/// A Berkeley round's decision, with the real offsets behind it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Round {
    pub round: u64,
    pub average: i64,
    /// The median of the real offsets of the clocks the master heard from (its own, 0,
    /// included), when their answers came.
    pub real_median: i64,
    /// The largest error bound plus allowance among its estimates.
    pub margin: i64,
}

/// Follows the records of a run and judges each synchronisation as it happens.
#[derive(Clone, Debug, Default)]
pub struct Ghost {
    cursor: LogCursor,
    /// (sender, number) -> (true time, its clock) of a request or poll.
    sent: FlatMap<(NodeId, u64), (Micros, i64)>,
    /// (who answered, to whom, number, its stamp) -> true time of the stamp.
    served: FlatMap<(NodeId, NodeId, u64, i64), Micros>,
    /// Berkeley: (round, node) -> (real offset, bound plus allowance) of each estimate.
    measured: FlatMap<(u64, NodeId), (i64, i64)>,
}

/// What one event showed.
#[derive(Clone, Debug, Default)]
pub struct Seen {
    pub syncs: Vec<Sync>,
    pub rounds: Vec<Round>,
}

impl Ghost {
    pub fn step(&mut self, view: &CheckView<'_, CsNode>) -> Seen {
        let mut seen = Seen::default();
        let Some(actor) = view.acted else {
            return seen;
        };
        let now = view.now;
        let records = view.records(actor);
        for note in self.cursor.unread(actor, view.rebooted, records) {
            match note {
                CsNote::Sent { seq, t1 } => {
                    self.sent.insert((actor, *seq), (now, *t1));
                }
                CsNote::Served { to, seq, t } => {
                    self.served.insert((actor, *to, *seq, *t), now);
                }
                CsNote::Synced(x) => {
                    let (Some(&(sent_at, t1)), Some(&served_at)) = (
                        self.sent.get(&(actor, x.seq)),
                        self.served.get(&(SERVER, actor, x.seq, x.t3)),
                    ) else {
                        continue;
                    };
                    if t1 != x.t1 {
                        continue;
                    }
                    let client = time_of(view, actor);
                    let server = time_of(view, SERVER);
                    let gained_client = (x.t4 - x.t1) - (now - sent_at) as i64;
                    let gained_server = (server - x.t3) - (now - served_at) as i64;
                    seen.syncs.push(Sync {
                        node: actor,
                        seq: x.seq,
                        error: client - server,
                        bound: x.bound,
                        allowance: gained_client.abs() + gained_server.abs() + 1,
                        delay: x.delay,
                        actual: 0,
                    });
                    self.forget(actor, x.seq);
                }
                CsNote::Measured {
                    of,
                    round,
                    t1,
                    clock,
                    t4,
                    est,
                    bound,
                } => {
                    let (Some(&(sent_at, sent_t1)), Some(&served_at)) = (
                        self.sent.get(&(actor, *round)),
                        self.served.get(&(*of, actor, *round, *clock)),
                    ) else {
                        continue;
                    };
                    if sent_t1 != *t1 {
                        continue;
                    }
                    let master = time_of(view, actor);
                    let node = time_of(view, *of);
                    let actual = node - master;
                    let gained_master = (t4 - t1) - (now - sent_at) as i64;
                    let gained_node = (node - clock) - (now - served_at) as i64;
                    let sync = Sync {
                        node: *of,
                        seq: *round,
                        error: est - actual,
                        bound: *bound,
                        allowance: gained_master.abs() + gained_node.abs() + 1,
                        delay: t4 - t1,
                        actual,
                    };
                    self.measured
                        .insert((*round, *of), (actual, sync.bound + sync.allowance));
                    seen.syncs.push(sync);
                }
                CsNote::Decided {
                    round,
                    average,
                    used,
                    outliers,
                    ..
                } => {
                    let mut real = vec![0];
                    let mut margin = 0;
                    let mut whole = true;
                    for n in used.iter().chain(outliers).filter(|n| **n != actor) {
                        match self.measured.get(&(*round, *n)) {
                            Some(&(a, m)) => {
                                real.push(a);
                                margin = margin.max(m);
                            }
                            None => whole = false,
                        }
                    }
                    if whole {
                        crate::sort::natural(&mut real);
                        seen.rounds.push(Round {
                            round: *round,
                            average: *average,
                            real_median: real[(real.len() - 1) / 2],
                            margin,
                        });
                    }
                    let round = *round;
                    self.sent.retain(|k, _| k.1 > round || k.0 != actor);
                    self.served.retain(|k, _| k.2 > round || k.1 != actor);
                    self.measured.retain(|k, _| k.0 > round);
                }
                _ => {}
            }
        }
        seen
    }

    /// Drops what it kept of `client`'s exchanges up to `seq`.
    fn forget(&mut self, client: NodeId, seq: u64) {
        self.sent.retain(|k, _| k.0 != client || k.1 > seq);
        self.served.retain(|k, _| k.1 != client || k.2 > seq);
    }
}

/// Runs made by hand for the checkers' tests: clocks with fixed offsets, records written
/// step by step, each checker judging after every step.
#[cfg(test)]
pub(crate) mod handmade {
    use super::*;
    use crate::action::DiskFate;
    use crate::check::{Moment, NodeFacts};
    use crate::protocol::Protocol;
    use crate::protocols::clock_sync::{CsDisk, Exchange};

    /// Node `i`'s physical clock reads true time plus `offsets[i]`; every node up.
    pub struct Offset {
        pub now: Micros,
        pub offsets: Vec<i64>,
    }

    impl NodeFacts for Offset {
        fn crashed(&self, _: NodeId) -> Option<(Micros, DiskFate)> {
            None
        }
        fn is_paused(&self, _: NodeId) -> bool {
            false
        }
        fn clock(&self, id: NodeId) -> i64 {
            self.now as i64 + self.offsets[id.index()]
        }
        fn slowed(&self, _: NodeId) -> Micros {
            0
        }
        fn troubled_until(&self, _: NodeId) -> Micros {
            0
        }
    }

    /// At `now`, `node` records `note`, its correction becoming `correction` if given.
    pub struct Step {
        pub now: Micros,
        pub node: u32,
        pub note: CsNote,
        pub correction: Option<i64>,
    }

    /// The first breach `checker` reports, with its step.
    pub fn first_breach(
        checker: &mut dyn Invariant<CsNode>,
        config: &CsConfig,
        offsets: &[i64],
        steps: &[Step],
    ) -> Option<(usize, String)> {
        let n = offsets.len();
        let mut disks = vec![CsDisk::default(); n];
        let mut records: Vec<Vec<CsNote>> = vec![Vec::new(); n];
        let honest = vec![true; n];
        for (k, s) in steps.iter().enumerate() {
            let i = s.node as usize;
            if let Some(c) = s.correction {
                disks[i].correction = c;
            }
            records[i].push(s.note.clone());
            let states: Vec<Option<CsNode>> = (0..n)
                .map(|j| Some(CsNode::boot(NodeId(j as u32), n, config, &disks[j])))
                .collect();
            let facts = Offset {
                now: s.now,
                offsets: offsets.to_vec(),
            };
            let moment = Moment {
                now: s.now,
                acted: Some(NodeId(s.node)),
                rebooted: false,
                honest: &honest,
                facts: &facts,
            };
            if let Err(e) = checker.check(&CheckView::new(moment, &states, &disks, &records)) {
                return Some((k, e));
            }
        }
        None
    }

    /// An NTP exchange of client n1 with the server n0 at 1 s: the request takes `d1`, the
    /// answer `d2`; the client moves by θ, or (`ignore_rtt`) to the server's t3.
    pub fn ntp(offsets: &[i64], d1: Micros, d2: Micros, ignore_rtt: bool) -> Vec<Step> {
        let (o0, o1) = (offsets[0], offsets[1]);
        let at1 = 1_000_000;
        let at3 = at1 + d1;
        let at4 = at3 + d2;
        let t1 = at1 as i64 + o1;
        let t3 = at3 as i64 + o0;
        let t4 = at4 as i64 + o1;
        let theta = ((t3 - t1) + (t3 - t4)) / 2;
        let delay = t4 - t1;
        let moved = if ignore_rtt { t3 - t4 } else { theta };
        let x = Exchange {
            seq: 1,
            t1,
            t2: t3,
            t3,
            t4,
            theta,
            delay,
            bound: (delay + 1) / 2,
            moved,
        };
        vec![
            Step {
                now: at1,
                node: 1,
                note: CsNote::Sent { seq: 1, t1 },
                correction: None,
            },
            Step {
                now: at3,
                node: 0,
                note: CsNote::Served {
                    to: NodeId(1),
                    seq: 1,
                    t: t3,
                },
                correction: None,
            },
            Step {
                now: at4,
                node: 1,
                note: CsNote::Synced(x),
                correction: Some(moved),
            },
        ]
    }

    /// A Berkeley round 1 at 1 s: node `i` (from 1) answers the master's poll `delays[i - 1].0`
    /// after it, and the answer takes `delays[i - 1].1`; the master averages the offsets
    /// within `threshold` of the median (or, `every`, all of them).
    pub fn berkeley(
        offsets: &[i64],
        delays: &[(Micros, Micros)],
        threshold: i64,
        every: bool,
    ) -> Vec<Step> {
        let at1: Micros = 1_000_000;
        let m1 = at1 as i64 + offsets[0];
        let mut steps = vec![Step {
            now: at1,
            node: 0,
            note: CsNote::Sent { seq: 1, t1: m1 },
            correction: None,
        }];
        let mut estimates = vec![(NodeId(0), 0i64)];
        let mut last = at1;
        for (k, &(d1, d2)) in delays.iter().enumerate() {
            let i = k as u32 + 1;
            let at2 = at1 + d1;
            let clock = at2 as i64 + offsets[i as usize];
            steps.push(Step {
                now: at2,
                node: i,
                note: CsNote::Served {
                    to: NodeId(0),
                    seq: 1,
                    t: clock,
                },
                correction: None,
            });
            let at4 = at2 + d2;
            last = last.max(at4);
            let t4 = at4 as i64 + offsets[0];
            let est = ((clock - m1) + (clock - t4)) / 2;
            estimates.push((NodeId(i), est));
            steps.push(Step {
                now: at4,
                node: 0,
                note: CsNote::Measured {
                    of: NodeId(i),
                    round: 1,
                    t1: m1,
                    clock,
                    t4,
                    est,
                    bound: (t4 - m1 + 1) / 2,
                },
                correction: None,
            });
        }
        let mut sorted: Vec<i64> = estimates.iter().map(|e| e.1).collect();
        crate::sort::natural(&mut sorted);
        let median = sorted[(sorted.len() - 1) / 2];
        let (used, outliers): (Vec<(NodeId, i64)>, Vec<_>) = estimates
            .iter()
            .partition(|e| every || (e.1 - median).abs() <= threshold);
        let average = used.iter().map(|e| e.1).sum::<i64>() / used.len() as i64;
        steps.push(Step {
            now: last + 1,
            node: 0,
            note: CsNote::Decided {
                round: 1,
                median,
                average,
                used: used.iter().map(|e| e.0).collect(),
                outliers: outliers.iter().map(|e| e.0).collect(),
            },
            correction: Some(average),
        });
        crate::sort::by_key(&mut steps, |s| s.now);
        steps
    }
}

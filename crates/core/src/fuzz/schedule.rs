//! Random fault schedules: the episodes a fuzz run draws, kept to the faults its protocol
//! and the fuzz allow.

use super::FaultMix;
use crate::action::{Action, DiskFate, Schedule, Scheduled};
use crate::ids::NodeId;
use crate::network::LinkConfig;
use crate::registry::{FaultKind, Faults, SystemModel};
use crate::rng::{Ppm, SimRng};
use crate::time::{Micros, MICROS_PER_MS, MICROS_PER_SEC};

/// Draws a random fault schedule for `nodes` nodes over `until` microseconds: network
/// degradation, partitions, one-way cuts, crash-recovery, pauses, slow nodes, clock skew
/// and drift, and corruption with checksums on.
/// Besides, faults aimed at whoever leads at the moment (a crash with a quick restart, a
/// partition with the leader alone), as nemeses that aim at the leader do; in some runs a
/// crash at a node's first disk write, which cuts its first broadcast short; and, with
/// `mix.traitors`, up to that many nodes made Byzantine with one of `behaviours` for a
/// while.
pub fn random_schedule(
    rng: &mut SimRng,
    nodes: usize,
    until: Micros,
    mix: FaultMix,
    about: &crate::registry::About,
) -> Schedule {
    random_schedule_in(rng, nodes, until, mix, about, SystemModel::Asynchronous)
}

/// [`random_schedule`] for a protocol whose promises assume `model`: under a synchronous
/// model only the faults it counts, at most `mix.traitors` of them (see
/// [`synchronous_schedule`]).
pub fn random_schedule_in(
    rng: &mut SimRng,
    nodes: usize,
    until: Micros,
    mix: FaultMix,
    about: &crate::registry::About,
    model: SystemModel,
) -> Schedule {
    if let SystemModel::Synchronous { crashes } = model {
        return synchronous_schedule(rng, nodes, until, mix.traitors.unwrap_or(0), crashes, about);
    }
    let traitors = mix.traitors.unwrap_or(0);
    let allowed = mix.faults.unwrap_or(Faults::ALL);
    let behaviours: Vec<&str> = about.behaviours.iter().map(|b| b.name).collect();
    let mut s = Schedule::new();
    let mut at = |t: Micros, action: Action| s.push(Scheduled::at(t, action));
    if allowed.has(FaultKind::Network) {
        at(
            0,
            Action::SetNetwork {
                link: random_link(rng),
            },
        );
    }
    at(0, Action::SetChecksums { on: true });
    let node = |rng: &mut SimRng| NodeId(rng.below(nodes as u64) as u32);
    let horizon = until.saturating_sub(MICROS_PER_SEC).max(1);
    // Swarm testing: each run uses its own random subset of fault kinds, so that some runs
    // see many faults of one kind instead of always a thin mix of all of them.
    let kinds: Vec<u64> = {
        let mut all: Vec<u64> = (0..=12).collect();
        if about.serves_clients() {
            all.push(LOAD);
        } else {
            all.push(FIRST_WRITES);
        }
        if mix.disk_loss {
            all.push(DISK_LOSS);
        }
        // Only the kinds of fault allowed (with every kind allowed, the list and so the run
        // are as they always were).
        all.retain(|&k| episode_allowed(k, allowed));
        if all.is_empty() {
            Vec::new()
        } else {
            let chosen: Vec<u64> = all
                .iter()
                .copied()
                .filter(|_| rng.chance(Ppm::percent(50)))
                .collect();
            if chosen.is_empty() {
                vec![*rng.pick(&all)]
            } else {
                chosen
            }
        }
    };
    // Nodes made Byzantine; a protocol that tolerates f faulty nodes counts them against
    // its f, so a run with a traitor crashes no node for good.
    let mut byzantine = 0;
    if traitors > 0 && !behaviours.is_empty() {
        // Some runs keep every node honest; the others turn up to `traitors` nodes, each
        // for a stretch of the run (often from the start).
        let count = rng.range(0, u64::from(traitors).min(nodes as u64));
        byzantine = count;
        let mut traitors: Vec<NodeId> = Vec::new();
        while (traitors.len() as u64) < count {
            let n = node(rng);
            if !traitors.contains(&n) {
                traitors.push(n);
            }
        }
        for n in traitors {
            let behaviour = rng.pick(&behaviours).to_string();
            let from = if rng.chance(Ppm::percent(60)) {
                0
            } else {
                rng.range(0, horizon)
            };
            at(from, Action::Behave { node: n, behaviour });
            if rng.chance(Ppm::percent(30)) {
                at(
                    rng.range(from, until),
                    Action::Behave {
                        node: n,
                        behaviour: crate::action::HONEST.into(),
                    },
                );
            }
        }
    }
    let episodes = if kinds.is_empty() {
        0
    } else {
        rng.range(4, 24)
    };
    for _ in 0..episodes {
        let start = rng.range(200 * MICROS_PER_MS, horizon);
        let length = rng.range(MICROS_PER_MS, 3 * MICROS_PER_SEC);
        let end = start + length;
        match *rng.pick(&kinds) {
            0 => {
                at(
                    start,
                    Action::Partition {
                        groups: random_groups(rng, nodes),
                    },
                );
                at(end, Action::Heal);
            }
            1 => {
                let (from, to) = (node(rng), node(rng));
                at(start, Action::CutLink { from, to });
                at(end, Action::RestoreLink { from, to });
            }
            2 | 3 => {
                // Crash-recovery with the disk kept. Half of these land in the first
                // election, and short outages are the interesting ones: a node that comes
                // back within an election timeout still takes part in the same term.
                let n = node(rng);
                let start = if rng.chance(Ppm::percent(50)) {
                    rng.range(100 * MICROS_PER_MS, 450 * MICROS_PER_MS)
                } else {
                    start
                };
                let down = if rng.chance(Ppm::percent(50)) {
                    rng.range(MICROS_PER_MS, 150 * MICROS_PER_MS)
                } else {
                    rng.range(MICROS_PER_MS, 600 * MICROS_PER_MS)
                };
                crash_and_restart(&mut at, n, DiskFate::Keep, start, down);
            }
            4 => at(
                start,
                Action::Pause {
                    node: node(rng),
                    for_us: length,
                },
            ),
            5 => {
                let n = node(rng);
                let delay = rng.range(MICROS_PER_MS, 30 * MICROS_PER_MS);
                at(
                    start,
                    Action::Slow {
                        node: n,
                        delay_us: delay,
                    },
                );
                at(
                    end,
                    Action::Slow {
                        node: n,
                        delay_us: 0,
                    },
                );
            }
            6 => {
                let n = node(rng);
                let step = rng.chance(Ppm::percent(50));
                let step = if !allowed.has(FaultKind::ClockDrift) {
                    true
                } else if !allowed.has(FaultKind::ClockStep) {
                    false
                } else {
                    step
                };
                if step {
                    let by = rng.range(0, 2 * MICROS_PER_SEC) as i64 - MICROS_PER_SEC as i64;
                    at(start, Action::SkewClock { node: n, by_us: by });
                } else {
                    let ppm = rng.range(0, 400_000) as i32 - 200_000;
                    at(start, Action::SetDrift { node: n, ppm });
                }
            }
            7 => {
                at(
                    start,
                    Action::SetNetwork {
                        link: random_link(rng),
                    },
                );
            }
            8 => {
                // A power cut right after a disk write (a vote, a log append), half the
                // time during the first election.
                let start = if rng.chance(Ppm::percent(50)) {
                    rng.range(50 * MICROS_PER_MS, 300 * MICROS_PER_MS)
                } else {
                    start
                };
                let down = rng.range(MICROS_PER_MS, 200 * MICROS_PER_MS);
                at(
                    start,
                    Action::CrashOnWrite {
                        node: node(rng),
                        disk: DiskFate::Keep,
                        restart_after_us: Some(down),
                    },
                );
            }
            9 => {
                // Crash the leader of the moment and bring it back soon, several times in
                // a row: terms pile up with entries only partly replicated, the ground of
                // the paper's Figure 8.
                let mut t = start;
                for _ in 0..rng.range(1, 4) {
                    at(
                        t,
                        Action::CrashLeader {
                            disk: DiskFate::Keep,
                            restart_after_us: Some(rng.range(MICROS_PER_MS, 400 * MICROS_PER_MS)),
                        },
                    );
                    t += rng.range(50 * MICROS_PER_MS, 800 * MICROS_PER_MS);
                }
            }
            10 => {
                // Partitions around the leader of the moment, one after another: each
                // new leader is cut off with a few followers, so its entries reach only
                // some of the nodes before the next term begins.
                let mut t = start;
                for _ in 0..rng.range(1, 5) {
                    let with = rng.below(nodes as u64 / 2 + 1) as u32;
                    at(t, Action::PartitionLeader { with });
                    t += rng.range(50 * MICROS_PER_MS, 900 * MICROS_PER_MS);
                }
                at(t, Action::Heal);
            }
            11 => {
                // An election under fire: the leader goes, and while the others elect a
                // new one, voters crash and come back within a few milliseconds, which
                // is when a vote that was not written down gets lost.
                at(
                    start,
                    Action::CrashLeader {
                        disk: DiskFate::Keep,
                        restart_after_us: Some(rng.range(100 * MICROS_PER_MS, 400 * MICROS_PER_MS)),
                    },
                );
                let mut t = start + rng.range(150 * MICROS_PER_MS, 350 * MICROS_PER_MS);
                for _ in 0..rng.range(1, 4) {
                    let n = node(rng);
                    crash_and_restart(
                        &mut at,
                        n,
                        DiskFate::Keep,
                        t,
                        rng.range(MICROS_PER_MS, 60 * MICROS_PER_MS),
                    );
                    t += rng.range(MICROS_PER_MS, 150 * MICROS_PER_MS);
                }
            }
            12 => {
                // The ground of the paper's Figure 8: few client operations, and leader
                // after leader cut off with a few followers or crashed, so that terms
                // pile up with entries that reached only some nodes.
                if about.serves_clients() {
                    at(start, load_of(*rng.pick(&[1, 2, 5])));
                }
                let mut t = start;
                for _ in 0..rng.range(3, 7) {
                    if rng.chance(Ppm::percent(30)) {
                        at(
                            t,
                            Action::CrashLeader {
                                disk: DiskFate::Keep,
                                restart_after_us: Some(
                                    rng.range(50 * MICROS_PER_MS, 300 * MICROS_PER_MS),
                                ),
                            },
                        );
                    } else {
                        let with = rng.below(nodes as u64 / 2 + 1) as u32;
                        at(t, Action::PartitionLeader { with });
                    }
                    t += rng.range(100 * MICROS_PER_MS, 700 * MICROS_PER_MS);
                }
                at(t, Action::Heal);
                if about.serves_clients() {
                    at(t, load_of(crate::client::Workload::default().rate_per_s));
                }
            }
            FIRST_WRITES => {
                // A protocol without client load does most of its work at the start (a
                // single decision, the first calls): power cuts armed before its first
                // disk writes, on up to a majority of the nodes, each back soon.
                let at_start = rng.range(0, 100 * MICROS_PER_MS);
                for _ in 0..rng.range(1, nodes as u64 / 2 + 1) {
                    let down = rng.range(MICROS_PER_MS, 100 * MICROS_PER_MS);
                    at(
                        at_start,
                        Action::CrashOnWrite {
                            node: node(rng),
                            disk: DiskFate::Keep,
                            restart_after_us: Some(down),
                        },
                    );
                }
            }
            LOAD => {
                // Another client load for a while, from none at all (leaders then have
                // only older terms' entries to replicate) to a heavy one.
                let rate = *rng.pick(&[0, 0, 2, 10, 200]);
                at(start, load_of(rate));
                if rng.chance(Ppm::percent(50)) {
                    at(end, load_of(crate::client::Workload::default().rate_per_s));
                }
            }
            _ => {
                let n = node(rng);
                let down = rng.range(MICROS_PER_MS, 600 * MICROS_PER_MS);
                crash_and_restart(&mut at, n, DiskFate::Lose, start, down);
            }
        }
    }
    // A crash aimed at the moment a node first acts: armed from the start, it strikes just
    // after the node's first disk write and the rest of that step, which is often the
    // first message of a broadcast (a round's values, a vote request, a call), so that
    // the broadcast reaches only some of the peers. Drawn after everything above, so the
    // rest of a run's schedule is the same with it or without it.
    if allowed.has(FaultKind::Crash) && rng.chance(Ppm::percent(30)) {
        let n = node(rng);
        let restart_after_us = if rng.chance(Ppm::percent(50)) {
            Some(rng.range(MICROS_PER_MS, 300 * MICROS_PER_MS))
        } else if byzantine > 0 {
            Some(300 * MICROS_PER_MS)
        } else {
            None
        };
        at(
            0,
            Action::CrashOnWrite {
                node: n,
                disk: DiskFate::Keep,
                restart_after_us,
            },
        );
    }
    // A protocol with an action a person takes by hand (a snapshot started at a node) gets
    // a few of those too, at random nodes and moments, some close together: they are not
    // faults, but they are inputs the protocol must handle under faults. Drawn last and only
    // for such a protocol, so every other protocol's runs are as they were.
    if about.trigger.is_some() {
        for _ in 0..rng.range(0, 6) {
            at(rng.range(0, horizon), Action::Trigger { node: node(rng) });
        }
    }
    crate::sort::by_key(&mut s, |x| x.at);
    s
}

/// Faults within a synchronous model: links that delay (within a tenth of a second),
/// reorder and duplicate but never lose; up to `faulty` nodes that fail, each Byzantine with
/// one of the protocol's behaviours from the start or (with `crashes`) crashed for good at
/// a random moment or at its first disk write after one. Some runs have no faulty node.
fn synchronous_schedule(
    rng: &mut SimRng,
    nodes: usize,
    until: Micros,
    faulty: u32,
    crashes: bool,
    about: &crate::registry::About,
) -> Schedule {
    let mut s = Schedule::new();
    let link = LinkConfig {
        latency_us: rng.range(MICROS_PER_MS, crate::about::SYNCHRONOUS_LATENCY_US),
        jitter_us: rng.range(0, crate::about::SYNCHRONOUS_JITTER_US),
        loss: Ppm::NEVER,
        duplicate: Ppm(rng.range(0, 100_000) as u32),
        corrupt: Ppm::NEVER,
    };
    s.push(Scheduled::at(0, Action::SetNetwork { link }));
    let behaviours: Vec<&str> = about.behaviours.iter().map(|b| b.name).collect();
    let count = rng.range(0, u64::from(faulty).min(nodes as u64));
    let mut chosen: Vec<NodeId> = Vec::new();
    while (chosen.len() as u64) < count {
        let n = NodeId(rng.below(nodes as u64) as u32);
        if !chosen.contains(&n) {
            chosen.push(n);
        }
    }
    // Early crashes matter most for protocols in rounds: half land in the first second.
    let horizon = until.saturating_sub(MICROS_PER_SEC).max(1);
    for node in chosen {
        let lie = !behaviours.is_empty() && (!crashes || rng.chance(Ppm::percent(50)));
        let action = if lie {
            Action::Behave {
                node,
                behaviour: rng.pick(&behaviours).to_string(),
            }
        } else if crashes && rng.chance(Ppm::percent(50)) {
            // Crash-stop at the node's next disk write after a random moment: protocols in
            // rounds write as a round's sends begin, so the crash cuts a broadcast short.
            Action::CrashOnWrite {
                node,
                disk: DiskFate::Keep,
                restart_after_us: None,
            }
        } else if crashes {
            Action::Crash {
                node,
                disk: DiskFate::Keep,
            }
        } else {
            continue;
        };
        let at = match (&action, rng.below(4)) {
            (Action::Behave { .. }, _) => 0,
            // Armed from the start: the crash comes at the node's very first write.
            (Action::CrashOnWrite { .. }, 0 | 1) => 0,
            (_, 0 | 1) => rng.range(0, MICROS_PER_SEC.min(horizon)),
            _ => rng.range(0, horizon),
        };
        s.push(Scheduled::at(at, action));
    }
    crate::sort::by_key(&mut s, |x| x.at);
    s
}

/// A steady client load of `rate_per_s` operations a second, with the default mix.
fn load_of(rate_per_s: u32) -> Action {
    Action::SetWorkload {
        workload: crate::client::Workload {
            rate_per_s,
            ..crate::client::Workload::default()
        },
    }
}

/// Whether the numbered kind of episode `kind` uses only faults in `allowed`.
fn episode_allowed(kind: u64, allowed: Faults) -> bool {
    use FaultKind as F;
    match kind {
        0 | 10 => allowed.has(F::Partition),
        1 => allowed.has(F::Cut),
        2 | 3 | 8 | 9 | 11 | FIRST_WRITES | DISK_LOSS => allowed.has(F::Crash),
        4 => allowed.has(F::Pause),
        5 => allowed.has(F::Slow),
        6 => allowed.has(F::ClockStep) || allowed.has(F::ClockDrift),
        7 => allowed.has(F::Network),
        12 => allowed.has(F::Partition) && allowed.has(F::Crash),
        _ => true, // client load: not a fault
    }
}

/// The fault kind that wipes disks (drawn only with `FaultMix::disk_loss`).
const DISK_LOSS: u64 = 20;
/// The fault kind that changes the client load (for protocols that serve clients).
const LOAD: u64 = 21;
/// The fault kind that cuts power at the first disk writes (for protocols without clients).
const FIRST_WRITES: u64 = 22;

fn crash_and_restart(
    at: &mut impl FnMut(Micros, Action),
    node: NodeId,
    disk: DiskFate,
    start: Micros,
    down: Micros,
) {
    at(start, Action::Crash { node, disk });
    at(start + down, Action::Restart { node });
}

fn random_link(rng: &mut SimRng) -> LinkConfig {
    LinkConfig {
        latency_us: rng.range(MICROS_PER_MS, 40 * MICROS_PER_MS),
        jitter_us: rng.range(0, 50 * MICROS_PER_MS),
        loss: Ppm(rng.range(0, 150_000) as u32),
        duplicate: Ppm(rng.range(0, 100_000) as u32),
        corrupt: Ppm(rng.range(0, 30_000) as u32),
    }
}

/// Splits the nodes into two or three non-empty groups.
fn random_groups(rng: &mut SimRng, nodes: usize) -> Vec<Vec<NodeId>> {
    let count = if nodes >= 5 && rng.chance(Ppm::percent(30)) {
        3
    } else {
        2
    }
    .min(nodes);
    let mut groups = vec![Vec::new(); count];
    for i in 0..nodes {
        // The first `count` nodes seed one group each so no group is empty.
        let g = if i < count {
            i
        } else {
            rng.below(count as u64) as usize
        };
        groups[g].push(NodeId(i as u32));
    }
    groups
}

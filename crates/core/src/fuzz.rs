//! Randomised fault schedules, and the loop that runs many of them looking for violations.
//!
//! Each fuzz run is an ordinary [`RunSpec`] whose seed and schedule come from the fuzz seed
//! and the run number, so any failing run can be replayed on its own with `run`.

use crate::action::{Action, DiskFate, Schedule, Scheduled};
use crate::check::Violation;
use crate::ids::NodeId;
use crate::network::LinkConfig;
use crate::rng::{Ppm, SimRng};
use crate::run::{run, RunSpec};
use crate::time::{Micros, MICROS_PER_MS, MICROS_PER_SEC};
use serde::{Deserialize, Serialize};

/// Which faults the generator may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultMix {
    /// Crashes that wipe the disk: outside the crash-recovery model, so off by default.
    pub disk_loss: bool,
}

/// Draws a random fault schedule for `nodes` nodes over `until` microseconds: network
/// degradation, partitions, one-way cuts, crash-recovery, pauses, slow nodes, clock skew
/// and drift, and corruption with checksums on.
pub fn random_schedule(rng: &mut SimRng, nodes: usize, until: Micros, mix: FaultMix) -> Schedule {
    let mut s = Schedule::new();
    let mut at = |t: Micros, action: Action| s.push(Scheduled { at: t, action });
    at(
        0,
        Action::SetNetwork {
            link: random_link(rng),
        },
    );
    at(0, Action::SetChecksums { on: true });
    let node = |rng: &mut SimRng| NodeId(rng.below(nodes as u64) as u32);
    let horizon = until.saturating_sub(MICROS_PER_SEC).max(1);
    // Swarm testing: each run uses its own random subset of fault kinds, so that some runs
    // see many faults of one kind instead of always a thin mix of all of them.
    let kinds: Vec<u64> = {
        let all = if mix.disk_loss { 10 } else { 9 };
        let chosen: Vec<u64> = (0..all).filter(|_| rng.chance(Ppm::percent(50))).collect();
        if chosen.is_empty() {
            vec![rng.below(all)]
        } else {
            chosen
        }
    };
    let episodes = rng.range(4, 24);
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
                if rng.chance(Ppm::percent(50)) {
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
            _ => {
                let n = node(rng);
                let down = rng.range(MICROS_PER_MS, 600 * MICROS_PER_MS);
                crash_and_restart(&mut at, n, DiskFate::Lose, start, down);
            }
        }
    }
    s.sort_by_key(|x| x.at);
    s
}

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

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FuzzSpec {
    /// The run every fuzz run starts from (protocol, nodes, length, bugs, workload);
    /// its seed and schedule are replaced per run.
    pub base: RunSpec,
    pub runs: u64,
    pub seed: u64,
    pub mix: FaultMix,
    /// Stop at the first failing run.
    pub stop_at_first: bool,
}

/// A failing run, with everything needed to replay it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    pub run: u64,
    pub seed: u64,
    pub violation: Violation,
    pub schedule: Schedule,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FuzzReport {
    pub runs: u64,
    /// Runs that ended in a violation.
    pub violations: u64,
    pub events: u64,
    pub first_failure: Option<Failure>,
}

/// The spec of fuzz run `i`.
pub fn fuzz_run_spec(spec: &FuzzSpec, i: u64) -> RunSpec {
    let seed = SimRng::derive_seed(spec.seed, i);
    let mut rng = SimRng::new(seed ^ 0x5c4e_d01e);
    let mut run = spec.base.clone();
    run.seed = seed;
    run.schedule = random_schedule(&mut rng, run.nodes, run.until_us, spec.mix);
    run
}

pub fn fuzz(spec: &FuzzSpec) -> Result<FuzzReport, String> {
    spec.base.clone().validate()?;
    let mut report = FuzzReport {
        runs: 0,
        violations: 0,
        events: 0,
        first_failure: None,
    };
    for i in 0..spec.runs {
        let run_spec = fuzz_run_spec(spec, i);
        let result = run(&run_spec)?;
        report.runs += 1;
        report.events += result.events;
        if let Some(v) = result.violations.first() {
            report.violations += 1;
            if report.first_failure.is_none() {
                report.first_failure = Some(Failure {
                    run: i,
                    seed: run_spec.seed,
                    violation: v.clone(),
                    schedule: run_spec.schedule,
                });
            }
            if spec.stop_at_first {
                break;
            }
        }
    }
    Ok(report)
}

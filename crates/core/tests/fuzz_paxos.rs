//! Paxos and Multi-Paxos under a thousand randomised fault schedules each: crashes and
//! restarts with the disk kept, partitions, lost, duplicated and corrupted messages. The
//! correct forms break no property, safety or end; the bugs are found by the registry's
//! test (every bug within 1000 runs).

use splitbrain_core::action::Action;
use splitbrain_core::fuzz::{fuzz, fuzz_run_spec, FaultMix, FuzzSpec};
use splitbrain_core::run::RunSpec;
use splitbrain_core::time::MICROS_PER_SEC;

fn spec(protocol: &str) -> FuzzSpec {
    FuzzSpec {
        base: RunSpec::new(5, 0, 20 * MICROS_PER_SEC).with_protocol(protocol),
        runs: 1000,
        seed: 1,
        mix: FaultMix::default(),
        stop_at_first: false,
    }
}

/// How many of the runs' schedules hold each kind of fault the issue names.
fn faults_seen(spec: &FuzzSpec) -> [usize; 5] {
    let mut seen = [0; 5];
    for i in 0..spec.runs {
        let run = fuzz_run_spec(spec, i);
        let has = |f: &dyn Fn(&Action) -> bool| run.schedule.iter().any(|s| f(&s.action));
        let kinds = [
            has(&|a| matches!(a, Action::Crash { .. } | Action::CrashLeader { .. })),
            has(&|a| {
                matches!(
                    a,
                    Action::Restart { .. }
                        | Action::CrashLeader {
                            restart_after_us: Some(_),
                            ..
                        }
                )
            }),
            has(&|a| matches!(a, Action::Partition { .. } | Action::PartitionLeader { .. })),
            has(&|a| matches!(a, Action::SetNetwork { link } if link.loss.0 > 0)),
            has(&|a| matches!(a, Action::SetNetwork { link } if link.duplicate.0 > 0)),
        ];
        for (k, yes) in kinds.iter().enumerate() {
            seen[k] += usize::from(*yes);
        }
    }
    seen
}

fn survives_a_thousand(protocol: &str) {
    let spec = spec(protocol);
    let seen = faults_seen(&spec);
    assert!(
        seen.iter().all(|&n| n >= 100),
        "{protocol}: runs with crashes, restarts, partitions, loss, duplication: {seen:?}"
    );
    let report = fuzz(&spec).unwrap();
    assert_eq!(report.runs, 1000);
    assert_eq!(report.violations, 0, "{:?}", report.first_failure);
    assert_eq!(report.end_violations, 0, "{:?}", report.first_failure);
}

#[test]
fn paxos_survives_a_thousand_fault_schedules() {
    survives_a_thousand("paxos");
}

#[test]
fn multi_paxos_survives_a_thousand_fault_schedules() {
    survives_a_thousand("multi-paxos");
}

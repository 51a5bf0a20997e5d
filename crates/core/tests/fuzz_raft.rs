//! Randomised fault runs: correct Raft must survive them all, and the checkers must catch a
//! deliberately broken Raft.

use splitbrain_core::fuzz::{fuzz, FaultMix, FuzzSpec};
use splitbrain_core::run::RunSpec;
use splitbrain_core::time::MICROS_PER_SEC;

fn spec(bug: Option<&str>, runs: u64) -> FuzzSpec {
    let mut base = RunSpec::new(5, 0, 20 * MICROS_PER_SEC);
    base.bugs.extend(bug.map(String::from));
    FuzzSpec {
        base,
        runs,
        seed: 1,
        mix: FaultMix::disk_loss(false),
        stop_at_first: bug.is_some(),
    }
}

#[test]
fn correct_raft_survives_a_thousand_fault_schedules() {
    let report = fuzz(&spec(None, 1000)).unwrap();
    assert_eq!(report.runs, 1000);
    assert_eq!(report.violations, 0, "{:?}", report.first_failure);
    assert!(report.events > 1_000_000, "runs too short to mean much");
}

#[test]
fn voting_without_the_log_check_is_caught() {
    let report = fuzz(&spec(Some("vote-without-log-check"), 1000)).unwrap();
    let failure = report.first_failure.expect("caught within 1000 runs");
    assert!(
        [
            "leader completeness",
            "state machine safety",
            "log matching"
        ]
        .contains(&failure.violation.invariant.as_str()),
        "{:?}",
        failure.violation
    );
}

#[test]
fn forgetting_to_persist_the_vote_is_caught() {
    let report = fuzz(&spec(Some("forget-vote"), 1000)).unwrap();
    let failure = report.first_failure.expect("caught within 1000 runs");
    assert_eq!(failure.violation.invariant, "election safety");
}

#[test]
fn disk_loss_in_the_fault_mix_breaks_raft() {
    let mut s = spec(None, 1000);
    s.mix.disk_loss = true;
    s.stop_at_first = true;
    let report = fuzz(&s).unwrap();
    assert!(
        report.first_failure.is_some(),
        "no violation in 1000 runs with disk loss"
    );
}

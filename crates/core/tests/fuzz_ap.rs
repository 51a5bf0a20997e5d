//! Randomised fault runs against the available protocols: their (few) invariants must
//! hold under every fault schedule, and the checkers must catch their broken variants.

use splitbrain_core::fuzz::{fuzz, FaultMix, FuzzSpec};
use splitbrain_core::run::RunSpec;
use splitbrain_core::time::MICROS_PER_SEC;

fn spec(protocol: &str, runs: u64, disk_loss: bool) -> FuzzSpec {
    let base = RunSpec::new(5, 0, 20 * MICROS_PER_SEC).with_protocol(protocol);
    FuzzSpec {
        base,
        runs,
        seed: 3,
        mix: FaultMix::disk_loss(disk_loss),
        stop_at_first: false,
    }
}

#[test]
fn quorum_replicas_never_regress_under_faults() {
    for (conflict, sloppy, r) in [("lww", 0, 1), ("vv", 0, 3), ("lww", 1, 3)] {
        let mut s = spec("quorum", 150, true);
        s.base = s
            .base
            .set("conflict", conflict)
            .set("sloppy", sloppy)
            .set("r", r)
            .set("w", r);
        let report = fuzz(&s).unwrap();
        assert_eq!(report.violations, 0, "{:?}", report.first_failure);
    }
}

#[test]
fn primary_backup_keeps_its_own_promises_under_faults() {
    for sync in [0, 1] {
        let mut s = spec("primary-backup", 150, true);
        s.base = s.base.set("sync", sync);
        let report = fuzz(&s).unwrap();
        assert_eq!(report.violations, 0, "{:?}", report.first_failure);
    }
}

#[test]
fn the_broken_variants_are_caught() {
    let mut s = spec("quorum", 200, false);
    s.base = s.base.bug("blind-overwrite");
    s.stop_at_first = true;
    let failure = fuzz(&s).unwrap().first_failure.expect("caught");
    assert_eq!(
        failure.violation.invariant,
        "replica versions never regress"
    );

    let mut s = spec("primary-backup", 200, false);
    s.base = s.base.bug("forget-epoch");
    s.stop_at_first = true;
    let failure = fuzz(&s).unwrap().first_failure.expect("caught");
    assert_eq!(failure.violation.invariant, "epochs never decrease");
}

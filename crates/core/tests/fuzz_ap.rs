//! Randomised fault runs against the available protocols: their (few) invariants must
//! hold under every fault schedule, and the checkers must catch their broken variants.

use splitbrain_core::fuzz::{fuzz, FaultMix, FuzzSpec};
use splitbrain_core::protocols::primary_backup::PbBug;
use splitbrain_core::protocols::quorum::{Conflict, QuorumBug};
use splitbrain_core::run::{ProtocolKind, RunSpec};
use splitbrain_core::time::MICROS_PER_SEC;

fn spec(kind: ProtocolKind, runs: u64, disk_loss: bool) -> FuzzSpec {
    let mut base = RunSpec::new(5, 0, 20 * MICROS_PER_SEC);
    base.protocol = kind;
    FuzzSpec {
        base,
        runs,
        seed: 3,
        mix: FaultMix { disk_loss },
        stop_at_first: false,
    }
}

#[test]
fn quorum_replicas_never_regress_under_faults() {
    for (conflict, sloppy, r) in [
        (Conflict::Lww, false, 1),
        (Conflict::VersionVectors, false, 3),
        (Conflict::Lww, true, 3),
    ] {
        let mut s = spec(ProtocolKind::Quorum, 150, true);
        s.base.quorum.conflict = conflict;
        s.base.quorum.sloppy = sloppy;
        s.base.quorum.r = r;
        s.base.quorum.w = r;
        let report = fuzz(&s).unwrap();
        assert_eq!(report.violations, 0, "{:?}", report.first_failure);
    }
}

#[test]
fn primary_backup_keeps_its_own_promises_under_faults() {
    for sync_follower in [false, true] {
        let mut s = spec(ProtocolKind::PrimaryBackup, 150, true);
        s.base.primary_backup.sync_follower = sync_follower;
        let report = fuzz(&s).unwrap();
        assert_eq!(report.violations, 0, "{:?}", report.first_failure);
    }
}

#[test]
fn the_broken_variants_are_caught() {
    let mut s = spec(ProtocolKind::Quorum, 200, false);
    s.base.quorum.bugs.push(QuorumBug::BlindOverwrite);
    s.stop_at_first = true;
    let failure = fuzz(&s).unwrap().first_failure.expect("caught");
    assert_eq!(
        failure.violation.invariant,
        "replica versions never regress"
    );

    let mut s = spec(ProtocolKind::PrimaryBackup, 200, false);
    s.base.primary_backup.bugs.push(PbBug::ForgetEpoch);
    s.stop_at_first = true;
    let failure = fuzz(&s).unwrap().first_failure.expect("caught");
    assert_eq!(failure.violation.invariant, "epochs never decrease");
}

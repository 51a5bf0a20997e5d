//! Scenarios of failure detection: a calm network, a crash, a pause, jitter, and each
//! detector and bug, with what the checkers and the meter make of them.

use super::*;
use crate::ids::NodeId;
use crate::run::RunSpec;
use crate::sim::Sim;
use crate::testkit::{self, broken};
use crate::time::{MICROS_PER_MS, MICROS_PER_SEC};
use crate::world::{Kernel, World};

fn spec(actions: &str, bugs: &[&str], settings: &[(&str, &str)]) -> RunSpec {
    testkit::scenario(
        "failure-detector",
        4,
        6 * MICROS_PER_SEC,
        actions,
        bugs,
        settings,
    )
}

fn run(spec: &RunSpec) -> World<FdNode> {
    testkit::run(spec)
}

fn node(w: &World<FdNode>, i: u32) -> &FdNode {
    w.node(NodeId(i)).expect("the node is up")
}

/// The meter's reading by name.
fn reading(w: &World<FdNode>, name: &str) -> Option<i64> {
    testkit::reading(w, name)
}

#[test]
fn on_a_calm_network_nobody_is_suspected() {
    let w = run(&spec("", &[], &[]));
    for i in 0..4 {
        assert_eq!(node(&w, i).suspected().count(), 0);
        assert!(node(&w, i).heard(NodeId((i + 1) % 4)) > 50);
    }
    assert!(broken(&w).is_empty(), "{:?}", broken(&w));
    assert_eq!(reading(&w, "wrong suspicions"), Some(0));
    assert_eq!(reading(&w, "detection time"), None);
}

#[test]
fn a_crash_is_suspected_by_every_other_node_within_the_timeout_and_an_interval() {
    let w = run(&spec("1s@crash:3:keep", &[], &[]));
    for i in 0..3 {
        assert!(node(&w, i).suspects(NodeId(3)), "n{i}");
        assert_eq!(node(&w, i).suspected().count(), 1);
    }
    assert!(broken(&w).is_empty(), "{:?}", broken(&w));
    // The last heartbeat came at most an interval before the crash, and the suspicion a
    // timeout after it.
    let slowest = reading(&w, "slowest detection").expect("three detections");
    assert!(slowest <= 300_000 + 35_000, "{slowest}");
    let mean = reading(&w, "detection time").unwrap();
    assert!((200_000..=slowest).contains(&mean), "{mean}");
    assert_eq!(reading(&w, "crashes not yet noticed"), Some(0));
    assert_eq!(reading(&w, "wrong suspicions"), Some(0));
}

#[test]
fn with_one_shared_timer_a_crash_goes_unnoticed_while_the_others_talk() {
    let w = run(&spec("1s@crash:3:keep", &["shared-timer"], &[]));
    assert!((0..3).all(|i| !node(&w, i).suspects(NodeId(3))));
    assert_eq!(broken(&w), ["strong completeness"]);
    assert_eq!(reading(&w, "crashes not yet noticed"), Some(3));
    // Two nodes only: the one peer's silence is the only silence, and it is noticed.
    let mut two = spec("1s@crash:1:keep", &["shared-timer"], &[]);
    two.nodes = 2;
    let w = run(&two);
    assert!(node(&w, 0).suspects(NodeId(1)));
}

const SYNCHRONOUS: (&str, &str) = ("model", "synchronous");

#[test]
fn a_timeout_of_one_interval_takes_late_heartbeats_for_crashes() {
    let jitter = "0s@net:lat5ms_jit10ms";
    let right = run(&spec(jitter, &[], &[SYNCHRONOUS]));
    assert!(broken(&right).is_empty(), "{:?}", broken(&right));
    // In the synchronous model the first late heartbeat breaks strong accuracy and stops
    // the run.
    let w = run(&spec(jitter, &["timeout-is-interval"], &[SYNCHRONOUS]));
    assert_eq!(w.violations()[0].invariant, "strong accuracy");
    assert!(w.now() < MICROS_PER_SEC, "{}", w.now());
    // Without the promise the run goes on, suspecting and trusting again all the time, and
    // even a calm network does not end it.
    let w = run(&spec(jitter, &["timeout-is-interval"], &[]));
    assert!(reading(&w, "wrong suspicions").unwrap() > 50);
    assert_eq!(broken(&w), ["eventual accuracy"]);
}

#[test]
fn a_pause_longer_than_the_timeout_is_taken_for_a_crash_and_the_suspicion_ends() {
    let w = run(&spec("1s@pause:2:1s", &[], &[]));
    // Once n2 runs again every suspicion of it ends: eventually accurate.
    assert!(broken(&w).is_empty(), "{:?}", broken(&w));
    assert_eq!(reading(&w, "wrong suspicions"), Some(3));
    for i in [0, 1, 3] {
        assert_eq!(
            (
                node(&w, i).suspicions(NodeId(2)),
                node(&w, i).wrong(NodeId(2))
            ),
            (1, 1)
        );
    }
    // A pause is outside the synchronous model: there the promise breaks.
    let w = run(&spec("1s@pause:2:1s", &[], &[SYNCHRONOUS]));
    assert_eq!(broken(&w), ["strong accuracy"]);
}

#[test]
fn the_adaptive_detector_outgrows_repeated_pauses() {
    let pauses = "1s@pause:2:400ms,2s@pause:2:400ms,3s@pause:2:400ms,4s@pause:2:400ms";
    let fixed = run(&spec(pauses, &[], &[]));
    let adaptive = run(&spec(pauses, &[], &[("detector", "adaptive")]));
    let wrong = |w: &World<FdNode>| reading(w, "wrong suspicions").unwrap();
    // The fixed timeout is fooled by every pause; the adaptive one grows past the silence
    // a pause makes (400 ms and up to an interval) after the first: 300 ms, then 600 ms.
    assert_eq!(wrong(&fixed), 4 * 3);
    assert_eq!(wrong(&adaptive), 3);
    assert_eq!(node(&adaptive, 0).allowance(NodeId(2)), 600 * MICROS_PER_MS);
    assert_eq!(node(&adaptive, 0).allowance(NodeId(1)), 300 * MICROS_PER_MS);
    assert!(broken(&adaptive).is_empty(), "{:?}", broken(&adaptive));
}

#[test]
fn the_phi_detector_follows_the_gaps_it_sees() {
    let calm = run(&spec("", &[], &[("detector", "phi")]));
    let jittery = run(&spec("0s@net:lat5ms_jit80ms", &[], &[("detector", "phi")]));
    let a = node(&calm, 0).allowance(NodeId(1));
    let b = node(&jittery, 0).allowance(NodeId(1));
    // Regular heartbeats: the mean gap and the smallest spread it allows; irregular ones
    // widen it.
    assert!(
        (100 * MICROS_PER_MS..200 * MICROS_PER_MS).contains(&a),
        "{a}"
    );
    assert!(b > a + 50 * MICROS_PER_MS, "{a} {b}");
    // Just after a heartbeat the silence is short: phi is below the threshold of 8.
    let phi = node(&jittery, 0).phi_now(NodeId(1)).unwrap();
    assert!(phi < 8, "{phi}");
    let w = run(&spec("1s@crash:3:keep", &[], &[("detector", "phi")]));
    assert!((0..3).all(|i| node(&w, i).suspects(NodeId(3))));
    assert!(broken(&w).is_empty(), "{:?}", broken(&w));
}

#[test]
fn pings_detect_a_crash_as_heartbeats_do() {
    let w = run(&spec("1s@crash:3:keep", &[], &[("style", "ping")]));
    assert!((0..3).all(|i| node(&w, i).suspects(NodeId(3))));
    assert!(broken(&w).is_empty(), "{:?}", broken(&w));
    assert!(node(&w, 0).heard(NodeId(1)) > 50);
}

#[test]
fn a_timeout_shorter_than_the_interval_never_settles() {
    // Hand-made: with a 20 ms timeout and heartbeats every 100 ms, every node is suspected
    // most of the time, however calm the network.
    let w = run(&spec("", &[], &[("timeout", "20ms")]));
    assert!(
        broken(&w).contains(&"eventual accuracy".to_string()),
        "{:?}",
        broken(&w)
    );
}

#[test]
fn a_restarted_node_is_trusted_again() {
    let w = run(&spec("1s@crash:3:keep,2s@restart:3", &[], &[]));
    for i in 0..3 {
        assert!(!node(&w, i).suspects(NodeId(3)));
        assert_eq!(node(&w, i).suspicions(NodeId(3)), 1);
        // Not a wrong suspicion by the judge's measure: n3 had crashed.
        assert_eq!(node(&w, i).wrong(NodeId(3)), 1);
    }
    assert_eq!(reading(&w, "wrong suspicions"), Some(0));
    assert!(broken(&w).is_empty(), "{:?}", broken(&w));
    let samples = Sim::samples(&*w as &Kernel);
    assert!(samples.len() >= 55, "{}", samples.len());
    // Nothing counts as a crash before n3's: not the moment before the nodes boot.
    let unnoticed = |at: u64| samples.iter().rfind(|s| s.at_us <= at).unwrap().readings[4];
    assert_eq!(unnoticed(0), Some(0));
    assert_eq!(unnoticed(MICROS_PER_SEC + 100 * MICROS_PER_MS), Some(3));
    assert_eq!(unnoticed(2 * MICROS_PER_SEC), Some(0));
}

#[test]
fn a_node_already_suspected_when_it_crashes_is_noticed_at_once() {
    // A 20 ms timeout suspects every peer between heartbeats: whoever suspected n3 when it
    // crashed noticed the crash at once.
    let w = run(&spec("1050ms@crash:3:keep", &[], &[("timeout", "20ms")]));
    assert_eq!(reading(&w, "crashes not yet noticed"), Some(0));
    let mean = reading(&w, "detection time").expect("three detections");
    assert!(mean < 20_000, "{mean}");
}

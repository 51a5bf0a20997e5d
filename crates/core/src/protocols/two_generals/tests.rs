//! Scenarios of the two generals: a calm link, one caught messenger for every length of the
//! chain, a restart after the moment, and a lying general.

use super::*;
use crate::action::{Action, DiskFate, Scheduled};
use crate::check::Violation;
use crate::ids::NodeId;
use crate::registry::Of;
use crate::run::RunSpec;
use crate::world::World;

fn spec(messages: u32) -> RunSpec {
    let mut spec = RunSpec::new(2, 1, 6 * MICROS_PER_SEC)
        .with_protocol("two-generals")
        .set("messages", messages);
    spec.workload = None;
    spec
}

fn world(spec: &RunSpec) -> World<General> {
    let config = Of::<General>::config(&spec.settings, &spec.bugs, &spec.env()).unwrap();
    spec.world(config, true)
}

fn decisions(w: &World<General>) -> [Option<Decision>; 2] {
    [0, 1].map(|i| w.node(NodeId(i)).and_then(|g| g.decision()))
}

fn end(w: &World<General>) -> Vec<Violation> {
    w.clone().check_end(0)
}

#[test]
fn on_a_calm_link_both_attack_and_every_property_holds() {
    for messages in 1..=6 {
        let mut w = world(&spec(messages));
        w.run_until(6 * MICROS_PER_SEC);
        assert_eq!(decisions(&w), [Some(Decision::Attack); 2], "{messages}");
        assert!(w.violations().is_empty(), "{:?}", w.violations());
        assert!(end(&w).is_empty(), "{messages}: {:?}", end(&w));
    }
}

/// For every length of the chain, some moment to catch messengers in one direction leaves
/// one general attacking alone: the doubt only moves to the last messenger.
#[test]
fn one_caught_messenger_splits_them_for_every_length_of_the_chain() {
    for messages in 1..=6u32 {
        // The last messenger goes from the first general when the chain is odd.
        let (from, to) = if messages % 2 == 1 { (0, 1) } else { (1, 0) };
        let split = (0..2000u64).find_map(|ms| {
            let mut s = spec(messages);
            s.schedule = vec![Scheduled::at(
                ms * 50,
                Action::CutLink {
                    from: NodeId(from),
                    to: NodeId(to),
                },
            )];
            let mut w = world(&s);
            w.run_until(s.until_us);
            let d = decisions(&w);
            (d[0] != d[1] && d.contains(&Some(Decision::Attack))).then(|| (ms * 50, end(&w)))
        });
        let (at, violations) = split.unwrap_or_else(|| panic!("{messages}: never split"));
        assert_eq!(
            violations
                .iter()
                .map(|v| v.invariant.as_str())
                .collect::<Vec<_>>(),
            ["the generals decide alike"],
            "{messages} messengers, cut at {at} us"
        );
    }
}

#[test]
fn a_general_back_after_the_moment_keeps_its_attack_unless_it_forgot_it() {
    for (bug, broken) in [(false, false), (true, true)] {
        let mut s = spec(1);
        if bug {
            s = s.bug("forget-decision");
        }
        s.schedule = vec![
            Scheduled::at(
                4 * MICROS_PER_SEC,
                Action::Crash {
                    node: NodeId(0),
                    disk: DiskFate::Keep,
                },
            ),
            Scheduled::at(5 * MICROS_PER_SEC, Action::Restart { node: NodeId(0) }),
        ];
        let mut w = world(&s);
        w.run_until(s.until_us);
        let v: Vec<&str> = w
            .violations()
            .iter()
            .map(|v| v.invariant.as_str())
            .collect();
        if broken {
            assert_eq!(v, ["decisions are final"]);
        } else {
            assert!(v.is_empty(), "{v:?}");
            assert_eq!(decisions(&w), [Some(Decision::Attack); 2]);
        }
    }
}

#[test]
fn a_general_who_lies_about_the_moment_is_not_held_to_the_promises() {
    let mut s = spec(1);
    s.until_us = 4 * MICROS_PER_SEC;
    // The order sent at start is caught; the ones sent again after that lie.
    let (a, b) = (NodeId(0), NodeId(1));
    s.schedule = vec![
        Scheduled::at(0, Action::CutLink { from: a, to: b }),
        Scheduled::at(
            0,
            Action::Behave {
                node: a,
                behaviour: "wrong-time".into(),
            },
        ),
        Scheduled::at(500_000, Action::RestoreLink { from: a, to: b }),
    ];
    let mut w = world(&s);
    w.run_until(s.until_us);
    // The second general heard a moment two seconds later than the plan.
    assert_eq!(
        w.node(NodeId(1)).unwrap().plan(),
        Some(3 * MICROS_PER_SEC + 2 * MICROS_PER_SEC)
    );
    assert!(w.violations().is_empty(), "{:?}", w.violations());
    // The honest second general attacks at the moment it was told: not with the first.
    let mut settled = w.clone();
    settled.run_until(9 * MICROS_PER_SEC);
    let v = end(&settled);
    assert_eq!(v.len(), 1, "{v:?}");
    assert!(v[0].message.contains("n0 at 3s and n1 at 5s"), "{v:?}");
}

#[test]
fn undetected_corruption_can_forge_a_confirmation_and_the_checker_sees_it() {
    let mut found = false;
    for seed in 0..200 {
        let mut s = spec(4);
        s.seed = seed;
        s.schedule = vec![
            Scheduled::at(0, Action::SetChecksums { on: false }),
            Scheduled::at(
                0,
                Action::SetNetwork {
                    link: crate::network::LinkConfig {
                        corrupt: crate::rng::Ppm::percent(30),
                        ..crate::network::LinkConfig::default()
                    },
                },
            ),
        ];
        let mut w = world(&s);
        w.run_until(s.until_us);
        if w.violations()
            .iter()
            .any(|v| v.invariant == "attacks rest on real messengers")
        {
            found = true;
            break;
        }
    }
    assert!(found, "no forged confirmation in 200 corrupted runs");
}

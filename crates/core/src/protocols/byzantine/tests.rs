//! Scenarios of the Byzantine generals: loyal runs, OM(1) with four generals against each
//! kind of traitor, three generals where one traitor is enough, the one-round-short bug,
//! and signed messages that a relay cannot change.

use super::*;
use crate::action::{Action, Scheduled};
use crate::ids::NodeId;
use crate::registry::Of;
use crate::run::RunSpec;
use crate::time::MICROS_PER_SEC;
use crate::world::World;

fn spec(nodes: usize) -> RunSpec {
    let mut spec = RunSpec::new(nodes, 1, 2 * MICROS_PER_SEC).with_protocol("byzantine-generals");
    spec.workload = None;
    spec
}

fn lying(mut spec: RunSpec, node: u32, behaviour: &str) -> RunSpec {
    spec.schedule.push(Scheduled::at(
        0,
        Action::Behave {
            node: NodeId(node),
            behaviour: behaviour.into(),
        },
    ));
    spec
}

fn run(spec: &RunSpec) -> World<ByzGeneral> {
    let config = Of::<ByzGeneral>::config(&spec.settings, &spec.bugs, &spec.env()).unwrap();
    let mut w = spec.world(config, true);
    w.run_until(spec.until_us);
    w
}

fn decisions(w: &World<ByzGeneral>) -> Vec<Option<Order>> {
    (1..w.nodes().len() as u32)
        .map(|i| w.node(NodeId(i)).and_then(|g| g.decision()))
        .collect()
}

fn broken(w: &World<ByzGeneral>) -> Vec<&str> {
    w.violations()
        .iter()
        .map(|v| v.invariant.as_str())
        .collect()
}

#[test]
fn loyal_generals_obey_the_commander_whatever_their_number_and_m() {
    for nodes in 3..=7 {
        for m in 0..=2u32 {
            for order in ["attack", "retreat"] {
                let s = spec(nodes).set("m", m).set("order", order);
                let w = run(&s);
                let want = if order == "attack" {
                    Order::Attack
                } else {
                    Order::Retreat
                };
                assert_eq!(
                    decisions(&w),
                    vec![Some(want); nodes - 1],
                    "{nodes} {m} {order}"
                );
                assert!(w.violations().is_empty(), "{:?}", w.violations());
                assert!(w.clone().check_end(0).is_empty());
            }
        }
    }
}

/// OM(1) with four generals: whichever one lies, and however, the loyal lieutenants agree,
/// and obey the commander when it is loyal.
#[test]
fn om1_with_four_generals_survives_any_one_traitor() {
    for traitor in 0..4 {
        for behaviour in ["two-faced", "opposite", "random", "silent"] {
            let w = run(&lying(spec(4), traitor, behaviour));
            assert!(
                w.violations().is_empty(),
                "{traitor} {behaviour}: {:?}",
                w.violations()
            );
            let loyal: Vec<Order> = (1..4u32)
                .filter(|i| *i != traitor)
                .filter_map(|i| w.node(NodeId(i)).and_then(|g| g.decision()))
                .collect();
            assert_eq!(loyal.len(), if traitor == 0 { 3 } else { 2 });
            assert!(
                loyal.windows(2).all(|p| p[0] == p[1]),
                "{traitor} {behaviour}: {loyal:?}"
            );
            if traitor != 0 {
                assert!(loyal.iter().all(|o| *o == Order::Attack));
            }
        }
    }
}

/// Three generals, one traitor: a lying lieutenant makes the loyal one disobey its loyal
/// commander, since it cannot tell who lies, and the checker says why.
#[test]
fn with_three_generals_one_lying_lieutenant_breaks_om1() {
    let w = run(&lying(spec(3), 2, "opposite"));
    assert_eq!(broken(&w), vec!["loyal lieutenants obey a loyal commander"]);
    let message = &w.violations()[0].message;
    assert!(message.contains("loyal n1 will retreat"), "{message}");
    assert!(message.contains("cannot promise"), "{message}");
}

/// One round of relaying short, a two-faced commander splits four generals.
#[test]
fn one_round_short_lets_a_two_faced_commander_split_the_loyal_ones() {
    let s = lying(spec(4).bug("one-round-short"), 0, "two-faced");
    let w = run(&s);
    assert_eq!(
        broken(&w),
        vec!["loyal lieutenants agree"],
        "{:?}",
        w.violations()
    );
    // The correct algorithm, same run: they agree.
    let w = run(&lying(spec(4), 0, "two-faced"));
    assert!(w.violations().is_empty());
}

/// Signed messages: a relay's changed order carries a signature that is not genuine and
/// is refused, so three generals are enough against a lying lieutenant; and a two-faced
/// commander's two signed orders are both seen, so the loyal ones agree to retreat.
#[test]
fn signatures_make_three_generals_enough() {
    let signed = || spec(3).set("signed", 1);
    let w = run(&lying(signed(), 2, "opposite"));
    assert!(w.violations().is_empty(), "{:?}", w.violations());
    assert_eq!(decisions(&w)[0], Some(Order::Attack));
    assert!(w.trace().events().any(|e| matches!(
        &e.kind,
        crate::trace::EventKind::Note { note, .. }
            if matches!(note.get::<ByzNote>(), Some(ByzNote::Forged { .. }))
    )));
    let w = run(&lying(signed(), 0, "two-faced"));
    assert!(w.violations().is_empty(), "{:?}", w.violations());
    assert_eq!(decisions(&w), vec![Some(Order::Retreat); 2]);
}

/// The checker is not fooled by counting: with two traitors among four generals OM(1)
/// makes no promise, and a violation says so.
#[test]
fn two_traitors_for_m_1_break_it_and_the_message_names_the_bound() {
    let s = lying(lying(spec(4), 0, "two-faced"), 3, "opposite");
    let found = (1..=20).find_map(|seed| {
        let mut s = s.clone();
        s.seed = seed;
        let w = run(&s);
        w.violations().first().map(|v| v.message.clone())
    });
    if let Some(message) = found {
        assert!(message.contains("made for at most 1 traitor"), "{message}");
    }
    // With m = 2 and seven generals, the same two traitors are within the bound.
    let s = lying(lying(spec(7).set("m", 2), 0, "two-faced"), 3, "opposite");
    assert!(run(&s).violations().is_empty());
}

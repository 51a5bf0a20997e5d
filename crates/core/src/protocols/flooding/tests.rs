//! Scenarios of flooding consensus: a calm run, a crash in the middle of a round's sends
//! (with f + 1 rounds and with only f), and the asynchronous model with slow messages.

use super::*;
use crate::check::Violation;
use crate::ids::NodeId;
use crate::registry::Of;
use crate::run::RunSpec;
use crate::time::MICROS_PER_SEC;
use crate::world::World;

fn spec(actions: &str, bugs: &[&str], settings: &[(&str, &str)]) -> RunSpec {
    let mut spec = RunSpec::new(4, 1, MICROS_PER_SEC).with_protocol("flooding");
    spec.workload = None;
    spec.scenario(actions, bugs, settings)
}

fn run(spec: &RunSpec) -> World<FloodNode> {
    let config = Of::<FloodNode>::config(&spec.settings, &spec.bugs, &spec.env()).unwrap();
    let mut w = spec.world(config, true);
    w.run_until(spec.until_us);
    w
}

fn end(w: &World<FloodNode>) -> Vec<Violation> {
    w.clone().check_end(crate::run::SETTLE_US)
}

fn names(v: &[Violation]) -> Vec<&str> {
    let names: crate::flat::FlatSet<&str> = v.iter().map(|v| v.invariant.as_str()).collect();
    names.into_iter().collect()
}

/// Each node's proposal, read at the start of a run of `spec`.
fn proposals(spec: &RunSpec) -> Vec<u64> {
    let mut start = spec.clone();
    start.until_us = 0;
    let w = run(&start);
    (0..4)
        .map(|i| w.node(NodeId(i)).unwrap().proposal().unwrap())
        .collect()
}

/// The node holding the smallest proposal (seed 1 gives distinct ones).
fn holder_of_min(spec: &RunSpec) -> (u32, u64) {
    let p = proposals(spec);
    let min = *p.iter().min().unwrap();
    assert_eq!(p.iter().filter(|v| **v == min).count(), 1, "{p:?}");
    (p.iter().position(|v| *v == min).unwrap() as u32, min)
}

fn decisions(w: &World<FloodNode>) -> Vec<Option<u64>> {
    (0..4)
        .map(|i| w.node(NodeId(i)).and_then(FloodNode::decision))
        .collect()
}

#[test]
fn a_calm_run_agrees_on_the_smallest_proposal() {
    let s = spec("", &[], &[]);
    let min = *proposals(&s).iter().min().unwrap();
    let w = run(&s);
    assert_eq!(decisions(&w), vec![Some(min); 4]);
    assert!(w.violations().is_empty(), "{:?}", w.violations());
    assert!(end(&w).is_empty(), "{:?}", end(&w));
    for i in 0..4 {
        assert_eq!(w.node(NodeId(i)).unwrap().round(), 2);
        assert!(w.node(NodeId(i)).unwrap().suspects().is_empty());
    }
}

/// The schedule that crashes `node` 1.5 ms into the first round: its values have gone to
/// its first peer (at 1 ms) and to no other.
fn crash_mid_sends(node: u32) -> String {
    format!("1500us@crash:{node}:keep")
}

#[test]
fn a_crash_in_the_middle_of_a_rounds_sends_still_ends_in_agreement_with_f_plus_1_rounds() {
    let (m, min) = holder_of_min(&spec("", &[], &[]));
    let s = spec(&crash_mid_sends(m), &[], &[]);
    let w = run(&s);
    assert!(w.violations().is_empty(), "{:?}", w.violations());
    assert!(end(&w).is_empty(), "{:?}", end(&w));
    // The first peer got the smallest value in round 1 and passed it on in round 2.
    let first_peer = if m == 0 { 1 } else { 0 };
    for (i, d) in decisions(&w).into_iter().enumerate() {
        if i as u32 != m {
            assert_eq!(d, Some(min), "n{i}");
            assert!(w
                .node(NodeId(i as u32))
                .unwrap()
                .suspects()
                .contains_key(&NodeId(m)));
        }
    }
    assert!(w.node(NodeId(first_peer)).unwrap().seen().contains(&min));
}

#[test]
fn the_same_crash_splits_the_decision_when_nodes_decide_after_f_rounds() {
    let (m, min) = holder_of_min(&spec("", &[], &[]));
    let w = run(&spec(&crash_mid_sends(m), &["f-rounds"], &[]));
    assert_eq!(names(w.violations()), ["agreement"]);
    let d = decisions(&w);
    assert!(d.contains(&Some(min)), "{d:?}");
    assert!(d.iter().any(|x| x.is_some_and(|v| v != min)), "{d:?}");
}

/// Every message to n`x` takes 150 ms, longer than a round.
fn slow_into(x: u32) -> String {
    (0..4)
        .filter(|&a| a != x)
        .map(|a| format!("0s@link:{a}-{x}:lat150ms"))
        .collect::<Vec<_>>()
        .join(",")
}

#[test]
fn in_the_asynchronous_model_slow_messages_break_agreement() {
    let (m, _) = holder_of_min(&spec("", &[], &[]));
    let x = (m + 1) % 4;
    let slow = slow_into(x);
    let w = run(&spec(&slow, &[], &[("model", "asynchronous")]));
    assert_eq!(names(w.violations()), ["agreement"]);
    let late = w.trace().events().any(|e| {
        matches!(&e.kind, crate::trace::EventKind::Note { note, .. }
            if note.text().contains("too late"))
    });
    assert!(late);
    // The same delays in the synchronous model leave the model: the failure detector is
    // wrong, which that model rules out, so the checker does not judge the run; the node
    // that got the late messages says so.
    let w = run(&spec(&slow, &[], &[]));
    assert!(w.violations().is_empty(), "{:?}", w.violations());
    let told = w.trace().events().any(|e| {
        matches!(&e.kind, crate::trace::EventKind::Note { note, .. }
            if note.text().contains("which the synchronous model rules out"))
    });
    assert!(told);
    // Without the delays the asynchronous model agrees too.
    let w = run(&spec("", &[], &[("model", "asynchronous")]));
    assert!(w.violations().is_empty(), "{:?}", w.violations());
}

#[test]
fn a_node_back_from_a_crash_stays_out_and_is_not_owed_a_decision() {
    let w = run(&spec("50ms@crash:2:keep,80ms@restart:2", &[], &[]));
    let back = w.node(NodeId(2)).unwrap();
    assert!(back.is_out() && back.decision().is_none());
    assert!(w.violations().is_empty(), "{:?}", w.violations());
    assert!(end(&w).is_empty(), "{:?}", end(&w));
}

#[test]
fn the_story_tells_suspicions_and_decisions() {
    use crate::sim::Sim;
    let (m, _) = holder_of_min(&spec("", &[], &[]));
    let s = spec(&crash_mid_sends(m), &[], &[]);
    let config = Of::<FloodNode>::config(&s.settings, &s.bugs, &s.env()).unwrap();
    let mut w: World<FloodNode> = s.world(config, true);
    w.run_until(150 * crate::time::MICROS_PER_MS);
    let (_, _, told) = Sim::narration(&*w).unwrap();
    assert!(told.contains(&format!("suspects n{m}")), "{told}");
    let mut w: World<FloodNode> = s.world(
        Of::<FloodNode>::config(&s.settings, &s.bugs, &s.env()).unwrap(),
        true,
    );
    w.run_until(1600);
    let (_, _, told) = Sim::narration(&*w).unwrap();
    assert!(told.contains("in the middle of its sends"), "{told}");
}

#[test]
fn the_card_and_the_remark_speak_in_words() {
    let (m, min) = holder_of_min(&spec("", &[], &[]));
    let s = spec(&crash_mid_sends(m), &[], &[]);
    let entry = crate::registry::find("flooding").unwrap();
    let cards = entry.cards(&s, 150 * crate::time::MICROS_PER_MS).unwrap();
    // Its last peer, which n{m} never reached.
    let other = if m == 3 { 2 } else { 3 };
    let card = cards[other].as_ref().unwrap();
    let fact = |name: &str| {
        card.facts
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert_eq!(fact("role"), "in round 2 of 2");
    assert!(fact("values seen").contains(&min.to_string()));
    assert_eq!(
        fact("counts as crashed"),
        format!("n{m} (nothing from it in round 1)")
    );
    assert!(
        fact("decision").starts_with("none yet"),
        "{}",
        fact("decision")
    );
    let remark = entry.remark(&s.settings, &s.bugs, &s.env()).unwrap();
    assert_eq!(
        remark,
        "4 nodes, f = 1: 2 rounds of 100 ms, decisions at 200 ms"
    );
    let mut settings = s.settings.clone();
    settings.set("model", "asynchronous");
    let remark = entry
        .remark(&settings, &["f-rounds".to_string()], &s.env())
        .unwrap();
    let mut slow = s.clone();
    slow.schedule.clear();
    slow.round_trip_us = 600 * crate::time::MICROS_PER_MS;
    let raised = entry
        .remark(&slow.settings, &slow.bugs, &slow.env())
        .unwrap();
    assert!(
        raised.contains("raised above the network's round trip"),
        "{raised}"
    );
    assert!(
        remark.contains("f rounds only") && remark.contains("asynchronous"),
        "{remark}"
    );
}

/// Crashes only, on a calm network: the model's own faults. Up to `f` nodes crash at
/// moments drawn to the microsecond over the rounds, half of them inside a round's sends.
/// The correct form always agrees; deciding after `f` rounds sometimes does not.
#[test]
fn within_the_model_crashes_never_split_the_decision_and_one_round_less_does() {
    use crate::action::{Action, DiskFate, Scheduled};
    use crate::rng::SimRng;
    let mut rng = SimRng::new(7);
    let mut broken_with_the_bug = 0;
    for seed in 0..1000 {
        let nodes = rng.range(2, 6) as usize;
        let f = rng.range(1, nodes as u64 - 1);
        let round = 100 * crate::time::MICROS_PER_MS;
        let mut schedule = Vec::new();
        let mut crashed = Vec::new();
        for _ in 0..rng.range(1, f) {
            let node = rng.below(nodes as u64) as u32;
            if crashed.contains(&node) {
                continue;
            }
            crashed.push(node);
            let r = rng.below(f + 1);
            let into = if rng.chance(crate::rng::Ppm::percent(50)) {
                rng.range(SEND_GAP, nodes as u64 * SEND_GAP)
            } else {
                rng.range(0, round - 1)
            };
            schedule.push(Scheduled::at(
                r * round + into,
                Action::Crash {
                    node: NodeId(node),
                    disk: DiskFate::Keep,
                },
            ));
        }
        schedule.sort_by_key(|s| s.at);
        for bug in [false, true] {
            let mut s = RunSpec::new(nodes, seed, MICROS_PER_SEC)
                .with_protocol("flooding")
                .set("f", f);
            s.workload = None;
            s.schedule = schedule.clone();
            if bug {
                s = s.bug("f-rounds");
            }
            let w = run(&s);
            if bug {
                broken_with_the_bug += usize::from(!w.violations().is_empty());
            } else {
                assert!(w.violations().is_empty(), "{s:?}: {:?}", w.violations());
                assert!(end(&w).is_empty(), "{s:?}: {:?}", end(&w));
            }
        }
    }
    // The bug needs a crash inside the sends of every round, each time of the node that
    // alone holds a value: rare in random schedules, but there.
    assert!(broken_with_the_bug > 0);
}

/// A lost message in the synchronous model: n2 counts n0, which is up, as crashed, and
/// says so when n0's next round's values arrive. The run has left the model, and the
/// agreement checker no longer judges it.
#[test]
fn a_lost_message_is_a_wrong_suspicion_and_the_node_says_so() {
    let w = run(&spec("0s@cut:0-2,50ms@restore:0-2", &[], &[]));
    assert!(w
        .node(NodeId(2))
        .unwrap()
        .suspects()
        .contains_key(&NodeId(0)));
    let told: Vec<String> = w
        .trace()
        .events()
        .filter_map(|e| match &e.kind {
            crate::trace::EventKind::Note { note, .. } => Some(note.text()),
            _ => None,
        })
        .collect();
    assert!(
        told.iter().any(|t| t.starts_with(
            "hears from n0 in round 2, though it counted n0 as crashed in round 1: a message from it was lost or late, which the synchronous model rules out"
        )),
        "{told:?}"
    );
    assert!(w.violations().is_empty(), "{:?}", w.violations());
}

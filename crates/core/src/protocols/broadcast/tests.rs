//! Scenarios of broadcast at each level, with what the checkers and the meter make of
//! them, and each checker against hand-made broken runs.

use super::checkers::*;
use super::*;
use crate::check::{CheckView, EndProperty, Invariant, Moment};
use crate::registry::{Entry, Of};
use crate::run::RunSpec;
use crate::testkit::{self, broken};
use crate::time::MICROS_PER_SEC;
use crate::world::World;

fn spec(actions: &str, bugs: &[&str], settings: &[(&str, &str)]) -> RunSpec {
    testkit::scenario("broadcast", 4, 4 * MICROS_PER_SEC, actions, bugs, settings)
}

fn run(spec: &RunSpec) -> World<BcNode> {
    testkit::run(spec)
}

fn node(w: &World<BcNode>, i: u32) -> &BcNode {
    w.node(NodeId(i)).expect("the node is up")
}

/// The meter's reading by name.
fn reading(w: &World<BcNode>, name: &str) -> i64 {
    testkit::reading(w, name).unwrap_or(0)
}

const JITTER: &str = "0s@net:lat5ms_jit40ms";
const LEVELS: [&str; 6] = [
    "best-effort",
    "reliable",
    "fifo",
    "causal",
    "total-sequencer",
    "total-lamport",
];

#[test]
fn on_a_calm_network_every_level_delivers_every_message_everywhere() {
    for level in LEVELS {
        let w = run(&spec("", &[], &[("order", level)]));
        for i in 0..4 {
            assert_eq!(node(&w, i).delivered().len(), 80, "{level} n{i}");
            assert!(node(&w, i).held_back().is_empty(), "{level} n{i}");
        }
        assert!(broken(&w).is_empty(), "{level}: {:?}", broken(&w));
        assert_eq!(reading(&w, "messages broadcast"), 80);
        assert_eq!(reading(&w, "deliveries"), 320);
    }
}

#[test]
fn on_a_jittery_network_each_level_keeps_its_order_and_only_its_order() {
    let w = |level| run(&spec(JITTER, &[], &[("order", level)]));
    // Reliable delivers as messages come: overtaken ones out of order, and every node in
    // an order of its own.
    let reliable = w("reliable");
    assert!(reading(&reliable, "out of FIFO order") > 0);
    assert!(reading(&reliable, "order disagreements") > 0);
    assert!(broken(&reliable).is_empty(), "{:?}", broken(&reliable));
    // FIFO holds back what overtook an earlier message of its sender, but not what came
    // before a message its sender had delivered.
    let fifo = w("fifo");
    assert_eq!(reading(&fifo, "out of FIFO order"), 0);
    assert!(reading(&fifo, "out of causal order") > 0);
    assert!(broken(&fifo).is_empty(), "{:?}", broken(&fifo));
    let causal = w("causal");
    assert_eq!(reading(&causal, "out of causal order"), 0);
    assert!(reading(&causal, "order disagreements") > 0);
    assert!(broken(&causal).is_empty(), "{:?}", broken(&causal));
    for total in ["total-sequencer", "total-lamport"] {
        let t = w(total);
        assert_eq!(reading(&t, "order disagreements"), 0, "{total}");
        assert_eq!(reading(&t, "out of causal order"), 0, "{total}");
        assert!(broken(&t).is_empty(), "{total}: {:?}", broken(&t));
        let first = node(&t, 0).delivered().to_vec();
        assert_eq!(first.len(), 80);
        for i in 1..4 {
            assert_eq!(node(&t, i).delivered(), first.as_slice(), "{total} n{i}");
        }
    }
}

#[test]
fn a_sender_crashing_mid_send_splits_best_effort_but_not_reliable_broadcast() {
    // n1 crashes for good right after its first copy of n1#1 (to n2) has left.
    let crash = "0s@crash-on-write:1:keep";
    let settings = |level| [("order", level), ("messages", "3")];
    let best = run(&spec(crash, &[], &settings("best-effort")));
    assert_eq!(reading(&best, "delivered by some, not all"), 1);
    assert!(node(&best, 2).delivered().contains(&Mid {
        origin: NodeId(1),
        seq: 1
    }));
    assert!(!node(&best, 0)
        .delivered()
        .iter()
        .any(|m| m.origin == NodeId(1)));
    // Best-effort promises no agreement; validity asks nothing of a crashed sender.
    assert!(broken(&best).is_empty(), "{:?}", broken(&best));
    let reliable = run(&spec(crash, &[], &settings("reliable")));
    assert_eq!(reading(&reliable, "delivered by some, not all"), 0);
    for i in [0, 2, 3] {
        assert_eq!(node(&reliable, i).delivered().len(), 10, "n{i}");
    }
    assert!(broken(&reliable).is_empty(), "{:?}", broken(&reliable));
    // Reliable broadcast that does not relay is best-effort, and breaks agreement.
    let bug = run(&spec(crash, &["no-relay"], &settings("reliable")));
    assert_eq!(broken(&bug), ["agreement"]);
}

#[test]
fn a_lossy_network_is_repaired_from_the_history_buffers() {
    let w = run(&spec(
        "0s@net:lat5ms_jit20ms_loss0.3",
        &[],
        &[("order", "fifo")],
    ));
    for i in 0..4 {
        assert_eq!(node(&w, i).delivered().len(), 80, "n{i}");
    }
    assert!(broken(&w).is_empty(), "{:?}", broken(&w));
    // Best-effort too: the senders send again what their statuses show missing.
    let w = run(&spec(
        "0s@net:lat5ms_jit20ms_loss0.3",
        &[],
        &[("order", "best-effort")],
    ));
    assert!(broken(&w).is_empty(), "{:?}", broken(&w));
}

#[test]
fn a_restarted_node_delivers_nothing_twice_and_catches_up() {
    let w = run(&spec(
        "0s@net:lat5ms_jit20ms,300ms@crash:2:keep,900ms@restart:2",
        &[],
        &[],
    ));
    assert_eq!(node(&w, 2).delivered().len(), 80);
    assert!(broken(&w).is_empty(), "{:?}", broken(&w));
}

#[test]
fn each_bug_breaks_what_it_says() {
    let cases: [(&str, &str, &str); 4] = [
        ("no-holdback", "fifo", "fifo order"),
        ("no-deps", "causal", "causal order"),
        ("lamport-no-tiebreak", "causal", "total order"),
        ("sequencer-no-wait", "causal", "total order"),
    ];
    for (bug, level, property) in cases {
        let w = run(&spec(JITTER, &[bug], &[("order", level)]));
        assert!(
            broken(&w).contains(&property.to_string()),
            "{bug}: {:?}",
            broken(&w)
        );
    }
}

#[test]
fn the_card_shows_receipt_and_delivery_orders_side_by_side() {
    let w = run(&spec(JITTER, &[], &[("order", "fifo")]));
    let card = crate::registry::Described::card(node(&w, 0));
    let table = card.table.expect("a table");
    assert_eq!(table.columns, ["#", "received", "delivered"]);
    assert_eq!(table.rows.len(), 80);
    assert!(table.rows.iter().any(|r| r.mark.is_some()));
    assert!(card.facts.iter().any(|(k, _)| k == "hold-back queue"));
}

// Hand-made runs: disks written event by event, each checker judging after every event.

use crate::testkit::Calm;

fn m(origin: u32, seq: u32) -> Mid {
    Mid {
        origin: NodeId(origin),
        seq,
    }
}

/// One step of a hand-made run.
enum Step {
    /// Node broadcasts its next message.
    Sends(u32),
    /// Node delivers a message.
    Gets(u32, Mid),
}

/// The first breach `checker` reports in the run `steps` over four nodes, with the step.
fn first_breach(checker: &mut dyn Invariant<BcNode>, steps: &[Step]) -> Option<(usize, String)> {
    let n = 4;
    let mut disks = vec![BcDisk::default(); n];
    let states: Vec<Option<BcNode>> = vec![None; n];
    let records: Vec<Vec<BcNote>> = vec![Vec::new(); n];
    for (k, step) in steps.iter().enumerate() {
        let acted = match *step {
            Step::Sends(a) => {
                let disk = &mut disks[a as usize];
                let seen = disk.delivered.len() as u32;
                disk.sent.push(seen);
                disk.delivered.push(m(a, disk.sent.len() as u32));
                a
            }
            Step::Gets(a, id) => {
                disks[a as usize].delivered.push(id);
                a
            }
        };
        let acted = (NodeId(acted), false);
        if let Err(e) = testkit::judge_step(checker, k, acted, &states, &disks, &records) {
            return Some((k, e));
        }
    }
    None
}

use Step::{Gets, Sends};

#[test]
fn no_duplication_catches_a_second_delivery() {
    let run = [Sends(1), Gets(0, m(1, 1)), Gets(0, m(1, 1))];
    let (at, e) = first_breach(&mut NoDuplication::default(), &run).unwrap();
    assert_eq!((at, e.as_str()), (2, "n0 delivers n1#1 a second time"));
    assert_eq!(first_breach(&mut NoDuplication::default(), &run[..2]), None);
}

#[test]
fn no_creation_catches_a_message_nobody_sent() {
    let run = [Sends(1), Gets(0, m(1, 1)), Gets(0, m(1, 2))];
    let (at, e) = first_breach(&mut NoCreation::default(), &run).unwrap();
    assert_eq!(
        (at, e.as_str()),
        (2, "n0 delivers n1#2, which n1 never broadcast")
    );
    assert_eq!(first_breach(&mut NoCreation::default(), &run[..2]), None);
}

#[test]
fn fifo_order_catches_a_message_delivered_before_its_senders_earlier_one() {
    let broken = [Sends(1), Sends(1), Gets(0, m(1, 2)), Gets(0, m(1, 1))];
    let (at, e) = first_breach(&mut FifoOrder::default(), &broken).unwrap();
    assert_eq!(at, 2);
    assert!(e.contains("n0 delivers n1#2 before n1#1"), "{e}");
    let right = [Sends(1), Sends(1), Gets(0, m(1, 1)), Gets(0, m(1, 2))];
    assert_eq!(first_breach(&mut FifoOrder::default(), &right), None);
    // Messages of different senders in any order are FIFO.
    let mixed = [Sends(1), Sends(2), Gets(0, m(2, 1)), Gets(0, m(1, 1))];
    assert_eq!(first_breach(&mut FifoOrder::default(), &mixed), None);
}

#[test]
fn causal_order_catches_a_reply_delivered_before_what_it_answers() {
    // n1 delivers n0#1 and then broadcasts n1#1; n2 delivers n1#1 first.
    let direct = [
        Sends(0),
        Gets(1, m(0, 1)),
        Sends(1),
        Gets(2, m(1, 1)),
        Gets(2, m(0, 1)),
    ];
    let (at, e) = first_breach(&mut CausalOrder::default(), &direct).unwrap();
    assert_eq!(at, 3);
    assert!(e.contains("n2 delivers n1#1 before n0#1"), "{e}");
    // The same deliveries, but n1 broadcast before it delivered n0#1: concurrent.
    let concurrent = [
        Sends(0),
        Sends(1),
        Gets(1, m(0, 1)),
        Gets(2, m(1, 1)),
        Gets(2, m(0, 1)),
    ];
    assert_eq!(first_breach(&mut CausalOrder::default(), &concurrent), None);
    // Through a third message: n0#1 -> n1#1 -> n2#1, and n3 delivers n2#1 first.
    let chain = [
        Sends(0),
        Gets(1, m(0, 1)),
        Sends(1),
        Gets(2, m(0, 1)),
        Gets(2, m(1, 1)),
        Sends(2),
        Gets(3, m(2, 1)),
    ];
    let (at, e) = first_breach(&mut CausalOrder::default(), &chain).unwrap();
    assert_eq!(at, 6);
    assert!(e.contains("n3 delivers n2#1 before n0#1"), "{e}");
}

#[test]
fn total_order_catches_two_nodes_delivering_two_messages_in_opposite_orders() {
    let broken = [
        Sends(2),
        Sends(3),
        Gets(0, m(2, 1)),
        Gets(0, m(3, 1)),
        Gets(1, m(3, 1)),
        Gets(1, m(2, 1)),
    ];
    let (at, e) = first_breach(&mut TotalOrder::default(), &broken).unwrap();
    assert_eq!(at, 5);
    assert!(e.contains("n1 delivers n3#1 before n2#1"), "{e}");
    assert_eq!(first_breach(&mut TotalOrder::default(), &broken[..5]), None);
}

/// The end properties over hand-made disks, with the nodes in `down` crashed.
fn at_end_of(
    property: &dyn EndProperty<BcNode>,
    disks: &[BcDisk],
    down: &[u32],
) -> Result<(), String> {
    let n = disks.len();
    let config = BcConfig::default();
    let states: Vec<Option<BcNode>> = (0..n)
        .map(|i| {
            (!down.contains(&(i as u32)))
                .then(|| crate::protocol::Protocol::boot(NodeId(i as u32), n, &config, &disks[i]))
        })
        .collect();
    let records: Vec<Vec<BcNote>> = vec![Vec::new(); n];
    let honest = vec![true; disks.len()];
    let moment = Moment {
        now: 0,
        acted: None,
        rebooted: false,
        honest: &honest,
        facts: &Calm,
    };
    property.check_end(&CheckView::new(moment, &states, disks, &records))
}

fn delivered(sent: usize, ids: &[Mid]) -> BcDisk {
    BcDisk {
        sent: vec![0; sent],
        delivered: ids.to_vec(),
        ..BcDisk::default()
    }
}

#[test]
fn validity_asks_every_correct_node_for_every_correct_senders_messages() {
    let disks = [
        delivered(1, &[m(0, 1)]),
        delivered(0, &[m(0, 1)]),
        delivered(0, &[]),
    ];
    let e = at_end_of(&Validity, &disks, &[]).unwrap_err();
    assert_eq!(e, "n0 broadcast n0#1 and is up, but n2 never delivered it");
    // A crashed node is not asked, nor is a crashed sender's message.
    assert_eq!(at_end_of(&Validity, &disks, &[2]), Ok(()));
    assert_eq!(at_end_of(&Validity, &disks, &[0]), Ok(()));
}

#[test]
fn agreement_asks_every_correct_node_for_what_any_correct_node_delivered() {
    // n0 crashed mid-send: n1 got its message, n2 did not.
    let disks = [
        delivered(1, &[m(0, 1)]),
        delivered(0, &[m(0, 1)]),
        delivered(0, &[]),
    ];
    let e = at_end_of(&Agreement, &disks, &[0]).unwrap_err();
    assert_eq!(
        e,
        "n1 delivered n0#1 but n2 never did (its sender n0 is down)"
    );
    assert_eq!(at_end_of(&Agreement, &disks, &[0, 1]), Ok(()));
    assert_eq!(at_end_of(&Agreement, &disks, &[0, 2]), Ok(()));
}

/// The space-time diagram marks each delivery to the application on its node's lane: every
/// delivery is a marked note, and nothing else is.
#[test]
fn every_delivery_and_nothing_else_is_marked_for_the_diagram() {
    use crate::sim::Sim;
    use crate::view::SeenKind;
    let w = run(&spec(JITTER, &[], &[("order", "fifo")]));
    let sim: &dyn Sim = &*w as &crate::world::Kernel;
    let marked = sim
        .events_from(0)
        .filter(|(_, e)| matches!(e.kind, SeenKind::Note { mark: true, .. }))
        .count() as i64;
    assert!(marked > 0);
    assert_eq!(marked, reading(&w, "deliveries"));
    assert_eq!(
        Of::<BcNode>::IT.about().look.mark,
        Some("delivered to the application")
    );
}

//! Scenarios of the snapshot: calm runs that add up, money caught on the channels, a
//! network that loses and reorders, a crash in the middle, two starts of one snapshot, and
//! each bug; the checkers against hand-made broken runs; the card, the narration and the
//! diagram's marks.

use super::checkers::{Conservation, ConsistentCut, SnapshotsComplete};
use super::*;
use crate::check::{CheckView, EndProperty, Invariant, Moment};
use crate::protocol::{Durable, Protocol};
use crate::registry::Described;
use crate::run::RunSpec;
use crate::sim::Sim;
use crate::testkit::{self, broken, Calm};
use crate::time::Micros;
use crate::trace::EventKind;
use crate::world::World;

const MS: Micros = MICROS_PER_MS;
const SEC: Micros = MICROS_PER_SEC;

fn spec(until_us: Micros, actions: &str, bugs: &[&str], settings: &[(&str, &str)]) -> RunSpec {
    testkit::scenario("snapshot", 4, until_us, actions, bugs, settings)
}

fn run(spec: &RunSpec) -> World<SnapNode> {
    testkit::run(spec)
}

fn disk(w: &World<SnapNode>, i: u32) -> &SnapDisk {
    w.disk(NodeId(i))
}

fn reading(w: &World<SnapNode>, name: &str) -> Option<i64> {
    testkit::reading(w, name)
}

/// The notes of the run, with their node and time.
fn notes(w: &World<SnapNode>) -> Vec<(Micros, NodeId, SnapNote)> {
    w.trace()
        .events_from(0)
        .filter_map(|(_, e)| match &e.kind {
            EventKind::Note { node, note } => {
                Some((e.time, *node, note.get::<SnapNote>()?.clone()))
            }
            _ => None,
        })
        .collect()
}

/// Snapshot `snap` as every node recorded it, if it is complete everywhere: the sum of
/// the balances and of the channels.
fn totals(w: &World<SnapNode>, snap: u32) -> Option<(u64, u64)> {
    let all: Option<Vec<&Recording>> = (0..4)
        .map(|i| disk(w, i).recording(snap).filter(|r| r.is_done()))
        .collect();
    all.map(|all| checkers::sums(&all))
}

const JITTER: &str = "0s@net:lat5ms_jit40ms";
const SLOW: &str = "0s@net:lat30ms_jit0ms";

#[test]
fn on_a_calm_network_every_snapshot_completes_and_adds_up() {
    let w = run(&spec(6 * SEC, "", &[], &[]));
    assert!(broken(&w).is_empty(), "{:?}", broken(&w));
    // Snapshots start at 0.5 s, 1.5 s, ... 5.5 s, and take a few milliseconds each.
    assert_eq!(reading(&w, "snapshots completed"), Some(6));
    for snap in 1..=6 {
        let (b, c) = totals(&w, snap).unwrap_or_else(|| panic!("snapshot {snap}"));
        assert_eq!(b + c, 400, "snapshot {snap}");
        // The nodes take turns: n0 starts snapshot 1, n1 snapshot 2, ...
        let starter = (snap - 1) % 4;
        for i in 0..4 {
            let r = disk(&w, i).recording(snap).unwrap();
            assert_eq!(r.started(), i == starter, "snapshot {snap} n{i}");
        }
    }
    assert_eq!(reading(&w, "recorded total"), Some(400));
    let ms = reading(&w, "snapshot duration").unwrap();
    assert!((5 * MS as i64..100 * MS as i64).contains(&ms), "{ms}");
    // Money has moved all along.
    assert!(disk(&w, 0).paid > 20 && disk(&w, 0).got_total > 0);
}

#[test]
fn money_in_flight_at_the_cut_is_found_on_the_channels() {
    // With 30 ms links, transfers are often on their way when a cut is made.
    let w = run(&spec(8 * SEC, SLOW, &[], &[]));
    assert!(broken(&w).is_empty(), "{:?}", broken(&w));
    let mut caught = 0;
    for snap in 1..=8 {
        let (b, c) = totals(&w, snap).unwrap();
        assert_eq!(b + c, 400, "snapshot {snap}");
        caught += c;
    }
    assert!(caught > 0, "no snapshot caught money in flight");
    assert!(notes(&w).iter().any(|(_, _, n)| matches!(
        n,
        SnapNote::Closes { transfers, .. } if *transfers > 0
    )));
}

#[test]
fn a_network_that_loses_duplicates_and_reorders_still_gives_consistent_snapshots() {
    let w = run(&spec(
        8 * SEC,
        "0s@net:lat5ms_jit40ms_loss20_dup10",
        &[],
        &[],
    ));
    assert!(broken(&w).is_empty(), "{:?}", broken(&w));
    assert!(reading(&w, "snapshots completed").unwrap() >= 7);
    // The channels held back what overtook an earlier message, and sent again what was lost.
    assert!(notes(&w)
        .iter()
        .any(|(_, _, n)| matches!(n, SnapNote::HoldsBack { .. })));
    assert!(w.counters().sent > w.counters().delivered + w.counters().dropped / 2);
}

#[test]
fn a_crash_in_the_middle_of_a_snapshot_only_delays_it() {
    // n2 goes down just before snapshot 1 starts at n0, and comes back 400 ms later.
    let w = run(&spec(
        3 * SEC,
        "0s@net:lat10ms_jit5ms,490ms@crash:2:keep,900ms@restart:2",
        &[],
        &[("snapshots", "1")],
    ));
    assert!(broken(&w).is_empty(), "{:?}", broken(&w));
    assert_eq!(totals(&w, 1).map(|(b, c)| b + c), Some(400));
    // It took until n2 was back: the markers to it were sent again until it answered.
    let took = reading(&w, "snapshot duration").unwrap();
    assert!(took >= 400 * MS as i64, "{took}");
    let n2 = notes(&w)
        .into_iter()
        .find(|(_, node, n)| *node == NodeId(2) && matches!(n, SnapNote::Records { .. }))
        .unwrap();
    assert!(n2.0 >= 900 * MS, "n2 recorded at {}", n2.0);
}

#[test]
fn a_node_down_for_good_holds_the_snapshot_open_and_nothing_is_promised() {
    let w = run(&spec(
        4 * SEC,
        "400ms@crash:3:keep",
        &[],
        &[("snapshots", "1")],
    ));
    assert_eq!(reading(&w, "snapshots completed"), Some(0));
    assert_eq!(reading(&w, "recorded total"), None);
    // The others recorded their states and wait for n3's marker.
    for i in 0..3 {
        let r = disk(&w, i).recording(1).unwrap();
        assert!(!r.is_done() && r.channels[3].open, "n{i}");
    }
    assert!(broken(&w).is_empty(), "{:?}", broken(&w));
}

#[test]
fn two_nodes_starting_one_snapshot_make_one_cut() {
    // n0 and n1 both start snapshot 1 at 500 ms on their clocks.
    let w = run(&spec(
        2 * SEC,
        "",
        &[],
        &[("initiators", "2"), ("snapshots", "1")],
    ));
    assert!(broken(&w).is_empty(), "{:?}", broken(&w));
    let started: Vec<bool> = (0..4)
        .map(|i| disk(&w, i).recording(1).unwrap().started())
        .collect();
    assert_eq!(started, [true, true, false, false]);
    assert_eq!(totals(&w, 1).map(|(b, c)| b + c), Some(400));
    // n0 crashed early and restarted: its start comes a full second after it is back, and
    // n1's marker reaches it first. n0 records at the marker, and its start finds it done.
    let w = run(&spec(
        2 * SEC,
        "100ms@crash:0:keep,200ms@restart:0",
        &[],
        &[("initiators", "2"), ("snapshots", "1")],
    ));
    assert!(broken(&w).is_empty(), "{:?}", broken(&w));
    let n0 = disk(&w, 0).recording(1).unwrap();
    assert_eq!(n0.cause, Cause::Marker(NodeId(1)));
    assert!(notes(&w)
        .iter()
        .any(|(_, node, n)| *node == NodeId(0) && *n == SnapNote::AlreadyIn { snap: 1 }));
    assert_eq!(totals(&w, 1).map(|(b, c)| b + c), Some(400));
}

#[test]
fn a_fixed_initiator_starts_every_snapshot() {
    let w = run(&spec(4 * SEC, "", &[], &[("initiator", "2")]));
    for snap in 1..=4 {
        for i in 0..4 {
            let r = disk(&w, i).recording(snap).unwrap();
            assert_eq!(r.started(), i == 2, "snapshot {snap} n{i}");
        }
    }
    assert!(broken(&w).is_empty(), "{:?}", broken(&w));
}

#[test]
fn each_bug_breaks_what_it_says() {
    let cases: [(&str, &str, &[&str]); 4] = [
        ("no-channel-state", SLOW, &["conservation"]),
        ("non-fifo", JITTER, &["consistent cut", "conservation"]),
        ("late-markers", SLOW, &["consistent cut", "conservation"]),
        (
            "record-every-marker",
            SLOW,
            &["consistent cut", "conservation"],
        ),
    ];
    for (bug, net, properties) in cases {
        let w = run(&spec(10 * SEC, net, &[bug], &[]));
        let found = broken(&w);
        assert!(
            found.iter().any(|p| properties.contains(&p.as_str())),
            "{bug}: {found:?}"
        );
        // The correct form on the same network breaks nothing.
        let right = run(&spec(10 * SEC, net, &[], &[]));
        assert!(broken(&right).is_empty(), "{bug}: {:?}", broken(&right));
    }
    // Without channel state the snapshot comes out short by exactly the money on the
    // channels that nobody recorded.
    let w = run(&spec(10 * SEC, SLOW, &["no-channel-state"], &[]));
    let v = &w.violations()[0];
    assert!(v.message.contains("is missing"), "{}", v.message);
    assert!(reading(&w, "recorded total").unwrap() < 400);
    assert_eq!(reading(&w, "recorded in flight"), Some(0));
}

#[test]
fn non_fifo_channels_are_harmless_on_links_that_keep_order() {
    // Without jitter the links deliver in order anyway, and the bug has nothing to break.
    let w = run(&spec(8 * SEC, "0s@net:lat5ms_jit0ms", &["non-fifo"], &[]));
    assert!(broken(&w).is_empty(), "{:?}", broken(&w));
}

// Hand-made runs: disks written step by step, the checker judging after every step.

/// One step of a hand-made run: a node's disk write.
type Step = (u32, SnapWrite);

fn open(i: u32, n: u32) -> Step {
    (
        i,
        SnapWrite::Open {
            me: NodeId(i),
            balance: 100,
            nodes: n,
        },
    )
}

fn pays(i: u32, to: u32, seq: u32, id: u32, amount: u64) -> Step {
    (
        i,
        SnapWrite::Send {
            to: NodeId(to),
            seq,
            body: Body::Money { id, amount },
        },
    )
}

fn takes(i: u32, from: u32, seq: u32, id: u32, amount: u64) -> Step {
    (
        i,
        SnapWrite::Take {
            from: NodeId(from),
            seq,
            body: Body::Money { id, amount },
        },
    )
}

fn records(i: u32, snap: u32, cause: Cause) -> Step {
    (
        i,
        SnapWrite::Record {
            snap,
            clock: 0,
            cause,
        },
    )
}

fn closes(i: u32, snap: u32, from: u32) -> Step {
    (
        i,
        SnapWrite::Close {
            snap,
            from: NodeId(from),
        },
    )
}

fn in_channel(i: u32, snap: u32, from: u32, id: u32, amount: u64) -> Step {
    (
        i,
        SnapWrite::Channel {
            snap,
            from: NodeId(from),
            id,
            amount,
        },
    )
}

/// The first complaint of `checker` over the run `steps` on `n` nodes, with its step.
fn first_breach(
    checker: &mut dyn Invariant<SnapNode>,
    n: usize,
    steps: &[Step],
) -> Option<(usize, String)> {
    let mut disks = vec![SnapDisk::default(); n];
    let states: Vec<Option<SnapNode>> = vec![None; n];
    let records: Vec<Vec<SnapNote>> = vec![Vec::new(); n];
    for (k, (node, write)) in steps.iter().enumerate() {
        disks[*node as usize].apply(write.clone());
        let acted = (NodeId(*node), false);
        if let Err(e) = testkit::judge_step(checker, k, acted, &states, &disks, &records) {
            return Some((k, e));
        }
    }
    None
}

#[test]
fn consistent_cut_catches_a_receive_whose_send_is_outside_the_cut() {
    use Cause::{Marker, Started};
    // n0 records, then pays n1; n1 takes the money before the marker and only then records.
    let broken = [
        open(0, 2),
        open(1, 2),
        records(0, 1, Started),
        pays(0, 1, 1, 1, 30),
        takes(1, 0, 1, 1, 30),
        records(1, 1, Marker(NodeId(0))),
    ];
    let (at, e) = first_breach(&mut ConsistentCut::default(), 2, &broken).unwrap();
    assert_eq!(at, 5);
    assert_eq!(
        e,
        "in snapshot 1, n1 had received n0's transfer #1 when it recorded its state, but n0 recorded its state after sending only 0 transfers: the cut holds a receive without its send"
    );
    // The money paid before n0's cut: the same receive is inside both cuts.
    let right = [
        open(0, 2),
        open(1, 2),
        pays(0, 1, 1, 1, 30),
        records(0, 1, Started),
        takes(1, 0, 1, 1, 30),
        records(1, 1, Marker(NodeId(0))),
    ];
    assert_eq!(first_breach(&mut ConsistentCut::default(), 2, &right), None);
    // Received after n1's cut: on the channel, not in the state, and consistent too.
    let after = [
        open(0, 2),
        open(1, 2),
        records(1, 1, Started),
        pays(0, 1, 1, 1, 30),
        records(0, 1, Marker(NodeId(1))),
        takes(1, 0, 1, 1, 30),
    ];
    assert_eq!(first_breach(&mut ConsistentCut::default(), 2, &after), None);
    // Judged from either side: here the receiver records first and the sender second.
    let late_sender = [
        open(0, 2),
        open(1, 2),
        pays(0, 1, 1, 1, 30),
        takes(1, 0, 1, 1, 30),
        records(1, 1, Started),
        pays(0, 1, 2, 2, 5),
        takes(1, 0, 2, 2, 5),
        records(1, 1, Again(NodeId(0))),
    ];
    assert!(first_breach(&mut ConsistentCut::default(), 2, &late_sender).is_none());
    let mut with_sender = late_sender.to_vec();
    with_sender.insert(5, records(0, 1, Marker(NodeId(1))));
    let (at, e) = first_breach(&mut ConsistentCut::default(), 2, &with_sender).unwrap();
    assert_eq!(at, 8, "{e}");
    assert!(e.contains("n0's transfer #2"), "{e}");
}

use Cause::Again;

#[test]
fn conservation_catches_money_missing_from_or_counted_twice_in_a_complete_snapshot() {
    use Cause::Started;
    // n0 and n1 both start snapshot 1. n0 paid 30 before its cut, and it reaches n1 after
    // n1's cut: it was in flight.
    let base = [
        open(0, 2),
        open(1, 2),
        pays(0, 1, 1, 1, 30),
        records(0, 1, Started),
        records(1, 1, Started),
        takes(1, 0, 1, 1, 30),
    ];
    // Nobody records the 30 on the channel: it is missing.
    let mut missing = base.to_vec();
    missing.push(closes(0, 1, 1));
    missing.push(closes(1, 1, 0));
    let (at, e) = first_breach(&mut Conservation::new(200), 2, &missing).unwrap();
    assert_eq!(at, 7, "judged when the snapshot is complete");
    assert_eq!(
        e,
        "snapshot 1 adds up to 170 (balances 170, in flight on the channels 0), but the accounts hold 200 in all: 30 is missing: money in flight at the cut that no channel recorded"
    );
    // Recorded on the channel: it adds up.
    let mut right = base.to_vec();
    right.push(in_channel(1, 1, 0, 1, 30));
    right.push(closes(0, 1, 1));
    right.push(closes(1, 1, 0));
    assert_eq!(first_breach(&mut Conservation::new(200), 2, &right), None);
    // Not complete yet: nothing is judged, whatever it holds so far.
    assert_eq!(
        first_breach(&mut Conservation::new(200), 2, &missing[..7]),
        None
    );
    // Recorded on the channel and again in a balance: counted twice.
    let mut twice = right[..7].to_vec();
    twice.push(records(1, 1, Again(NodeId(0))));
    twice.push(closes(0, 1, 1));
    twice.push(closes(1, 1, 0));
    let (_, e) = first_breach(&mut Conservation::new(200), 2, &twice).unwrap();
    assert!(
        e.contains("adds up to 230") && e.contains("30 too much"),
        "{e}"
    );
}

/// The end property over hand-made disks at time `now`, with node clocks at 0 (so a
/// recording made at clock `-t` is `t` old) and the nodes in `down` crashed.
fn at_end_of(disks: &[SnapDisk], now: Micros, down: &[u32]) -> Result<(), String> {
    let n = disks.len();
    let config = SnapConfig::default();
    let states: Vec<Option<SnapNode>> = (0..n)
        .map(|i| {
            (!down.contains(&(i as u32)))
                .then(|| SnapNode::boot(NodeId(i as u32), n, &config, &disks[i]))
        })
        .collect();
    let records: Vec<Vec<SnapNote>> = vec![Vec::new(); n];
    let honest = vec![true; disks.len()];
    let moment = Moment {
        now,
        acted: None,
        rebooted: false,
        honest: &honest,
        facts: &Calm,
    };
    SnapshotsComplete.check_end(&CheckView::new(moment, &states, disks, &records))
}

#[test]
fn snapshots_complete_catches_a_snapshot_left_open() {
    let mut disks = vec![SnapDisk::default(); 3];
    for (i, d) in disks.iter_mut().enumerate() {
        d.apply(open(i as u32, 3).1);
    }
    // n0 started snapshot 1 three seconds ago; n1 recorded it and has n0's marker but not
    // n2's; n2 never recorded it.
    let at = |clock: i64, cause| SnapWrite::Record {
        snap: 1,
        clock,
        cause,
    };
    disks[0].apply(at(-3_000_000, Cause::Started));
    disks[1].apply(at(-2_900_000, Cause::Marker(NodeId(0))));
    let e = at_end_of(&disks, 10 * SEC, &[]).unwrap_err();
    assert_eq!(
        e,
        "n0 recorded its state for snapshot 1 3 s ago (by its clock), and n0 still waits for the marker from n1, n2"
    );
    disks[0].apply(closes(0, 1, 1).1);
    disks[0].apply(closes(0, 1, 2).1);
    let e = at_end_of(&disks, 10 * SEC, &[]).unwrap_err();
    assert!(
        e.ends_with("and n1 still waits for the marker from n2"),
        "{e}"
    );
    disks[1].apply(closes(1, 1, 2).1);
    let e = at_end_of(&disks, 10 * SEC, &[]).unwrap_err();
    assert!(
        e.ends_with("and n2 never did: no marker of it reached n2"),
        "{e}"
    );
    // A second ago: still under way, not judged.
    let mut recent = vec![SnapDisk::default(); 3];
    for (i, d) in recent.iter_mut().enumerate() {
        d.apply(open(i as u32, 3).1);
    }
    recent[0].apply(at(-1_000_000, Cause::Started));
    assert_eq!(at_end_of(&recent, 10 * SEC, &[]), Ok(()));
    // A node down, or nodes not yet undisturbed for long: nothing is judged.
    assert_eq!(at_end_of(&disks, 10 * SEC, &[2]), Ok(()));
    assert_eq!(at_end_of(&disks, SEC, &[]), Ok(()));
    // Every node recorded in full: it holds.
    disks[2].apply(at(-2_800_000, Cause::Marker(NodeId(0))));
    disks[2].apply(closes(2, 1, 1).1);
    assert_eq!(at_end_of(&disks, 10 * SEC, &[]), Ok(()));
}

#[test]
fn the_end_property_judges_most_fuzz_runs() {
    // Not vacuous: in most fault schedules every node is back and calm at the end.
    use crate::fuzz::{fuzz_run_spec, FaultMix, FuzzSpec};
    let base = RunSpec::new(4, 1, 20 * SEC).with_protocol("snapshot");
    let spec = FuzzSpec {
        base,
        runs: 40,
        seed: 3,
        mix: FaultMix::default(),
        stop_at_first: false,
    };
    let mut judged = 0;
    for i in 0..40 {
        let s = fuzz_run_spec(&spec, i);
        let mut w: World<SnapNode> = s.typed_world(false).unwrap();
        w.run_until(s.until_us);
        let mut settled = w.clone();
        assert!(
            settled.check_end(crate::run::SETTLE_US).is_empty(),
            "run {i}"
        );
        let kernel: &crate::world::Kernel = &settled;
        let calm = kernel.nodes().iter().all(|slot| {
            slot.is_up()
                && slot.processing_us == 0
                && slot.troubled_until + checkers::CALM <= kernel.now()
        });
        judged += usize::from(calm);
    }
    assert!(judged >= 30, "only {judged} of 40 runs judged");
}

#[test]
fn the_card_shows_the_account_and_each_snapshot_recorded() {
    let w = run(&spec(3 * SEC, SLOW, &[], &[]));
    let card = w.node(NodeId(1)).unwrap().card();
    let fact = |name: &str| {
        card.facts
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no {name}"))
    };
    assert_eq!(fact("balance"), disk(&w, 1).balance.to_string());
    assert!(fact("role").starts_with("an account"), "{}", fact("role"));
    let table = card.table.expect("a table");
    assert_eq!(
        table.columns,
        [
            "snapshot",
            "recorded at",
            "balance",
            "incoming channels",
            "status"
        ]
    );
    assert_eq!(table.rows.len(), 3);
    // Newest first; snapshot 2 was n1's own.
    assert_eq!(table.rows[1].cells[0], "2");
    assert_eq!(table.rows[1].cells[1], "its own start");
    assert_eq!(table.rows[0].cells[1], "the first marker, from n2");
    assert!(
        table.rows[0].cells[3].contains("from n0: "),
        "{:?}",
        table.rows[0]
    );
    assert!(table.rows.iter().all(|r| r.mark == Some("committed")));
}

#[test]
fn the_story_tells_each_cut_and_what_the_snapshot_adds_up_to() {
    let s = spec(3 * SEC, SLOW, &[], &[("snapshots", "1")]);
    let config = crate::registry::Of::<SnapNode>::config(&s.settings, &s.bugs, &s.env()).unwrap();
    let mut w: World<SnapNode> = s.world(config, true);
    // Just after n0 starts.
    w.run_until(501 * MS);
    let (_, _, told) = Sim::narration(&*w).unwrap();
    assert!(
        told.starts_with("n0 starts snapshot 1: it records its own state, a balance of"),
        "{told}"
    );
    // Later, the last marker and the sum.
    w.run_until(3 * SEC);
    let (_, _, told) = Sim::narration(&*w).unwrap();
    assert!(
        told.contains("and snapshot 1 is complete") && told.contains("400 in all, exactly the 400"),
        "{told}"
    );
    // A crash while a snapshot is open at the node.
    let w = run(&spec(
        545 * MS,
        &format!("{SLOW},545ms@crash:2:keep"),
        &[],
        &[("snapshots", "1")],
    ));
    let (_, _, told) = Sim::narration(&*w).unwrap();
    assert_eq!(
        told,
        "n2 crashes with 1 snapshot open. What it recorded is on its disk, but no marker leaves it while it is down: the snapshot waits for it to come back"
    );
}

#[test]
fn every_cut_and_nothing_else_is_marked_for_the_diagram() {
    use crate::view::SeenKind;
    let w = run(&spec(4 * SEC, SLOW, &[], &[]));
    let sim: &dyn Sim = &*w as &crate::world::Kernel;
    let marks: Vec<u64> = sim
        .events_from(0)
        .filter(|(_, e)| matches!(e.kind, SeenKind::Note { mark: true, .. }))
        .map(|(i, _)| i)
        .collect();
    // One cut per node per snapshot.
    assert_eq!(marks.len(), 4 * 4);
    for &i in &marks {
        let text = sim.event_text(i).unwrap();
        assert!(text.contains("its state"), "{text}");
    }
    // The same notes are the points of each snapshot's line: one per node and snapshot.
    let mut lines: Vec<(u64, crate::ids::NodeId)> = sim
        .events_from(0)
        .filter_map(|(_, e)| match e.kind {
            SeenKind::Note {
                node, cut: Some(c), ..
            } => Some((c.line, node)),
            _ => None,
        })
        .collect();
    lines.sort_unstable();
    let expected: Vec<(u64, crate::ids::NodeId)> = (1..=4)
        .flat_map(|snap| (0..4).map(move |n| (snap, crate::ids::NodeId(n))))
        .collect();
    assert_eq!(lines, expected);
    assert_eq!(
        SnapNode::ABOUT.look.mark,
        Some("recorded its state for a snapshot")
    );
    assert_eq!(SnapNode::ABOUT.look.cut, Some("a snapshot's cut"));
}

#[test]
fn settings_that_name_a_node_outside_the_cluster_are_refused() {
    for (name, value, says) in [
        ("initiator", "4", "from 0 to 3"),
        ("initiators", "5", "at most the number of nodes"),
    ] {
        let mut s = spec(SEC, "", &[], &[]);
        s.settings.set(name, value);
        let e = s.validate().unwrap_err().to_string();
        assert!(e.contains(says), "{name}: {e}");
    }
}

#[test]
fn the_schedule_of_starts_follows_the_settings() {
    let c = SnapConfig::default();
    assert_eq!(c.starters(1), [NodeId(0)]);
    assert_eq!(c.starters(6), [NodeId(1)]);
    assert_eq!(c.next_start(NodeId(2), 0), Some(3));
    assert_eq!(c.next_start(NodeId(2), 3), Some(7));
    assert_eq!(c.start_of(3), 2500 * MS);
    let two = SnapConfig {
        initiators: 2,
        initiator: Some(NodeId(3)),
        snapshots: 2,
        ..SnapConfig::default()
    };
    assert_eq!(two.starters(5), [NodeId(3), NodeId(0)]);
    assert_eq!(two.next_start(NodeId(0), 1), Some(2));
    assert_eq!(two.next_start(NodeId(0), 2), None, "only two snapshots");
    assert_eq!(two.next_start(NodeId(1), 0), None, "never a starter");
}

#[test]
fn a_snapshot_started_by_hand_takes_the_next_number_and_adds_up() {
    // One scheduled snapshot (n0 at 500 ms); then a person starts one at n2 and one at n3,
    // and one at n1 while n1 is down (ignored: a node that is down does nothing).
    let w = run(&spec(
        3 * SEC,
        "1200ms@trigger:2,1800ms@trigger:3,2100ms@crash:1:keep,2200ms@trigger:1,2300ms@restart:1",
        &[],
        &[("snapshots", "1")],
    ));
    assert!(broken(&w).is_empty(), "{:?}", broken(&w));
    for (snap, starter) in [(1, 0), (2, 2), (3, 3)] {
        for i in 0..4 {
            let r = disk(&w, i).recording(snap).unwrap();
            assert_eq!(r.started(), i == starter, "snapshot {snap} n{i}");
        }
        assert_eq!(totals(&w, snap).map(|(b, c)| b + c), Some(400), "{snap}");
    }
    assert!(disk(&w, 1).recording(4).is_none());
    assert_eq!(reading(&w, "snapshots completed"), Some(3));
    // The log says who started it, in words.
    let said: Vec<String> = w
        .trace()
        .events_from(0)
        .filter(|(_, e)| matches!(e.kind, EventKind::Fault { .. }))
        .map(|(_, e)| crate::view::text(e, w.about()))
        .collect();
    assert!(
        said.iter().any(|s| s == "start a snapshot at n2, by hand"),
        "{said:?}"
    );
}

#[test]
fn only_a_protocol_with_an_action_by_hand_takes_one() {
    let raft = testkit::scenario("raft", 3, SEC, "500ms@trigger:1", &[], &[]);
    let err = raft.sim(false).err().expect("raft has no action by hand");
    assert!(
        err.to_string().contains("no action to take by hand"),
        "{err}"
    );
}

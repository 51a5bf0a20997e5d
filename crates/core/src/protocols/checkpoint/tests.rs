//! Scenarios of checkpointing and message logging: a crash under coordinated and
//! independent checkpoints, each kind of log, a restarted process waiting for a sender's
//! log, each bug, the card and the diagram's marks; then hand-made runs for each checker.

use super::*;
use crate::run::RunSpec;
use crate::testkit::{self, broken};
use crate::world::World;

/// Three processes, seed 1, to `until_ms`.
fn spec(actions: &str, bugs: &[&str], settings: &[(&str, &str)], until_ms: u64) -> RunSpec {
    testkit::scenario(
        "checkpoint",
        3,
        until_ms * MICROS_PER_MS,
        actions,
        bugs,
        settings,
    )
}

fn run(spec: &RunSpec) -> World<CkNode> {
    testkit::run(spec)
}

fn node(w: &World<CkNode>, i: u32) -> &CkNode {
    w.node(NodeId(i)).expect("the process is up")
}

fn reading(w: &World<CkNode>, name: &str) -> i64 {
    testkit::reading(w, name).unwrap_or_else(|| panic!("no reading of {name}"))
}

/// What the processes noted, in words (`n1 restarts from ...`).
fn notes(w: &World<CkNode>) -> Vec<String> {
    let about = <CkNode as crate::about::Described>::ABOUT;
    w.trace()
        .events()
        .filter(|e| matches!(e.kind, crate::trace::EventKind::Note { .. }))
        .map(|e| crate::view::text(e, about))
        .collect()
}

/// The rollbacks every process made, in the order of the processes.
fn rollbacks(w: &World<CkNode>) -> Vec<(u32, Rollback)> {
    (0..3)
        .flat_map(|i| {
            w.disk(NodeId(i))
                .rollbacks
                .iter()
                .map(move |r| (i, *r))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// n1 crashes half a second after the second checkpoint round and is back 300 ms later.
const CRASH: &str = "2.5s@crash:1:keep,2.8s@restart:1";

#[test]
fn on_a_calm_run_a_round_every_second_and_nothing_goes_back() {
    let w = run(&spec("", &[], &[], 3500));
    assert!(broken(&w).is_empty(), "{:?}", broken(&w));
    // Rounds 1, 2 and 3, each a checkpoint by every process.
    assert_eq!(reading(&w, "checkpoints"), 9);
    assert_eq!(reading(&w, "rollbacks"), 0);
    for i in 0..3 {
        let numbers: Vec<u32> = node(&w, i).checkpoints().iter().map(|c| c.number).collect();
        assert_eq!(numbers, [1, 2, 3], "n{i}");
        assert!(node(&w, i).checkpoints().iter().all(|c| c.permanent));
        assert!(node(&w, i).total() > 0);
    }
    // Independently, each process at its own moments.
    let w = run(&spec("", &[], &[("scheme", "independent")], 3500));
    assert!(broken(&w).is_empty(), "{:?}", broken(&w));
    let counts: Vec<usize> = (0..3).map(|i| node(&w, i).checkpoints().len()).collect();
    assert!(counts.iter().all(|&c| (2..=6).contains(&c)), "{counts:?}");
}

#[test]
fn with_coordinated_checkpoints_the_crashed_process_and_its_orphans_go_back_to_the_last_round() {
    let w = run(&spec(CRASH, &[], &[], 3500));
    // Only the property coordinated checkpoints without a log do not promise is broken.
    assert_eq!(broken(&w), ["no orphan rollbacks"]);
    let said = notes(&w);
    assert!(
        said.iter()
            .any(|n| n.starts_with("n1 restarts from checkpoint 2 (after 45 events)")),
        "{said:#?}"
    );
    // n0 and n2 had received jobs n1 sent after its checkpoint: orphans, back to round 2.
    let back = rollbacks(&w);
    assert_eq!(back.len(), 3, "{back:?}");
    for (i, r) in &back {
        assert_eq!(r.checkpoint, Some(2), "n{i}");
        assert_eq!(r.passed, 0);
        let orphan = matches!(r.cause, Cause::Orphan { .. });
        assert_eq!(orphan, *i != 1);
    }
    assert_eq!(reading(&w, "orphan rollbacks"), 2);
    assert_eq!(reading(&w, "deepest rollback"), 0);
    assert_eq!(reading(&w, "work lost"), 37);
    // Each began a new incarnation, and all know of all three rollbacks.
    for i in 0..3 {
        assert_eq!(node(&w, i).incarnation(), 1);
        assert_eq!(node(&w, i).table().len(), 3);
    }
}

#[test]
fn with_independent_checkpoints_the_same_crash_cascades_back_to_the_start() {
    let w = run(&spec(CRASH, &[], &[("scheme", "independent")], 3500));
    assert_eq!(broken(&w), ["no orphan rollbacks"]);
    // Every process ends at its initial state: the domino effect.
    assert_eq!(reading(&w, "rollbacks to the start"), 3);
    assert_eq!(reading(&w, "deepest rollback"), 2);
    assert!(reading(&w, "work lost") > 150);
    for i in 0..3 {
        let last = w.disk(NodeId(i)).rollbacks.last().copied().unwrap();
        assert_eq!((last.to, last.checkpoint), (0, None), "n{i}");
    }
    assert!(notes(&w)
        .iter()
        .any(|n| n.contains("(the domino effect has reached the start)")));
    // With the same checkpoints and no crash, nobody goes back.
    let calm = run(&spec("", &[], &[("scheme", "independent")], 3500));
    assert_eq!(reading(&calm, "rollbacks"), 0);
}

#[test]
fn a_pessimistic_receiver_log_brings_the_process_back_exactly_where_it_was() {
    let settings = [("logging", "pessimistic-receiver")];
    let before = run(&spec(CRASH, &[], &settings, 2499));
    let history = node(&before, 1).history().to_vec();
    let w = run(&spec(CRASH, &[], &settings, 3500));
    assert!(broken(&w).is_empty(), "{:?}", broken(&w));
    let r = w.disk(NodeId(1)).rollbacks[0];
    assert_eq!((r.checkpoint, r.replayed), (Some(2), 10));
    assert_eq!(r.to as usize, history.len());
    // Replayed, its state is the one it had when it crashed.
    assert_eq!(&node(&w, 1).history()[..history.len()], &history[..]);
    assert_eq!(reading(&w, "orphan rollbacks"), 0);
    assert_eq!(reading(&w, "work lost"), 0);
    assert_eq!(reading(&w, "replayed"), 10);
}

#[test]
fn sender_based_logging_collects_the_logged_jobs_from_their_senders() {
    let settings = [("logging", "pessimistic-sender")];
    let w = run(&spec(CRASH, &[], &settings, 3500));
    assert!(broken(&w).is_empty(), "{:?}", broken(&w));
    let said = notes(&w);
    assert!(said.iter().any(|n| n.starts_with(
        "n1 restarts from checkpoint 2 (after 40 events) and asks the other processes for the jobs they logged for it"
    )));
    assert!(said.iter().any(|n| n.starts_with(
        "n1 has every job the others logged for it and replays 10 events past checkpoint 2"
    )));
    assert_eq!(reading(&w, "orphan rollbacks"), 0);
    // The senders' logs hold n1's receive order of every job they sent it.
    let n0 = node(&w, 0);
    assert!(n0
        .sent_log()
        .iter()
        .any(|l| l.to == NodeId(1) && l.rsn.is_some()));
}

#[test]
fn a_restarted_process_waits_for_the_log_of_a_sender_that_is_down() {
    let settings = [("logging", "pessimistic-sender")];
    let actions = "2.5s@crash:1:keep,2.6s@crash:0:keep,2.8s@restart:1,3.2s@restart:0";
    let waiting = run(&spec(actions, &[], &settings, 3000));
    let n1 = node(&waiting, 1);
    assert!(n1.recovering());
    assert_eq!(n1.waiting_for(), [NodeId(0)]);
    // Its sender is down: the end property does not hold that against it.
    assert!(broken(&waiting).is_empty(), "{:?}", broken(&waiting));
    let w = run(&spec(actions, &[], &settings, 3500));
    assert!(!node(&w, 1).recovering());
    assert!(broken(&w).is_empty(), "{:?}", broken(&w));
}

#[test]
fn optimistic_logging_loses_what_was_not_written_and_rolls_the_orphans_back() {
    let w = run(&spec(CRASH, &[], &[("logging", "optimistic")], 3500));
    assert_eq!(broken(&w), ["no orphan rollbacks"]);
    let back = rollbacks(&w);
    let restart = back.iter().find(|(i, _)| *i == 1).unwrap().1;
    assert_eq!((restart.checkpoint, restart.replayed), (Some(2), 8));
    // The orphans replay their own logs up to the undone job.
    let orphans: Vec<&Rollback> = back
        .iter()
        .filter(|(_, r)| matches!(r.cause, Cause::Orphan { .. }))
        .map(|(_, r)| r)
        .collect();
    assert_eq!(orphans.len(), 2);
    assert!(orphans
        .iter()
        .all(|r| r.replayed > 0 && r.checkpoint == Some(2)));
    assert_eq!(reading(&w, "replayed"), 28);
    assert_eq!(reading(&w, "work lost"), 9);
}

#[test]
fn each_bug_breaks_what_it_says() {
    // The restarted process tells no one: n0 and n2 keep jobs n1 no longer sent.
    let w = run(&spec(CRASH, &["no-rollback"], &[], 3500));
    assert_eq!(broken(&w), ["recovery completes"]);
    // Jobs flow during the round; with the coordinator's request slow to reach n2, n2's
    // checkpoint of round 2 holds a job n1 sent after its own.
    let slow = format!("0s@link:0-2:lat40ms_jit0ms,{CRASH}");
    let w = run(&spec(&slow, &["send-during-checkpoint"], &[], 3500));
    assert_eq!(w.violations()[0].invariant, "consistent recovery line");
    assert!(w.violations()[0]
        .message
        .starts_with("n2 went back to a state that holds n1#"));
    let right = run(&spec(&slow, &[], &[], 3500));
    assert_eq!(broken(&right), ["no orphan rollbacks"]);
    // The log written after the fact loses jobs n1 had acted on.
    let w = run(&spec(CRASH, &["log-after-deliver"], &[], 3500));
    assert_eq!(w.violations()[0].invariant, "no orphans");
    // An orphan trusting its latest independent checkpoint.
    let w = run(&spec(CRASH, &["latest-checkpoint"], &[], 3500));
    assert_eq!(w.violations()[0].invariant, "consistent recovery line");
    // Sending while the order of a received job is not logged: n1's orders to n0 are cut.
    let cut = "2.3s@cut:1-0,2.5s@crash:1:keep,2.7s@restore:1-0,2.8s@restart:1";
    let mut s = spec(cut, &["send-before-logged"], &[], 3500);
    s.seed = 3;
    let w = run(&s);
    assert_eq!(w.violations()[0].invariant, "no orphans");
    let mut s = spec(cut, &[], &[("logging", "pessimistic-sender")], 3500);
    s.seed = 3;
    assert!(broken(&run(&s)).is_empty());
}

#[test]
fn the_card_shows_the_state_its_checkpoints_its_log_and_its_last_rollback() {
    use crate::about::Described;
    let w = run(&spec(CRASH, &[], &[("logging", "optimistic")], 3500));
    let card = node(&w, 0).card();
    let fact = |name: &str| {
        card.facts
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no fact {name}: {card:?}"))
    };
    assert!(fact("role").starts_with("coordinator: starts a checkpoint round every 1 s"));
    assert!(
        fact("state").ends_with("(incarnation 1)"),
        "{}",
        fact("state")
    );
    assert!(
        fact("log").contains("waiting to be written"),
        "{}",
        fact("log")
    );
    assert!(
        fact("last rollback")
            == "to checkpoint 2 (after 32 events) and replayed 11 events, as an orphan: it held n1#26, which n1 no longer sent",
        "{}",
        fact("last rollback")
    );
    assert!(fact("rollbacks it knows of").contains("n1 to event 53"));
    let table = card.table.expect("a table of checkpoints");
    assert_eq!(table.rows[0].cells[0], "the start");
    // Round 3 came after the rollback, which kept rounds 1 and 2.
    let numbers: Vec<&str> = table.rows[1..]
        .iter()
        .map(|r| r.cells[0].as_str())
        .collect();
    assert_eq!(numbers, ["1", "2", "3"]);
}

/// The space-time diagram marks every checkpoint and every state a process went back to,
/// and nothing else.
#[test]
fn checkpoints_and_rollbacks_and_nothing_else_are_marked_for_the_diagram() {
    use crate::registry::Entry;
    use crate::sim::Sim;
    use crate::view::SeenKind;
    let w = run(&spec(CRASH, &[], &[("scheme", "independent")], 3500));
    let sim: &dyn Sim = &*w as &crate::world::Kernel;
    let marked = sim
        .events_from(0)
        .filter(|(_, e)| matches!(e.kind, SeenKind::Note { mark: true, .. }))
        .count() as i64;
    assert_eq!(
        marked,
        reading(&w, "checkpoints") + reading(&w, "rollbacks")
    );
    assert_eq!(
        crate::registry::Of::<CkNode>::IT.about().look.mark,
        Some("a checkpoint, or the state a process went back to")
    );
}

/// Each state a process went back to is a point of its recovery's line across the diagram:
/// under coordinated checkpoints, at the moment each process took its round 2 checkpoint;
/// after the domino effect, at the start of every lane.
#[test]
fn a_recovery_line_runs_through_the_states_the_processes_went_back_to() {
    use crate::protocol::{CutPoint, Note};
    use crate::trace::EventKind;
    let points = |w: &World<CkNode>| -> Vec<(u32, CutPoint)> {
        w.trace()
            .events()
            .filter_map(|e| match &e.kind {
                EventKind::Note { node, note } => Some((node.0, note.get::<CkNote>()?.cut()?)),
                _ => None,
            })
            .collect()
    };
    let w = run(&spec(CRASH, &[], &[], 3500));
    let line = points(&w);
    assert_eq!(line.len(), 3);
    // One line, begun by n1's restart in its incarnation 0.
    assert!(line.iter().all(|(_, c)| c.line == 1 << 32), "{line:?}");
    for (i, c) in &line {
        let taken = w
            .trace()
            .events()
            .find(|e| match &e.kind {
                EventKind::Note { node, note } => {
                    node.0 == *i
                        && matches!(
                            note.get::<CkNote>(),
                            Some(CkNote::Checkpoint { number: 2, .. })
                        )
                }
                _ => false,
            })
            .map(|e| e.time);
        assert_eq!(c.at_us, taken, "n{i}");
    }
    let w = run(&spec(CRASH, &[], &[("scheme", "independent")], 3500));
    let line = points(&w);
    assert_eq!(line.len(), 8);
    assert!(line.iter().all(|(_, c)| c.line == 1 << 32));
    // Each lane's last point is its start.
    for i in 0..3 {
        let last = line.iter().rev().find(|(n, _)| *n == i).unwrap().1;
        assert_eq!(last.at_us, Some(0), "n{i}");
    }
}

#[test]
fn the_fuzzer_crashes_processes_and_the_correct_forms_survive() {
    use crate::fuzz::{fuzz, FaultMix, FuzzSpec};
    for logging in [
        "none",
        "pessimistic-receiver",
        "pessimistic-sender",
        "optimistic",
    ] {
        let mut base = RunSpec::new(4, 0, 10 * MICROS_PER_SEC).with_protocol("checkpoint");
        base.settings.set("logging", logging);
        let report = fuzz(&FuzzSpec {
            base,
            runs: 60,
            seed: 5,
            mix: FaultMix::default(),
            stop_at_first: false,
        })
        .unwrap();
        assert_eq!(
            report.violations + report.end_violations,
            0,
            "{logging}: {:?}",
            report.first_failure
        );
        // Crashes made orphans without pessimistic logging, and never with it.
        assert_eq!(
            report.unpromised > 0,
            !logging.starts_with("pessimistic"),
            "{logging}"
        );
    }
}

// Hand-made runs: each process's state built from a history written event by event, each
// checker judging after every event.

use crate::check::{CheckView, EndProperty, Invariant, Moment};
use crate::protocol::Protocol;
use crate::testkit::Calm;
use checkers::{ConsistentLine, NoOrphanRollbacks, NoOrphans, RecoveryCompletes};

/// `node` starts its job `seq` in incarnation `inc` and sends it to `to`.
fn sends(inc: u32, to: u32, seq: u32) -> Entry {
    Entry {
        inc,
        at: 0,
        event: Event::Tick {
            to: NodeId(to),
            seq,
            size: 1,
        },
    }
}

/// A process (in incarnation `inc`) receives `from`'s job `seq` (of `from`'s incarnation
/// `finc`), sent after `pos` of `from`'s events.
fn gets(inc: u32, from: u32, finc: u32, seq: u32, pos: Pos) -> Entry {
    Entry {
        inc,
        at: 0,
        event: Event::Apply {
            id: job(from, finc, seq),
            pos,
            size: 1,
        },
    }
}

fn job(from: u32, inc: u32, seq: u32) -> Mid {
    Mid {
        from: NodeId(from),
        inc,
        seq,
    }
}

fn ended(node: u32, inc: u32, at: Pos) -> Ended {
    Ended {
        node: NodeId(node),
        inc,
        at,
        round: None,
        line: 0,
    }
}

/// One step of a hand-made run.
#[derive(Clone)]
enum Step {
    /// The process does an event.
    Does(u32, Entry),
    /// The process goes back to its first `to` events, starts a new incarnation and
    /// announces where the old one ended.
    Back(u32, Pos),
    /// The process goes back to a state whose events are these (a restore gone wrong).
    BackTo(u32, Vec<Entry>),
    /// The process learns of a rollback, then (in the same event) goes back to its first
    /// `to` events if `to` is given.
    Learns(u32, Ended, Option<Pos>),
    /// The process announces a rollback without making it.
    Claims(u32, Ended),
    /// The process crashes, or restarts from its first `to` events (announcing).
    Crashes(u32),
    Restarts(u32, Pos),
}

/// Four processes' states, as the steps leave them.
#[derive(Clone, Default)]
struct Hand {
    history: Vec<Vec<Entry>>,
    table: Vec<Vec<Ended>>,
    inc: Vec<u32>,
    restores: Vec<(u32, Pos)>,
    up: Vec<bool>,
}

impl Hand {
    fn new(n: usize) -> Hand {
        Hand {
            history: vec![Vec::new(); n],
            table: vec![Vec::new(); n],
            inc: vec![0; n],
            restores: vec![(0, 0); n],
            up: vec![true; n],
        }
    }

    fn learn(&mut self, a: usize, e: Ended) {
        if !self.table[a].contains(&e) {
            self.table[a].push(e);
            self.table[a].sort();
        }
    }

    fn go_back(&mut self, a: usize, to: Pos) {
        self.history[a].truncate(to as usize);
        let e = ended(a as u32, self.inc[a], to);
        self.learn(a, e);
        self.inc[a] += 1;
        self.restores[a] = (self.restores[a].0 + 1, to);
    }

    /// Applies `step`; the process that acted, and whether it rebooted.
    fn apply(&mut self, step: &Step) -> (usize, bool) {
        match step.clone() {
            Step::Does(a, e) => {
                self.history[a as usize].push(e);
                (a as usize, false)
            }
            Step::Back(a, to) => {
                self.go_back(a as usize, to);
                (a as usize, false)
            }
            Step::BackTo(a, events) => {
                let a = a as usize;
                let to = events.len() as Pos;
                self.history[a] = events;
                self.restores[a] = (self.restores[a].0 + 1, to);
                (a, false)
            }
            Step::Learns(a, e, to) => {
                self.learn(a as usize, e);
                if let Some(to) = to {
                    self.go_back(a as usize, to);
                }
                (a as usize, false)
            }
            Step::Claims(a, e) => {
                self.learn(a as usize, e);
                (a as usize, false)
            }
            Step::Crashes(a) => {
                self.up[a as usize] = false;
                (a as usize, false)
            }
            Step::Restarts(a, to) => {
                let a = a as usize;
                self.up[a] = true;
                self.restores[a] = (0, 0);
                self.go_back(a, to);
                (a, true)
            }
        }
    }

    fn disks(&self) -> Vec<CkDisk> {
        (0..self.history.len())
            .map(|i| CkDisk {
                events: self.history[i].clone(),
                table: self.table[i].clone(),
                inc: self.inc[i],
                ..CkDisk::default()
            })
            .collect()
    }

    fn states(&self, disks: &[CkDisk]) -> Vec<Option<CkNode>> {
        let n = disks.len();
        let config = CkConfig::default();
        (0..n)
            .map(|i| {
                self.up[i].then(|| {
                    let (restores, base) = self.restores[i];
                    CkNode::boot(NodeId(i as u32), n, &config, &disks[i]).restored(restores, base)
                })
            })
            .collect()
    }
}

/// The first breach `checker` reports in the run `steps` over four processes, with the step.
fn first_breach(checker: &mut dyn Invariant<CkNode>, steps: &[Step]) -> Option<(usize, String)> {
    let mut hand = Hand::new(4);
    let records: Vec<Vec<CkNote>> = vec![Vec::new(); 4];
    for (k, step) in steps.iter().enumerate() {
        let (acted, rebooted) = hand.apply(step);
        let disks = hand.disks();
        let states = hand.states(&disks);
        let acted = (NodeId(acted as u32), rebooted);
        if let Err(e) = testkit::judge_step(checker, k, acted, &states, &disks, &records) {
            return Some((k, e));
        }
    }
    None
}

use Step::{Back, BackTo, Claims, Crashes, Does, Learns, Restarts};

/// n1 sends two jobs to n0, which receives both.
fn two_jobs() -> Vec<Step> {
    vec![
        Does(1, sends(0, 0, 1)),
        Does(0, gets(0, 1, 0, 1, 1)),
        Does(1, sends(0, 0, 2)),
        Does(0, gets(0, 1, 0, 2, 2)),
    ]
}

fn with(mut run: Vec<Step>, more: &[Step]) -> Vec<Step> {
    run.extend_from_slice(more);
    run
}

#[test]
fn a_recovery_line_where_the_orphan_rolls_back_is_consistent() {
    // n1 restarts after its first event: its second job is undone; n0, told, goes back
    // to before receiving it.
    let run = with(
        two_jobs(),
        &[
            Crashes(1),
            Restarts(1, 1),
            Learns(0, ended(1, 0, 1), Some(1)),
            Does(0, sends(1, 2, 1)),
        ],
    );
    assert_eq!(first_breach(&mut ConsistentLine::default(), &run), None);
}

#[test]
fn the_recovery_line_catches_an_orphan_that_keeps_what_it_knows_is_undone() {
    let run = with(
        two_jobs(),
        &[Crashes(1), Restarts(1, 1), Learns(0, ended(1, 0, 1), None)],
    );
    let (at, e) = first_breach(&mut ConsistentLine::default(), &run).unwrap();
    assert_eq!(at, 6);
    assert_eq!(
        e,
        "n0 keeps n1#2 although it knows that n1 went back to event 1 (its incarnation 0 ended): that job's sending is undone, so the recovery line through n0 is not consistent"
    );
}

#[test]
fn the_recovery_line_catches_a_rollback_to_a_state_still_holding_an_undone_job() {
    // n0 has done a third event; told of n1's rollback, it goes back only to its second
    // (as if to a checkpoint taken after receiving the undone job).
    let run = with(
        two_jobs(),
        &[
            Does(0, sends(0, 2, 1)),
            Crashes(1),
            Restarts(1, 1),
            Learns(0, ended(1, 0, 1), Some(2)),
        ],
    );
    let (at, e) = first_breach(&mut ConsistentLine::default(), &run).unwrap();
    assert_eq!(at, 7);
    assert!(
        e.starts_with("n0 went back to a state that holds n1#2 although it knows"),
        "{e}"
    );
}

#[test]
fn the_recovery_line_catches_a_state_that_never_was() {
    // n0 "restores" a state whose second event is a job it never received.
    let run = with(
        two_jobs(),
        &[BackTo(0, vec![gets(0, 1, 0, 1, 1), gets(0, 2, 0, 1, 1)])],
    );
    let (at, e) = first_breach(&mut ConsistentLine::default(), &run).unwrap();
    assert_eq!(at, 4);
    assert_eq!(
        e,
        "n0 went back to a state it never had: its event 2 is receiving n2#1, where it had done receiving n1#2"
    );
    // Going back to a state it had is fine.
    let fine = with(two_jobs(), &[BackTo(0, vec![gets(0, 1, 0, 1, 1)])]);
    assert_eq!(first_breach(&mut ConsistentLine::default(), &fine), None);
}

#[test]
fn the_recovery_line_catches_a_rollback_announced_but_not_made() {
    // n1 tells the others it went back to its first event, but it did not.
    let run = with(two_jobs(), &[Claims(1, ended(1, 0, 1))]);
    let (at, e) = first_breach(&mut ConsistentLine::default(), &run).unwrap();
    assert_eq!(at, 4);
    assert_eq!(
        e,
        "n1 holds the rollback \"n1 went back to event 1 (its incarnation 0 ended)\", which did not happen (its execution keeps 2 events)"
    );
    // Passing on a rollback nobody made.
    let passed_on = with(two_jobs(), &[Claims(2, ended(1, 0, 0))]);
    let (_, e) = first_breach(&mut ConsistentLine::default(), &passed_on).unwrap();
    assert!(e.starts_with("n2 holds the rollback"), "{e}");
}

#[test]
fn no_orphans_catches_a_job_held_after_its_sender_went_back() {
    let run = with(two_jobs(), &[Back(1, 1)]);
    let (at, e) = first_breach(&mut NoOrphans::default(), &run).unwrap();
    assert_eq!(at, 4);
    assert_eq!(
        e,
        "n0 is an orphan: it holds n1#2, which n1 no longer sent (n1 went back to event 1)"
    );
    // Going back past a job nobody received leaves no orphan.
    let unreceived = vec![
        Does(1, sends(0, 0, 1)),
        Does(0, gets(0, 1, 0, 1, 1)),
        Does(1, sends(0, 0, 2)),
        Back(1, 1),
    ];
    assert_eq!(first_breach(&mut NoOrphans::default(), &unreceived), None);
    // Nor does the recovery line care: nobody knows of anything undone it keeps.
    assert_eq!(first_breach(&mut ConsistentLine::default(), &run), None);
}

#[test]
fn no_orphans_catches_an_undone_job_received_late_and_one_restored() {
    // The job is received after its sender went back past sending it.
    let late = vec![
        Does(1, sends(0, 0, 1)),
        Does(1, sends(0, 0, 2)),
        Back(1, 1),
        Does(0, gets(0, 1, 0, 2, 2)),
    ];
    let (at, e) = first_breach(&mut NoOrphans::default(), &late).unwrap();
    assert_eq!(
        (at, e.as_str()),
        (
            3,
            "n0 is an orphan: it receives n1#2, which n1 no longer sent"
        )
    );
    // n0 is down when n1 goes back, and restarts holding the job.
    let restored = with(two_jobs(), &[Crashes(0), Back(1, 1), Restarts(0, 2)]);
    let (at, e) = first_breach(&mut NoOrphans::default(), &restored).unwrap();
    assert_eq!(
        (at, e.as_str()),
        (
            6,
            "n0 is an orphan: it went back to a state holding n1#2, which n1 no longer sent"
        )
    );
}

/// An end property judged on hand-made states (`None` for a process that is down).
fn at_end_of(
    property: &dyn EndProperty<CkNode>,
    states: Vec<Option<CkNode>>,
    disks: &[CkDisk],
) -> Result<(), String> {
    let n = disks.len();
    let records: Vec<Vec<CkNote>> = vec![Vec::new(); n];
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

#[test]
fn recovery_completes_asks_that_no_orphan_is_left_and_no_replay_hangs() {
    let mut hand = Hand::new(3);
    for step in two_jobs() {
        hand.apply(&step);
    }
    let disks = hand.disks();
    assert_eq!(
        at_end_of(&RecoveryCompletes, hand.states(&disks), &disks),
        Ok(())
    );
    // n1 went back past n1#2 and n0 still holds it.
    let mut gone = hand.clone();
    gone.apply(&Back(1, 1));
    let disks = gone.disks();
    let e = at_end_of(&RecoveryCompletes, gone.states(&disks), &disks).unwrap_err();
    assert_eq!(
        e,
        "n0 still holds n1#2, which n1 no longer sent (its history went back to before it): an orphan left after recovery"
    );
    // Its sender is down: not judged.
    let mut states = gone.states(&disks);
    states[1] = None;
    assert_eq!(at_end_of(&RecoveryCompletes, states, &disks), Ok(()));
    // A process still collecting its logged jobs while every process is up.
    let disks = hand.disks();
    let mut states = hand.states(&disks);
    states[2] = states[2].take().map(|s| s.collecting(0));
    let e = at_end_of(&RecoveryCompletes, states.clone(), &disks).unwrap_err();
    assert_eq!(
        e,
        "n2 is still collecting the jobs logged for it, waiting for n0, n1, though they are up"
    );
    states[0] = None;
    assert_eq!(at_end_of(&RecoveryCompletes, states, &disks), Ok(()));
}

#[test]
fn no_orphan_rollbacks_reads_each_processs_record_of_its_rollbacks() {
    let restart = Rollback {
        inc: 0,
        to: 5,
        checkpoint: Some(1),
        replayed: 0,
        passed: 0,
        lost: None,
        reached: Some(2_000_000),
        line: 1 << 32,
        cause: Cause::Restart,
    };
    let orphan = Rollback {
        to: 3,
        lost: Some(4),
        cause: Cause::Orphan {
            of: NodeId(1),
            id: job(1, 0, 2),
        },
        ..restart
    };
    let mut disks = vec![CkDisk::default(); 3];
    disks[1].rollbacks.push(restart);
    let states = vec![None, None, None];
    assert_eq!(
        at_end_of(&NoOrphanRollbacks, states.clone(), &disks),
        Ok(())
    );
    disks[2].rollbacks.push(orphan);
    let e = at_end_of(&NoOrphanRollbacks, states, &disks).unwrap_err();
    assert_eq!(
        e,
        "n2 had to roll back to checkpoint 1 (after 3 events), undoing 4 events: it held n1#2, which n1 no longer sent after going back (an orphan)"
    );
}

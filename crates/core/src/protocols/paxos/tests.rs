//! Scenarios of single-decree Paxos.

use super::*;
use crate::check::Violation;
use crate::ids::NodeId;
use crate::protocol::{Note, Protocol};
use crate::registry::Of;
use crate::run::RunSpec;
use crate::time::MICROS_PER_SEC;
use crate::world::World;

fn spec(actions: &str, bugs: &[&str]) -> RunSpec {
    let mut spec = RunSpec::new(5, 1, 10 * MICROS_PER_SEC).with_protocol("paxos");
    spec.workload = None;
    spec.scenario(actions, bugs, &[])
}

fn run(spec: &RunSpec) -> World<PaxosNode> {
    let config = Of::<PaxosNode>::config(&spec.settings, &spec.bugs, &spec.env()).unwrap();
    let mut w = spec.world(config, true);
    w.run_until(spec.until_us);
    w
}

fn end(w: &World<PaxosNode>) -> Vec<Violation> {
    w.clone().check_end(crate::run::SETTLE_US)
}

fn learned(w: &World<PaxosNode>) -> Vec<Option<Val>> {
    (0..w.nodes().len())
        .map(|i| w.node(NodeId(i as u32)).and_then(|n| n.learned()))
        .collect()
}

#[test]
fn a_calm_run_chooses_one_value_and_every_node_learns_it() {
    let w = run(&spec("", &[]));
    let all = learned(&w);
    assert!(all.iter().all(|v| v.is_some() && *v == all[0]), "{all:?}");
    assert!(w.violations().is_empty(), "{:?}", w.violations());
    assert!(end(&w).is_empty(), "{:?}", end(&w));
}

/// The notes node `who` told, in order.
fn notes_of(w: &World<PaxosNode>, who: NodeId) -> Vec<PaxosNote> {
    use crate::trace::EventKind;
    w.trace()
        .events()
        .filter_map(|e| match &e.kind {
            EventKind::Note { node, note } if *node == who => note.get::<PaxosNote>().cloned(),
            _ => None,
        })
        .collect()
}

/// The properties broken, each named once.
fn broken(w: &World<PaxosNode>) -> Vec<&str> {
    let names: crate::flat::FlatSet<&str> = w
        .violations()
        .iter()
        .map(|v| v.invariant.as_str())
        .collect();
    names.into_iter().collect()
}

#[test]
fn duelling_proposers_preempt_each_other_and_still_decide() {
    // Every node proposes, all at once.
    let w = run(&spec("", &[]).set("proposers", 5));
    let preempted = (0..5)
        .flat_map(|i| notes_of(&w, NodeId(i)))
        .filter(|n| matches!(n, PaxosNote::Preempted { .. }))
        .count();
    assert!(preempted > 0, "no proposer was preempted");
    let all = learned(&w);
    assert!(all.iter().all(|v| v.is_some() && *v == all[0]), "{all:?}");
    assert!(w.violations().is_empty(), "{:?}", w.violations());
    assert!(end(&w).is_empty(), "{:?}", end(&w));
}

/// An acceptor that promised ballot 2.1 refuses a late accept of ballot 1.0, tells its
/// proposer the higher ballot, and keeps what it had.
#[test]
fn a_delayed_accept_from_an_old_ballot_is_refused() {
    use crate::protocol::{Ctx, Effect};
    use crate::rng::SimRng;
    let config = PaxosConfig::default();
    let mut node = PaxosNode::boot(NodeId(3), 5, &config, &PaxosDisk::default());
    let mut rng = SimRng::new(1);
    let mut out: Vec<Effect<PaxosNode>> = Vec::new();
    let old = Ballot {
        round: 1,
        proposer: 0,
    };
    let new = Ballot {
        round: 2,
        proposer: 1,
    };
    let mut deliver = |node: &mut PaxosNode, from: u32, msg: PaxosMsg| {
        out.clear();
        let mut ctx = Ctx::new(NodeId(3), 5, (0, 0), &mut rng, &mut out);
        node.on_message(&mut ctx, NodeId(from), msg);
        out.clone()
    };
    let effects = deliver(&mut node, 1, PaxosMsg::Prepare { ballot: new });
    assert!(effects.iter().any(|e| matches!(
        e,
        Effect::Send {
            to: NodeId(1),
            msg: PaxosMsg::Promise { accepted: None, .. }
        }
    )));
    let effects = deliver(
        &mut node,
        0,
        PaxosMsg::Accept {
            ballot: old,
            value: Val(0),
        },
    );
    assert_eq!(node.accepted(), None);
    assert_eq!(node.promised(), Some(new));
    assert!(effects.iter().any(|e| matches!(
        e,
        Effect::Send {
            to: NodeId(0),
            msg: PaxosMsg::Nack { ballot, promised }
        } if *ballot == old && *promised == new
    )));
    assert!(!effects.iter().any(|e| matches!(e, Effect::Persist(_))));
    let refused = effects.iter().find_map(|e| match e {
        Effect::Note(note) => Some(note.text()),
        _ => None,
    });
    assert_eq!(
        refused.as_deref(),
        Some("refuses to accept in ballot 1.0: it promised the higher ballot 2.1")
    );
    // The accept of the ballot it promised goes through.
    deliver(
        &mut node,
        1,
        PaxosMsg::Accept {
            ballot: new,
            value: Val(1),
        },
    );
    assert_eq!(node.accepted(), Some((new, Val(1))));
}

/// n0 gets v0 chosen among n0, n2 and n3 while n1 is cut off with n4. Then the partition
/// moves: n1, with n3 and n4, learns from n3's promise that v0 was accepted, and
/// proposes v0, not its own v1. n3 restarting in between changes nothing, since its
/// acceptance is on disk.
const MOVED: &str =
    "0s@partition:0-2-3/1-4,500ms@crash:3:keep,600ms@restart:3,1s@partition:0-2/1-3-4,3s@heal";

#[test]
fn a_new_proposer_re_proposes_the_value_a_promise_reported() {
    let w = run(&spec(MOVED, &[]));
    assert!(w.violations().is_empty(), "{:?}", w.violations());
    let adopted = notes_of(&w, NodeId(1)).into_iter().any(|n| {
        matches!(
            n,
            PaxosNote::Proposes {
                value: Val(0),
                adopted: Some(Ballot {
                    round: 1,
                    proposer: 0
                }),
                ..
            }
        )
    });
    assert!(adopted, "{:?}", notes_of(&w, NodeId(1)));
    assert_eq!(learned(&w), vec![Some(Val(0)); 5]);
    assert!(end(&w).is_empty(), "{:?}", end(&w));
}

#[test]
fn a_proposer_that_ignores_reported_values_overwrites_the_chosen_one() {
    let w = run(&spec(MOVED, &["ignore-promised-values"]));
    assert_eq!(broken(&w), ["only one value is chosen"]);
    assert!(
        w.violations()[0]
            .message
            .starts_with("v0 was chosen in ballot 1.0"),
        "{:?}",
        w.violations()
    );
}

#[test]
fn an_acceptor_that_forgets_its_acceptance_on_restart_lets_a_second_value_be_chosen() {
    let w = run(&spec(MOVED, &["forget-promise"]));
    assert_eq!(broken(&w), ["only one value is chosen"]);
    // Without the restart, n3 still remembers and nothing breaks.
    let no_restart = MOVED.replace("500ms@crash:3:keep,600ms@restart:3,", "");
    let w = run(&spec(&no_restart, &["forget-promise"]));
    assert!(w.violations().is_empty(), "{:?}", w.violations());
}

/// The story tells phases and learning, and leaves routine promises to the log.
#[test]
fn the_story_tells_the_ballots_and_the_learning() {
    let w = run(&spec("", &[]));
    let texts: Vec<String> = notes_of(&w, NodeId(2)).iter().map(|n| n.text()).collect();
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("learns v") && t.contains("in ballot")),
        "{texts:?}"
    );
    assert!(PaxosNote::Promises {
        ballot: Ballot {
            round: 1,
            proposer: 0
        },
        accepted: None
    }
    .is_routine());
}

/// An acceptor promises ballot 2.1, restarts from its disk, and is then asked to accept
/// ballot 1.0: with its promise on disk it refuses; with `forget-promise` the restart
/// wiped the promise and it accepts, breaking the promise it made to n1.
#[test]
fn a_promise_survives_a_restart_only_on_disk() {
    use crate::protocol::{Ctx, Durable, Effect};
    use crate::rng::SimRng;
    let accepts_after_restart = |bugs: Vec<PaxosBug>| {
        let config = PaxosConfig {
            bugs,
            ..PaxosConfig::default()
        };
        let mut disk = PaxosDisk::default();
        let mut rng = SimRng::new(1);
        let mut node = PaxosNode::boot(NodeId(3), 5, &config, &disk);
        let mut deliver = |node: &mut PaxosNode, disk: &mut PaxosDisk, from: u32, msg| {
            let mut out: Vec<Effect<PaxosNode>> = Vec::new();
            let mut ctx = Ctx::new(NodeId(3), 5, (0, 0), &mut rng, &mut out);
            node.on_message(&mut ctx, NodeId(from), msg);
            for e in out {
                if let Effect::Persist(w) = e {
                    disk.apply(w);
                }
            }
        };
        let new = Ballot {
            round: 2,
            proposer: 1,
        };
        deliver(&mut node, &mut disk, 1, PaxosMsg::Prepare { ballot: new });
        assert_eq!(node.promised(), Some(new));
        // The crash and restart: only the disk is left.
        let mut node = PaxosNode::boot(NodeId(3), 5, &config, &disk);
        let old = Ballot {
            round: 1,
            proposer: 0,
        };
        deliver(
            &mut node,
            &mut disk,
            0,
            PaxosMsg::Accept {
                ballot: old,
                value: Val(0),
            },
        );
        node.accepted()
    };
    assert_eq!(accepts_after_restart(vec![]), None);
    assert_eq!(
        accepts_after_restart(vec![PaxosBug::ForgetPromise]),
        Some((
            Ballot {
                round: 1,
                proposer: 0
            },
            Val(0)
        ))
    );
}

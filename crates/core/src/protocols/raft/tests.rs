//! Raft scenarios from the paper, each a seed and a short script of actions, judged by the
//! checkers and by direct assertions on the nodes.

use super::{roles, RaftBug, RaftConfig, RaftNode};
use crate::action::{Action, DiskFate, Scheduled};
use crate::check::Violation;
use crate::client::{KvOp, KvResult, Outcome, Workload};
use crate::ids::NodeId;
use crate::network::LinkConfig;
use crate::rng::Ppm;
use crate::time::{Micros, MICROS_PER_MS, MICROS_PER_SEC};
use crate::trace::{DropReason, EventKind};
use crate::world::{World, WorldConfig};

const SEC: Micros = MICROS_PER_SEC;

fn world(nodes: usize, seed: u64) -> World<RaftNode> {
    world_with(nodes, seed, RaftConfig::default(), false)
}

fn world_with(nodes: usize, seed: u64, raft: RaftConfig, record: bool) -> World<RaftNode> {
    let mut config = WorldConfig::new(nodes, seed, raft);
    config.record = record;
    World::new(config)
}

/// The leader of the highest term among nodes that are up, if any.
fn leader(w: &World<RaftNode>) -> Option<(NodeId, u64)> {
    w.statuses()
        .filter(|(_, s)| s.role == roles::LEADER)
        .max_by_key(|(_, s)| s.term)
        .map(|(id, s)| (id, s.term))
}

/// Runs until some node other than those in `not` leads, or fails after `limit`.
fn run_until_leader(w: &mut World<RaftNode>, not: &[NodeId], limit: Micros) -> (NodeId, u64) {
    let end = w.now() + limit;
    while w.now() < end {
        w.run_until(w.now() + 10 * MICROS_PER_MS);
        if let Some((id, term)) = leader(w).filter(|(id, _)| !not.contains(id)) {
            return (id, term);
        }
    }
    panic!("no leader outside {not:?} within {limit}us");
}

/// A client put sent to `node`.
fn put(w: &mut World<RaftNode>, node: NodeId, key: u32, value: u64) {
    w.act(Action::Client {
        node,
        op: KvOp::Put { key, value },
    });
}

fn commit_of(w: &World<RaftNode>, id: NodeId) -> u64 {
    w.node(id).expect("up").commit_index()
}

#[test]
fn elects_exactly_one_leader() {
    for seed in 0..20 {
        let mut w = world(5, seed);
        w.run_until(3 * SEC);
        let leaders: Vec<_> = w
            .statuses()
            .filter(|(_, s)| s.role == roles::LEADER)
            .collect();
        assert_eq!(leaders.len(), 1, "seed {seed}");
        let term = leaders[0].1.term;
        assert!(w.statuses().all(|(_, s)| s.term == term), "seed {seed}");
        assert!(w.violations().is_empty());
    }
}

#[test]
fn client_operations_commit_and_logs_converge() {
    let mut w = world(5, 3);
    w.act(Action::SetWorkload {
        workload: Workload::default(),
    });
    w.run_until(10 * SEC);
    w.act(Action::SetWorkload {
        workload: Workload {
            rate_per_s: 0,
            ..Workload::default()
        },
    });
    w.run_until(12 * SEC);
    let ok = w
        .clients()
        .iter()
        .filter(
            |c| matches!(&c.outcome, Outcome::Done { result } if *result != KvResult::Unavailable),
        )
        .count();
    assert!(ok > 400, "only {ok} operations succeeded");
    let logs: Vec<_> = (0..5)
        .map(|i| w.node(NodeId(i)).unwrap().log().entries().to_vec())
        .collect();
    assert!(logs.windows(2).all(|p| p[0] == p[1]), "logs differ");
    let stores: Vec<_> = (0..5)
        .map(|i| w.node(NodeId(i)).unwrap().kv().data().clone())
        .collect();
    assert!(
        stores.windows(2).all(|p| p[0] == p[1]),
        "state machines differ"
    );
    assert!(w.violations().is_empty());
}

/// §5.3/§5.4: a leader cut off with a minority keeps accepting requests but cannot commit
/// them; the majority elects a new leader and goes on; after healing, the old leader's
/// uncommitted entries are replaced and all logs converge.
#[test]
fn leader_in_minority_cannot_commit() {
    let mut w = world(5, 11);
    let (old, old_term) = run_until_leader(&mut w, &[], 3 * SEC);
    w.run_until(w.now() + SEC);
    let before = commit_of(&w, old);
    let buddy = NodeId((old.0 + 1) % 5);
    w.act(Action::Partition {
        groups: vec![vec![old, buddy]],
    });
    for k in 0..5 {
        put(&mut w, old, 1, 100 + k);
    }
    let (new, new_term) = run_until_leader(&mut w, &[old, buddy], 3 * SEC);
    assert!(new_term > old_term);
    for k in 0..5 {
        put(&mut w, new, 2, 200 + k);
    }
    w.run_until(w.now() + 2 * SEC);
    assert_eq!(
        w.node(old).unwrap().role(),
        roles::LEADER,
        "still believes it leads"
    );
    assert_eq!(commit_of(&w, old), before, "the minority leader committed");
    assert!(commit_of(&w, new) > before, "the majority did not commit");
    w.act(Action::Heal);
    w.run_until(w.now() + 3 * SEC);
    assert_ne!(w.node(old).unwrap().role(), roles::LEADER);
    let reference = w.node(new).unwrap().log().entries().to_vec();
    for i in 0..5 {
        assert_eq!(
            w.node(NodeId(i)).unwrap().log().entries(),
            &reference[..],
            "n{i}"
        );
    }
    // The five puts sent to the old leader were never committed: their clients hear
    // nothing (timeout), never a false success.
    let lost = w
        .clients()
        .iter()
        .filter(|c| c.node == old)
        .all(|c| c.outcome == Outcome::TimedOut);
    assert!(lost);
    assert!(w.violations().is_empty(), "{:?}", w.violations());
}

/// A leader frozen by a long pause wakes up still believing it leads, in a term the others
/// have left behind. It must not commit anything in that stale term.
#[test]
fn paused_old_leader_cannot_commit_in_stale_term() {
    let mut w = world_with(5, 5, RaftConfig::default(), true);
    let (old, old_term) = run_until_leader(&mut w, &[], 3 * SEC);
    w.run_until(w.now() + 500 * MICROS_PER_MS);
    w.act(Action::Pause {
        node: old,
        for_us: 2 * SEC,
    });
    // Clients keep talking to the paused node; their requests wait in its inbox.
    for k in 0..3 {
        w.act(Action::Client {
            node: old,
            op: KvOp::Put { key: 7, value: k },
        });
    }
    let (_, new_term) = run_until_leader(&mut w, &[old], 2 * SEC);
    assert!(new_term > old_term);
    let commit_before_wake = commit_of(&w, old);
    let woke_at = w.now().max(w.nodes()[old.index()].paused_until);
    w.run_until(woke_at + 3 * SEC);
    let stale_commits = w.trace().events().filter(|e| {
        e.time >= woke_at
            && matches!(e.kind, EventKind::Commit { node, index } if node == old && index > commit_before_wake)
    });
    // Any commit after waking must happen after it learned the new term.
    for e in stale_commits {
        let EventKind::Commit { .. } = e.kind else {
            unreachable!()
        };
        let term_then = w
            .trace()
            .events()
            .take_while(|x| x.time <= e.time)
            .filter_map(|x| match x.kind {
                EventKind::RoleChange { node, term, .. } if node == old => Some(term),
                _ => None,
            })
            .last()
            .unwrap();
        assert!(
            term_then > old_term,
            "committed at {} in stale term {term_then}",
            e.time
        );
    }
    assert!(w.node(old).unwrap().term() >= new_term);
    assert!(w.violations().is_empty(), "{:?}", w.violations());
}

/// Crash-recovery needs stable storage: a voter that loses its disk forgets its vote and
/// can vote again in the same term. Election safety must report the second leader.
#[test]
fn disk_loss_lets_a_node_vote_twice_and_election_safety_reports_it() {
    let (a, b, c) = (NodeId(0), NodeId(1), NodeId(2));
    let mut w = world(3, 2);
    // c sleeps, cut off, through the first election, so it stays in term 0.
    w.act(Action::Pause {
        node: c,
        for_us: 5 * SEC,
    });
    w.act(Action::Partition {
        groups: vec![vec![c]],
    });
    let (leader, term) = run_until_leader(&mut w, &[c], 3 * SEC);
    assert_eq!(term, 1, "this seed elects in the first term");
    let voter = if leader == a { b } else { a };
    assert_eq!(w.node(voter).unwrap().voted_for(), Some(leader));
    w.act(Action::Crash {
        node: voter,
        disk: DiskFate::Lose,
    });
    // The voter comes back, with an empty disk, just as c wakes up and campaigns for
    // term 1, the term in which the voter already elected `leader`.
    let v = campaign_against(&mut w, leader, voter);
    assert!(
        v[0].message.contains("two leaders in term 1"),
        "{}",
        v[0].message
    );
}

#[test]
fn crash_recovery_keeps_term_vote_and_log() {
    let mut w = world(3, 8);
    w.act(Action::SetWorkload {
        workload: Workload::default(),
    });
    let (l, _) = run_until_leader(&mut w, &[], 3 * SEC);
    w.run_until(w.now() + 2 * SEC);
    let node = NodeId((l.0 + 1) % 3);
    let before = w.node(node).unwrap().clone();
    w.act(Action::Crash {
        node,
        disk: DiskFate::Keep,
    });
    assert!(w.node(node).is_none());
    w.act(Action::Restart { node });
    let after = w.node(node).unwrap();
    assert_eq!(after.term(), before.term());
    assert_eq!(after.voted_for(), before.voted_for());
    assert_eq!(after.log().entries(), before.log().entries());
    assert_eq!(after.commit_index(), 0, "commit index is volatile");
    w.run_until(w.now() + 2 * SEC);
    assert!(w.node(node).unwrap().commit_index() >= before.commit_index());
    w.act(Action::Crash {
        node,
        disk: DiskFate::Lose,
    });
    w.act(Action::Restart { node });
    assert_eq!(w.node(node).unwrap().log().last_index(), 0);
}

#[test]
fn corruption_is_caught_by_checksums_or_delivered_when_they_are_off() {
    let noisy = LinkConfig {
        corrupt: Ppm::percent(20),
        ..LinkConfig::default()
    };
    let mut w = world_with(3, 4, RaftConfig::default(), true);
    w.act(Action::SetNetwork { link: noisy });
    w.run_until(2 * SEC);
    let events: Vec<_> = w.trace().events().collect();
    let detected = events
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::Drop {
                    reason: DropReason::CorruptDetected,
                    ..
                }
            )
        })
        .count();
    assert!(detected > 0);
    assert!(!events
        .iter()
        .any(|e| matches!(e.kind, EventKind::CorruptUndetected { .. })));
    w.act(Action::SetChecksums { on: false });
    w.run_until(4 * SEC);
    let undetected = w
        .trace()
        .events()
        .filter(|e| matches!(e.kind, EventKind::CorruptUndetected { .. }))
        .count();
    assert!(undetected > 0);
}

/// With checksums off, corrupted terms and votes break Raft: the checkers must notice.
#[test]
fn undetected_corruption_breaks_safety_and_the_checkers_notice() {
    let caught = (0..40).any(|seed| {
        let mut w = world(5, seed);
        w.act(Action::SetChecksums { on: false });
        w.act(Action::SetNetwork {
            link: LinkConfig {
                corrupt: Ppm::percent(30),
                ..LinkConfig::default()
            },
        });
        w.act(Action::SetWorkload {
            workload: Workload::default(),
        });
        w.run_until(20 * SEC);
        !w.violations().is_empty()
    });
    assert!(caught);
}

#[test]
fn single_node_cluster_serves_clients() {
    let mut w = world(1, 1);
    w.run_until(SEC);
    w.act(Action::Client {
        node: NodeId(0),
        op: KvOp::Put { key: 1, value: 5 },
    });
    w.act(Action::Client {
        node: NodeId(0),
        op: KvOp::Get { key: 1 },
    });
    w.run_until(2 * SEC);
    let outcomes: Vec<_> = w.clients().iter().map(|c| c.outcome.clone()).collect();
    assert_eq!(
        outcomes,
        vec![
            Outcome::Done {
                result: KvResult::Written
            },
            Outcome::Done {
                result: KvResult::Value { value: Some(5) }
            }
        ]
    );
}

#[test]
fn bug_names_round_trip() {
    for &bug in RaftBug::ALL {
        assert_eq!(RaftBug::parse(bug.name()), Some(bug));
    }
    assert_eq!(RaftBug::parse("nope"), None);
}

/// The forget-vote variant: a voter that crashes right after voting comes back with its
/// term but not its vote, and elects a second leader in the same term.
#[test]
fn forgetting_to_persist_the_vote_elects_two_leaders() {
    let (a, b, c) = (NodeId(0), NodeId(1), NodeId(2));
    let config = RaftConfig {
        bugs: vec![RaftBug::ForgetVote],
        ..RaftConfig::default()
    };
    let mut w = world_with(3, 2, config, false);
    w.act(Action::Pause {
        node: c,
        for_us: 5 * SEC,
    });
    w.act(Action::Partition {
        groups: vec![vec![c]],
    });
    // Step until a or b grants its vote to the other, then crash it at once, before the
    // new leader's first AppendEntries reaches it.
    let voter = loop {
        assert!(w.step(), "the run ended before any vote");
        let voted = |x: NodeId, y: NodeId| w.node(x).and_then(|n| n.voted_for()) == Some(y);
        if voted(a, b) {
            break a;
        }
        if voted(b, a) {
            break b;
        }
    };
    w.act(Action::Crash {
        node: voter,
        disk: DiskFate::Keep,
    });
    let leader = if voter == a { b } else { a };
    // The vote is already on its way: the candidate wins term 1 while the voter is down.
    w.run_until(w.now() + 100 * MICROS_PER_MS);
    assert_eq!(w.node(leader).unwrap().role(), roles::LEADER);
    campaign_against(&mut w, leader, voter);
}

/// Cuts `leader` off, brings `voter` back at 5 s (when the sleeping third node wakes and
/// campaigns in term 1) and expects election safety to report a second leader of term 1.
fn campaign_against(w: &mut World<RaftNode>, leader: NodeId, voter: NodeId) -> Vec<Violation> {
    w.act(Action::Partition {
        groups: vec![vec![leader]],
    });
    w.schedule([Scheduled::at(5 * SEC, Action::Restart { node: voter })]);
    w.run_until(10 * SEC);
    let v = w.violations().to_vec();
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(v[0].invariant, "election safety", "{v:?}");
    v
}

/// The paper's Figure 8, step by step, with the commit-old-term variant: a leader commits
/// an entry of an earlier term because a majority stores it, and a later leader whose log
/// ends in a higher term erases it. Leader completeness reports the erasing leader.
#[test]
fn figure_8_commit_of_an_old_term_entry_is_caught() {
    let config = RaftConfig {
        bugs: vec![RaftBug::CommitOldTerm],
        ..RaftConfig::default()
    };
    let mut w = world_with(5, 21, config, false);
    let all: Vec<NodeId> = (0..5).map(NodeId).collect();
    // (a) s1 leads and replicates entry X to s2 only.
    let (s1, _) = run_until_leader(&mut w, &[], 3 * SEC);
    put(&mut w, s1, 1, 1);
    w.run_until(w.now() + SEC);
    let s2 = all.iter().copied().find(|&n| n != s1).unwrap();
    let rest: Vec<NodeId> = all
        .iter()
        .copied()
        .filter(|&n| n != s1 && n != s2)
        .collect();
    w.act(Action::Partition {
        groups: vec![vec![s1, s2], rest.clone()],
    });
    put(&mut w, s1, 1, 2);
    w.run_until(w.now() + 100 * MICROS_PER_MS);
    assert_eq!(w.node(s2).unwrap().log().last_index(), 2, "s2 holds X");
    // (b) s5 is elected by the other three and takes entry Y at the same index, which it
    // cannot replicate: it is cut off at once.
    let (s5, _) = run_until_leader(&mut w, &[s1, s2], 3 * SEC);
    let (s3, s4) = {
        let others: Vec<NodeId> = rest.iter().copied().filter(|&n| n != s5).collect();
        (others[0], others[1])
    };
    w.act(Action::Partition {
        groups: vec![vec![s1, s2], vec![s5], vec![s3], vec![s4]],
    });
    put(&mut w, s5, 1, 3);
    w.run_until(w.now() + 50 * MICROS_PER_MS);
    assert_eq!(w.node(s5).unwrap().log().last_index(), 2, "s5 holds Y");
    // (c) s1 (or s2, which holds the same log) wins a later term with s3's vote and copies
    // X to s3: X is now on a majority and the broken leader commits it.
    w.act(Action::Partition {
        groups: vec![vec![s1, s2, s3], vec![s5], vec![s4]],
    });
    let (l3, _) = run_until_leader(&mut w, &[s5, s4, s3], 3 * SEC);
    let end = w.now() + 2 * SEC;
    while commit_of(&w, l3) < 2 && w.now() < end {
        w.run_until(w.now() + MICROS_PER_MS);
    }
    assert_eq!(commit_of(&w, l3), 2, "the old-term entry X was committed");
    assert!(w.violations().is_empty());
    // (d) that leader goes away; s5, whose log ends in a higher term than X, can win the
    // votes of the nodes holding X and overwrites it. Its fast clock makes it time out
    // first.
    let f = if l3 == s1 { s2 } else { s1 };
    w.act(Action::SetDrift {
        node: s5,
        ppm: 500_000,
    });
    for slow in [f, s3] {
        w.act(Action::SetDrift {
            node: slow,
            ppm: -500_000,
        });
    }
    w.act(Action::Partition {
        groups: vec![vec![s5, f, s3], vec![l3], vec![s4]],
    });
    w.run_until(w.now() + 5 * SEC);
    let v = w.violations();
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(v[0].invariant, "leader completeness", "{v:?}");
}

/// A follower that lost its disk holds less than it acknowledged; the leader notices, says
/// so in the trace, and sends it the log again, so it catches up (the page's link
/// `nodes=5&seed=1&actions=2s@crash:2:lose,2.3s@restart:2&t=30s`).
#[test]
fn a_follower_that_lost_its_disk_is_sent_the_log_again_and_catches_up() {
    use crate::recipe::Recipe;
    use crate::trace::EventKind;
    let recipe =
        Recipe::from_query("v=1&nodes=5&seed=1&actions=2s@crash:2:lose,2.3s@restart:2&t=30s")
            .unwrap();
    let spec = recipe.setup.spec(recipe.schedule.clone());
    let mut w = spec.typed_world::<RaftNode>(true).unwrap();
    w.run_until(30 * SEC);
    let commits: Vec<u64> = (0..5).map(|i| commit_of(&w, NodeId(i))).collect();
    assert!(commits[2] > 100, "n2 caught up: {commits:?}");
    let noted = w.trace().events().any(|e| {
        matches!(
            &e.kind,
            EventKind::Note { note, .. } if matches!(
                note.get::<super::RaftNote>(),
                Some(super::RaftNote::FollowerLostEntries { follower, .. }) if *follower == NodeId(2)
            )
        )
    });
    assert!(noted, "the leader's note about n2");
    assert!(w.clone().check_end(5 * SEC).is_empty());
}

#[test]
fn the_story_tells_an_election_and_then_a_crash() {
    use crate::sim::Sim;
    let mut w = world_with(5, 1, RaftConfig::default(), true);
    w.run_until(2 * MICROS_PER_SEC);
    let (_, _, told) = Sim::narration(&*w).expect("an election happened");
    assert!(
        told.contains("has the votes of a majority: it leads term"),
        "{told}"
    );
    w.act(Action::Crash {
        node: NodeId(3),
        disk: DiskFate::Keep,
    });
    let (_, at, told) = Sim::narration(&*w).unwrap();
    assert_eq!(
        (at, told.as_str()),
        (w.now(), "n3 crashed (its disk is kept)")
    );
}

#[test]
fn the_story_tells_a_leader_cut_off_from_the_majority() {
    use crate::sim::Sim;
    let mut w = world_with(5, 1, RaftConfig::default(), true);
    w.run_until(2 * MICROS_PER_SEC);
    let (l, _) = leader(&w).expect("a leader");
    let other = NodeId((l.0 + 1) % 5);
    let rest: Vec<NodeId> = (0..5)
        .map(NodeId)
        .filter(|n| *n != l && *n != other)
        .collect();
    w.act(Action::Partition {
        groups: vec![vec![l, other], rest],
    });
    let (_, _, told) = Sim::narration(&*w).unwrap();
    assert!(
        told.contains(&format!(
            "{l} is cut off from the majority. It still thinks it leads"
        )),
        "{told}"
    );
    // A partition that leaves the leader with the majority is told plainly.
    let mut w = world_with(5, 1, RaftConfig::default(), true);
    w.run_until(2 * MICROS_PER_SEC);
    let (l, _) = leader(&w).unwrap();
    let others: Vec<NodeId> = (0..5).map(NodeId).filter(|n| *n != l).collect();
    w.act(Action::Partition {
        groups: vec![others[..2].to_vec(), vec![l, others[2], others[3]]],
    });
    let (_, _, told) = Sim::narration(&*w).unwrap();
    assert!(
        told.starts_with("partition") && !told.contains("cut off"),
        "{told}"
    );
}

/// A stale leader's uncommitted entries, overwritten by the new leader's after the heal, are
/// told in the trace even when its log ends up longer than before (a cut back alone would
/// not show).
#[test]
fn overwritten_uncommitted_entries_are_told() {
    use crate::lesson::{check_run, claim::Claim};
    use crate::recipe::Recipe;
    let healed = Recipe::from_query(
        "v=1&nodes=5&seed=1&load=20&actions=2s@partition:0-1/2-3-4,4s@heal&t=6s",
    )
    .unwrap();
    let told = Claim::parse("note uncommitted entries from index").unwrap();
    let found = check_run(&healed, &told).unwrap();
    assert!(found.holds, "{found:?}");
    assert!(found.says.contains("conflict with"), "{}", found.says);
    let calm = Recipe {
        schedule: Vec::new(),
        ..healed
    };
    assert!(!check_run(&calm, &told).unwrap().holds);
}

/// The story tells a former leader following a newer term: after a partition heals, and
/// after a restart (the leader-election lesson's second step). A follower taking a new
/// term in an ordinary election is not told.
#[test]
fn the_story_tells_an_old_leader_stepping_down() {
    let told = |link: &str| -> Vec<String> {
        let r = crate::recipe::Recipe::from_query(link).unwrap();
        let spec = r.setup.spec(r.schedule.clone());
        let mut w = spec.typed_world::<RaftNode>(true).unwrap();
        let mut said = Vec::new();
        while w.now() <= r.at_us.unwrap() && w.step() {
            if let Some((_, _, text)) = crate::view::narration(&w) {
                if said.last() != Some(&text) {
                    said.push(text);
                }
            }
        }
        said
    };
    let restart = told("v=1&nodes=5&seed=1&actions=1s@crash:1:keep,2s@restart:1&t=2.5s");
    assert!(
        restart
            .iter()
            .any(|t| t.starts_with("n1, which led term 1, hears of term 2")),
        "{restart:?}"
    );
    let heal = told("v=1&nodes=5&seed=1&load=50&actions=2s@partition:0-1/2-3-4,3s@heal&t=4s");
    assert!(
        heal.iter()
            .any(|t| t.starts_with("n1, which led term 1, hears of term 2")),
        "{heal:?}"
    );
    let calm = told("v=1&nodes=5&seed=1&t=1s");
    assert!(!calm.iter().any(|t| t.contains("steps down")), "{calm:?}");
}

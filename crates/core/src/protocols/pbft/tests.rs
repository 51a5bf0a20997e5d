//! Scenarios of PBFT.

use super::*;
use crate::action::{Action, DiskFate, Scheduled};
use crate::check::Violation;
use crate::ids::NodeId;
use crate::protocols::raft::Command;
use crate::recipe::parse_schedule;
use crate::registry::Of;
use crate::run::RunSpec;
use crate::time::MICROS_PER_SEC;
use crate::world::World;
use node::ViewClaim;

fn spec(nodes: usize, actions: &str, bugs: &[&str]) -> RunSpec {
    let mut spec = RunSpec::new(nodes, 1, 10 * MICROS_PER_SEC).with_protocol("pbft");
    spec.schedule = parse_schedule(actions).unwrap();
    for bug in bugs {
        spec = spec.bug(bug);
    }
    spec
}

fn run(spec: &RunSpec) -> World<PbftNode> {
    let config = Of::<PbftNode>::config(&spec.settings, &spec.bugs, &spec.env()).unwrap();
    let mut w = spec.world(config, true);
    w.run_until(spec.until_us);
    w
}

fn end(w: &World<PbftNode>) -> Vec<Violation> {
    w.clone().check_end(crate::run::SETTLE_US)
}

#[test]
fn a_calm_run_serves_the_clients_and_every_replica_executes_the_same_requests() {
    let w = run(&spec(4, "", &[]));
    assert!(w.violations().is_empty(), "{:?}", w.violations());
    assert!(end(&w).is_empty(), "{:?}", end(&w));
    let executed: Vec<u64> = (0..4)
        .map(|i| w.node(NodeId(i)).unwrap().executed())
        .collect();
    assert!(executed[0] > 5, "{executed:?}");
    let first = w.node(NodeId(0)).unwrap().committed().clone();
    for i in 1..4 {
        let other = w.node(NodeId(i)).unwrap().committed();
        for (seq, (_, cmd)) in other {
            if let Some((_, c)) = first.get(seq) {
                assert_eq!(c, cmd, "n{i} at {seq}");
            }
        }
    }
}

fn at(mut spec: RunSpec, at: u64, action: Action) -> RunSpec {
    spec.schedule.push(Scheduled::at(at, action));
    spec
}

fn lying(spec: RunSpec, node: u32, behaviour: &str) -> RunSpec {
    at(
        spec,
        0,
        Action::Behave {
            node: NodeId(node),
            behaviour: behaviour.into(),
        },
    )
}

#[test]
fn a_primary_that_crashes_for_good_is_replaced_by_a_view_change() {
    let s = at(
        spec(4, "", &[]),
        2 * MICROS_PER_SEC,
        Action::Crash {
            node: NodeId(0),
            disk: DiskFate::Keep,
        },
    );
    let w = run(&s);
    assert!(w.violations().is_empty(), "{:?}", w.violations());
    let n1 = w.node(NodeId(1)).unwrap();
    assert!(n1.view() >= 1, "view {}", n1.view());
    let before = n1.executed();
    assert!(before > 5);
    let e = end(&w);
    assert!(e.is_empty(), "{e:?}");
}

#[test]
fn four_replicas_survive_any_one_liar() {
    for traitor in 0..4 {
        for behaviour in ["equivocate", "two-faced", "silent", "wrong-reply"] {
            let w = run(&lying(spec(4, "", &[]), traitor, behaviour));
            assert!(
                w.violations().is_empty(),
                "{traitor} {behaviour}: {:?}",
                w.violations()
            );
            let e = end(&w);
            assert!(e.is_empty(), "{traitor} {behaviour}: {e:?}");
        }
    }
}

#[test]
fn an_equivocating_primary_and_a_two_faced_backup_split_four_replicas() {
    let s = lying(lying(spec(4, "", &[]), 0, "equivocate"), 3, "two-faced");
    let w = run(&s);
    let v = w.violations();
    assert!(
        v.iter()
            .any(|v| v.invariant == "honest replicas agree on each sequence number"),
        "{v:?}"
    );
}

/// The notes of every replica, in words, in order.
fn notes(w: &World<PbftNode>) -> Vec<String> {
    use crate::trace::EventKind;
    w.trace()
        .events()
        .filter_map(|e| match &e.kind {
            EventKind::Note { node, note } => Some(format!("{node} {}", note.text())),
            _ => None,
        })
        .collect()
}

/// Two runs the fuzzer found (seeds 5180106201347220631 and 2560944634146742506): an
/// equivocating replica, lossy links, partitions and crashes, and view changes in which
/// the replicas that had executed a request left its certificate out of their view
/// changes, so the new primary put a no-op where an honest replica had committed it.
const FOUND: [&str; 2] = [
    "v=1&protocol=pbft&nodes=4&seed=5180106201347220631&load=50&actions=0s@net:lat30128us_jit7058us_loss13.8666_dup0.9002_cor1.8595,0s@checksums:on,1504484us@behave:1:equivocate,5828678us@skew:3:542931us,9063599us@net:lat15088us_jit23784us_loss5.5254_dup0.2365_cor2.1431,9098237us@pause:3:998816us,13044403us@partition-leader,13231474us@partition-leader:1,13965701us@heal,14072629us@load:200_keys5_read40_timeout1s,14848355us@partition-leader:2,15547545us@partition-leader:2,16128100us@partition-leader,16589207us@heal,17271062us@pause:1:2693476us,17564641us@load:0_keys5_read40_timeout1s,17579033us@load:200_keys5_read40_timeout1s,17781506us@partition-leader:1,17850942us@partition-leader:1,18432912us@partition-leader,18647670us@partition-leader:1,18947614us@load:50_keys5_read40_timeout1s,19332027us@heal&t=20s",
    "v=1&protocol=pbft&nodes=4&seed=2560944634146742506&load=50&actions=0s@net:lat2064us_jit4014us_loss13.2178_dup5.7387_cor1.4987,0s@checksums:on,0s@crash-on-write:0:keep:274080us,195100us@crash-on-write:2:keep:199620us,224405us@crash-on-write:2:keep:138869us,446317us@crash:0:keep,490379us@restart:0,5249260us@slow:0:2228us,5385959us@slow:3:15652us,5604199us@crash-leader:keep:161722us,5750466us@crash-leader:keep:174641us,5807457us@crash-leader:keep:261154us,6189520us@slow:3:0s,6230951us@slow:0:0s,8244202us@crash-leader:keep:200962us,9172681us@pause:3:1759378us,11042368us@pause:2:1877204us,11419054us@crash-on-write:3:keep:24813us,11568005us@slow:2:25192us,12575401us@slow:2:0s,13045355us@pause:1:2623450us,13445974us@crash-on-write:3:keep:92722us,14523239us@slow:0:22094us,15011372us@crash:1:keep,15024184us@restart:1,15153308us@slow:0:16645us,15162737us@crash-leader:keep:196994us,15565466us@crash-leader:keep:163603us,15878282us@crash-leader:keep:394921us,16229028us@crash-leader:keep:154441us,16230756us@slow:2:6604us,16307761us@slow:0:0s,16497909us@crash-on-write:1:keep:110435us,16611252us@slow:3:5673us,17272714us@slow:3:0s,17762503us@behave:1:equivocate,17810075us@crash-leader:keep:291175us,17908899us@crash-leader:keep:183564us,18027485us@crash-leader:keep:182856us,18126689us@slow:0:0s,18202464us@pause:0:172791us,18242203us@slow:2:0s,18303356us@crash-leader:keep:321748us,18943123us@crash-leader:keep:369357us&t=20s",
];

fn from_link(link: &str, bugs: &[&str]) -> RunSpec {
    let r = crate::recipe::Recipe::from_query(link).unwrap();
    let mut spec = r.setup.spec(r.schedule.clone());
    spec.until_us = r.at_us.unwrap();
    for bug in bugs {
        spec = spec.bug(bug);
    }
    spec
}

#[test]
fn a_request_executed_by_the_replicas_that_prepared_it_survives_the_view_change() {
    for link in FOUND {
        let w = run(&from_link(link, &[]));
        assert!(w.violations().is_empty(), "{:?}", w.violations());
        let e = end(&w);
        assert!(e.is_empty(), "{e:?}");
    }
}

fn client(req: u64) -> Command {
    use crate::client::KvOp;
    use crate::ids::RequestId;
    Command::Client {
        req: RequestId(req),
        origin: NodeId(0),
        op: KvOp::Put { key: 1, value: req },
    }
}

fn claim(stable: u64, prepared: &[(u64, u64, Command)]) -> ViewClaim {
    ViewClaim {
        stable,
        digest: 0,
        prepared: prepared.to_vec(),
    }
}

#[test]
fn the_new_view_keeps_every_certificate_past_the_highest_stable_checkpoint() {
    use crate::protocols::pbft::node::plan_new_view;
    // n3 executed 5 (prepared in view 0); n1 and n2 never prepared it.
    let claims = vec![
        (NodeId(1), claim(0, &[])),
        (NodeId(2), claim(0, &[(3, 0, client(3))])),
        (NodeId(3), claim(0, &[(3, 0, client(3)), (5, 0, client(5))])),
    ];
    let (from, pre) = plan_new_view(1, &claims).unwrap();
    assert_eq!(from, 1);
    assert_eq!(
        pre,
        vec![
            (1, Command::Noop),
            (2, Command::Noop),
            (3, client(3)),
            (4, Command::Noop),
            (5, client(5)),
        ]
    );
    // The highest view wins; a stable checkpoint at 4 starts the view at 5.
    let claims = vec![
        (NodeId(0), claim(4, &[(5, 1, client(6))])),
        (NodeId(1), claim(0, &[(3, 0, client(3)), (5, 0, client(5))])),
        (NodeId(2), claim(0, &[])),
    ];
    assert_eq!(
        plan_new_view(1, &claims).unwrap(),
        (5, vec![(5, client(6))])
    );
    // Fewer than 2f + 1, or one replica twice: no new view.
    assert!(plan_new_view(1, &claims[..2]).is_none());
    let twice = vec![claims[0].clone(), claims[0].clone(), claims[1].clone()];
    assert!(plan_new_view(1, &twice).is_none());
}

#[test]
fn a_backup_refuses_a_new_view_that_its_view_changes_do_not_give() {
    use crate::protocols::pbft::node::check_new_view;
    let claims = vec![
        (NodeId(1), claim(0, &[])),
        (NodeId(2), claim(0, &[(2, 0, client(2))])),
        (NodeId(3), claim(0, &[])),
    ];
    assert!(check_new_view(1, &claims, 1, &[(1, Command::Noop), (2, client(2))]).is_ok());
    assert_eq!(
        check_new_view(1, &claims, 1, &[(1, Command::Noop), (2, Command::Noop)]).unwrap_err(),
        "it pre-prepares no-op at 2, but the view changes it carries give put k1=2 (r2)"
    );
    assert_eq!(
        check_new_view(1, &claims, 1, &[(1, Command::Noop)]).unwrap_err(),
        "it leaves out 2, where the view changes it carries give put k1=2 (r2)"
    );
    assert_eq!(
        check_new_view(
            1,
            &claims,
            1,
            &[(1, Command::Noop), (2, client(2)), (3, client(9))]
        )
        .unwrap_err(),
        "it pre-prepares put k1=9 (r9) at 3, which the view changes it carries do not give"
    );
    assert_eq!(
        check_new_view(1, &claims, 2, &[(2, client(2))]).unwrap_err(),
        "it starts at sequence number 2, but the view changes it carries give 1"
    );
    assert_eq!(
        check_new_view(1, &claims[..2], 1, &[]).unwrap_err(),
        "it carries 2 view changes, not 2f + 1 = 3 from different replicas"
    );
}

#[test]
fn checkpoints_become_stable_and_the_logs_behind_them_are_discarded() {
    let w = run(&spec(4, "", &[]));
    assert!(w.violations().is_empty(), "{:?}", w.violations());
    for i in 0..4 {
        let n = w.node(NodeId(i)).unwrap();
        assert!(n.stable() >= 32, "n{i} stable at {}", n.stable());
        assert!(n.stable().is_multiple_of(super::node::CHECKPOINT_EVERY));
        assert!(n.executed() >= n.stable());
        let oldest = n.accepted().keys().next().copied().unwrap_or(u64::MAX);
        assert!(
            oldest > n.stable(),
            "n{i} keeps {oldest} below {}",
            n.stable()
        );
        assert!(n.committed().keys().all(|s| *s > n.stable()));
        assert!(n.certs().keys().all(|s| *s > n.stable()));
        let (low, high) = n.watermarks();
        assert_eq!(high - low, 64);
    }
    assert!(notes(&w)
        .iter()
        .any(|n| n.contains("checkpoint at 16 is stable")));
}

#[test]
fn a_replica_cut_off_past_the_stable_checkpoint_takes_the_state_from_f_plus_1() {
    let s = spec(4, "1s@partition:0-1-2/3,6s@heal", &[]);
    let w = run(&s);
    assert!(w.violations().is_empty(), "{:?}", w.violations());
    let taken: Vec<String> = notes(&w)
        .into_iter()
        .filter(|n| n.starts_with("n3 takes the state"))
        .collect();
    assert!(!taken.is_empty(), "n3 never took a state");
    let mut w = w;
    assert!(w.check_end(crate::run::SETTLE_US).is_empty());
    let n0 = w.node(NodeId(0)).unwrap();
    let n3 = w.node(NodeId(3)).unwrap();
    assert_eq!(n3.executed(), n0.executed());
    assert_eq!(n3.kv(), n0.kv());
}

#[test]
fn a_lying_new_primary_is_refused_and_the_view_after_it_serves_the_clients() {
    // Seven replicas tolerate f = 2 faults: n0 crashes for good, so n1 starts view 1, with
    // a no-op where a request was prepared.
    let crash = "2s@crash:0:keep";
    let w = run(&lying(spec(7, crash, &[]), 1, "bad-new-view"));
    assert!(w.violations().is_empty(), "{:?}", w.violations());
    let said = notes(&w);
    assert!(
        said.iter()
            .any(|n| n.contains("refuses n1's NEW-VIEW for view 1")),
        "{:?}",
        said.iter()
            .filter(|n| n.contains("view"))
            .collect::<Vec<_>>()
    );
    assert!(said
        .iter()
        .any(|n| n.contains("starts view 2 as its primary")));
    let e = end(&w);
    assert!(e.is_empty(), "{e:?}");
    // Unchecked, the lie is taken.
    let w = run(&lying(
        spec(7, crash, &["unchecked-new-view"]),
        1,
        "bad-new-view",
    ));
    assert!(!notes(&w).iter().any(|n| n.contains("NEW-VIEW for view")));
}

#[test]
fn a_replica_hiding_its_certificates_in_view_changes_changes_nothing() {
    // n0 crashes and one of the others hides: two faults, as seven replicas tolerate.
    for liar in [1, 2, 3] {
        let s = lying(spec(7, "2s@crash:0:keep", &[]), liar, "hides-certificates");
        let w = run(&s);
        assert!(w.violations().is_empty(), "n{liar}: {:?}", w.violations());
        let e = end(&w);
        assert!(e.is_empty(), "n{liar}: {e:?}");
    }
}

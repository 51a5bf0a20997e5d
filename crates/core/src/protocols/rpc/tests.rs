//! Scenarios of remote calls: a calm network, a lost reply, a lost request, and a server
//! that restarts between a call and its retry, each with the correct form and the variant
//! that gets it wrong.

use super::*;
use crate::check::Violation;
use crate::ids::NodeId;
use crate::registry::Of;
use crate::run::RunSpec;
use crate::testkit::{self, end};
use crate::time::MICROS_PER_SEC;
use crate::world::World;

fn spec(actions: &str, bugs: &[&str]) -> RunSpec {
    testkit::scenario(
        "rpc",
        3,
        10 * MICROS_PER_SEC,
        actions,
        bugs,
        &[("calls", "5")],
    )
}

fn run(spec: &RunSpec) -> World<RpcNode> {
    testkit::run(spec)
}

fn server(w: &World<RpcNode>) -> &RpcNode {
    w.node(NodeId(2)).expect("the server is up")
}

/// The properties broken, each named once.
fn names(v: &[Violation]) -> Vec<&str> {
    let names: crate::flat::FlatSet<&str> = v.iter().map(|v| v.invariant.as_str()).collect();
    names.into_iter().collect()
}

#[test]
fn on_a_calm_network_every_call_takes_effect_once_and_is_answered() {
    let w = run(&spec("", &[]));
    assert_eq!(server(&w).balance(), 2 * 5 * AMOUNT);
    assert_eq!(server(&w).ledger().len(), 10);
    for c in 0..2 {
        let client = w.node(NodeId(c)).unwrap();
        assert_eq!((client.answered(), client.gave_up()), (5, 0));
    }
    assert!(w.violations().is_empty(), "{:?}", w.violations());
    assert!(end(&w).is_empty(), "{:?}", end(&w));
}

/// Replies to n0 are lost for a while: n0 retries, and the server answers the retry from
/// its table. Without the table the retry deposits again.
#[test]
fn a_lost_reply_is_retried_and_answered_from_the_table_not_applied_twice() {
    let lost_replies = "0s@cut:2-0,700ms@restore:2-0";
    let w = run(&spec(lost_replies, &[]));
    assert!(w.violations().is_empty(), "{:?}", w.violations());
    assert!(end(&w).is_empty());
    assert_eq!(server(&w).balance(), 10 * AMOUNT);
    let w = run(&spec(lost_replies, &["no-dedup"]));
    assert_eq!(
        names(w.violations()),
        ["each call takes effect at most once"]
    );
    let ledger = server(&w).ledger();
    let distinct: crate::flat::FlatSet<_> = ledger.iter().collect();
    assert!(distinct.len() < ledger.len(), "a call in the ledger twice");
}

/// Requests from n0 are lost for a while: with retries they get through; sent only once,
/// the call is given up and never takes effect.
#[test]
fn a_lost_request_is_retried_and_at_most_once_gives_up() {
    let lost_requests = "0s@cut:0-2,700ms@restore:0-2";
    let w = run(&spec(lost_requests, &[]));
    assert!(w.violations().is_empty());
    assert!(end(&w).is_empty(), "{:?}", end(&w));
    let w = run(&spec(lost_requests, &["no-retry"]));
    assert!(
        w.violations().is_empty(),
        "at-most-once never deposits twice"
    );
    assert_eq!(names(&end(&w)), ["every call is answered"]);
    assert!(
        server(&w).balance() < 10 * AMOUNT,
        "a deposit never happened"
    );
}

/// The server applies n0's call, its reply is lost, and the server restarts before the
/// retry arrives: the table on disk answers the retry; kept only in memory, it is gone.
#[test]
fn the_table_of_answers_must_survive_a_restart() {
    let restart = "0s@cut:2-0,100ms@crash:2:keep,150ms@restart:2,700ms@restore:2-0";
    let w = run(&spec(restart, &[]));
    assert!(w.violations().is_empty(), "{:?}", w.violations());
    assert!(end(&w).is_empty(), "{:?}", end(&w));
    assert_eq!(server(&w).balance(), 10 * AMOUNT);
    let w = run(&spec(restart, &["forget-keys"]));
    assert_eq!(
        names(w.violations()),
        ["each call takes effect at most once"]
    );
}

/// A network that delivers every message twice: the table answers each copy of a call
/// after the first; without it every call is deposited twice, and the checker says so.
#[test]
fn duplicated_requests_take_effect_once_only_with_the_table() {
    let twice = "0s@net:dup100";
    let w = run(&spec(twice, &[]));
    assert!(w.violations().is_empty(), "{:?}", w.violations());
    assert_eq!(server(&w).balance(), 10 * AMOUNT);
    let w = run(&spec(twice, &["no-dedup"]));
    assert_eq!(
        names(w.violations()),
        ["each call takes effect at most once"]
    );
}

/// The story leaves out calls that simply go through, and tells the retries.
#[test]
fn the_story_tells_retries_not_routine_calls() {
    use crate::sim::Sim;
    let s = spec("0s@cut:2-0,700ms@restore:2-0", &[]);
    let config = Of::<RpcNode>::config(&s.settings, &s.bugs, &s.env()).unwrap();
    let mut w: World<RpcNode> = s.world(config, true);
    w.run_until(650 * crate::time::MICROS_PER_MS);
    let (_, _, told) = Sim::narration(&*w).unwrap();
    assert!(
        told.contains("sends call 1 again") || told.contains("answers from its table"),
        "{told}"
    );
}

/// The course's table of a client's reissue strategies against the order of the server's
/// two steps (M, the completion message; P, the deposit) and its crash (C): how many
/// times the one call takes effect. A crash `before` the call arrives, `between` the two
/// steps or `after` both; the server restarts and tells the client so.
pub(crate) const CRASH_AT: [(&str, &str); 3] =
    [("after", "100ms"), ("between", "30ms"), ("before", "3ms")];

/// The link of one cell of the table: one client (n0), the server (n1), one call.
pub(crate) fn cell_link(steps: &str, reissue: &str, crash: &str) -> String {
    let at = CRASH_AT
        .iter()
        .find(|(c, _)| *c == crash)
        .expect("a crash moment")
        .1;
    format!(
        "v=1&protocol=rpc&nodes=2&seed=1&calls=1&steps={steps}&reissue={reissue}&actions={at}@crash:1:keep,300ms@restart:1&t=1s"
    )
}

/// How many times n0's call 1 took effect in the run of `link` (`ZERO`, `OK`, `DUP`),
/// checked against what the checkers say of that run.
fn outcome(link: &str) -> &'static str {
    use crate::recipe::Recipe;
    let recipe = Recipe::from_query(link).expect("a link");
    let mut spec = recipe.setup.spec(recipe.schedule.clone());
    spec.until_us = recipe.at_us.expect("a moment");
    let w = run(&spec);
    let server = w.node(NodeId(1)).expect("restarted");
    let times = server
        .ledger()
        .iter()
        .filter(|c| c.client == NodeId(0) && c.number == 1)
        .count();
    let got = ["ZERO", "OK", "DUP"][times.min(2)];
    // The checkers say the same: twice breaks at-most-once; never breaks one of the end
    // properties (unanswered, or confirmed and lost).
    let twice = !w.violations().is_empty();
    assert_eq!(twice, got == "DUP", "{link}: {:?}", w.violations());
    if got == "ZERO" {
        assert!(!end(&w).is_empty(), "{link}");
    }
    got
}

#[test]
fn every_reissue_strategy_fails_for_some_order_of_the_server_s_steps_and_its_crash() {
    // Rows: strategies; columns: MPC, MC(P), C(MP), PMC, PC(M), C(PM), as in the notes.
    let expected = [
        ("always", ["DUP", "OK", "OK", "DUP", "DUP", "OK"]),
        ("never", ["OK", "ZERO", "ZERO", "OK", "OK", "ZERO"]),
        ("when-acked", ["DUP", "OK", "ZERO", "DUP", "OK", "ZERO"]),
        ("when-not-acked", ["OK", "ZERO", "OK", "OK", "DUP", "OK"]),
    ];
    let columns = [
        ("reply-first", "after"),
        ("reply-first", "between"),
        ("reply-first", "before"),
        ("effect-first", "after"),
        ("effect-first", "between"),
        ("effect-first", "before"),
    ];
    for (reissue, row) in expected {
        for ((steps, crash), want) in columns.iter().zip(row) {
            let link = cell_link(steps, reissue, crash);
            assert_eq!(
                outcome(&link),
                want,
                "{reissue} with {steps}, crash {crash}: {link}"
            );
        }
    }
}

/// The lesson's table shows each cell as a link to its run: every cell's word is what its
/// run does, each cell's run is the one its row (the server's steps and crash) and column
/// (the client's strategy) name, and the table has the 24 cells of the course's.
#[test]
fn the_lesson_s_table_says_what_each_cell_s_run_does() {
    let lesson = include_str!("../../../../../lessons/server-crashes.md");
    let columns = [
        ("always", "always"),
        ("never", "never"),
        ("if ACK", "when-acked"),
        ("if no ACK", "when-not-acked"),
    ];
    let rows = [
        ("MPC", "reply-first", "after"),
        ("MC(P)", "reply-first", "between"),
        ("C(MP)", "reply-first", "before"),
        ("PMC", "effect-first", "after"),
        ("PC(M)", "effect-first", "between"),
        ("C(PM)", "effect-first", "before"),
    ];
    let header: Vec<&str> = lesson
        .lines()
        .find(|l| l.starts_with("| server |"))
        .expect("the table's header")
        .split('|')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .skip(1)
        .collect();
    let mut cells = 0;
    for line in lesson
        .lines()
        .filter(|l| l.starts_with("| ") && l.contains("](#"))
    {
        let fields: Vec<&str> = line.split('|').map(str::trim).collect();
        let (_, steps, crash) = rows
            .iter()
            .find(|(label, _, _)| *label == fields[1])
            .expect("a row of the course's table");
        for (column, cell) in fields[2..].iter().filter(|c| !c.is_empty()).enumerate() {
            let (word, link) = cell[1..cell.len() - 1]
                .split_once("](#")
                .expect("a [WORD](#LINK) cell");
            let reissue = columns
                .iter()
                .find(|(label, _)| *label == header[column])
                .expect("a column of the course's table")
                .1;
            assert_eq!(link, cell_link(steps, reissue, crash), "row {}", fields[1]);
            assert_eq!(outcome(link), word, "{link}");
            cells += 1;
        }
    }
    assert_eq!(cells, 24);
}

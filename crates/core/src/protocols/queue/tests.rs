//! Scenarios of a queue with a poison message: each strategy, acknowledgements before and
//! after, duplicates and the idempotent consumer, the poison pill, and runs broken on
//! purpose (bugs, faults) for each checker.

use super::node::Doing;
use super::*;
use crate::registry::Described;
use crate::run::RunSpec;
use crate::testkit::{self, broken, end};
use crate::world::World;

fn spec(actions: &str, bugs: &[&str], settings: &[(&str, &str)], until_s: u64) -> RunSpec {
    testkit::scenario(
        "queue",
        5,
        until_s * MICROS_PER_SEC,
        actions,
        bugs,
        settings,
    )
}

fn run(spec: &RunSpec) -> World<QNode> {
    testkit::run(spec)
}

fn reading(w: &World<QNode>, name: &str) -> i64 {
    testkit::reading(w, name).unwrap_or_else(|| panic!("no reading of {name}"))
}

fn broker(w: &World<QNode>) -> &node::Broker {
    w.node(BROKER)
        .and_then(|n| n.broker())
        .expect("the broker is up")
}

fn consumer(w: &World<QNode>, i: u32) -> &node::Consumer {
    w.node(crate::ids::NodeId(i))
        .and_then(|n| n.consumer())
        .expect("the consumer is up")
}

#[test]
fn with_a_dead_letter_queue_the_poison_is_set_aside_after_three_deliveries() {
    let w = run(&spec("", &[], &[], 20));
    assert_eq!(reading(&w, "processed"), 49);
    assert_eq!(reading(&w, "dead letters"), 1);
    assert_eq!(reading(&w, "consumer crashes"), 3);
    assert_eq!(reading(&w, "lost"), 0);
    assert_eq!(reading(&w, "duplicates"), 0);
    let poison = broker(&w).message(5).unwrap();
    assert_eq!((poison.held, poison.deliveries), (Held::Dead, 3));
    assert_eq!(broker(&w).dead_letters().collect::<Vec<_>>(), [5]);
    assert!(broken(&w).is_empty(), "{:?}", broken(&w));
    // The broker's card lists every message with its delivery count.
    let card = w.node(BROKER).unwrap().card();
    let table = card.table.expect("a table of messages");
    let row = &table.rows[4].cells;
    assert_eq!(row, &["5 (poison)", "dead-letter queue", "3"]);
}

#[test]
fn retrying_for_ever_stalls_the_queue_behind_the_poison() {
    let early = run(&spec("", &[], &[("strategy", "retry")], 10));
    let late = run(&spec("", &[], &[("strategy", "retry")], 20));
    // Four messages before the poison, and a few that slipped past it while it was out
    // with a consumer; then every consumer that comes back takes the poison first.
    assert!(reading(&early, "processed") <= 10);
    assert_eq!(reading(&late, "processed"), reading(&early, "processed"));
    assert!(reading(&late, "queue depth") >= 39);
    assert!(reading(&late, "consumer crashes") > reading(&early, "consumer crashes") + 10);
    // Nothing promised is broken: retrying for ever promises no progress.
    assert!(broken(&late).is_empty(), "{:?}", broken(&late));
}

#[test]
fn discarding_loses_the_poison_and_any_message_whose_delivery_failed() {
    let w = run(&spec("", &[], &[("strategy", "discard")], 12));
    assert_eq!(reading(&w, "processed"), 49);
    assert_eq!(reading(&w, "lost"), 1);
    assert_eq!(reading(&w, "consumer crashes"), 1);
    // A second of lost deliveries to n3 drops a healthy message as well.
    let cut = run(&spec(
        "5s@cut:0-3,6s@restore:0-3",
        &[],
        &[("strategy", "discard")],
        12,
    ));
    assert_eq!(reading(&cut, "lost"), 2);
    assert!(broken(&cut).is_empty(), "{:?}", broken(&cut));
}

#[test]
fn a_retry_queue_keeps_the_queue_flowing_and_the_poison_coming_back() {
    let w = run(&spec("", &[], &[("strategy", "retry-queue")], 12));
    assert_eq!(reading(&w, "processed"), 49);
    let later = run(&spec("", &[], &[("strategy", "retry-queue")], 20));
    assert!(reading(&later, "consumer crashes") > reading(&w, "consumer crashes"));
    assert!(broken(&later).is_empty(), "{:?}", broken(&later));
}

#[test]
fn acknowledging_first_loses_what_a_crash_interrupts() {
    let w = run(&spec("", &[], &[("ack", "before")], 12));
    // The poison crashes one consumer, and is gone: a crash loses what was acknowledged.
    assert_eq!(reading(&w, "consumer crashes"), 1);
    assert_eq!(reading(&w, "lost"), 1);
    assert_eq!(reading(&w, "dead letters"), 0);
    // n3 crashes while working on a healthy message: that one is lost too.
    let crash = run(&spec(
        "6.02s@crash:3:keep,6.5s@restart:3",
        &[],
        &[("ack", "before")],
        12,
    ));
    assert_eq!(reading(&crash, "lost"), 2);
}

#[test]
fn a_message_delivered_again_is_written_twice_unless_the_consumer_is_idempotent() {
    let pause = "5s@pause:3:1s";
    let plain = run(&spec(pause, &[], &[("idempotent", "0")], 12));
    assert_eq!(reading(&plain, "duplicates"), 1);
    assert!(broken(&plain).is_empty(), "{:?}", broken(&plain));
    let keyed = run(&spec(pause, &[], &[], 12));
    assert_eq!(reading(&keyed, "duplicates"), 0);
    assert_eq!(reading(&keyed, "redeliveries"), 3);
    let database = keyed.node(DATABASE).and_then(|n| n.database()).unwrap();
    assert_eq!(database.ignored(), 1);
    assert!(broken(&keyed).is_empty(), "{:?}", broken(&keyed));
    // Without the pause nothing is delivered twice but the poison.
    let calm = run(&spec("", &[], &[("idempotent", "0")], 12));
    assert_eq!(reading(&calm, "duplicates"), 0);
}

#[test]
fn a_consumer_that_retries_its_write_without_a_key_writes_many_times() {
    // The database's confirmations to n3 are cut for a second: n3 sends its write again
    // every 200 ms, and each is applied.
    let w = run(&spec(
        "5s@cut:1-3,6s@restore:1-3",
        &[],
        &[("idempotent", "0")],
        12,
    ));
    assert!(
        reading(&w, "duplicates") >= 4,
        "{}",
        reading(&w, "duplicates")
    );
    let keyed = run(&spec("5s@cut:1-3,6s@restore:1-3", &[], &[], 12));
    assert_eq!(reading(&keyed, "duplicates"), 0);
}

#[test]
fn poison_pills_stop_every_consumer_once_the_queue_is_done() {
    let w = run(&spec("", &[], &[("pill", "1")], 15));
    for i in 2..5 {
        assert_eq!(consumer(&w, i).doing(), Doing::Stopped, "n{i}");
    }
    assert_eq!(reading(&w, "processed"), 49);
    assert!(broken(&w).is_empty(), "{:?}", broken(&w));
    // A restarted consumer stays stopped: the pill is on its disk.
    let again = run(&spec(
        "14s@crash:2:keep,14.5s@restart:2",
        &[],
        &[("pill", "1")],
        15,
    ));
    assert_eq!(consumer(&again, 2).doing(), Doing::Stopped);
}

#[test]
fn the_broker_keeps_delivery_counts_across_its_crash() {
    // The broker is down between the poison's second and third deliveries.
    let w = run(&spec("1.8s@crash:0:keep,2.2s@restart:0", &[], &[], 20));
    let poison = broker(&w).message(5).unwrap();
    assert_eq!((poison.held, poison.deliveries), (Held::Dead, 3));
    assert_eq!(reading(&w, "processed"), 49);
    assert!(broken(&w).is_empty(), "{:?}", broken(&w));
}

// Each checker against runs broken on purpose.

#[test]
fn dead_letters_failed_every_attempt_breaks_when_the_count_is_off_by_one() {
    let w = run(&spec("", &["early-dead-letter"], &[], 10));
    let v = &w.violations()[0];
    assert_eq!(v.invariant, "dead letters failed every attempt");
    assert!(
        v.message.contains("message 5") && v.message.contains("after 2"),
        "{}",
        v.message
    );
    // With one attempt allowed, the correct broker dead-letters the poison after its
    // first delivery, which is all that is promised.
    let once = run(&spec("", &[], &[("attempts", "1")], 10));
    assert_eq!(reading(&once, "consumer crashes"), 1);
    assert!(broken(&once).is_empty(), "{:?}", broken(&once));
}

#[test]
fn no_message_lost_breaks_when_the_count_is_reset_and_the_poison_loops() {
    let w = run(&spec("", &["count-reset"], &[], 20));
    assert_eq!(reading(&w, "dead letters"), 0);
    assert!(reading(&w, "consumer crashes") > 10);
    assert_eq!(broken(&w), ["no message lost"]);
    let v = end(&w);
    assert!(v[0].message.contains("message 5"), "{}", v[0].message);
}

#[test]
fn no_message_written_twice_breaks_with_a_table_kept_in_memory() {
    let w = run(&spec("5s@pause:3:1s", &["local-dedup"], &[], 12));
    assert_eq!(broken(&w), ["no message written twice"]);
    // Not checked without the promise of an idempotent consumer.
    let plain = run(&spec("5s@pause:3:1s", &[], &[("idempotent", "0")], 12));
    assert!(broken(&plain).is_empty());
}

#[test]
fn every_consumer_stops_breaks_with_one_pill_for_all() {
    let w = run(&spec("", &["one-pill"], &[], 20));
    assert_eq!(broken(&w), ["every consumer stops"]);
    let stopped = (2..5)
        .filter(|&i| consumer(&w, i).doing() == Doing::Stopped)
        .count();
    assert_eq!(stopped, 1);
}

#[test]
fn a_queue_still_draining_at_the_end_is_not_judged_lost() {
    // The database is down for most of the run: the consumers wait for it, and at the end
    // the backlog is still being worked through, which is not a loss.
    let mut s = spec("1s@crash:1:keep,18s@restart:1", &[], &[], 20);
    s.nodes = 3;
    let w = run(&s);
    assert!(reading(&w, "processed") < 49);
    assert!(broken(&w).is_empty(), "{:?}", broken(&w));
}

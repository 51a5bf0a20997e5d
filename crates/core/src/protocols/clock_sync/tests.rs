//! Scenarios of clock synchronisation: a clock that jumped, a path slower one way, drift
//! between synchronisations, stepping against slewing, Berkeley's average with and without
//! its outlier, and each bug, with what the checkers and the meter make of them.

use super::*;
use crate::about::Described;
use crate::ids::NodeId;
use crate::run::RunSpec;
use crate::sim::Sim;
use crate::testkit::{self, broken};
use crate::world::World;

/// Every link 5 ms, without jitter, so that the numbers are exact.
const EXACT: &str = "0s@net:lat5ms_jit0ms";

fn spec(until_us: Micros, actions: &str, bugs: &[&str], settings: &[(&str, &str)]) -> RunSpec {
    let actions = if actions.is_empty() {
        EXACT.to_string()
    } else {
        format!("{EXACT},{actions}")
    };
    testkit::scenario("clock-sync", 4, until_us, &actions, bugs, settings)
}

fn run(spec: &RunSpec) -> World<CsNode> {
    testkit::run(spec)
}

fn world(spec: &RunSpec) -> World<CsNode> {
    let config =
        crate::registry::Of::<CsNode>::config(&spec.settings, &spec.bugs, &spec.env()).unwrap();
    spec.world(config, true)
}

fn node(w: &World<CsNode>, i: u32) -> &CsNode {
    w.node(NodeId(i)).expect("the node is up")
}

/// Node `i`'s physical clock now.
fn physical(w: &World<CsNode>, i: u32) -> i64 {
    Sim::node_view(&**w, i as usize).clock.read(w.now())
}

/// The clock node `i` shows now.
fn shown(w: &World<CsNode>, i: u32) -> i64 {
    node(w, i).shown_at(physical(w, i))
}

/// How far the clock node `i` shows is from true time now.
fn offset(w: &World<CsNode>, i: u32) -> i64 {
    shown(w, i) - w.now() as i64
}

const MS: Micros = MICROS_PER_MS;
const BERKELEY: (&str, &str) = ("algorithm", "berkeley");
const SLEW: (&str, &str) = ("adjust", "slew");

#[test]
fn a_clock_that_jumped_is_set_right_at_its_next_exchange() {
    let s = spec(1900 * MS, "1500ms@skew:1:300ms", &[], &[]);
    let w = run(&s);
    assert_eq!(offset(&w, 1), 300_000, "it does not know yet");
    let mut s = s;
    s.until_us = 2100 * MS;
    let w = run(&s);
    // Symmetric links without jitter: the estimate is exact.
    assert!(offset(&w, 1).abs() <= 1, "{}", offset(&w, 1));
    let x = node(&w, 1).last().unwrap();
    assert_eq!((x.delay, x.bound), (10_000, 5_000));
    assert!((x.theta + 300_000).abs() <= 1, "{}", x.theta);
    assert!(broken(&w).is_empty(), "{:?}", broken(&w));
}

#[test]
fn a_slower_way_back_leaves_an_error_the_client_cannot_see_within_half_the_round_trip() {
    let w = run(&spec(2500 * MS, "0s@link:0-1:lat45ms_jit0ms", &[], &[]));
    let x = node(&w, 1).last().unwrap();
    assert_eq!((x.delay, x.bound), (50_000, 25_000));
    // The answer spent 45 ms on the way, and the client assumed 25: it is 20 ms behind,
    // and nothing it measured says so.
    assert!((offset(&w, 1) + 20_000).abs() <= 1, "{}", offset(&w, 1));
    assert!(offset(&w, 2).abs() <= 1);
    assert!(broken(&w).is_empty(), "{:?}", broken(&w));
    // Its latest exchange, at 2.05 s, finds nothing to correct, and the story says so.
    assert_eq!(x.theta, 0);
    let (_, at, told) = Sim::narration(&*w).unwrap();
    assert_eq!(at, 2050 * MS);
    assert!(told.contains("n0's clock reads the same as n1's"), "{told}");
    assert!(
        told.contains("moves by +0 µs and so leaves its clock as it is"),
        "{told}"
    );
    assert!(told.contains("wrong by up to 25 ms (δ/2)"), "{told}");
}

#[test]
fn ignoring_the_round_trip_breaks_the_claim_when_the_way_back_is_slow() {
    let w = run(&spec(
        2500 * MS,
        "0s@link:0-1:lat45ms_jit0ms",
        &["ignore-rtt"],
        &[],
    ));
    assert_eq!(broken(&w), ["within the claimed bound"]);
    let v = &w.violations()[0];
    assert!(
        v.message.starts_with("n1 is off by -45.000 ms"),
        "{}",
        v.message
    );
    // With equal halves the mistake is exactly half the round trip: within the claim.
    let w = run(&spec(2500 * MS, "", &["ignore-rtt"], &[]));
    assert!(broken(&w).is_empty(), "{:?}", broken(&w));
    assert!((offset(&w, 2) + 5_000).abs() <= 1, "{}", offset(&w, 2));
}

#[test]
fn a_drifting_clock_wanders_between_synchronisations_and_is_pulled_back() {
    let w = run(&spec(6 * MICROS_PER_SEC, "0s@drift:1:100000", &[], &[]));
    assert!(broken(&w).is_empty(), "{:?}", broken(&w));
    // 10% fast for about 6 s: about 0.6 s taken off in all.
    let c = node(&w, 1).correction();
    assert!((-700_000..=-450_000).contains(&c), "{c}");
    // Between two synchronisations it gains up to 10% of the interval (its own, a little
    // shorter than a second of true time).
    let largest = Sim::samples(&*w)
        .iter()
        .filter_map(|s| s.readings[0])
        .max()
        .unwrap();
    assert!((60_000..=110_000).contains(&largest), "{largest}");
}

/// Node 1's shown clock every millisecond from `from` to `to`.
fn shown_every_ms(s: &RunSpec, from: Micros, to: Micros) -> Vec<i64> {
    let mut w = world(s);
    (from..to)
        .step_by(MS as usize)
        .map(|t| {
            w.run_until(t);
            shown(&w, 1)
        })
        .collect()
}

#[test]
fn a_clock_stepped_back_goes_back_and_a_slewed_one_never_does() {
    let actions = "500ms@skew:1:200ms";
    let stepped = shown_every_ms(
        &spec(3 * MICROS_PER_SEC, actions, &[], &[]),
        900 * MS,
        1100 * MS,
    );
    assert!(
        stepped.windows(2).any(|p| p[1] < p[0] - 190_000),
        "the step takes 200 ms back at once"
    );
    let s = spec(4 * MICROS_PER_SEC, actions, &[], &[SLEW]);
    let slewed = shown_every_ms(&s, 900 * MS, 3500 * MS);
    assert!(
        slewed.windows(2).all(|p| p[1] > p[0]),
        "never back, never stopped"
    );
    let w = run(&RunSpec {
        until_us: 1510 * MS,
        ..s.clone()
    });
    // Half a second into slewing at 10%: 50 ms made up, 150 ms to go.
    assert!(
        (offset(&w, 1) - 150_000).abs() <= 1_000,
        "{}",
        offset(&w, 1)
    );
    let w = run(&RunSpec {
        until_us: 3500 * MS,
        ..s
    });
    assert!(offset(&w, 1).abs() <= 1, "{}", offset(&w, 1));
    assert!(broken(&w).is_empty(), "{:?}", broken(&w));
}

#[test]
fn berkeley_brings_the_clocks_together_and_moves_the_masters_too() {
    let w = run(&spec(
        1500 * MS,
        "100ms@skew:1:16ms,100ms@skew:2:-4ms",
        &[],
        &[BERKELEY],
    ));
    assert!(broken(&w).is_empty(), "{:?}", broken(&w));
    // The average of 0, +16, -4 and 0 ms: every clock 3 ms ahead of true time now.
    for i in 0..4 {
        assert!(
            (offset(&w, i) - 3_000).abs() <= 1,
            "n{i}: {}",
            offset(&w, i)
        );
    }
    assert!((node(&w, 0).correction() - 3_000).abs() <= 1);
}

#[test]
fn berkeley_leaves_a_wild_clock_out_of_the_average_and_still_corrects_it() {
    let s = spec(1500 * MS, "100ms@skew:3:400ms", &[], &[BERKELEY]);
    let w = run(&s);
    assert!(broken(&w).is_empty(), "{:?}", broken(&w));
    let (_, _, average, outliers) = node(&w, 0).decided().unwrap();
    assert_eq!(outliers, &[NodeId(3)]);
    // (Round 1, at the start, still had the first links' jitter: a few hundred
    // microseconds are left of it.)
    assert!(average.abs() <= 1_000, "{average}");
    assert!(offset(&w, 3).abs() <= 1_000, "{}", offset(&w, 3));
    // Averaged in, it drags every clock a quarter of its way.
    let w = run(&spec(
        1500 * MS,
        "100ms@skew:3:400ms",
        &["average-outliers"],
        &[BERKELEY],
    ));
    assert_eq!(broken(&w), ["outliers ignored"]);
    // The run stops at the decision, before the corrections arrive.
    let v = &w.violations()[0].message;
    assert!(v.starts_with("round 2 agrees on +99."), "{v}");
}

#[test]
fn the_meter_reads_offsets_round_trips_and_bounds() {
    let w = run(&spec(2500 * MS, "0s@link:0-1:lat45ms_jit0ms", &[], &[]));
    let reading = |name| testkit::reading(&w, name);
    assert_eq!(reading("server offset"), Some(0));
    assert!((reading("largest offset").unwrap() - 20_000).abs() <= 1);
    assert!(reading("mean offset").unwrap() < 10_000);
    assert!(reading("round trip").is_some() && reading("claimed bound").is_some());
    let fresh = run(&spec(1, "", &[], &[]));
    assert_eq!(testkit::reading(&fresh, "error at sync"), None);
}

#[test]
fn the_card_and_the_story_tell_what_an_exchange_measured() {
    let w = run(&spec(2500 * MS, "", &[], &[SLEW]));
    let card = node(&w, 1).card();
    let facts: Vec<&str> = card.facts.iter().map(|(k, _)| k.as_str()).collect();
    for fact in [
        "corrected clock",
        "hardware clock",
        "correction",
        "still to slew",
        "offset from true time",
        "last synchronised",
        "last θ (offset)",
        "last δ (round trip)",
        "claimed bound",
    ] {
        assert!(facts.contains(&fact), "{fact} in {facts:?}");
    }
    // "Its clock" in the panel above the card is the hardware clock; the card says which
    // clock each reading is, and nothing on it is called "its clock" or "clock reads".
    let value = |name: &str| {
        card.facts
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert!(value("hardware clock").contains("(\"its clock\" above)"));
    assert!(value("corrected clock").contains("hardware clock plus the correction"));
    assert!(!facts.contains(&"its clock") && !facts.contains(&"clock reads"));
    // A clock 300 ms ahead and corrected: its offset is the hardware clock's, moved 300 ms
    // earlier, and the corrected clock reads the hardware clock less 300 ms.
    let w = run(&spec(2100 * MS, "1500ms@skew:1:300ms", &[], &[]));
    let n1 = node(&w, 1);
    let card = n1.card();
    let value = |name: &str| {
        card.facts
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert!(
        value("offset from true time").contains("moved 300 ms earlier"),
        "{}",
        value("offset from true time")
    );
    assert!(value("corrected clock").starts_with(&msg::stamp(n1.shown())));
    assert!(value("hardware clock").starts_with(&msg::stamp(n1.physical())));
    assert_eq!(n1.shown() - n1.physical(), n1.correction());
    assert!(
        value("went back").starts_with("by up to 300 ms"),
        "{}",
        value("went back")
    );
    // The first exchanges end at 10 ms; n3's is the last of them.
    let w = run(&spec(11 * MS, "", &[], &[]));
    let (_, _, told) = Sim::narration(&*w).unwrap();
    assert!(told.starts_with("n3 asked at t1 = 0.000000 s"), "{told}");
    assert!(told.contains("δ/2"), "{told}");
}

#[test]
fn a_berkeley_master_that_ignores_the_round_trip_misjudges_a_clock_behind_a_slow_way_back() {
    let s = spec(
        1500 * MS,
        "0s@link:2-0:lat45ms_jit0ms",
        &["ignore-rtt"],
        &[BERKELEY],
    );
    let w = run(&s);
    assert_eq!(broken(&w), ["within the claimed bound"]);
    let v = &w.violations()[0].message;
    assert!(v.starts_with("n2 is off by -45.000 ms"), "{v}");
}

#[test]
fn the_averaging_bug_runs_berkeley_whatever_the_algorithm_says() {
    let s = spec(10 * MS, "", &["average-outliers"], &[]);
    assert_eq!(
        run(&s).node(NodeId(0)).unwrap().config().algorithm,
        Algorithm::Berkeley
    );
}

#[test]
fn the_meter_reads_a_drifting_clock_between_events() {
    // n1 runs 1% fast and synchronises every 2 s: from its exchange at about 10 ms to the
    // next round at 2 s nothing happens, and the meter still reads the clock as it is now.
    let s = spec(1500 * MS, "0s@drift:1:10000", &[], &[("interval", "2s")]);
    let w = run(&s);
    let largest = testkit::reading(&w, "largest offset").unwrap();
    // Its rate is measured over the 11.7 ms from the drift to its exchange, to the
    // microsecond: within 100 ppm, 150 µs over the 1.5 s read ahead.
    assert!(
        (largest - offset(&w, 1)).abs() <= 150,
        "{largest} against {}",
        offset(&w, 1)
    );
    // 15 ms gained in 1.5 s, and 0.8 ms left by the first exchange's jittered request.
    assert!((15_500..=16_000).contains(&largest), "{largest}");
    // A step is a break in the line, not a rate: the same clock stepped 300 ms ahead at
    // 1.5 s is read, from the next event on (the timers at 2 s: the engine shows a meter no
    // clock action), stepped and still running 1% fast.
    let w = run(&spec(
        2005 * MS,
        "0s@drift:1:10000,1500ms@skew:1:300ms",
        &[],
        &[("interval", "2s")],
    ));
    let largest = testkit::reading(&w, "largest offset").unwrap();
    assert!(
        (320_000..=321_000).contains(&offset(&w, 1)),
        "{}",
        offset(&w, 1)
    );
    assert!(
        (largest - offset(&w, 1)).abs() <= 150,
        "{largest} against {}",
        offset(&w, 1)
    );
    // Read between events at that rate until the next event shows the step.
    let w = run(&spec(1900 * MS, "1500ms@skew:1:300ms", &[], &[]));
    assert!(testkit::reading(&w, "largest offset").unwrap() < 1_000);
    // A slewing clock is read slewing: half a second at 10% has made up 50 ms of 200.
    let w = run(&spec(1510 * MS, "500ms@skew:1:200ms", &[], &[SLEW]));
    assert_eq!(testkit::reading(&w, "largest offset"), Some(offset(&w, 1)));
}

#[test]
fn a_fast_clock_stepped_back_goes_back_and_the_meter_says_how_far() {
    // 1% fast, synchronised every 2 s (of its own clock): about 20 ms ahead at each
    // exchange, stepped back by as much.
    let settings = [("interval", "2s")];
    let s = spec(4 * MICROS_PER_SEC, "0s@drift:1:10000", &[], &settings);
    let w = run(&s);
    let back = testkit::reading(&w, "clock went back").unwrap();
    assert_eq!(back, node(&w, 1).went_back());
    assert!((19_000..=21_000).contains(&back), "{back}");
    // Slewed, the same corrections never take it back.
    let w = run(&spec(
        4 * MICROS_PER_SEC,
        "0s@drift:1:10000",
        &[],
        &[settings[0], SLEW],
    ));
    assert_eq!(testkit::reading(&w, "clock went back"), Some(0));
    assert!(node(&w, 1).syncs() >= 2);
    // A jump of the hardware clock 300 ms back is not counted (the correction that follows
    // takes the clock forwards); what is counted is the step back of 857 µs at 1 s, which
    // undid the error the first exchange's jittered request left.
    let w = run(&spec(2100 * MS, "1500ms@skew:1:-300ms", &[], &[]));
    assert!(node(&w, 1).syncs() >= 3, "it has corrected the jump since");
    assert_eq!(testkit::reading(&w, "clock went back"), Some(857));
}

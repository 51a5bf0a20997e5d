//! Scenarios of clock synchronisation: a clock that jumped, a path slower one way, drift
//! between synchronisations, stepping against slewing, Berkeley's average with and without
//! its outlier, and each bug, with what the checkers and the meter make of them.

use super::*;
use crate::about::Described;
use crate::check::{Dot, Plot, Trail};
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

/// The meter's two figures: every clock's line with the bounds it claimed, and every
/// synchronisation's round trip against its error.
fn drawn(w: &World<CsNode>) -> (Vec<Trail>, Vec<Dot>) {
    let figures = Sim::figures(&**w);
    let names: Vec<&str> = figures.iter().map(|f| f.desc.name).collect();
    assert_eq!(
        names,
        ["each clock against true time", "round trip against error"]
    );
    match (&figures[0].plot, &figures[1].plot) {
        (Plot::Lines(trails), Plot::Scatter(dots)) => (trails.clone(), dots.clone()),
        _ => panic!("lines, then a scatter"),
    }
}

#[test]
fn each_claim_drawn_holds_the_offset_a_synchronisation_left_and_the_bound_it_claimed() {
    // 45 ms from n0 to n1, 5 ms back: n1 is left 20 ms behind, inside the ±25 ms it claims.
    let lopsided = "0s@link:0-1:lat45ms_jit0ms";
    let w = run(&spec(3500 * MS, lopsided, &[], &[]));
    let (trails, dots) = drawn(&w);
    assert_eq!(trails.len(), 4);
    assert!(trails[0].claims.is_empty(), "n0 is the reference");
    // Each client synchronised at about 0, 1, 2 and 3 s, and each drew its claim.
    for t in &trails[1..] {
        assert_eq!(t.claims.len(), 4, "{}", t.node);
        for c in &t.claims {
            // Links keep their rate here: the dot is inside the bar itself.
            assert!(c.kept && c.excess() <= 1, "{} {c:?}", t.node);
        }
    }
    // n0's clock is on true time, so the bar is around zero.
    let last = trails[1].claims.last().unwrap();
    assert_eq!((last.low, last.high), (-25_000, 25_000));
    assert!((last.value + 20_000).abs() <= 1, "{last:?}");
    // The line shows the same, the error the client cannot see.
    let now = trails[1].points.last().unwrap();
    assert_eq!(now.0, 3500 * MS);
    assert!((now.1.unwrap() + 20_000).abs() <= 1, "{now:?}");
    // One dot per synchronisation, each within half its round trip, n1's 20 ms behind.
    assert_eq!(dots.len(), 12);
    assert!(dots.iter().all(|d| d.kept && d.y.abs() <= d.x / 2 + 1));
    assert!(dots
        .iter()
        .any(|d| d.node == NodeId(1) && d.x == 50_000 && (d.y + 20_000).abs() <= 1));

    // Ignoring the round trip leaves n1 45 ms behind at its first exchange (the answer
    // spent 45 ms on the way): outside its bar, and the dot past the line y = -x/2. The
    // checker stops the run there.
    let w = run(&spec(3500 * MS, lopsided, &["ignore-rtt"], &[]));
    assert_eq!(broken(&w), ["within the claimed bound"]);
    let (trails, dots) = drawn(&w);
    let c = trails[1].claims.last().expect("n1's claim");
    assert!(!c.kept && c.excess() > 19_000, "{c:?}");
    assert!((c.value + 45_000).abs() <= 1 && c.low < -25_000 && -c.low == c.high);
    // The other clients, 5 ms each way, are left behind by exactly half their round trip.
    for t in &trails[2..] {
        assert!(t.claims.iter().all(|c| c.kept && c.excess() <= 1));
    }
    let beyond: Vec<&Dot> = dots.iter().filter(|d| !d.kept).collect();
    assert_eq!(beyond.len(), 1);
    let d = beyond[0];
    assert!(
        d.node == NodeId(1) && d.y == -45_000 && d.y < -d.x / 2,
        "{d:?}"
    );
}

#[test]
fn a_berkeley_claim_is_drawn_where_the_node_applies_the_correction() {
    let w = run(&spec(1500 * MS, "500ms@skew:3:400ms", &[], &[BERKELEY]));
    let (trails, dots) = drawn(&w);
    // Rounds at 0 and 1 s: each client corrects its clock twice, by the master's estimate
    // of it; the master claims nothing of itself.
    assert!(trails[0].claims.is_empty());
    for t in &trails[1..] {
        assert_eq!(t.claims.len(), 2, "{}", t.node);
        assert!(t.claims.iter().all(|c| c.kept), "{}", t.node);
    }
    // n3, left out of the average, is brought back from 400 ms ahead to within its bar.
    let c = trails[3].claims.last().unwrap();
    assert!(c.value.abs() < 1_000 && c.excess() <= 1, "{c:?}");
    assert_eq!(dots.len(), 6);
    assert!(dots.iter().all(|d| d.kept));
    // Averaged in, n3's clock drags the group, master included, 100 ms ahead: n0's line
    // jumps (the run stops at the decision, before the others correct).
    let w = run(&spec(
        1500 * MS,
        "500ms@skew:3:400ms",
        &["average-outliers"],
        &[BERKELEY],
    ));
    let (trails, _) = drawn(&w);
    let n0 = &trails[0].points;
    assert!(n0
        .iter()
        .any(|p| p.1.is_some_and(|v| (99_000..101_000).contains(&v))));
}

#[test]
fn a_clock_line_jumps_where_the_clock_jumped_and_drifts_between_corrections() {
    // Nothing happens between the exchanges at about 1 s and 2 s; the step at 1.5 s is
    // still drawn at 1.5 s, and the correction at n1's exchange after 2 s.
    let w = run(&spec(2100 * MS, "1500ms@skew:1:300ms", &[], &[]));
    let (trails, _) = drawn(&w);
    let n1 = &trails[1].points;
    let at: Vec<i64> = n1
        .iter()
        .filter(|p| p.0 == 1500 * MS)
        .filter_map(|p| p.1)
        .collect();
    assert_eq!(at.len(), 2, "{n1:?}");
    assert!(at[0].abs() <= 1 && (at[1] - 300_000).abs() <= 1, "{at:?}");
    let back = n1
        .windows(2)
        .find(|p| p[0].0 == p[1].0 && p[0].0 > 1500 * MS)
        .expect("the correction");
    assert!((back[0].1.unwrap() - 300_000).abs() <= 1 && back[1].1.unwrap().abs() <= 1);
    assert!(trails[0].points.iter().all(|p| p.1 == Some(0)));

    // 1% fast, synchronised every 2 s: about 20 ms gained between exchanges (a slope), and
    // as much taken back at each (a jump).
    let w = run(&spec(
        6 * MICROS_PER_SEC,
        "0s@drift:1:10000",
        &[],
        &[("interval", "2s")],
    ));
    let (trails, _) = drawn(&w);
    let n1 = &trails[1].points;
    // Its corrections after the first (which undid the first request's jitter), as the
    // values before and after each.
    let jumps: Vec<(i64, i64)> = n1
        .windows(2)
        .filter(|p| p[0].0 == p[1].0 && p[0].0 > 1_000 * MS)
        .map(|p| (p[0].1.unwrap(), p[1].1.unwrap()))
        .collect();
    assert_eq!(jumps.len(), 3, "{n1:?}");
    for (before, after) in &jumps {
        assert!(
            (19_500..=21_000).contains(before) && after.abs() <= 100,
            "{jumps:?}"
        );
    }
    // Between two corrections the line only rises.
    let between: Vec<i64> = n1
        .iter()
        .filter(|p| (2_011 * MS..3_980 * MS).contains(&p.0))
        .filter_map(|p| p.1)
        .collect();
    assert!(between.windows(2).all(|v| v[1] > v[0]), "{between:?}");
}

#[test]
fn a_slewed_clock_line_bends_where_the_slew_ends_between_events() {
    // 1% fast, synchronised every 2 s, slewed: after its exchange at 2.01 s n1's clock
    // runs 10% slow until the 20.8 ms are made up, about 206 ms later, with no event until
    // 3.98 s; by then the drift has put 2.1 ms back, and from there it gains 1% again.
    let s = spec(
        4500 * MS,
        "0s@drift:1:10000",
        &[],
        &[("interval", "2s"), SLEW],
    );
    let (trails, _) = drawn(&run(&s));
    let n1 = &trails[1].points;
    let bend = n1
        .iter()
        .find(|p| (2_100 * MS..3_900 * MS).contains(&p.0))
        .expect("the slew's end");
    assert!((2_210 * MS..2_225 * MS).contains(&bend.0), "{n1:?}");
    assert!((1_900..2_300).contains(&bend.1.unwrap()), "{bend:?}");
    // Down to it and up from it: no jump anywhere (a slew never steps).
    let after_sync: Vec<(Micros, i64)> = n1
        .iter()
        .filter(|p| (2_010 * MS..=3_980 * MS).contains(&p.0))
        .map(|p| (p.0, p.1.unwrap()))
        .collect();
    assert!(after_sync.windows(2).all(|p| p[0].0 < p[1].0), "{n1:?}");
    let (down, up) = after_sync.split_at(
        after_sync
            .iter()
            .position(|p| p == &(bend.0, bend.1.unwrap()))
            .unwrap()
            + 1,
    );
    assert!(down.windows(2).all(|p| p[1].1 < p[0].1), "{down:?}");
    assert!(up.iter().all(|p| p.1 > bend.1.unwrap()), "{up:?}");
    // Read in the middle of the slew, the line ends at the clock as it is now.
    let (trails, _) = drawn(&run(&RunSpec {
        until_us: 2_100 * MS,
        ..s
    }));
    let now = trails[1].points.last().unwrap();
    assert_eq!(now.0, 2_100 * MS);
    assert!((12_000..13_500).contains(&now.1.unwrap()), "{now:?}");
}

#[test]
fn the_figures_stay_small_over_a_long_run_and_keep_its_shape() {
    // Ten minutes, n1 1% fast: 600 exchanges for each client.
    let until = 600 * MICROS_PER_SEC;
    let w = run(&spec(until, "0s@drift:1:10000", &[], &[]));
    let (trails, dots) = drawn(&w);
    for t in &trails {
        assert!(
            t.points.len() <= 6000 / 4 + 1,
            "{}: {}",
            t.node,
            t.points.len()
        );
        assert!(t.claims.len() <= 1200 / 4, "{}: {}", t.node, t.claims.len());
        // From the start to now, in order.
        assert!(t.points[0].0 < 20 * MS && t.points.last().unwrap().0 == until);
        assert!(t.points.windows(2).all(|p| p[0].0 <= p[1].0));
    }
    for t in &trails[1..] {
        assert!(t.claims.len() >= 100 && t.claims.iter().all(|c| c.kept));
        // Spread over the whole run.
        assert!(t.claims[0].at < 10 * MICROS_PER_SEC);
        assert!(t.claims.last().unwrap().at > until - 10 * MICROS_PER_SEC);
    }
    assert!((100..=400).contains(&dots.len()), "{}", dots.len());
    // The teeth survive: in the last minute n1 still reaches about 10 ms ahead before
    // each exchange, and is set back to within a millisecond after.
    let late: Vec<i64> = trails[1]
        .points
        .iter()
        .filter(|p| p.0 >= until - 60 * MICROS_PER_SEC)
        .filter_map(|p| p.1)
        .collect();
    let (low, high) = (late.iter().min().unwrap(), late.iter().max().unwrap());
    assert!(
        (9_000..=11_000).contains(high) && low.abs() <= 1_000,
        "{low} {high}"
    );
}

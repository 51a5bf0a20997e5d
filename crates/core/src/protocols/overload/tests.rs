//! Scenarios of load: a calm service, a slowdown with each retry policy and each remedy,
//! and what the checker and the meter make of them.

use super::*;
use crate::run::RunSpec;
use crate::sim::Sim;
use crate::testkit::{self, end};
use crate::world::{Kernel, World};

/// The server slowed for two seconds: 30 ms more for every input.
const SLOWDOWN: &str = "2s@slow:0:30ms,4s@slow:0:0s";

fn spec(actions: &str, bugs: &[&str], settings: &[(&str, &str)], until_s: u64) -> RunSpec {
    testkit::scenario(
        "overload",
        5,
        until_s * MICROS_PER_SEC,
        actions,
        bugs,
        settings,
    )
}

fn run(spec: &RunSpec) -> World<OvNode> {
    testkit::run(spec)
}

fn reading(w: &World<OvNode>, name: &str) -> i64 {
    testkit::reading(w, name).unwrap_or_else(|| panic!("no reading of {name}"))
}

/// Requests a second, from a reading in thousandths.
fn per_second(w: &World<OvNode>, name: &str) -> i64 {
    reading(w, name) / 1000
}

fn recovered(w: &World<OvNode>) -> bool {
    end(w).is_empty()
}

#[test]
fn a_calm_service_answers_what_its_sessions_ask() {
    let w = run(&spec("", &[], &[], 10));
    // 40 sessions, each a request per 510 ms or so: about 78 a second, within 100.
    let offered = per_second(&w, "offered load");
    assert!((70..=80).contains(&offered), "{offered}");
    assert!((per_second(&w, "goodput") - offered).abs() <= 2);
    assert!(reading(&w, "queue length") < 5);
    assert!(reading(&w, "99th percentile latency") < 40_000);
    assert_eq!(reading(&w, "overloaded after the trigger"), 0);
    assert!(w.violations().is_empty() && recovered(&w), "{:?}", end(&w));
}

#[test]
fn retries_without_a_budget_keep_the_server_saturated_after_a_slowdown() {
    for bug in ["retry-storm", "fixed-retry"] {
        let w = run(&spec(SLOWDOWN, &[bug], &[], 10));
        assert!(reading(&w, "queue length") >= 50, "{bug}");
        // Six seconds after the slowdown ended, still overloaded, and most of the
        // server's work is for sessions that stopped waiting.
        assert!(
            reading(&w, "overloaded after the trigger") > 5 * MICROS_PER_SEC as i64,
            "{bug}"
        );
        assert!(per_second(&w, "goodput") < 40, "{bug}");
        assert!(per_second(&w, "offered load") > 100, "{bug}");
        let broken: Vec<String> = end(&w).into_iter().map(|v| v.invariant).collect();
        assert_eq!(
            broken,
            ["recovers after the trigger", "latency bounded"],
            "{bug}"
        );
    }
}

#[test]
fn the_default_backoff_with_jitter_and_a_budget_recovers() {
    let during = run(&spec(SLOWDOWN, &[], &[], 4));
    assert!(per_second(&during, "goodput") < 20);
    let w = run(&spec(SLOWDOWN, &[], &[], 10));
    assert!(per_second(&w, "goodput") > 70);
    assert_eq!(reading(&w, "overloaded after the trigger"), 0);
    assert!(recovered(&w), "{:?}", end(&w));
}

#[test]
fn backoff_and_jitter_alone_do_not_reduce_the_retries_but_a_breaker_a_shedder_or_aimd_do() {
    let naive = [("policy", "immediate"), ("budget", "0")];
    let stuck = run(&spec(SLOWDOWN, &[], &naive, 10));
    assert!(!recovered(&stuck));
    // Ten attempts a request, spread out: still about as many as the server can serve.
    let jitter = run(&spec(SLOWDOWN, &[], &[("budget", "0")], 10));
    assert!(!recovered(&jitter));
    for remedy in ["breaker", "shed", "aimd"] {
        let mut settings = naive.to_vec();
        settings.push((remedy, "1"));
        let w = run(&spec(SLOWDOWN, &[], &settings, 10));
        assert!(recovered(&w), "{remedy}: {:?}", end(&w));
        assert!(per_second(&w, "goodput") > 70, "{remedy}");
    }
}

#[test]
fn a_longer_queue_adds_latency_not_throughput() {
    // Bufferbloat: 120 sessions ask more than the server can serve. With 20 places in the
    // queue the excess is refused at once; with 1000 it waits. The server answers as many
    // either way, and the long queue only makes each answer later.
    let load = |queue| {
        let settings = [
            ("sessions", "30"),
            ("queue", queue),
            ("policy", "never"),
            ("timeout", "10s"),
        ];
        run(&spec("", &[], &settings, 10))
    };
    let (short, long) = (load("20"), load("1000"));
    let (a, b) = (per_second(&short, "goodput"), per_second(&long, "goodput"));
    assert!(
        (90..=101).contains(&a) && (90..=101).contains(&b),
        "{a} {b}"
    );
    let (fast, slow) = (
        reading(&short, "median latency"),
        reading(&long, "median latency"),
    );
    assert!(fast < 250_000 && slow > 3 * fast, "{fast} {slow}");
}

#[test]
fn a_restarted_server_forgets_its_queue_and_the_meter_counts_on() {
    let w = run(&spec(
        "2s@crash:0:keep,3s@restart:0",
        &["retry-storm"],
        &[],
        8,
    ));
    assert!(per_second(&w, "offered load") > 0);
    let samples = Sim::samples(&*w as &Kernel);
    assert!(samples.len() >= 75, "{}", samples.len());
}

#[test]
fn the_meter_raises_its_alarm_only_while_a_service_stays_overloaded_after_its_trigger() {
    let alarm = |w: &World<OvNode>| (&**w as &Kernel as &dyn Sim).alarm();
    // During the slowdown, and while a recovering queue drains, no alarm.
    assert_eq!(alarm(&run(&spec(SLOWDOWN, &["retry-storm"], &[], 4))), None);
    assert_eq!(alarm(&run(&spec(SLOWDOWN, &[], &[], 5))), None);
    assert_eq!(alarm(&run(&spec(SLOWDOWN, &[], &[], 10))), None);
    // Naive retries: still overloaded 6 s after the slowdown ended.
    let stuck = alarm(&run(&spec(SLOWDOWN, &["retry-storm"], &[], 10))).expect("an alarm");
    assert_eq!(stuck.badge, "Metastable");
    assert!(
        stuck.says.contains("half full for 5.99 s since"),
        "{}",
        stuck.says
    );
}

#[test]
fn the_aimd_windows_are_read_only_with_aimd_on_and_climb_and_halve() {
    let sim = |w: &World<OvNode>| -> Option<i64> {
        (&**w as &Kernel as &dyn Sim)
            .measures()
            .into_iter()
            .find(|(m, _)| m.name == "AIMD windows")
            .expect("the measure")
            .1
    };
    assert_eq!(sim(&run(&spec("", &[], &[], 3))), None);
    let w = run(&spec("", &[], &[("sessions", "30"), ("aimd", "1")], 12));
    let index = super::meter::ALL
        .iter()
        .position(|m| m.name == "AIMD windows")
        .unwrap();
    let windows: Vec<i64> = (&*w as &Kernel as &dyn Sim)
        .samples()
        .iter()
        .filter_map(|s| s.readings[index])
        .collect();
    // A saw-tooth: it rises, one step at a time, and falls by about half.
    let rises = windows.windows(2).filter(|p| p[1] > p[0]).count();
    let halvings = windows.windows(2).filter(|p| p[1] * 3 < p[0] * 2).count();
    assert!(rises >= 10 && halvings >= 3, "{windows:?}");
    assert!(sim(&w).is_some_and(|n| n >= 4), "one at least per machine");
}

#[test]
fn recovery_is_judged_only_once_the_server_has_had_its_time_to_recover() {
    // A pause of the server that lasts 3 s into the 5 s of settling leaves it 2 s: too
    // little to judge, so nothing is broken, even with naive retries.
    let late = run(&spec("19s@pause:0:3s", &["retry-storm"], &[], 20));
    assert!(recovered(&late), "{:?}", end(&late));
    // The same pause ending before the run does leaves it time, and the naive retries
    // are judged.
    let early = run(&spec("10s@pause:0:3s", &["retry-storm"], &[], 20));
    let broken: Vec<String> = end(&early).into_iter().map(|v| v.invariant).collect();
    assert!(
        broken.contains(&"recovers after the trigger".to_string()),
        "{broken:?}"
    );
}

#[test]
fn answers_later_than_the_timeout_break_the_latency_bound() {
    // 120 sessions behind AIMD windows: the server answers about 90 a second in time, but
    // a session may wait seconds for its machine's window before its request is sent.
    let w = run(&spec("", &[], &[("sessions", "30"), ("aimd", "1")], 10));
    let broken: Vec<String> = end(&w).into_iter().map(|v| v.invariant).collect();
    assert!(
        broken.contains(&"latency bounded".to_string()),
        "{broken:?}"
    );
    // Recovered after a slowdown: answers in about 23 ms again.
    let fine = run(&spec(SLOWDOWN, &[], &[], 10));
    assert!(end(&fine).is_empty(), "{:?}", end(&fine));
}

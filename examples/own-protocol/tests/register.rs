//! The majority register under splitbrain's simulator: a run with faults told step by step,
//! a fuzz of random fault schedules with its properties and its clients' history checked,
//! and the fuzzer made to find each deliberate bug.
//!
//! Every test runs natively (`cargo test -p own-protocol`) and in headless Chromium
//! (`wasm-pack test --headless --chrome examples/own-protocol`).

use own_protocol::AbdNode;
use splitbrain_core::action::Action;
use splitbrain_core::checkers::linearizability::{self, Verdict};
use splitbrain_core::client::{KvResult, Outcome};
use splitbrain_core::fuzz::{fuzz, fuzz_run, fuzz_run_spec, FaultMix, FuzzSpec};
use splitbrain_core::recipe::parse_schedule;
use splitbrain_core::registry::Of;
use splitbrain_core::run::RunSpec;
use splitbrain_core::time::MICROS_PER_SEC;
use splitbrain_core::world::{World, WorldConfig};

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// Marks a test for both builds: `#[test]` natively, `#[wasm_bindgen_test]` in the browser.
macro_rules! both {
    ($(fn $name:ident() $body:block)*) => {$(
        #[cfg_attr(not(target_arch = "wasm32"), test)]
        #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
        fn $name() $body
    )*};
}

/// A run of five replicas with no steady load, only `schedule`; it keeps going after a
/// violation when `past_violations` (to see what the clients then see).
fn world(bugs: &[&str], schedule: &str, past_violations: bool) -> World<AbdNode> {
    own_protocol::register();
    let bugs: Vec<String> = bugs.iter().map(|b| b.to_string()).collect();
    let spec = RunSpec::new(5, 7, 5 * MICROS_PER_SEC).with_protocol("abd");
    let config = Of::<AbdNode>::config(&spec.settings, &bugs, &spec.env()).expect("valid");
    let mut wc = WorldConfig::new(5, 7, config);
    wc.stop_on_violation = !past_violations;
    let mut world = World::new(wc);
    world.schedule(parse_schedule(schedule).expect("a valid schedule"));
    world
}

/// The result each client operation got, in order (`None`: no answer).
fn results(world: &World<AbdNode>) -> Vec<Option<KvResult>> {
    world
        .clients()
        .iter()
        .map(|c| match &c.outcome {
            Outcome::Done { result } => Some(result.clone()),
            _ => None,
        })
        .collect()
}

/// A write that reached only n0 and n1 before n0 crashed (its links to n2, n3 and n4 cut
/// between the put's two phases), then a read at n0 once the links are back, then a read at
/// n4 with n0 and n1 cut off from the rest.
const HALF_WRITE: &str = "1s@client:0:put:0:2,1.0085s@cut:0-2,1.0085s@cut:0-3,1.0085s@cut:0-4,\
     1.2s@crash:0:keep,1.3s@restart:0,1.4s@restore:0-2,1.4s@restore:0-3,1.4s@restore:0-4,\
     2s@client:0:get:0,3s@partition:0-1/2-3-4,3.5s@client:4:get:0";

fn fuzz_spec(bug: Option<&str>, runs: u64) -> FuzzSpec {
    own_protocol::register();
    let mut base = RunSpec::new(5, 0, 10 * MICROS_PER_SEC).with_protocol("abd");
    base.bugs.extend(bug.map(str::to_string));
    FuzzSpec {
        base,
        runs,
        seed: 1,
        mix: FaultMix::default(),
        stop_at_first: true,
    }
}

both! {
    fn a_write_is_read_on_the_majority_side_of_a_partition() {
        let mut w = world(&[], "0.1s@client:0:put:0:7,1s@partition:0-1/2-3-4,\
            1.5s@client:3:get:0,1.5s@client:0:get:0", false);
        w.run_until(4 * MICROS_PER_SEC);
        assert!(w.violations().is_empty(), "{:?}", w.violations());
        let r = results(&w);
        assert_eq!(r[0], Some(KvResult::Written));
        assert_eq!(r[1], Some(KvResult::Value { value: Some(7) }), "the majority side reads the write");
        assert_eq!(r[2], None, "two of five replicas cannot answer");
    }

    fn a_read_writes_back_what_it_read() {
        let mut w = world(&[], HALF_WRITE, false);
        w.run_until(5 * MICROS_PER_SEC);
        assert!(w.violations().is_empty(), "{:?}", w.violations());
        let r = results(&w);
        assert_eq!(r[0], None, "the put never finished");
        assert_eq!(r[1], Some(KvResult::Value { value: Some(2) }));
        assert_eq!(r[2], Some(KvResult::Value { value: Some(2) }), "the write-back reached a majority");
        assert_eq!(linearizability::check(w.clients()).verdict, Verdict::Linearizable);
    }

    fn without_the_write_back_a_later_read_goes_back_in_time() {
        let mut w = world(&["skip-write-back"], HALF_WRITE, true);
        w.run_until(5 * MICROS_PER_SEC);
        let r = results(&w);
        assert_eq!(r[1], Some(KvResult::Value { value: Some(2) }));
        assert_eq!(r[2], Some(KvResult::Value { value: None }), "the second read misses the write");
        // The safety checker saw it at the first read's answer...
        let v = &w.violations()[0];
        assert_eq!(v.invariant, "answers stand on a majority");
        assert!(v.message.contains("n0 answered a read of k0"), "{}", v.message);
        assert!(v.time_us < 3 * MICROS_PER_SEC);
        // ...and the clients' history cannot be put in any order a single copy would give.
        assert_eq!(linearizability::check(w.clients()).verdict, Verdict::NotLinearizable);
    }

    fn the_fuzzer_finds_no_fault_that_breaks_the_register() {
        let spec = FuzzSpec { stop_at_first: false, ..fuzz_spec(None, 300) };
        let (mut crashes, mut partitions, mut answered) = (0, 0, 0);
        for i in 0..spec.runs {
            let outcome = fuzz_run(&spec, i).expect("runs");
            assert!(outcome.promised.is_none(), "run {i}: {:?}", outcome.promised);
            assert_ne!(outcome.linearizability, Verdict::NotLinearizable, "run {i}");
            answered += outcome.client_ok;
            let schedule = fuzz_run_spec(&spec, i).schedule;
            let has = |f: fn(&Action) -> bool| schedule.iter().any(|s| f(&s.action));
            crashes += u64::from(has(|a| matches!(a, Action::Crash { .. } | Action::CrashLeader { .. } | Action::CrashOnWrite { .. })));
            partitions += u64::from(has(|a| matches!(a, Action::Partition { .. } | Action::CutLink { .. })));
        }
        // The schedules did hit it with the faults it must survive, and it kept serving.
        assert!(crashes >= spec.runs / 5, "{crashes} runs with crashes");
        assert!(partitions >= spec.runs / 5, "{partitions} runs with partitions");
        assert!(answered > 50 * spec.runs, "{answered} operations answered");
    }

    fn the_fuzzer_finds_every_bug() {
        for bug in ["skip-write-back", "minority-quorum", "store-in-memory"] {
            let report = fuzz(&fuzz_spec(Some(bug), 200)).expect("runs");
            let failure = report.first_failure.unwrap_or_else(|| panic!("{bug}: not found in 200 runs"));
            assert!(failure.violation.message.contains("k"), "{bug}: {}", failure.violation.message);
        }
    }

    fn only_the_history_shows_two_writes_under_one_tag() {
        // Every replica still holds a majority's tag, so no safety checker can tell; the
        // clients' history shows two values read under one version.
        let spec = FuzzSpec { stop_at_first: false, ..fuzz_spec(Some("same-tag"), 100) };
        let first = (0..spec.runs)
            .find(|&i| {
                let outcome = fuzz_run(&spec, i).expect("runs");
                assert!(outcome.promised.is_none(), "run {i}: {:?}", outcome.promised);
                outcome.linearizability == Verdict::NotLinearizable
            })
            .expect("a history that is not linearizable within 100 runs");
        println!("same-tag: the first history that is not linearizable is run {first}");
    }

    fn settings_are_checked() {
        own_protocol::register();
        let env = RunSpec::new(5, 1, 1).env();
        let mut s = splitbrain_core::registry::Settings::new();
        s.set("resend", "5ms");
        let e = Of::<AbdNode>::config(&s, &[], &env).unwrap_err().to_string();
        assert!(e.contains("resend"), "{e}");
        let e = Of::<AbdNode>::config(&Default::default(), &["skip-writeback".into()], &env).unwrap_err().to_string();
        assert!(e.contains("unknown bug"), "{e}");
    }
}

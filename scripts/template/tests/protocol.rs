//! __NAME__ under splitbrain's fuzzer: its correct form keeps its promises through random
//! fault schedules, and each deliberate bug is found. Every test runs natively (`cargo
//! test`) and in headless Chromium (see the README).

use splitbrain_core::fuzz::{fuzz, FaultMix, FuzzSpec};
use splitbrain_core::run::RunSpec;
use splitbrain_core::time::MICROS_PER_SEC;

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

/// `runs` random fault schedules on five nodes for ten seconds, with `bug` switched on.
fn sweep(bug: Option<&str>, runs: u64) -> FuzzSpec {
    __CRATE__::register();
    let mut base = RunSpec::new(5, 0, 10 * MICROS_PER_SEC).with_protocol("__NAME__");
    base.bugs.extend(bug.map(str::to_string));
    FuzzSpec {
        base,
        runs,
        seed: 1,
        mix: FaultMix::default(),
        stop_at_first: bug.is_some(),
    }
}

both! {
    fn the_correct_form_keeps_its_promises() {
        let report = fuzz(&sweep(None, 200)).expect("a valid sweep");
        assert_eq!(report.runs, 200);
        assert_eq!(report.first_failure, None);
    }

    fn the_fuzzer_finds_each_bug() {
        for (bug, property) in [("take-latest", "never below its own"), ("gossip-once", "all agree")] {
            let report = fuzz(&sweep(Some(bug), 200)).expect("a valid sweep");
            let failure = report
                .first_failure
                .unwrap_or_else(|| panic!("{bug}: nothing broken in 200 runs"));
            assert_eq!(failure.violation.invariant, property, "{bug}");
        }
    }
}

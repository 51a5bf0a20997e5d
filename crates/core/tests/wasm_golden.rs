//! In a real browser (wasm-bindgen-test in headless Chromium): the simulator gives exactly
//! the trace hashes the native build wrote to the golden file.
#![cfg(target_arch = "wasm32")]

mod golden;

use splitbrain_core::run::run;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Lets the browser's event loop run (a `setTimeout` of 0). The test runner talks to the
/// page through WebDriver, which gives up on a page whose main thread stays busy for
/// 30 s; the long tests below yield between their items, so none holds it that long.
async fn breathe() {
    use js_sys::wasm_bindgen::JsValue;
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let set_timeout: js_sys::Function =
            js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("setTimeout"))
                .expect("setTimeout")
                .into();
        set_timeout
            .call2(&JsValue::NULL, &resolve, &JsValue::from(0))
            .expect("setTimeout works");
    });
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .expect("a timer resolves");
}

#[wasm_bindgen_test]
fn trace_hashes_match_native() {
    let golden = golden::load();
    assert!(!golden.is_empty());
    for g in &golden {
        let report = run(&g.spec).expect("valid scenario");
        assert_eq!(report.trace_hash, g.trace_hash, "scenario {}", g.name);
        assert_eq!(report.events, g.events, "scenario {}", g.name);
    }
}

/// Every protocol's short fuzz, with and without each bug, gives in the browser the report
/// it gave natively: the same runs, counts, events and first failures.
#[wasm_bindgen_test]
async fn fuzz_reports_match_native() {
    let golden = golden::load_fuzz();
    assert!(golden.len() > 20);
    for g in &golden {
        let spec = golden::fuzz_spec(&g.protocol, g.bug.as_deref());
        let report = splitbrain_core::fuzz::fuzz(&spec).expect("valid sweep");
        assert_eq!(report, g.report, "{} {:?}", g.protocol, g.bug);
        breathe().await;
    }
}

/// Every bug variant's first failing run shrinks in the browser to exactly the run it
/// shrank to natively (the golden file the native shrink tests keep), which still breaks
/// the same property the same way.
#[wasm_bindgen_test]
async fn shrunk_runs_match_native() {
    use splitbrain_core::fuzz::{fuzz_run_spec, shrink, ShrinkOptions};
    let golden = golden::load_shrunk();
    assert!(golden.len() > 40);
    for g in &golden {
        let spec = golden::bug_fuzz_spec(&g.protocol, &g.bug);
        let original = fuzz_run_spec(&spec, g.run);
        let shrunk = shrink(&original, &g.target, ShrinkOptions::default()).expect("it breaks");
        assert_eq!(shrunk, g.shrunk, "{} {}", g.protocol, g.bug);
        breathe().await;
        assert!(
            g.target.matches(&shrunk.violation),
            "{} {}",
            g.protocol,
            g.bug
        );
    }
}

/// Every claim of every built-in lesson holds in the browser as it does natively, and
/// fails without its step's actions where the lesson says it must.
#[wasm_bindgen_test]
async fn every_lesson_claim_holds_in_the_browser() {
    for lesson in splitbrain_core::lesson::builtin() {
        for c in splitbrain_core::lesson::check(&lesson).expect("lesson runs") {
            assert!(c.ok(), "{} / {}: {}", lesson.name, c.step, c.says);
        }
        breathe().await;
    }
}

/// The linearizability checker gives the same verdicts in the browser, on a history read
/// from Jepsen's EDN (two that differ only in which compare-and-set failed).
#[wasm_bindgen_test]
fn linearizability_verdicts_match_in_the_browser() {
    use splitbrain_core::checkers::linearizability::{check, formats, Verdict};
    let history = |expect: u64| {
        format!(
            "{{:type :invoke, :f :write, :value 1, :process 0}}
             {{:type :ok, :f :write, :value 1, :process 0}}
             {{:type :invoke, :f :cas, :value [{expect} 2], :process 1}}
             {{:type :fail, :f :cas, :value [{expect} 2], :process 1}}
             {{:type :invoke, :f :read, :value nil, :process 0}}
             {{:type :ok, :f :read, :value 1, :process 0}}"
        )
    };
    let verdict = |text: &str| check(&formats::read_edn(text).unwrap()).verdict;
    assert_eq!(verdict(&history(3)), Verdict::Linearizable);
    assert_eq!(verdict(&history(1)), Verdict::NotLinearizable);
}

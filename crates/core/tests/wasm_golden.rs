//! In a real browser (wasm-bindgen-test in headless Chromium): the simulator gives exactly
//! the trace hashes the native build wrote to the golden file.
#![cfg(target_arch = "wasm32")]

mod golden;

use splitbrain_core::run::run;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

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

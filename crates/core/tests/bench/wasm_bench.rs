//! The simulator's speed in a real browser, printed (not asserted); wall-clock time is
//! read here, in the benchmark, never in the simulator. Run with
//! `scripts/bench.sh`, which also prints the native numbers to compare with.
#![cfg(all(target_arch = "wasm32", feature = "browser-bench"))]

use splitbrain_core::client::Workload;
use splitbrain_core::run::RunSpec;
use splitbrain_core::time::MICROS_PER_SEC;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn now_ms() -> f64 {
    js_sys::Date::now()
}

fn throughput(nodes: usize, sim_secs: u64) {
    let mut spec = RunSpec::new(nodes, 42, sim_secs * MICROS_PER_SEC);
    spec.workload = Some(Workload {
        rate_per_s: 200,
        ..Workload::default()
    });
    let mut world = spec.raft_world(false);
    let started = now_ms();
    world.run_until(spec.until_us);
    let ms = now_ms() - started;
    let events = world.counters().events;
    console_log!(
        "BENCH wasm raft {} nodes: {} events in {:.0} ms = {:.0} events/s",
        nodes,
        events,
        ms,
        events as f64 / ms * 1e3
    );
}

#[wasm_bindgen_test]
fn bench_events_per_second() {
    throughput(5, 300);
    throughput(50, 60);
}

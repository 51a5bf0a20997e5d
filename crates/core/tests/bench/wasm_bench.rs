//! The simulator's speed in a real browser, printed (not asserted); wall-clock time is
//! read here, in the benchmark, never in the simulator. Run with
//! `scripts/bench.sh`, which also prints the native numbers to compare with.
#![cfg(target_arch = "wasm32")]

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
    let mut world = spec.sim(false).unwrap();
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

/// The linearizability checker on synthetic histories, as `splitbrain bench` does natively.
#[wasm_bindgen_test]
fn bench_linearizability_checker() {
    use splitbrain_core::checkers::linearizability::{check, synthetic_history};
    for ops in [100, 1_000, 10_000] {
        for keys in [1, 5] {
            let history = synthetic_history(1, ops, 5, keys);
            let started = now_ms();
            let report = check(&history);
            console_log!(
                "BENCH wasm linearizability {} ops, 5 clients, {} keys: {:.1} ms ({:?})",
                ops,
                keys,
                now_ms() - started,
                report.verdict
            );
        }
    }
}

/// The CAP experiment for each protocol (a 45-second run plus its checks).
#[wasm_bindgen_test]
fn bench_cap_experiment() {
    use splitbrain_core::cap::standard_experiment;
    let with_clients = splitbrain_core::registry::all()
        .into_iter()
        .map(|p| p.about())
        .filter(|a| a.serves_clients());
    for about in with_clients {
        let started = now_ms();
        let report = standard_experiment(about.name, 1);
        console_log!(
            "BENCH wasm cap experiment {}: {:.0} ms ({} operations)",
            about.name,
            now_ms() - started,
            report.cluster.ops
        );
    }
}

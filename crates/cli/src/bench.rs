//! `bench`: simulated events per second under client load, and the cost of seeking.

use crate::commands::round;
use serde_json::{json, Value};
use splitbrain_core::checkers::linearizability::{self, synthetic_history};
use splitbrain_core::client::Workload;
use splitbrain_core::registry;
use splitbrain_core::run::RunSpec;
use splitbrain_core::time::MICROS_PER_SEC;
use std::time::Instant;

fn throughput(protocol: &str, nodes: usize, sim_secs: u64, record: bool) -> Value {
    let mut spec = RunSpec::new(nodes, 42, sim_secs * MICROS_PER_SEC).with_protocol(protocol);
    spec.workload = Some(Workload {
        rate_per_s: 200,
        ..Workload::default()
    });
    let mut world = spec.sim(record).expect("a valid benchmark");
    let started = Instant::now();
    world.run_until(spec.until_us);
    let secs = started.elapsed().as_secs_f64();
    let events = world.counters().events;
    json!({
        "protocol": protocol,
        "nodes": nodes,
        "sim_seconds": sim_secs,
        "recorded": record,
        "events": events,
        "trace_events": world.trace_len(),
        "wall_ms": round(secs * 1e3),
        "events_per_sec": (events as f64 / secs).round(),
        "violations": world.violations().len(),
    })
}

/// Seeking in a 10-minute 5-node run: snapshots every 10 simulated seconds, then the time
/// to restore the last one and replay to the end, against replaying from the start.
fn seek(sim_secs: u64) -> Value {
    let mut spec = RunSpec::new(5, 7, sim_secs * MICROS_PER_SEC);
    spec.workload = Some(Workload::default());
    let interval = 10 * MICROS_PER_SEC;
    let mut world = spec.sim(true).expect("a valid benchmark");
    let mut snapshots = Vec::new();
    let started = Instant::now();
    let mut clone_secs = 0.0;
    while world.now() + interval < spec.until_us {
        world.run_until(world.now() + interval);
        let t = Instant::now();
        snapshots.push(world.clone());
        clone_secs += t.elapsed().as_secs_f64();
    }
    world.run_until(spec.until_us);
    let record_secs = started.elapsed().as_secs_f64();
    let end_hash = world.trace_hash();

    let last = snapshots.last().expect("at least one snapshot");
    let t = Instant::now();
    let mut restored = last.clone();
    restored.run_until(spec.until_us);
    let seek_ms = t.elapsed().as_secs_f64() * 1e3;
    assert_eq!(
        restored.trace_hash(),
        end_hash,
        "replay from a snapshot diverged"
    );

    let t = Instant::now();
    let mut fresh = spec.sim(true).expect("a valid benchmark");
    fresh.run_until(spec.until_us);
    let from_start_ms = t.elapsed().as_secs_f64() * 1e3;
    json!({
        "sim_seconds": sim_secs,
        "snapshot_every_s": interval / MICROS_PER_SEC,
        "snapshots": snapshots.len(),
        "mean_snapshot_ms": round(clone_secs * 1e3 / snapshots.len() as f64),
        "run_with_snapshots_ms": round(record_secs * 1e3),
        "seek_to_end_from_snapshot_ms": round(seek_ms),
        "seek_to_end_from_start_ms": round(from_start_ms),
    })
}

/// Time to check synthetic linearizable histories (fresh values, a few timeouts and
/// unavailable answers) of 100, 1,000 and 10,000 operations from 5 clients.
fn linearizability_checker() -> Value {
    let mut out = serde_json::Map::new();
    for ops in [100, 1_000, 10_000] {
        for keys in [1, 5] {
            let history = synthetic_history(1, ops, 5, keys);
            let t = Instant::now();
            let report = linearizability::check(&history);
            let ms = t.elapsed().as_secs_f64() * 1e3;
            out.insert(
                format!("ops_{ops}_clients_5_keys_{keys}"),
                json!({ "ms": round(ms), "linearizable": report.is_linearizable(), "steps": report.steps }),
            );
        }
    }
    Value::Object(out)
}

/// One Byzantine generals' decision at growing sizes: OM(m) sends about (n - 1)^(m + 1)
/// orders, so what counts is the orders relayed and the time one decision takes.
fn byzantine_sizes() -> Value {
    let mut out = serde_json::Map::new();
    for (nodes, m) in [(4, 1), (7, 2), (10, 2), (10, 3)] {
        let mut spec = RunSpec::new(nodes, 42, MICROS_PER_SEC)
            .with_protocol("byzantine-generals")
            .set("m", m);
        spec.workload = None;
        let mut world = spec.sim(false).expect("a valid benchmark");
        let started = Instant::now();
        world.run_until(spec.until_us);
        let secs = started.elapsed().as_secs_f64();
        let events = world.counters().events;
        out.insert(
            format!("nodes_{nodes}_m_{m}"),
            json!({
                "orders_sent": world.counters().sent,
                "events": events,
                "wall_ms": round(secs * 1e3),
                "events_per_sec": (events as f64 / secs).round(),
            }),
        );
    }
    Value::Object(out)
}

pub fn bench(quick: bool) -> Result<Value, String> {
    let secs = if quick { 20 } else { 300 };
    let mut out = serde_json::Map::new();
    out.insert("raft_5_nodes".into(), throughput("raft", 5, secs, false));
    out.insert(
        "raft_5_nodes_recorded".into(),
        throughput("raft", 5, secs / 5, true),
    );
    out.insert(
        "raft_50_nodes".into(),
        throughput("raft", 50, secs / 5, false),
    );
    // Every other registered protocol, at its own cluster size and at 50 nodes where it
    // runs on that many.
    for p in registry::PROTOCOLS.iter().skip(1) {
        let about = p.about();
        let key = about.name.replace('-', "_");
        let (_, max, default) = about.nodes;
        out.insert(
            format!("{key}_{default}_nodes"),
            throughput(about.name, default, secs, false),
        );
        if max >= 50 {
            out.insert(
                format!("{key}_50_nodes"),
                throughput(about.name, 50, secs / 5, false),
            );
        }
    }
    out.insert("byzantine_generals_sizes".into(), byzantine_sizes());
    out.insert("seek".into(), seek(if quick { 60 } else { 600 }));
    out.insert("linearizability_checker".into(), linearizability_checker());
    Ok(Value::Object(out))
}

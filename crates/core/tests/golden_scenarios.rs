//! The golden trace hashes: fixed scenarios whose trace hash must never change by accident,
//! and must be the same natively and in WebAssembly (see `wasm_golden.rs`, which reads the
//! same file in a browser).
//!
//! After an intended change to the simulation, rewrite the hashes with
//! `SPLITBRAIN_BLESS=1 cargo test -p splitbrain-core --test golden_scenarios`: the stored
//! runs are kept as they are (so a change to the fault generator does not replace them),
//! and scenarios missing from the file are added from code.

mod golden;

use golden::{scenarios, Golden, GOLDEN_PATH};
use splitbrain_core::protocols::raft::RaftNode;
use splitbrain_core::run::{hash_hex, run};

#[test]
fn trace_hashes_match_the_golden_file() {
    if std::env::var_os("SPLITBRAIN_BLESS").is_some() {
        let stored = golden::load();
        let fresh: Vec<Golden> = scenarios()
            .into_iter()
            .map(|(name, spec)| {
                let spec = stored
                    .iter()
                    .find(|g| g.name == name)
                    .map_or(spec, |g| g.spec.clone());
                let report = run(&spec).expect("valid scenario");
                Golden {
                    name,
                    trace_hash: report.trace_hash,
                    events: report.events,
                    spec,
                }
            })
            .collect();
        let text = serde_json::to_string_pretty(&fresh).unwrap() + "\n";
        std::fs::write(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(GOLDEN_PATH),
            text,
        )
        .unwrap();
        eprintln!("golden file rewritten; run the test again to check it");
        return;
    }
    let golden = golden::load();
    assert_eq!(
        golden.len(),
        scenarios().len(),
        "golden file is out of date"
    );
    for g in &golden {
        let report = run(&g.spec).expect("valid scenario");
        assert_eq!(report.trace_hash, g.trace_hash, "scenario {}", g.name);
        assert_eq!(report.events, g.events, "scenario {}", g.name);
    }
}

#[test]
fn same_seed_same_hash_and_other_seed_other_hash() {
    for (name, spec) in scenarios() {
        let a = run(&spec).unwrap();
        let b = run(&spec).unwrap();
        assert_eq!(a.trace_hash, b.trace_hash, "{name}");
        let mut other = spec.clone();
        other.seed += 1;
        assert_ne!(run(&other).unwrap().trace_hash, a.trace_hash, "{name}");
    }
}

#[test]
fn a_snapshot_replays_to_the_same_end() {
    let (_, spec) = scenarios().remove(1);
    let mut world = spec.typed_world::<RaftNode>(false).unwrap();
    world.run_until(spec.until_us / 2);
    let mut copy = world.clone();
    world.run_until(spec.until_us);
    copy.run_until(spec.until_us);
    assert_eq!(hash_hex(world.trace_hash()), hash_hex(copy.trace_hash()));
    assert_eq!(world.rng_draws(), copy.rng_draws());
}

/// Every protocol's short fuzz, and one with each of its bugs, gives the report the golden
/// file holds (the browser test checks the same reports in WebAssembly). Bless as above.
#[test]
fn fuzz_reports_match_the_golden_file() {
    use golden::{fuzz_spec, load_fuzz, GoldenFuzz, FUZZ_GOLDEN_PATH};
    use splitbrain_core::fuzz::fuzz;
    use splitbrain_core::registry::PROTOCOLS;
    let mut fresh = Vec::new();
    for p in PROTOCOLS {
        let about = p.about();
        let bugs = std::iter::once(None).chain(about.bugs.iter().map(|b| Some(b.name)));
        for bug in bugs {
            let report = fuzz(&fuzz_spec(about.name, bug)).expect("valid sweep");
            fresh.push(GoldenFuzz {
                protocol: about.name.to_string(),
                bug: bug.map(String::from),
                report,
            });
        }
    }
    if std::env::var_os("SPLITBRAIN_BLESS").is_some() {
        let text = serde_json::to_string_pretty(&fresh).unwrap() + "\n";
        std::fs::write(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(FUZZ_GOLDEN_PATH),
            text,
        )
        .unwrap();
        return;
    }
    let stored = load_fuzz();
    assert_eq!(
        stored.len(),
        fresh.len(),
        "protocols or bugs changed: bless the file"
    );
    for (s, f) in stored.iter().zip(&fresh) {
        assert_eq!((&s.protocol, &s.bug), (&f.protocol, &f.bug));
        assert_eq!(s.report, f.report, "{} {:?}", s.protocol, s.bug);
    }
}

//! Shared by the native and the browser golden tests.

use serde::{Deserialize, Serialize};
use splitbrain_core::fuzz::{fuzz_run_spec, FaultMix, FuzzSpec};
use splitbrain_core::run::RunSpec;
use splitbrain_core::time::MICROS_PER_SEC;

#[allow(dead_code)] // used by the native test only
pub const GOLDEN_PATH: &str = "tests/golden/trace_hashes.json";

#[derive(Serialize, Deserialize)]
pub struct Golden {
    pub name: String,
    pub trace_hash: String,
    pub events: u64,
    pub spec: RunSpec,
}

pub fn load() -> Vec<Golden> {
    serde_json::from_str(include_str!("trace_hashes.json")).expect("golden file parses")
}

/// The scenarios, built from code so that blessing regenerates them faithfully.
#[allow(dead_code)]
pub fn scenarios() -> Vec<(String, RunSpec)> {
    let calm = RunSpec::new(5, 7, 10 * MICROS_PER_SEC);
    let fuzz = |nodes: usize, bug: Option<&str>, i: u64| {
        let mut base = RunSpec::new(nodes, 0, 10 * MICROS_PER_SEC);
        base.bugs.extend(bug.map(String::from));
        fuzz_run_spec(
            &FuzzSpec {
                base,
                runs: 1,
                seed: 2024,
                mix: FaultMix::disk_loss(true),
                stop_at_first: false,
            },
            i,
        )
    };
    vec![
        ("calm five nodes".into(), calm),
        ("faults five nodes".into(), fuzz(5, None, 0)),
        ("faults three nodes".into(), fuzz(3, None, 1)),
        (
            "faults seven nodes, forget-vote".into(),
            fuzz(7, Some("forget-vote"), 2),
        ),
    ]
}

#[allow(dead_code)] // used by the native test only
pub const FUZZ_GOLDEN_PATH: &str = "tests/golden/fuzz_reports.json";

/// A short fuzz of one protocol (with a bug or without) and the report it gave natively.
#[derive(Serialize, Deserialize)]
pub struct GoldenFuzz {
    pub protocol: String,
    pub bug: Option<String>,
    pub report: splitbrain_core::fuzz::FuzzReport,
}

/// The short fuzz behind a golden report: 4 runs of 5 simulated seconds from seed 7 on
/// the protocol's default cluster.
pub fn fuzz_spec(protocol: &str, bug: Option<&str>) -> FuzzSpec {
    let about = splitbrain_core::registry::find(protocol)
        .expect("registered")
        .about();
    let mut base = RunSpec::new(about.nodes.2, 0, 5 * MICROS_PER_SEC).with_protocol(protocol);
    base.bugs.extend(bug.map(String::from));
    FuzzSpec {
        base,
        runs: 4,
        seed: 7,
        mix: FaultMix::default(),
        stop_at_first: false,
    }
}

pub fn load_fuzz() -> Vec<GoldenFuzz> {
    serde_json::from_str(include_str!("fuzz_reports.json")).expect("golden fuzz file parses")
}

#[allow(dead_code)] // used by the shrink tests only
pub const SHRUNK_GOLDEN_PATH: &str = "tests/golden/shrunk.json";

/// A bug's first failing fuzz run (see [`bug_fuzz_spec`]) and what it shrinks to natively.
#[allow(dead_code)]
#[derive(Serialize, Deserialize)]
pub struct GoldenShrunk {
    pub protocol: String,
    pub bug: String,
    /// The failing run's index in the sweep.
    pub run: u64,
    pub target: splitbrain_core::fuzz::Target,
    /// What it shrinks to with the default budget.
    pub shrunk: splitbrain_core::fuzz::Shrunk,
}

/// The sweep that finds a bug of `protocol`: runs of 20 simulated seconds from seed 1 on
/// the protocol's default cluster, stopping at the first failure (as the registry's test
/// that every bug is found).
#[allow(dead_code)]
pub fn bug_fuzz_spec(protocol: &str, bug: &str) -> FuzzSpec {
    let about = splitbrain_core::registry::find(protocol)
        .expect("registered")
        .about();
    let base = RunSpec::new(about.nodes.2, 0, 20 * MICROS_PER_SEC)
        .with_protocol(protocol)
        .bug(bug);
    FuzzSpec {
        base,
        runs: 1000,
        seed: 1,
        mix: FaultMix::default(),
        stop_at_first: true,
    }
}

#[allow(dead_code)]
pub fn load_shrunk() -> Vec<GoldenShrunk> {
    serde_json::from_str(include_str!("shrunk.json")).expect("golden shrink file parses")
}

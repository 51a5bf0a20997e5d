//! Randomised fault schedules, and the loop that runs many of them looking for violations.
//!
//! Each fuzz run is an ordinary [`RunSpec`] whose seed and schedule come from the fuzz seed
//! and the run number, so any failing run can be replayed on its own with `run`.

use crate::action::Schedule;
use crate::check::Violation;
use crate::registry::{Faults, SystemModel};
use crate::rng::SimRng;
use crate::run::{run, RunError, RunSpec};
use serde::{Deserialize, Serialize};

mod schedule;
pub mod shrink;
pub use schedule::{random_schedule, random_schedule_in};
pub use shrink::{
    shrink, shrink_recipe, shrink_recipe_watched, shrink_watched, ShrinkError, ShrinkOptions,
    ShrinkProgress, Shrunk, ShrunkRecipe, Target,
};

/// Which faults the generator may use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultMix {
    /// Crashes that wipe the disk: outside the crash-recovery model, so off by default.
    pub disk_loss: bool,
    /// Nodes the generator may make Byzantine (with the protocol's behaviours), at most;
    /// `None`: as many as the protocol tolerates ([`crate::registry::Described::tolerates`]).
    #[serde(default)]
    pub traitors: Option<u32>,
    /// The kinds of fault the generator may use; `None`: every kind. A fuzz run uses only
    /// those the protocol's promises also allow ([`crate::registry::Described::faults`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub faults: Option<Faults>,
}

impl FaultMix {
    pub fn disk_loss(disk_loss: bool) -> Self {
        FaultMix {
            disk_loss,
            ..FaultMix::default()
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FuzzSpec {
    /// The run every fuzz run starts from (protocol, nodes, length, bugs, workload, and
    /// actions every run keeps, such as a page's network and the reader's own actions);
    /// its seed is replaced per run, and random faults are added to its schedule.
    pub base: RunSpec,
    pub runs: u64,
    pub seed: u64,
    pub mix: FaultMix,
    /// Stop at the first failing run.
    pub stop_at_first: bool,
}

impl FuzzSpec {
    /// The search a page's "Can this break?" makes of a set-up, and a lesson's `search`
    /// claim: `runs` runs of `until_us` each from the set-up's own seed, stopping at the
    /// first that breaks a promised property, with the faults the protocol allows and as
    /// many Byzantine nodes as it tolerates. Every run keeps the set-up's own actions (its
    /// network, random failures) and then `own`, the reader's actions, if given.
    pub fn search(
        setup: &crate::recipe::Setup,
        own: Vec<crate::action::Scheduled>,
        until_us: crate::time::Micros,
        runs: u64,
    ) -> Result<FuzzSpec, RunError> {
        let mut base = setup.spec(own);
        base.until_us = until_us;
        base.validate()?;
        Ok(FuzzSpec {
            base,
            runs,
            seed: setup.seed,
            mix: FaultMix::default(),
            stop_at_first: true,
        })
    }
}

/// A failing run, with everything needed to replay it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    pub run: u64,
    pub seed: u64,
    pub violation: Violation,
    pub schedule: Schedule,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FuzzReport {
    pub runs: u64,
    /// Runs that broke a safety property the protocol promises, at an event.
    pub violations: u64,
    /// Runs that broke a property the protocol promises for the end of a run.
    pub end_violations: u64,
    /// Runs that broke only properties the protocol does not promise (what it cannot
    /// keep under these faults, such as two generals deciding alike).
    pub unpromised: u64,
    pub events: u64,
    /// The first run that broke a promised property.
    pub first_failure: Option<Failure>,
    /// The first run that broke a property the protocol does not promise.
    pub first_unpromised: Option<Failure>,
}

/// The spec of fuzz run `i`.
pub fn fuzz_run_spec(spec: &FuzzSpec, i: u64) -> RunSpec {
    let seed = SimRng::derive_seed(spec.seed, i);
    let mut rng = SimRng::new(seed ^ 0x5c4e_d01e);
    let mut run = spec.base.clone();
    run.seed = seed;
    let entry = crate::registry::find(&run.protocol).unwrap_or(crate::registry::PROTOCOLS[0]);
    let allowed = entry.faults(&run).unwrap_or(Faults::ALL);
    let mix = FaultMix {
        traitors: spec.mix.traitors.or_else(|| entry.tolerates(&run).ok()),
        faults: Some(spec.mix.faults.unwrap_or(Faults::ALL).and(allowed)),
        ..spec.mix
    };
    let random = random_schedule_in(
        &mut rng,
        run.nodes,
        run.until_us,
        mix,
        entry.about(),
        entry.model(&run).unwrap_or(SystemModel::Asynchronous),
    );
    // The base's own actions (a page's set-up and, if asked, the reader's actions) come
    // first, then the random ones: at the same instant, the base's go before.
    run.schedule.extend(random);
    crate::sort::by_key(&mut run.schedule, |s| s.at);
    run
}

/// What one fuzz run found: its events, and the first property it broke that the protocol
/// promises (or, failing that, one it does not), with everything needed to replay it.
#[derive(Clone, Debug)]
pub struct RunOutcome {
    pub events: u64,
    pub promised: Option<Failure>,
    pub unpromised: Option<Failure>,
    /// Client operations issued, and answered with success.
    pub client_ops: u64,
    pub client_ok: u64,
    /// The linearizability checker's verdict on the clients' history.
    pub linearizability: crate::checkers::linearizability::Verdict,
}

/// Fuzz run `i` of `spec`, on its own: runs of one sweep can go to any thread or machine,
/// and [`FuzzReport::absorb`] puts their outcomes together in the order of `i`.
pub fn fuzz_run(spec: &FuzzSpec, i: u64) -> Result<RunOutcome, RunError> {
    let about = crate::registry::find(&spec.base.protocol)?.about();
    let run_spec = fuzz_run_spec(spec, i);
    let result = run(&run_spec)?;
    let all = || result.violations.iter().chain(&result.end_violations);
    let failure = |v: &Violation| Failure {
        run: i,
        seed: run_spec.seed,
        violation: v.clone(),
        schedule: run_spec.schedule.clone(),
    };
    let promised = all().find(|v| about.promises(&v.invariant)).map(failure);
    let unpromised = match promised {
        Some(_) => None,
        None => all().next().map(failure),
    };
    Ok(RunOutcome {
        events: result.events,
        promised,
        unpromised,
        client_ops: result.counters.client_ops,
        client_ok: result.counters.client_ok,
        linearizability: result.linearizability,
    })
}

impl FuzzReport {
    pub fn empty() -> FuzzReport {
        FuzzReport {
            runs: 0,
            violations: 0,
            end_violations: 0,
            unpromised: 0,
            events: 0,
            first_failure: None,
            first_unpromised: None,
        }
    }

    /// Counts the next run's outcome (runs must come in the order of their index); true if
    /// the sweep stops here (`stop_at_first` and a promised property broken).
    pub fn absorb(&mut self, outcome: RunOutcome, stop_at_first: bool) -> bool {
        self.runs += 1;
        self.events += outcome.events;
        if let Some(f) = outcome.promised {
            if f.violation.at_end {
                self.end_violations += 1;
            } else {
                self.violations += 1;
            }
            if self.first_failure.is_none() {
                self.first_failure = Some(f);
            }
            return stop_at_first;
        }
        if let Some(f) = outcome.unpromised {
            self.unpromised += 1;
            if self.first_unpromised.is_none() {
                self.first_unpromised = Some(f);
            }
        }
        false
    }

    /// The report of a whole sweep from the reports of its consecutive slices, in order
    /// (each run every run of its slice): counts add up, and the first failures are the
    /// earliest slice's.
    pub fn merge(slices: impl IntoIterator<Item = FuzzReport>) -> FuzzReport {
        let mut whole = FuzzReport::empty();
        for s in slices {
            whole.runs += s.runs;
            whole.violations += s.violations;
            whole.end_violations += s.end_violations;
            whole.unpromised += s.unpromised;
            whole.events += s.events;
            whole.first_failure = whole.first_failure.or(s.first_failure);
            whole.first_unpromised = whole.first_unpromised.or(s.first_unpromised);
        }
        whole
    }
}

pub fn fuzz(spec: &FuzzSpec) -> Result<FuzzReport, RunError> {
    fuzz_slice(spec, 0..spec.runs)
}

/// Runs `range` of the sweep `spec` describes, one after another.
pub fn fuzz_slice(spec: &FuzzSpec, range: std::ops::Range<u64>) -> Result<FuzzReport, RunError> {
    spec.base.clone().validate()?;
    let mut report = FuzzReport::empty();
    for i in range {
        if report.absorb(fuzz_run(spec, i)?, spec.stop_at_first) {
            break;
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recipe::Recipe;

    /// A search keeps the set-up's own actions and, if asked, the reader's, first in every
    /// run, and adds the same random faults as a search without them.
    #[test]
    fn a_search_keeps_the_set_up_and_the_readers_actions_first() {
        let recipe = Recipe::from_query(
            "v=1&nodes=5&seed=3&net=lat20ms_jit5ms&actions=0s@checksums:off,1s@crash:2:keep",
        )
        .unwrap();
        let until = 5 * crate::time::MICROS_PER_SEC;
        let bare = FuzzSpec::search(&recipe.setup, Vec::new(), until, 10).unwrap();
        let kept = FuzzSpec::search(&recipe.setup, recipe.schedule.clone(), until, 10).unwrap();
        for i in 0..10 {
            let (b, k) = (fuzz_run_spec(&bare, i), fuzz_run_spec(&kept, i));
            // The set-up's network comes first in both.
            assert_eq!(b.schedule[0], k.schedule[0]);
            assert!(matches!(
                b.schedule[0].action,
                crate::action::Action::SetNetwork { .. }
            ));
            // The reader's two actions are in the kept runs only, each before any random
            // action of its instant; without them the runs are the same.
            let random = &b.schedule[1..];
            let mut rest = k.schedule.clone();
            for own in &recipe.schedule {
                let at = rest.iter().position(|s| s == own).expect("kept");
                let same_instant_before = rest[..at].iter().filter(|s| s.at == own.at);
                assert!(
                    same_instant_before.clone().all(|s| !random.contains(s)),
                    "run {i}: a random action before the reader's at {}",
                    own.at
                );
                rest.remove(at);
            }
            assert_eq!(rest, b.schedule, "run {i}");
        }
    }
}

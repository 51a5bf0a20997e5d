//! Whole runs, described as data: which protocol, how many nodes, which seed, for how long,
//! under which schedule. Used by the command line, the tests and the browser alike.

use crate::about::SettingError;
use crate::action::{validate_schedule, Action, ActionError, Schedule, Scheduled};
use crate::check::Violation;
use crate::client::Workload;
use crate::network::LinkConfig;
use crate::registry::{self, Env, Settings};
use crate::sim::Sim;
use crate::time::Micros;
use crate::trace::Counters;
use crate::world::nodes::{Nodes, Typed};
use crate::world::{Config, Kernel, World};
use serde::{Deserialize, Serialize};

pub use crate::ids::MAX_NODES;

fn default_protocol() -> String {
    registry::default_name().to_string()
}

fn is_zero(us: &Micros) -> bool {
    *us == 0
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunSpec {
    /// The protocol's name in the registry ([`crate::registry::PROTOCOLS`]).
    #[serde(default = "default_protocol")]
    pub protocol: String,
    pub nodes: usize,
    pub seed: u64,
    pub until_us: Micros,
    pub schedule: Schedule,
    /// The protocol's settings, by the names its description gives.
    #[serde(default, skip_serializing_if = "Settings::is_empty")]
    pub settings: Settings,
    /// The protocol's deliberate bugs switched on, by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bugs: Vec<String>,
    /// Timeouts that must outlast a round trip are raised to at least three round trips
    /// of this length (0: the protocol's defaults). The set-up sets it from slow links.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub round_trip_us: Micros,
    /// A steady client load from time zero (`None`: only scheduled client operations).
    pub workload: Option<Workload>,
}

impl RunSpec {
    pub fn new(nodes: usize, seed: u64, until_us: Micros) -> Self {
        RunSpec {
            protocol: default_protocol(),
            nodes,
            seed,
            until_us,
            schedule: Vec::new(),
            settings: Settings::new(),
            bugs: Vec::new(),
            round_trip_us: 0,
            workload: Some(Workload::default()),
        }
    }

    /// The same spec for another protocol (with that protocol's default settings).
    pub fn with_protocol(mut self, name: &str) -> Self {
        self.protocol = name.to_string();
        self.settings = Settings::new();
        self.bugs.clear();
        self
    }

    /// Sets one of the protocol's settings (checked by [`RunSpec::validate`]).
    pub fn set(mut self, name: &str, value: impl ToString) -> Self {
        self.settings.set(name, value.to_string());
        self
    }

    /// Switches on one of the protocol's bugs (checked by [`RunSpec::validate`]).
    pub fn bug(mut self, name: &str) -> Self {
        self.bugs.push(name.to_string());
        self
    }

    /// What the protocol's configuration may depend on besides its settings.
    pub fn env(&self) -> Env {
        Env {
            nodes: self.nodes,
            round_trip_us: self.round_trip_us,
        }
    }

    /// Checks every setting, normalises the protocol's settings and sorts the schedule.
    pub fn validate(&mut self) -> Result<(), RunError> {
        let entry = registry::find(&self.protocol)?;
        self.validate_for(entry)
    }

    /// [`RunSpec::validate`] against `entry`, which must be the protocol the spec names:
    /// every world is built through this (see [`registry::Entry::world`]).
    pub fn validate_for(&mut self, entry: &dyn registry::Entry) -> Result<(), RunError> {
        if self.nodes == 0 || self.nodes > MAX_NODES {
            return Err(RunError::Nodes(self.nodes));
        }
        if entry.about().name != self.protocol {
            return Err(RunError::OtherProtocol {
                spec: self.protocol.clone(),
                entry: entry.about().name,
            });
        }
        self.settings = entry.check(&self.settings, &self.bugs, &self.env())?;
        let about = entry.about();
        if !about.serves_clients() {
            // Nothing to ask of it: no client load.
            self.workload = None;
        }
        if let Some(w) = &self.workload {
            w.validate().map_err(ActionError::from)?;
        }
        validate_schedule(&mut self.schedule, self.nodes)?;
        Ok(check_actions_for(about, &self.schedule)?)
    }

    /// The world this spec describes for protocol `P` with configuration `config`, with
    /// the workload and schedule loaded. Most callers want [`RunSpec::sim`].
    pub fn world<P: registry::Described>(&self, config: P::Config, record: bool) -> World<P> {
        World::of(self.kernel(Box::new(Typed::<P>::new(config, self.nodes)), record))
    }

    /// The kernel of this spec around `host`, the protocol's nodes, with the workload and
    /// schedule loaded: the part of building a world that knows no protocol, compiled once.
    pub(crate) fn kernel(&self, host: Box<dyn Nodes>, record: bool) -> Kernel {
        let config = Config {
            nodes: self.nodes,
            seed: self.seed,
            link: LinkConfig::default(),
            record,
            // Vector clocks are for viewers, and a world that records is one a viewer reads.
            vector_clocks: record,
            stop_on_violation: true,
        };
        let mut kernel = Kernel::new(config, host);
        self.load(&mut kernel);
        kernel
    }

    /// Plans this spec's workload and schedule in `world`.
    fn load(&self, world: &mut Kernel) {
        if let Some(workload) = self.workload {
            world.schedule([Scheduled::at(0, Action::SetWorkload { workload })]);
        }
        world.schedule(self.schedule.iter().cloned());
    }

    /// This spec with a schedule in the link's text form, and bugs and settings switched
    /// on: the shape of every protocol's scenario tests.
    #[cfg(test)]
    pub(crate) fn scenario(
        mut self,
        actions: &str,
        bugs: &[&str],
        settings: &[(&str, &str)],
    ) -> RunSpec {
        self.schedule = crate::recipe::parse_schedule(actions).expect("a valid schedule");
        for (name, value) in settings {
            self = self.set(name, *value);
        }
        for bug in bugs {
            self = self.bug(bug);
        }
        self
    }

    /// The world of this spec's protocol, checked (by [`registry::Entry::world`]).
    pub fn sim(&self, record: bool) -> Result<Box<dyn Sim>, RunError> {
        registry::find(&self.protocol)?.world(self, record)
    }

    /// The world of protocol `P`, configured from this spec's settings (whatever
    /// `protocol` says), for tests and tools that need the typed world.
    pub fn typed_world<P: registry::Described>(&self, record: bool) -> Result<World<P>, RunError> {
        let config = registry::Of::<P>::config(&self.settings, &self.bugs, &self.env())?;
        Ok(self.world(config, record))
    }
}

/// Checks what a schedule asks of the protocol: Byzantine behaviours it defines, client
/// operations only if it serves clients, an action by hand only if it has one.
pub fn check_actions_for(
    about: &registry::About,
    schedule: &[Scheduled],
) -> Result<(), ActionError> {
    for (i, s) in schedule.iter().enumerate() {
        let problem = match &s.action {
            Action::Behave { behaviour, .. }
                if behaviour != crate::action::HONEST && about.behaviour(behaviour).is_none() =>
            {
                let known: Vec<&str> = about.behaviours.iter().map(|b| b.name).collect();
                Some(if known.is_empty() {
                    ActionError::NoBehaviours {
                        protocol: about.name,
                    }
                } else {
                    ActionError::NoSuchBehaviour {
                        protocol: about.name,
                        behaviour: behaviour.clone(),
                        known: known.join(", "),
                    }
                })
            }
            Action::Client { .. } if !about.serves_clients() => Some(ActionError::NoClients {
                protocol: about.name,
            }),
            Action::Trigger { .. } if about.trigger.is_none() => Some(ActionError::NoTrigger {
                protocol: about.name,
            }),
            _ => None,
        };
        if let Some(p) = problem {
            return Err(p.in_schedule(i, s.at));
        }
    }
    Ok(())
}

/// Why a run was refused: its protocol, its cluster, its bugs, its settings or its actions.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RunError {
    #[error("unknown protocol {name:?}; available: {available}")]
    UnknownProtocol { name: String, available: String },
    #[error("--nodes must be between 1 and {MAX_NODES}, not {0}", MAX_NODES = MAX_NODES)]
    Nodes(usize),
    #[error("{protocol} runs on exactly {min} nodes, not {nodes}")]
    ExactlyNodes {
        protocol: &'static str,
        min: usize,
        nodes: usize,
    },
    #[error("{protocol} runs on {min} to {max} nodes, not {nodes}")]
    NodesOfProtocol {
        protocol: &'static str,
        min: usize,
        max: usize,
        nodes: usize,
    },
    #[error("this run is of {spec}, not of {entry}")]
    OtherProtocol { spec: String, entry: &'static str },
    #[error("the bug {bug} belongs to {owner}, not {protocol}")]
    BugOfAnother {
        bug: String,
        owner: &'static str,
        protocol: &'static str,
    },
    #[error("unknown bug {bug:?}; known bugs: {known}")]
    UnknownBug { bug: String, known: String },
    #[error(transparent)]
    Setting(#[from] SettingError),
    #[error(transparent)]
    Action(#[from] ActionError),
}

/// How long a run settles (network healed, clients stopped) before its end properties are
/// checked.
pub const SETTLE_US: Micros = 5 * crate::time::MICROS_PER_SEC;

/// What a finished run reports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunReport {
    pub protocol: String,
    pub nodes: usize,
    pub seed: u64,
    /// Events processed (deliveries, timers, client arrivals, ...).
    pub events: u64,
    /// Entries in the trace (sends, drops, role changes, ...).
    pub trace_events: u64,
    pub sim_time_us: Micros,
    /// Hex of the 64-bit trace hash.
    pub trace_hash: String,
    pub violations: Vec<Violation>,
    /// Properties checked at the end that do not hold, found on a copy of the run given
    /// [`SETTLE_US`] to settle with the network healed and the clients stopped (none
    /// while the run stopped at a safety violation).
    #[serde(default)]
    pub end_violations: Vec<Violation>,
    /// Commit-index advances across all nodes.
    pub commits: u64,
    /// The highest commit index any node reached.
    pub committed_entries: u64,
    /// Times a node became leader.
    pub leader_changes: u64,
    pub counters: Counters,
    /// The linearizability checker's verdict on the clients' history.
    pub linearizability: crate::checkers::linearizability::Verdict,
    /// What the protocol measured (see [`crate::check::Meter`]), at the run's end; empty
    /// for a protocol without a meter.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub measures: Vec<MeasureReading>,
    /// The meter's warning at the run's end, if it raises one (see
    /// [`crate::check::Meter::alarm`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alarm: Option<crate::check::Alarm>,
    /// The service's availability over the run (see [`crate::availability`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability: Option<crate::availability::Report>,
}

/// One measure at the end of a run: its reading (in the measure's unit) and in words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeasureReading {
    pub name: String,
    pub reading: Option<i64>,
    pub shown: String,
}

pub fn hash_hex(hash: u64) -> String {
    format!("{hash:016x}")
}

/// Runs a spec to its end (or its first violation).
pub fn run(spec: &RunSpec) -> Result<RunReport, RunError> {
    let mut world = spec.sim(false)?;
    world.run_until(spec.until_us);
    let mut report = report(spec, world.as_ref());
    // The report is taken; the run itself can now settle (no copy needed).
    if !world.halted() {
        report.end_violations = world.check_end(SETTLE_US);
    }
    Ok(report)
}

/// Runs a world built from `spec` to the end of the spec and reports on it.
pub fn run_world(spec: &RunSpec, mut world: Kernel) -> RunReport {
    world.run_until(spec.until_us);
    let mut report = report(spec, &world);
    if !world.halted() {
        report.end_violations = world.check_end(SETTLE_US);
    }
    report
}

/// The report on a world built from `spec`, as it stands.
pub fn report(spec: &RunSpec, world: &dyn Sim) -> RunReport {
    let committed_entries = world
        .statuses()
        .iter()
        .map(|(_, s)| s.commit)
        .max()
        .unwrap_or(0);
    let c = *world.counters();
    RunReport {
        protocol: spec.protocol.clone(),
        nodes: spec.nodes,
        seed: spec.seed,
        events: c.events,
        trace_events: world.trace_len(),
        sim_time_us: world.now(),
        trace_hash: hash_hex(world.trace_hash()),
        violations: world.violations().to_vec(),
        end_violations: Vec::new(),
        commits: c.commits,
        committed_entries,
        leader_changes: c.leader_changes,
        counters: c,
        linearizability: crate::checkers::linearizability::check(world.clients()).verdict,
        measures: measure_readings(world),
        alarm: world.alarm(),
        availability: Some((&world.availability()).into()),
    }
}

/// What `world`'s protocol measures now, each reading with its name and in words.
pub fn measure_readings(world: &dyn Sim) -> Vec<MeasureReading> {
    world
        .measures()
        .into_iter()
        .map(|(m, reading)| MeasureReading {
            name: m.name.to_string(),
            reading,
            shown: m.show(reading),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::MICROS_PER_SEC;

    #[test]
    fn every_protocol_runs_deterministically_and_cleanly() {
        for p in registry::PROTOCOLS {
            let about = p.about();
            let name = about.name;
            let spec = RunSpec::new(about.nodes.2, 3, 5 * MICROS_PER_SEC).with_protocol(name);
            let a = run(&spec).unwrap();
            let b = run(&spec).unwrap();
            assert_eq!(a, b, "{name}");
            assert_eq!(a.protocol, name);
            assert!(a.violations.is_empty(), "{name}: {:?}", a.violations);
            assert!(
                a.end_violations.is_empty(),
                "{name}: {:?}",
                a.end_violations
            );
            if about.serves_clients() {
                assert!(a.counters.client_ok > 100, "{name}");
            } else {
                assert_eq!(a.counters.client_ops, 0, "{name}: no client load");
            }
        }
    }

    #[test]
    fn a_world_built_by_its_entry_is_the_world_the_spec_runs() {
        // Settings in a form that needs normalising, and a workload the protocol ignores.
        let spec = RunSpec::new(3, 7, 2 * MICROS_PER_SEC)
            .with_protocol("paxos")
            .set("proposers", 2);
        let entry = registry::find("paxos").unwrap();
        let mut by_entry = entry.world(&spec, false).unwrap();
        let mut by_spec = spec.sim(false).unwrap();
        by_entry.run_until(spec.until_us);
        by_spec.run_until(spec.until_us);
        assert_eq!(by_entry.trace_hash(), by_spec.trace_hash());
        assert_eq!(
            by_entry.counters().client_ops,
            0,
            "paxos takes no client load"
        );
        let err = registry::find("raft").unwrap().world(&spec, false).err();
        assert!(
            matches!(err, Some(RunError::OtherProtocol { .. })),
            "{err:?}"
        );
        assert_eq!(
            err.map(|e| e.to_string()).as_deref(),
            Some("this run is of paxos, not of raft")
        );
    }

    #[test]
    fn settings_of_the_chosen_protocol_are_validated() {
        let spec = RunSpec::new(3, 0, MICROS_PER_SEC);
        let err = run(&spec.clone().set("w", 4)).unwrap_err().to_string();
        assert!(
            err.contains("w is a setting of quorum, not of raft"),
            "{err}"
        );
        let err = run(&spec.clone().with_protocol("quorum").set("w", 4))
            .unwrap_err()
            .to_string();
        assert!(err.contains("w = 4"), "{err}");
        let err = run(&spec.clone().with_protocol("zab"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("raft, quorum, primary-backup"), "{err}");
        let err = run(&spec.with_protocol("quorum").bug("forget-vote"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("belongs to raft"), "{err}");
    }
}

//! Runs as text, for URLs and for the page to keep a run across a reload. A whole run (a
//! [`Recipe`]) is a query of `name=value` pairs joined by `&`:
//! `v=1&nodes=5&seed=7&bugs=forget-vote&load=5&net=lat40ms&actions=1.5s@crash:2:keep&t=3s`.
//! `v` is the format version; links made by older versions keep reading the same way. The
//! actions use the text form in [`actions`].

mod actions;

pub use actions::{
    format_action, format_duration, format_link, format_schedule, parse_action, parse_link,
    parse_schedule,
};

use crate::action::{validate_schedule, Action, Scheduled};
use crate::client::{Retry, Workload};
use crate::network::LinkConfig;
use crate::protocols::primary_backup::{PbBug, PbConfig};
use crate::protocols::quorum::{Conflict, QuorumBug, QuorumConfig};
use crate::protocols::raft::{RaftBug, RaftNode};
use crate::run::{ProtocolKind, RunSpec, MAX_NODES};
use crate::time::{parse_duration, Micros};
use crate::world::World;

/// The version of the query format this build writes; it reads every version up to it.
pub const FORMAT_VERSION: u32 = 1;

/// What a run is made of, apart from the actions taken during it.
#[derive(Clone, Debug, PartialEq)]
pub struct Setup {
    pub protocol: ProtocolKind,
    pub nodes: usize,
    pub seed: u64,
    /// Raft's deliberate bugs (the other protocols keep theirs in their settings).
    pub bugs: Vec<RaftBug>,
    /// Client operations per second from the start.
    pub load: u32,
    /// What those clients do after a timeout or an "unavailable" answer.
    pub retry: Retry,
    /// The network every link starts with.
    pub link: LinkConfig,
    /// Shortest election timeout, if not the protocol's default (it is raised anyway when
    /// the links are slow).
    pub election_timeout_min_us: Option<Micros>,
    /// The quorum store's settings (used when `protocol` is quorum).
    pub quorum: QuorumConfig,
    /// Primary-backup's settings (used when `protocol` is primary-backup).
    pub primary_backup: PbConfig,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            protocol: ProtocolKind::Raft,
            nodes: 5,
            seed: 1,
            bugs: Vec::new(),
            load: 5,
            retry: Retry::None,
            link: LinkConfig::default(),
            election_timeout_min_us: None,
            quorum: QuorumConfig::default(),
            primary_backup: PbConfig::default(),
        }
    }
}

impl Setup {
    /// Checks settings that may come from a form or a URL: those of [`Setup::check_run`],
    /// and a client load the page can show (at most 1000 operations per second).
    pub fn validate(&self) -> Result<(), String> {
        if self.load > 1000 {
            return Err(format!(
                "client load is at most 1000 ops/s, not {}",
                self.load
            ));
        }
        self.check_run()
    }

    /// Checks that the set-up describes a valid run (as the command line needs, where the
    /// load may be higher): node count, workload, bugs that belong to the protocol, and the
    /// protocol's settings.
    pub fn check_run(&self) -> Result<(), String> {
        if !(1..=MAX_NODES).contains(&self.nodes) {
            return Err(format!(
                "a cluster has between 1 and {MAX_NODES} nodes, not {}",
                self.nodes
            ));
        }
        Workload {
            rate_per_s: self.load,
            retry: self.retry,
            ..Workload::default()
        }
        .validate()?;
        // Bugs switched on for a protocol other than the one that runs.
        let by_protocol: [(ProtocolKind, Vec<&str>); 3] = [
            (
                ProtocolKind::Raft,
                self.bugs.iter().map(|b| b.name()).collect(),
            ),
            (
                ProtocolKind::Quorum,
                self.quorum.bugs.iter().map(|b| b.name()).collect(),
            ),
            (
                ProtocolKind::PrimaryBackup,
                self.primary_backup.bugs.iter().map(|b| b.name()).collect(),
            ),
        ];
        let others: Vec<&str> = by_protocol
            .into_iter()
            .filter(|(p, _)| *p != self.protocol)
            .flat_map(|(_, names)| names)
            .collect();
        if let Some(bug) = others.first() {
            return Err(format!(
                "the bug {bug} belongs to another protocol, not {}",
                self.protocol.name()
            ));
        }
        match self.protocol {
            ProtocolKind::Raft => Ok(()),
            ProtocolKind::Quorum => self.quorum.validate(self.nodes),
            ProtocolKind::PrimaryBackup => self.primary_backup.validate(),
        }?;
        self.link.validate()
    }

    /// Actions the set-up itself puts at the start of the schedule.
    pub fn own_actions(&self) -> usize {
        usize::from(self.load > 0) + usize::from(self.link != LinkConfig::default())
    }

    /// The run this set-up describes, with `schedule` to come. Timeouts that must outlast a
    /// round trip are raised when the links are slow, or slow links would mean endless
    /// elections and failovers.
    pub fn spec(&self, schedule: Vec<Scheduled>) -> RunSpec {
        let mut spec = RunSpec::new(self.nodes, self.seed, 0);
        spec.protocol = self.protocol;
        spec.raft.bugs = self.bugs.clone();
        spec.quorum = self.quorum.clone();
        spec.primary_backup = self.primary_backup.clone();
        let round_trip = 2 * (self.link.latency_us + self.link.jitter_us);
        let min = self
            .election_timeout_min_us
            .unwrap_or(spec.raft.election_timeout_min_us)
            .max(3 * round_trip);
        if min != spec.raft.election_timeout_min_us {
            spec.raft.election_timeout_min_us = min;
            spec.raft.election_timeout_max_us = 2 * min;
        }
        let pb = &mut spec.primary_backup;
        if pb.failover_timeout_us < 3 * round_trip {
            pb.failover_timeout_us = 3 * round_trip;
            pb.heartbeat_us = pb.heartbeat_us.max(round_trip / 2);
        }
        let q = &mut spec.quorum;
        if q.request_timeout_us < 3 * round_trip {
            q.request_timeout_us = 3 * round_trip;
            q.hint_after_us = q.hint_after_us.max(round_trip);
        }
        // As the command line does: no load, no workload action (so runs match exactly).
        spec.workload = (self.load > 0).then_some(Workload {
            rate_per_s: self.load,
            retry: self.retry,
            ..Workload::default()
        });
        if self.link != LinkConfig::default() {
            spec.schedule.push(Scheduled {
                at: 0,
                action: Action::SetNetwork { link: self.link },
            });
        }
        spec.schedule.extend(schedule);
        spec
    }

    /// The Raft world for this set-up (whatever its protocol) with `schedule` to come,
    /// recording its trace, at time 0.
    pub fn raft_world(&self, schedule: Vec<Scheduled>) -> World<RaftNode> {
        let mut world = self.spec(schedule).raft_world(true);
        world.run_until(0);
        world
    }

    /// Every bug switched on, by name, whichever protocol it belongs to.
    fn bug_names(&self) -> Vec<&'static str> {
        let mut names: Vec<&str> = self.bugs.iter().map(|b| b.name()).collect();
        names.extend(self.quorum.bugs.iter().map(|b| b.name()));
        names.extend(self.primary_backup.bugs.iter().map(|b| b.name()));
        names
    }

    /// Switches on a bug of any protocol, by name.
    pub fn add_bug(&mut self, name: &str) -> Result<(), String> {
        if let Some(b) = QuorumBug::ALL.into_iter().find(|b| b.name() == name) {
            self.quorum.bugs.push(b);
        } else if let Some(b) = PbBug::ALL.into_iter().find(|b| b.name() == name) {
            self.primary_backup.bugs.push(b);
        } else {
            self.bugs.push(RaftBug::parse(name).map_err(|_| {
                let mut known: Vec<&str> = RaftBug::ALL.iter().map(|b| b.name()).collect();
                known.extend(QuorumBug::ALL.iter().map(|b| b.name()));
                known.extend(PbBug::ALL.iter().map(|b| b.name()));
                format!("unknown bug {name:?}; known bugs: {}", known.join(", "))
            })?);
        }
        Ok(())
    }
}

/// A run as far as it can be reproduced: set-up, the actions taken, and the moment shown.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Recipe {
    pub setup: Setup,
    pub schedule: Vec<Scheduled>,
    /// The simulated time to show.
    pub at_us: Option<Micros>,
}

impl Recipe {
    pub fn to_query(&self) -> String {
        let s = &self.setup;
        let mut q = format!("v={FORMAT_VERSION}");
        if s.protocol != ProtocolKind::Raft {
            q.push_str(&format!("&protocol={}", s.protocol.name()));
        }
        q.push_str(&format!(
            "&nodes={}&seed={}&load={}",
            s.nodes, s.seed, s.load
        ));
        if s.retry != Retry::None {
            q.push_str(&format!("&retry={}", actions::format_retry(s.retry)));
        }
        let bugs = s.bug_names();
        if !bugs.is_empty() {
            q.push_str(&format!("&bugs={}", bugs.join(",")));
        }
        match s.protocol {
            ProtocolKind::Raft => {}
            ProtocolKind::Quorum => {
                let (d, c) = (QuorumConfig::default(), &s.quorum);
                if let Some(n) = c.replicas {
                    q.push_str(&format!("&n={n}"));
                }
                q.push_str(&format!("&r={}&w={}", c.r, c.w));
                if c.conflict != d.conflict {
                    q.push_str(&format!("&conflict={}", c.conflict.name()));
                }
                if c.sloppy != d.sloppy {
                    q.push_str(&format!("&sloppy={}", u8::from(c.sloppy)));
                }
                if c.read_repair != d.read_repair {
                    q.push_str(&format!("&repair={}", u8::from(c.read_repair)));
                }
            }
            ProtocolKind::PrimaryBackup => {
                if s.primary_backup.sync_follower {
                    q.push_str("&sync=1");
                }
            }
        }
        if s.link != LinkConfig::default() {
            q.push_str(&format!("&net={}", format_link(&s.link)));
        }
        if let Some(min) = s.election_timeout_min_us {
            q.push_str(&format!("&election={}", format_duration(min)));
        }
        if !self.schedule.is_empty() {
            q.push_str(&format!("&actions={}", format_schedule(&self.schedule)));
        }
        if let Some(t) = self.at_us {
            q.push_str(&format!("&t={}", format_duration(t)));
        }
        q
    }

    /// Reads one `name=value` pair into the recipe; `Ok(false)` if the name is not one of
    /// the recipe's (so that a page can add names of its own).
    pub fn read_pair(&mut self, name: &str, value: &str) -> Result<bool, String> {
        let number = |what: &str| {
            value
                .parse::<u64>()
                .map_err(|_| format!("{what} must be a whole number, not {value:?}"))
        };
        let flag = |what: &str| match value {
            "1" => Ok(true),
            "0" => Ok(false),
            _ => Err(format!("{what} is 1 (on) or 0 (off), not {value:?}")),
        };
        match name {
            "v" => {
                let v = number("the format version v")?;
                if v == 0 || v > u64::from(FORMAT_VERSION) {
                    return Err(format!(
                        "this link was made by a newer splitbrain (format version {v}; this page reads up to {FORMAT_VERSION})"
                    ));
                }
            }
            "nodes" => {
                self.setup.nodes = usize::try_from(number("nodes")?)
                    .map_err(|_| format!("nodes {value} is too large"))?
            }
            "seed" => self.setup.seed = number("seed")?,
            "load" => {
                self.setup.load = u32::try_from(number("load")?)
                    .map_err(|_| format!("load {value} is too large"))?
            }
            "protocol" => self.setup.protocol = ProtocolKind::parse(value)?,
            "bugs" => {
                self.setup.bugs.clear();
                self.setup.quorum.bugs.clear();
                self.setup.primary_backup.bugs.clear();
                for name in value.split(',').filter(|b| !b.is_empty()) {
                    self.setup.add_bug(name)?;
                }
            }
            "n" => {
                self.setup.quorum.replicas = Some(
                    usize::try_from(number("n (replicas per key)")?)
                        .map_err(|_| format!("n {value} is too large"))?,
                )
            }
            "r" => {
                self.setup.quorum.r = usize::try_from(number("r (read quorum)")?)
                    .map_err(|_| format!("r {value} is too large"))?
            }
            "w" => {
                self.setup.quorum.w = usize::try_from(number("w (write quorum)")?)
                    .map_err(|_| format!("w {value} is too large"))?
            }
            "conflict" => self.setup.quorum.conflict = Conflict::parse(value)?,
            "sloppy" => self.setup.quorum.sloppy = flag("sloppy")?,
            "repair" => self.setup.quorum.read_repair = flag("repair")?,
            "sync" => self.setup.primary_backup.sync_follower = flag("sync")?,
            "net" => self.setup.link = parse_link(value)?,
            "retry" => self.setup.retry = actions::parse_retry(value)?,
            "election" => self.setup.election_timeout_min_us = Some(parse_duration(value)?),
            "actions" => self.schedule = parse_schedule(value)?,
            "t" => self.at_us = Some(parse_duration(value)?),
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Checks the whole recipe once all pairs are read (and sorts the schedule).
    pub fn finish(&mut self) -> Result<(), String> {
        self.setup.validate()?;
        validate_schedule(&mut self.schedule, self.setup.nodes)
    }

    /// Reads a query made only of recipe names; unknown names are refused.
    pub fn from_query(query: &str) -> Result<Recipe, String> {
        let mut recipe = Recipe::default();
        for (name, value) in query_pairs(query) {
            if !recipe.read_pair(name, value)? {
                return Err(format!("unknown setting {name:?}"));
            }
        }
        recipe.finish()?;
        Ok(recipe)
    }
}

/// The `name=value` pairs of a query or fragment (a leading `?` or `#` is skipped).
pub fn query_pairs(query: &str) -> impl Iterator<Item = (&str, &str)> {
    query
        .trim_start_matches(['?', '#'])
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').unwrap_or((p, "")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Ppm;

    #[test]
    fn a_recipe_replays_the_command_line_run_exactly() {
        // `run --nodes 5 --seed 9 --rate 50 --until 3s` with a schedule, and the same as a
        // recipe opened in the page, give the same trace.
        let schedule = parse_schedule("500ms@crash:1:keep,1s@partition:0-1/2-3-4,2s@heal").unwrap();
        let mut spec = RunSpec::new(5, 9, 3_000_000);
        spec.schedule = schedule.clone();
        let cli = crate::run::run(&spec).unwrap();
        for load in [50, 0] {
            let setup = Setup {
                nodes: 5,
                seed: 9,
                load,
                ..Setup::default()
            };
            spec.workload = (load > 0).then_some(Workload::default());
            let cli = if load == 0 {
                crate::run::run(&spec).unwrap()
            } else {
                cli.clone()
            };
            let mut world = setup.raft_world(schedule.clone());
            world.run_until(3_000_000);
            assert_eq!(
                crate::run::hash_hex(world.trace_hash()),
                cli.trace_hash,
                "load {load}"
            );
        }
    }

    #[test]
    fn a_recipe_round_trips_through_its_query() {
        let recipe = Recipe {
            setup: Setup {
                nodes: 7,
                seed: 42,
                bugs: vec![RaftBug::ForgetVote, RaftBug::CommitOldTerm],
                load: 0,
                link: LinkConfig {
                    loss: Ppm::percent(3),
                    ..LinkConfig::default()
                },
                election_timeout_min_us: Some(2_400_000),
                ..Setup::default()
            },
            schedule: parse_schedule("1s@crash:2:keep,2s@heal").unwrap(),
            at_us: Some(2_500_000),
        };
        let q = recipe.to_query();
        assert_eq!(Recipe::from_query(&q), Ok(recipe.clone()), "{q}");
        assert_eq!(Recipe::from_query(&format!("#{q}")), Ok(recipe));
        assert_eq!(Recipe::from_query(""), Ok(Recipe::default()));
    }

    #[test]
    fn recipes_of_every_protocol_round_trip_and_replay_the_command_line_run() {
        let quorum = Setup {
            protocol: ProtocolKind::Quorum,
            nodes: 5,
            seed: 3,
            load: 40,
            quorum: QuorumConfig {
                replicas: Some(3),
                r: 2,
                w: 1,
                conflict: Conflict::VersionVectors,
                sloppy: true,
                bugs: vec![QuorumBug::BlindOverwrite],
                ..QuorumConfig::default()
            },
            ..Setup::default()
        };
        let pb = Setup {
            protocol: ProtocolKind::PrimaryBackup,
            seed: 4,
            retry: Retry::Backoff {
                base_us: 100_000,
                cap_us: 1_000_000,
                attempts: 4,
            },
            primary_backup: PbConfig {
                sync_follower: true,
                bugs: vec![PbBug::ForgetEpoch],
                ..PbConfig::default()
            },
            ..Setup::default()
        };
        let schedule = parse_schedule("1s@partition:0-1/2-3-4,3s@heal").unwrap();
        for setup in [quorum, pb] {
            let recipe = Recipe {
                setup: setup.clone(),
                schedule: schedule.clone(),
                at_us: None,
            };
            let q = recipe.to_query();
            assert_eq!(Recipe::from_query(&q), Ok(recipe), "{q}");
            let mut spec = setup.spec(schedule.clone());
            spec.until_us = 4_000_000;
            let report = crate::run::run(&spec).unwrap();
            assert_eq!(report.protocol, setup.protocol);
            assert!(report.counters.client_ops > 0, "{q}: no client operations");
        }
    }

    #[test]
    fn bad_queries_are_refused_with_the_reason() {
        for (q, want) in [
            ("v=2&nodes=5", "newer splitbrain"),
            ("nodes=0", "between 1 and 64"),
            ("nodes=65", "between 1 and 64"),
            ("nodes=five", "whole number"),
            ("seed=-1", "whole number"),
            ("bugs=typo", "unknown bug"),
            ("colour=red", "unknown setting"),
            ("nodes=3&actions=1s@crash:7:keep", "node 7 does not exist"),
            ("load=5000", "at most 1000"),
            ("protocol=paxos", "unknown protocol"),
            ("bugs=blind-overwrite", "belongs to another protocol"),
            (
                "protocol=quorum&bugs=forget-vote",
                "belongs to another protocol",
            ),
            (
                "protocol=quorum&nodes=3&r=4",
                "between 1 and the number of replicas (3)",
            ),
            ("protocol=quorum&n=0", "at least one replica"),
            ("protocol=quorum&conflict=newest", "lww"),
            ("protocol=quorum&sloppy=yes", "1 (on) or 0 (off)"),
            ("retry=backoff1s", "backoffBASE~CAP~ATTEMPTS"),
            ("retry=fixed10ms~500", "at most 100 attempts"),
        ] {
            let err = Recipe::from_query(q).unwrap_err();
            assert!(err.contains(want), "{q}: {err}");
        }
    }
}

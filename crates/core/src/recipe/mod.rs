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
use crate::client::Workload;
use crate::network::LinkConfig;
use crate::protocols::raft::{RaftBug, RaftNode};
use crate::run::{RunSpec, MAX_NODES};
use crate::time::{parse_duration, Micros};
use crate::world::World;

/// The version of the query format this build writes; it reads every version up to it.
pub const FORMAT_VERSION: u32 = 1;

/// What a run is made of, apart from the actions taken during it.
#[derive(Clone, Debug, PartialEq)]
pub struct Setup {
    pub nodes: usize,
    pub seed: u64,
    pub bugs: Vec<RaftBug>,
    /// Client operations per second from the start.
    pub load: u32,
    /// The network every link starts with.
    pub link: LinkConfig,
    /// Shortest election timeout, if not the protocol's default (it is raised anyway when
    /// the links are slow).
    pub election_timeout_min_us: Option<Micros>,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            nodes: 5,
            seed: 1,
            bugs: Vec::new(),
            load: 5,
            link: LinkConfig::default(),
            election_timeout_min_us: None,
        }
    }
}

impl Setup {
    /// Checks settings that may come from a form or a URL.
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=MAX_NODES).contains(&self.nodes) {
            return Err(format!(
                "a cluster has between 1 and {MAX_NODES} nodes, not {}",
                self.nodes
            ));
        }
        if self.load > 1000 {
            return Err(format!(
                "client load is at most 1000 ops/s, not {}",
                self.load
            ));
        }
        self.link.validate()
    }

    /// Actions the set-up itself puts at the start of the schedule.
    pub fn own_actions(&self) -> usize {
        usize::from(self.load > 0) + usize::from(self.link != LinkConfig::default())
    }

    /// The world for this set-up with `schedule` to come, recording its trace, at time 0.
    pub fn raft_world(&self, schedule: Vec<Scheduled>) -> World<RaftNode> {
        let mut spec = RunSpec::new(self.nodes, self.seed, 0);
        spec.raft.bugs = self.bugs.clone();
        // Election timeouts must outlast a round trip, or slow links mean endless elections.
        let round_trip = 2 * (self.link.latency_us + self.link.jitter_us);
        let min = self
            .election_timeout_min_us
            .unwrap_or(spec.raft.election_timeout_min_us)
            .max(3 * round_trip);
        if min != spec.raft.election_timeout_min_us {
            spec.raft.election_timeout_min_us = min;
            spec.raft.election_timeout_max_us = 2 * min;
        }
        // As the command line does: no load, no workload action (so runs match exactly).
        spec.workload = (self.load > 0).then_some(Workload {
            rate_per_s: self.load,
            ..Workload::default()
        });
        if self.link != LinkConfig::default() {
            spec.schedule.push(Scheduled {
                at: 0,
                action: Action::SetNetwork { link: self.link },
            });
        }
        spec.schedule.extend(schedule);
        let mut world = spec.raft_world(true);
        world.run_until(0);
        world
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
        let mut q = format!(
            "v={FORMAT_VERSION}&nodes={}&seed={}&load={}",
            s.nodes, s.seed, s.load
        );
        if !s.bugs.is_empty() {
            let names: Vec<&str> = s.bugs.iter().map(|b| b.name()).collect();
            q.push_str(&format!("&bugs={}", names.join(",")));
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
            "bugs" => {
                self.setup.bugs = value
                    .split(',')
                    .filter(|b| !b.is_empty())
                    .map(RaftBug::parse)
                    .collect::<Result<_, _>>()?
            }
            "net" => self.setup.link = parse_link(value)?,
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
        ] {
            let err = Recipe::from_query(q).unwrap_err();
            assert!(err.contains(want), "{q}: {err}");
        }
    }
}

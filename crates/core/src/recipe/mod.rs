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

use crate::action::{validate_schedule, Action, ActionError, Scheduled};
use crate::client::{Retry, Workload};
use crate::network::LinkConfig;
use crate::registry::{self, Settings};
use crate::run::{RunError, RunSpec, MAX_NODES};
use crate::sim::Sim;
use crate::time::{parse_duration, DurationError, Micros};

/// The version of the query format this build writes; it reads every version up to it.
pub const FORMAT_VERSION: u32 = 1;

/// The names a recipe's query uses for itself; a protocol's settings take other names.
pub const RECIPE_NAMES: &[&str] = &[
    "v", "protocol", "nodes", "seed", "load", "retry", "bugs", "net", "failures", "actions", "t",
];

/// The names the page itself reads from its address (embedding, speed, lessons): no
/// protocol's setting may take one.
pub const PAGE_NAMES: &[&str] = &[
    "embed", "autoplay", "speed", "panel", "z", "lesson", "step", "course",
];

/// What a run is made of, apart from the actions taken during it.
#[derive(Clone, Debug, PartialEq)]
pub struct Setup {
    /// The protocol's name in the registry.
    pub protocol: String,
    pub nodes: usize,
    pub seed: u64,
    /// The protocol's deliberate bugs switched on, by name.
    pub bugs: Vec<String>,
    /// Client operations per second from the start.
    pub load: u32,
    /// What those clients do after a timeout or an "unavailable" answer.
    pub retry: Retry,
    /// The network every link starts with.
    pub link: LinkConfig,
    /// Random failures and repairs of the nodes from the start, if any.
    pub failures: Option<crate::availability::Failures>,
    /// The protocol's own settings, by the names its description gives.
    pub settings: Settings,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            protocol: registry::default_name().to_string(),
            nodes: 5,
            seed: 1,
            bugs: Vec::new(),
            load: 5,
            retry: Retry::None,
            link: LinkConfig::default(),
            failures: None,
            settings: Settings::new(),
        }
    }
}

impl Setup {
    /// Checks settings that may come from a form or a URL: those of [`Setup::check_run`],
    /// and a client load the page can show (at most 1000 operations per second).
    pub fn validate(&self) -> Result<(), LinkError> {
        if self.load > 1000 {
            return Err(LinkError::Load(self.load));
        }
        self.check_run()
    }

    /// Checks that the set-up describes a valid run (as the command line needs, where the
    /// load may be higher): node count, workload, the protocol with its settings and bugs,
    /// and the network.
    pub fn check_run(&self) -> Result<(), LinkError> {
        self.normalised_settings()?;
        Ok(self.link.validate().map_err(ActionError::from)?)
    }

    /// The protocol's settings checked and normalised (defaults dropped).
    pub fn normalised_settings(&self) -> Result<Settings, LinkError> {
        if !(1..=MAX_NODES).contains(&self.nodes) {
            return Err(LinkError::ClusterSize(self.nodes));
        }
        Workload {
            rate_per_s: self.load,
            retry: self.retry,
            ..Workload::default()
        }
        .validate()
        .map_err(ActionError::from)?;
        let spec = self.spec(Vec::new());
        Ok(registry::find(&self.protocol)?.check(&self.settings, &self.bugs, &spec.env())?)
    }

    /// The protocol's description.
    pub fn about(&self) -> Result<&'static registry::About, RunError> {
        Ok(registry::find(&self.protocol)?.about())
    }

    /// Actions the set-up itself puts at the start of the schedule: the clients' workload
    /// (only for a protocol that serves them), the network's faults and random failures.
    pub fn own_actions(&self) -> usize {
        let serves = self.about().is_ok_and(|a| a.serves_clients());
        usize::from(self.load > 0 && serves)
            + usize::from(self.link != LinkConfig::default())
            + usize::from(self.failures.is_some())
    }

    /// The run this set-up describes, with `schedule` to come. Timeouts that must outlast a
    /// round trip are raised when the links are slow (through the spec's `round_trip_us`),
    /// or slow links would mean endless elections and failovers.
    pub fn spec(&self, schedule: Vec<Scheduled>) -> RunSpec {
        let mut spec = RunSpec::new(self.nodes, self.seed, 0);
        spec.protocol = self.protocol.clone();
        spec.settings = self.settings.clone();
        spec.bugs = self.bugs.clone();
        spec.round_trip_us = 2 * (self.link.latency_us + self.link.jitter_us);
        // As the command line does: no load, no workload action (so runs match exactly).
        let serves = self.about().is_ok_and(|a| a.serves_clients());
        spec.workload = (self.load > 0 && serves).then_some(Workload {
            rate_per_s: self.load,
            retry: self.retry,
            ..Workload::default()
        });
        if self.link != LinkConfig::default() {
            spec.schedule
                .push(Scheduled::at(0, Action::SetNetwork { link: self.link }));
        }
        if let Some(failures) = self.failures {
            spec.schedule.push(Scheduled::at(
                0,
                Action::SetFailures {
                    failures: Some(failures),
                },
            ));
        }
        spec.schedule.extend(schedule);
        spec
    }

    /// The world for this set-up with `schedule` to come, recording its trace, at time 0.
    pub fn sim(&self, schedule: Vec<Scheduled>) -> Result<Box<dyn Sim>, RunError> {
        let mut world = self.spec(schedule).sim(true)?;
        world.run_until(0);
        Ok(world)
    }

    /// Switches on a bug by name; it must be one of some protocol's bugs (whether it is the
    /// chosen protocol's is checked with the rest of the set-up).
    pub fn add_bug(&mut self, name: &str) -> Result<(), RunError> {
        if registry::owner_of_bug(name).is_none() {
            return Err(registry::unknown_bug(name));
        }
        if !self.bugs.iter().any(|b| b == name) {
            self.bugs.push(name.to_string());
        }
        Ok(())
    }

    /// The same set-up for another protocol: its settings and bugs are dropped.
    pub fn switch_protocol(&mut self, name: &str) -> Result<(), RunError> {
        registry::find(name)?;
        if self.protocol != name {
            self.protocol = name.to_string();
            self.settings = Settings::new();
            self.bugs.clear();
            self.fit_nodes();
        }
        Ok(())
    }

    /// The protocol's own cluster size when this one does not fit it: for a set-up that
    /// names a protocol and no size (a link with `protocol=two-generals` alone, which the
    /// usual five nodes would not fit).
    pub fn fit_nodes(&mut self) {
        if let Ok(about) = self.about() {
            let (min, max, default) = about.nodes;
            if self.nodes < min || self.nodes > max {
                self.nodes = default;
            }
        }
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
        if s.protocol != registry::default_name() {
            q.push_str(&format!("&protocol={}", s.protocol));
        }
        q.push_str(&format!("&nodes={}&seed={}", s.nodes, s.seed));
        // The clients' load and retries mean nothing to a protocol without clients.
        if s.about().is_ok_and(|a| a.serves_clients()) {
            q.push_str(&format!("&load={}", s.load));
            if s.retry != Retry::None {
                q.push_str(&format!("&retry={}", actions::format_retry(s.retry)));
            }
        }
        if !s.bugs.is_empty() {
            q.push_str(&format!("&bugs={}", s.bugs.join(",")));
        }
        // The protocol's settings in the order its description gives them.
        let order: Vec<&str> = s
            .about()
            .map(|a| a.settings.iter().map(|d| d.name).collect())
            .unwrap_or_default();
        let mut settings: Vec<(&str, &str)> = s.settings.iter().collect();
        crate::sort::by_key(&mut settings, |(name, _)| {
            order.iter().position(|o| o == name)
        });
        for (name, value) in settings {
            q.push_str(&format!("&{name}={value}"));
        }
        if s.link != LinkConfig::default() {
            q.push_str(&format!("&net={}", format_link(&s.link)));
        }
        if s.failures.is_some() {
            q.push_str(&format!(
                "&failures={}",
                actions::format_failures(s.failures)
            ));
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
    pub fn read_pair(&mut self, name: &str, value: &str) -> Result<bool, LinkError> {
        let number = |what: &'static str| {
            value.parse::<u64>().map_err(|_| LinkError::NotANumber {
                what,
                value: value.to_string(),
            })
        };
        let too_large = |what: &'static str| LinkError::TooLarge {
            what,
            value: value.to_string(),
        };
        match name {
            "v" => {
                let v = number("the format version v")?;
                if v == 0 || v > u64::from(FORMAT_VERSION) {
                    return Err(LinkError::Newer(v));
                }
            }
            "nodes" => {
                self.setup.nodes =
                    usize::try_from(number("nodes")?).map_err(|_| too_large("nodes"))?
            }
            "seed" => self.setup.seed = number("seed")?,
            "load" => {
                self.setup.load = u32::try_from(number("load")?).map_err(|_| too_large("load"))?
            }
            "protocol" => {
                registry::find(value)?;
                self.setup.protocol = value.to_string();
            }
            "bugs" => {
                self.setup.bugs.clear();
                for name in value.split(',').filter(|b| !b.is_empty()) {
                    self.setup.add_bug(name)?;
                }
            }
            "net" => self.setup.link = parse_link(value)?,
            "failures" => {
                self.setup.failures = actions::parse_failures(value).map_err(LinkError::Grammar)?
            }
            "retry" => self.setup.retry = actions::parse_retry(value)?,
            "actions" => self.schedule = parse_schedule(value)?,
            "t" => self.at_us = Some(parse_duration(value)?),
            // Any protocol's setting; whether it is the chosen protocol's is checked once
            // every pair is read, since `protocol` may come later in the query.
            _ if !registry::owners_of_setting(name).is_empty() => {
                self.setup.settings.set(name, value)
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Checks the whole recipe once all pairs are read (and sorts the schedule).
    pub fn finish(&mut self) -> Result<(), LinkError> {
        self.setup.validate()?;
        self.setup.settings = self.setup.normalised_settings()?;
        validate_schedule(&mut self.schedule, self.setup.nodes).map_err(RunError::from)?;
        crate::run::check_actions_for(self.setup.about()?, &self.schedule)
            .map_err(RunError::from)?;
        Ok(())
    }

    /// Reads a query made only of recipe names; unknown names are refused.
    pub fn from_query(query: &str) -> Result<Recipe, LinkError> {
        let mut recipe = Recipe::default();
        let mut sized = false;
        for (name, value) in query_pairs(query) {
            if !recipe.read_pair(name, value)? {
                return Err(LinkError::UnknownName(name.to_string()));
            }
            sized |= name == "nodes";
        }
        if !sized {
            recipe.setup.fit_nodes();
        }
        recipe.finish()?;
        Ok(recipe)
    }
}

/// Why a link (or a recipe read from one) was refused. A bad setting, bug or action of the
/// run it describes is a [`RunError`] inside.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("this link was made by a newer splitbrain (format version {0}; this page reads up to {FORMAT_VERSION})", FORMAT_VERSION = FORMAT_VERSION)]
    Newer(u64),
    #[error("{what} must be a whole number, not {value:?}")]
    NotANumber { what: &'static str, value: String },
    #[error("{what} {value} is too large")]
    TooLarge { what: &'static str, value: String },
    #[error("client load is at most 1000 ops/s, not {0}")]
    Load(u32),
    #[error("a cluster has between 1 and {MAX_NODES} nodes, not {0}", MAX_NODES = MAX_NODES)]
    ClusterSize(usize),
    #[error("unknown setting {0:?}")]
    UnknownName(String),
    /// Text the link's grammar cannot read (an action, a schedule, link settings, a
    /// retry policy), in words that name the part.
    #[error("{0}")]
    Grammar(String),
    #[error(transparent)]
    Duration(#[from] DurationError),
    #[error(transparent)]
    Run(#[from] RunError),
}

impl From<ActionError> for LinkError {
    fn from(error: ActionError) -> Self {
        LinkError::Run(RunError::Action(error))
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

    fn settings(pairs: &[(&str, &str)]) -> Settings {
        let mut s = Settings::new();
        for (name, value) in pairs {
            s.set(name, *value);
        }
        s
    }

    #[test]
    fn links_of_the_earlier_form_read_the_same_settings() {
        // Before the registry, links always wrote r and w, and defaults in full.
        let old = "v=1&protocol=quorum&nodes=5&seed=1&load=50&r=1&w=2&sloppy=0&repair=1&actions=5s@partition:0-1,35s@heal&t=12s";
        let recipe = Recipe::from_query(old).unwrap();
        assert_eq!(recipe.setup.settings, settings(&[("w", "2")]));
        assert_eq!(
            recipe.to_query(),
            "v=1&protocol=quorum&nodes=5&seed=1&load=50&w=2&actions=5s@partition:0-1,35s@heal&t=12s"
        );
        let old = "election=400ms&nodes=3";
        let recipe = Recipe::from_query(old).unwrap();
        assert_eq!(recipe.setup.settings, settings(&[("election", "400ms")]));
    }

    /// The set-up's own actions are exactly those it puts in the schedule, so the actions
    /// taken after them are all kept, for protocols with and without key-value clients.
    #[test]
    fn the_set_ups_own_actions_are_the_ones_it_schedules() {
        for query in [
            "v=1&protocol=rpc&nodes=3&seed=1&actions=0s@cut:2-0",
            "v=1&nodes=3&seed=1&actions=0s@cut:2-0",
            "v=1&nodes=3&seed=1&load=0&net=loss5&actions=0s@cut:2-0",
        ] {
            let recipe = Recipe::from_query(query).unwrap();
            let spec = recipe.setup.spec(recipe.schedule.clone());
            let mut world = recipe.setup.sim(recipe.schedule.clone()).unwrap();
            world.run_until(1);
            let own = recipe.setup.own_actions();
            let workload = usize::from(spec.workload.is_some());
            assert_eq!(
                world.schedule_so_far().len() - own,
                recipe.schedule.len(),
                "{query}: {own} own actions, workload {workload}"
            );
        }
    }

    #[test]
    fn a_setting_may_come_before_its_protocol() {
        let recipe = Recipe::from_query("r=2&w=2&protocol=quorum&nodes=3").unwrap();
        assert_eq!(recipe.setup.settings, settings(&[("r", "2"), ("w", "2")]));
    }

    #[test]
    fn no_setting_takes_a_name_of_the_recipe_or_the_page() {
        for p in registry::PROTOCOLS {
            for s in p.about().settings {
                assert!(
                    !RECIPE_NAMES.contains(&s.name) && !PAGE_NAMES.contains(&s.name),
                    "{}: {}",
                    p.about().name,
                    s.name
                );
            }
        }
    }

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
            let mut world = setup.sim(schedule.clone()).unwrap();
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
                bugs: vec!["forget-vote".into(), "commit-old-term".into()],
                load: 0,
                link: LinkConfig {
                    loss: Ppm::percent(3),
                    ..LinkConfig::default()
                },
                settings: settings(&[("election", "2.4s")]),
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
            protocol: "quorum".into(),
            nodes: 5,
            seed: 3,
            load: 40,
            bugs: vec!["blind-overwrite".into()],
            settings: settings(&[("n", "3"), ("r", "2"), ("conflict", "vv"), ("sloppy", "1")]),
            ..Setup::default()
        };
        let pb = Setup {
            protocol: "primary-backup".into(),
            seed: 4,
            retry: Retry::Backoff {
                base_us: 100_000,
                cap_us: 1_000_000,
                attempts: 4,
            },
            bugs: vec!["forget-epoch".into()],
            settings: settings(&[("sync", "1")]),
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
    fn a_link_without_a_size_runs_the_protocols_own_size_when_five_does_not_fit() {
        let two = Recipe::from_query("v=1&protocol=two-generals&seed=3").unwrap();
        assert_eq!(two.setup.nodes, 2);
        // Five fits Byzantine generals, so it stays; a size the link gives is kept or refused.
        let byz = Recipe::from_query("protocol=byzantine-generals").unwrap();
        assert_eq!(byz.setup.nodes, 5);
        let err = Recipe::from_query("protocol=two-generals&nodes=5").unwrap_err();
        assert!(err.to_string().contains("exactly 2 nodes, not 5"), "{err}");
        let sized = Recipe::from_query("nodes=3&protocol=byzantine-generals").unwrap();
        assert_eq!(sized.setup.nodes, 3);
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
            ("protocol=zab", "unknown protocol"),
            ("bugs=blind-overwrite", "belongs to quorum, not raft"),
            (
                "protocol=quorum&bugs=forget-vote",
                "belongs to raft, not quorum",
            ),
            (
                "protocol=quorum&nodes=3&r=4",
                "between 1 and the number of replicas (3)",
            ),
            ("protocol=quorum&n=0", "n must be between 1 and 64"),
            ("sync=1", "sync is a setting of primary-backup, not of raft"),
            ("election=1ms", "election must be between 10ms and 60s"),
            ("protocol=quorum&conflict=newest", "lww"),
            ("protocol=quorum&sloppy=yes", "1 (on) or 0 (off)"),
            ("retry=backoff1s", "backoffBASE~CAP~ATTEMPTS"),
            ("retry=fixed10ms~500", "at most 100 attempts"),
        ] {
            let err = Recipe::from_query(q).unwrap_err().to_string();
            assert!(err.contains(want), "{q}: {err}");
        }
    }

    #[test]
    fn a_link_error_says_which_kind_of_input_was_wrong() {
        use crate::about::SettingError;
        use crate::action::ActionError;
        let err = |q: &str| Recipe::from_query(q).unwrap_err();
        assert!(matches!(
            err("v=1&protocol=quorum&r=x"),
            LinkError::Run(RunError::Setting(SettingError::NotANumber { .. }))
        ));
        assert!(matches!(
            err("v=1&nodes=3&actions=1s@crash:7:keep"),
            LinkError::Run(RunError::Action(ActionError::InSchedule { .. }))
        ));
        assert!(matches!(
            err("v=1&bugs=no-such-bug"),
            LinkError::Run(RunError::UnknownBug { .. })
        ));
        assert!(matches!(err("v=1&actions=1s@dance"), LinkError::Grammar(_)));
        assert!(matches!(err("v=9"), LinkError::Newer(9)));
        assert!(matches!(err("v=1&t=-1s"), LinkError::Duration(_)));
    }
}

//! The protocol registry: every protocol the simulator runs, each describing itself as data
//! and listed once, in [`PROTOCOLS`].
//!
//! A protocol's folder implements [`Described`] for its node type: its name and title, its
//! settings (name, kind, range, default, one line of help), its deliberate bugs, its roles,
//! client operations and the properties its checkers promise, and how to turn checked
//! settings into its configuration. Everything else (recipes and links, the command line,
//! the page's set-up panel, the fuzzer, the CAP experiment) reads these descriptions and
//! builds worlds through [`Entry`], so nothing outside a protocol's folder and this list
//! needs to know which protocols exist.
//!
//! A crate outside this one adds its own protocol with [`register`] (say, at the start of its
//! tests, or in a page built with it); from then on it is found by name like the built-in
//! ones, so runs, links, the fuzzer and the page work for it unchanged.
//!
//! The registry hands out worlds as [`Sim`] trait objects: the kernel, compiled once,
//! driving the protocol's nodes through its typed layer (see [`crate::world`]).

pub use crate::protocol::{RoleDesc, Tone};
use crate::protocols::broadcast::BcNode;
use crate::protocols::byzantine::ByzGeneral;
use crate::protocols::checkpoint::CkNode;
use crate::protocols::clock_sync::CsNode;
use crate::protocols::failure_detector::FdNode;
use crate::protocols::flooding::FloodNode;
use crate::protocols::multi_paxos::MpNode;
use crate::protocols::overload::OvNode;
use crate::protocols::paxos::PaxosNode;
use crate::protocols::pbft::PbftNode;
use crate::protocols::primary_backup::PbNode;
use crate::protocols::queue::QNode;
use crate::protocols::quorum::QuorumNode;
use crate::protocols::raft::RaftNode;
use crate::protocols::rpc::RpcNode;
use crate::protocols::snapshot::SnapNode;
use crate::protocols::two_generals::General;
use crate::protocols::two_phase_commit::TpcNode;
use crate::run::{RunError, RunSpec};
use crate::sim::Sim;
use std::marker::PhantomData;
use std::sync::RwLock;

mod check;
pub use crate::about::*;
pub use check::check_settings;

/// Every built-in protocol, one line each. The first is the default. [`all`] adds the ones
/// registered from outside.
pub static PROTOCOLS: &[&dyn Entry] = &[
    &Of::<RaftNode>::IT,
    &Of::<QuorumNode>::IT,
    &Of::<PbNode>::IT,
    &Of::<General>::IT,
    &Of::<RpcNode>::IT,
    &Of::<ByzGeneral>::IT,
    &Of::<FloodNode>::IT,
    &Of::<PaxosNode>::IT,
    &Of::<MpNode>::IT,
    &Of::<PbftNode>::IT,
    &Of::<TpcNode>::IT,
    &Of::<FdNode>::IT,
    &Of::<OvNode>::IT,
    &Of::<QNode>::IT,
    &Of::<BcNode>::IT,
    &Of::<CsNode>::IT,
    &Of::<SnapNode>::IT,
    &Of::<CkNode>::IT,
];

/// Protocols added from outside this crate, in the order they were registered.
static REGISTERED: RwLock<Vec<&'static dyn Entry>> = RwLock::new(Vec::new());

/// Adds a protocol defined outside this crate (`register(&Of::<MyNode>::IT)`), so that it
/// is found by name like the built-in ones. Registering the same protocol again does
/// nothing; a second protocol under a name or a bug name already taken is refused, since
/// links name protocols and bugs alone.
pub fn register(entry: &'static dyn Entry) -> Result<(), RegisterError> {
    let about = entry.about();
    let mut registered = REGISTERED.write().unwrap_or_else(|e| e.into_inner());
    let known = PROTOCOLS.iter().chain(registered.iter());
    for other in known {
        let theirs = other.about();
        if std::ptr::eq(theirs, about) {
            return Ok(());
        }
        if theirs.name == about.name {
            return Err(RegisterError::NameTaken(about.name));
        }
        if let Some(bug) = about.bugs.iter().find(|b| theirs.bug(b.name).is_some()) {
            return Err(RegisterError::BugTaken {
                bug: bug.name,
                by: theirs.name,
            });
        }
    }
    if about.name.is_empty()
        || !about
            .name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(RegisterError::BadName(about.name));
    }
    let reserved = crate::recipe::RECIPE_NAMES
        .iter()
        .chain(crate::recipe::PAGE_NAMES);
    if let Some(taken) = reserved.into_iter().find(|n| about.setting(n).is_some()) {
        return Err(RegisterError::ReservedSetting(taken));
    }
    registered.push(entry);
    Ok(())
}

/// Why a protocol from outside was not registered.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RegisterError {
    #[error("a protocol called {0:?} is already registered")]
    NameTaken(&'static str),
    #[error("the bug name {bug:?} is taken by {by}; links name bugs alone, so pick another")]
    BugTaken { bug: &'static str, by: &'static str },
    #[error(
        "a protocol's name is lowercase letters, digits and dashes (it goes in links), not {0:?}"
    )]
    BadName(&'static str),
    #[error("a setting cannot be called {0:?}: links use that name for themselves")]
    ReservedSetting(&'static str),
}

/// Every protocol: the built-in ones, then those registered from outside.
pub fn all() -> Vec<&'static dyn Entry> {
    let registered = REGISTERED.read().unwrap_or_else(|e| e.into_inner());
    PROTOCOLS.iter().chain(registered.iter()).copied().collect()
}

/// The protocol registered under `name`, or a message listing the known names.
pub fn find(name: &str) -> Result<&'static dyn Entry, RunError> {
    let registered = REGISTERED.read().unwrap_or_else(|e| e.into_inner());
    let found = PROTOCOLS
        .iter()
        .chain(registered.iter())
        .copied()
        .find(|p| p.about().name == name);
    drop(registered);
    found.ok_or_else(|| RunError::UnknownProtocol {
        name: name.to_string(),
        available: names().join(", "),
    })
}

/// The protocols' names, in registry order.
pub fn names() -> Vec<&'static str> {
    all().iter().map(|p| p.about().name).collect()
}

/// The default protocol's name.
pub fn default_name() -> &'static str {
    PROTOCOLS[0].about().name
}

/// The error for a bug no protocol has, listing every protocol's bugs.
pub fn unknown_bug(bug: &str) -> RunError {
    let known: Vec<&str> = all()
        .iter()
        .flat_map(|p| p.about().bugs.iter().map(|b| b.name))
        .collect();
    RunError::UnknownBug {
        bug: bug.to_string(),
        known: known.join(", "),
    }
}

/// The protocol whose bug is called `bug`, if any.
pub fn owner_of_bug(bug: &str) -> Option<&'static About> {
    all()
        .into_iter()
        .map(|p| p.about())
        .find(|a| a.bugs.iter().any(|b| b.name == bug))
}

/// The protocols that have a setting called `name`.
pub fn owners_of_setting(name: &str) -> Vec<&'static About> {
    all()
        .into_iter()
        .map(|p| p.about())
        .filter(|a| a.setting(name).is_some())
        .collect()
}

/// A registered protocol, whatever its node type.
pub trait Entry: Sync {
    fn about(&self) -> &'static About;

    /// Checks settings and bugs and returns the settings normalised.
    fn check(&self, settings: &Settings, bugs: &[String], env: &Env) -> Result<Settings, RunError>;

    /// The world `spec` describes, checked first ([`RunSpec::validate_for`]: the same
    /// check `RunSpec::sim` makes, which builds its world here), so that a spec runs the
    /// same run whichever way its world is built; a spec of another protocol is refused.
    fn world(&self, spec: &RunSpec, record: bool) -> Result<Box<dyn Sim>, RunError>;

    /// The names of the checkers a world of `spec` runs, with when they check: what the
    /// description's properties must match.
    fn checkers(&self, spec: &RunSpec) -> Result<Vec<(&'static str, PropertyKind)>, RunError>;

    /// What the settings mean together, if the protocol has something to say (see
    /// [`Described::remark`]); `None` also when they are not valid.
    fn remark(&self, settings: &Settings, bugs: &[String], env: &Env) -> Option<String>;

    /// What the promises of `spec`'s configuration assume of the system (see
    /// [`Described::model`]).
    fn model(&self, spec: &RunSpec) -> Result<SystemModel, RunError>;

    /// The kinds of fault `spec`'s configuration allows (see [`Described::faults`]).
    fn faults(&self, spec: &RunSpec) -> Result<Faults, RunError>;

    /// How many faulty nodes `spec`'s configuration tolerates (see
    /// [`Described::tolerates`]).
    fn tolerates(&self, spec: &RunSpec) -> Result<u32, RunError>;
}

impl dyn Entry {
    /// Each node's card (see [`Described::card`]) after running `spec` to `until_us`
    /// (`None` for a node that is down).
    pub fn cards(
        &self,
        spec: &RunSpec,
        until_us: crate::time::Micros,
    ) -> Result<Vec<Option<crate::card::Card>>, RunError> {
        let mut world = self.world(spec, false)?;
        world.run_until(until_us);
        Ok((0..world.node_count()).map(|i| world.card(i)).collect())
    }
}

/// The registry's handle on protocol `P`.
pub struct Of<P>(PhantomData<fn() -> P>);

impl<P> Of<P> {
    pub const IT: Of<P> = Of(PhantomData);
}

/// Checks bug names against a description.
fn check_bugs(about: &About, bugs: &[String]) -> Result<(), RunError> {
    for bug in bugs {
        if about.bug(bug).is_some() {
            continue;
        }
        return Err(match owner_of_bug(bug) {
            Some(owner) => RunError::BugOfAnother {
                bug: bug.clone(),
                owner: owner.name,
                protocol: about.name,
            },
            None => unknown_bug(bug),
        });
    }
    Ok(())
}

/// `settings` and `bugs` checked against `about` for a cluster of `env.nodes` (the node
/// range, each bug, each setting) and the settings normalised: the part of configuring a
/// protocol that needs no protocol type, so it is compiled once.
fn checked(
    about: &'static About,
    settings: &Settings,
    bugs: &[String],
    env: &Env,
) -> Result<Settings, RunError> {
    let (min, max, _) = about.nodes;
    if env.nodes < min || env.nodes > max {
        let (protocol, nodes) = (about.name, env.nodes);
        return Err(if min == max {
            RunError::ExactlyNodes {
                protocol,
                min,
                nodes,
            }
        } else {
            RunError::NodesOfProtocol {
                protocol,
                min,
                max,
                nodes,
            }
        });
    }
    check_bugs(about, bugs)?;
    Ok(check_settings(about, settings)?)
}

/// A protocol's refusal of settings that are each fine but not together.
fn together(why: String) -> RunError {
    RunError::Setting(SettingError::Together(why))
}

impl<P: Described> Of<P> {
    /// The typed configuration for these settings.
    pub fn config(settings: &Settings, bugs: &[String], env: &Env) -> Result<P::Config, RunError> {
        let settings = checked(P::ABOUT, settings, bugs, env)?;
        Self::configure(&settings, bugs, env)
    }

    /// The configuration from settings already checked.
    fn configure(settings: &Settings, bugs: &[String], env: &Env) -> Result<P::Config, RunError> {
        let values = Values {
            about: P::ABOUT,
            settings,
            bugs,
        };
        P::configure(&values, env).map_err(together)
    }
}

impl<P: Described> Entry for Of<P> {
    fn about(&self) -> &'static About {
        P::ABOUT
    }

    fn check(&self, settings: &Settings, bugs: &[String], env: &Env) -> Result<Settings, RunError> {
        let settings = checked(P::ABOUT, settings, bugs, env)?;
        Self::configure(&settings, bugs, env)?;
        Ok(settings)
    }

    fn checkers(&self, spec: &RunSpec) -> Result<Vec<(&'static str, PropertyKind)>, RunError> {
        let config = Self::config(&spec.settings, &spec.bugs, &spec.env())?;
        let safety = P::invariants(&config, spec.nodes)
            .into_iter()
            .map(|c| (c.name(), PropertyKind::Safety));
        let at_end = P::end_properties(&config, spec.nodes)
            .into_iter()
            .map(|c| (c.name(), PropertyKind::AtEnd));
        Ok(safety.chain(at_end).collect())
    }

    fn remark(&self, settings: &Settings, bugs: &[String], env: &Env) -> Option<String> {
        let settings = checked(P::ABOUT, settings, bugs, env).ok()?;
        Self::configure(&settings, bugs, env).ok()?;
        P::remark(
            &Values {
                about: P::ABOUT,
                settings: &settings,
                bugs,
            },
            env,
        )
    }

    fn world(&self, spec: &RunSpec, record: bool) -> Result<Box<dyn Sim>, RunError> {
        let mut spec = spec.clone();
        // Validating checks and normalises the settings; they need no second check.
        spec.validate_for(self)?;
        let config = Self::configure(&spec.settings, &spec.bugs, &spec.env())?;
        let host = Box::new(crate::world::nodes::Typed::<P>::new(config, spec.nodes));
        Ok(Box::new(spec.kernel(host, record)))
    }

    fn model(&self, spec: &RunSpec) -> Result<SystemModel, RunError> {
        let config = Self::config(&spec.settings, &spec.bugs, &spec.env())?;
        Ok(P::model(&config))
    }

    fn faults(&self, spec: &RunSpec) -> Result<Faults, RunError> {
        let config = Self::config(&spec.settings, &spec.bugs, &spec.env())?;
        Ok(P::faults(&config))
    }

    fn tolerates(&self, spec: &RunSpec) -> Result<u32, RunError> {
        let config = Self::config(&spec.settings, &spec.bugs, &spec.env())?;
        Ok(P::tolerates(&config, spec.nodes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_every_protocol_describes_itself() {
        let names = names();
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len(), "{names:?}");
        for p in PROTOCOLS {
            let a = p.about();
            assert!(!a.title.is_empty() && !a.summary.is_empty(), "{}", a.name);
            assert!(!a.roles.is_empty(), "{} names no roles", a.name);
            assert!(!a.properties.is_empty(), "{} promises nothing", a.name);
            for s in a.settings {
                if let Some(d) = s.default {
                    crate::about::normalise(s, d)
                        .unwrap_or_else(|e| panic!("{}: default: {e}", a.name));
                }
            }
        }
    }

    #[test]
    fn bug_names_belong_to_one_protocol_only() {
        let mut all: Vec<&str> = PROTOCOLS
            .iter()
            .flat_map(|p| p.about().bugs.iter().map(|b| b.name))
            .collect();
        let n = all.len();
        all.sort();
        all.dedup();
        assert_eq!(
            all.len(),
            n,
            "a bug name is used twice: links name bugs alone"
        );
    }

    /// A protocol entry that only describes itself (all registration looks at).
    struct Described(&'static About);

    impl Entry for Described {
        fn about(&self) -> &'static About {
            self.0
        }
        fn check(&self, _: &Settings, _: &[String], _: &Env) -> Result<Settings, RunError> {
            unreachable!()
        }
        fn world(&self, _: &RunSpec, _: bool) -> Result<Box<dyn Sim>, RunError> {
            unreachable!()
        }
        fn checkers(&self, _: &RunSpec) -> Result<Vec<(&'static str, PropertyKind)>, RunError> {
            unreachable!()
        }
        fn remark(&self, _: &Settings, _: &[String], _: &Env) -> Option<String> {
            unreachable!()
        }
        fn model(&self, _: &RunSpec) -> Result<SystemModel, RunError> {
            unreachable!()
        }
        fn faults(&self, _: &RunSpec) -> Result<Faults, RunError> {
            unreachable!()
        }
        fn tolerates(&self, _: &RunSpec) -> Result<u32, RunError> {
            unreachable!()
        }
    }

    fn about(
        name: &'static str,
        settings: &'static [SettingDesc],
        bugs: &'static [BugDesc],
    ) -> &'static About {
        Box::leak(Box::new(About {
            name,
            title: "t",
            summary: "s",
            nodes: (1, 3, 3),
            settings,
            bugs,
            behaviours: &[],
            roles: &[],
            operations: &[],
            properties: &[],
            measures: &[],
            trigger: None,
            look: Look {
                called: "",
                holds: "",
                legend: ["", "", "", ""],
                era: None,
                mark: None,
                cut: None,
            },
        }))
    }

    #[test]
    fn a_protocol_from_outside_is_found_by_name_once_registered() {
        let entry: &'static dyn Entry =
            Box::leak(Box::new(Described(about("outside-1", &[], &[]))));
        assert!(find("outside-1").is_err());
        register(entry).unwrap();
        register(entry).unwrap(); // again: nothing changes
        assert_eq!(find("outside-1").unwrap().about().name, "outside-1");
        assert_eq!(names().iter().filter(|n| **n == "outside-1").count(), 1);
        assert_eq!(
            all().len(),
            PROTOCOLS.len() + names().len() - PROTOCOLS.len()
        );
    }

    #[test]
    fn registration_refuses_names_links_cannot_tell_apart() {
        let try_register = |a: &'static About| register(Box::leak(Box::new(Described(a))));
        let e = try_register(about("raft", &[], &[]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("already registered"), "{e}");
        static BUG: &[BugDesc] = &[BugDesc {
            name: "forget-epoch",
            breaks: "x",
        }];
        let e = try_register(about("outside-2", &[], BUG))
            .unwrap_err()
            .to_string();
        assert!(e.contains("taken by primary-backup"), "{e}");
        let e = try_register(about("Outside 3", &[], &[]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("lowercase"), "{e}");
        static SEED: &[SettingDesc] = &[SettingDesc {
            name: "seed",
            label: "seed",
            kind: SettingKind::Flag,
            default: Some("0"),
            help: "x",
        }];
        let e = try_register(about("outside-4", SEED, &[]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("\"seed\""), "{e}");
        assert!(find("outside-2").is_err() && find("outside-4").is_err());
    }
}

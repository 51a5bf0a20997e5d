//! What a protocol says about itself: its description (name, settings, bugs, behaviours,
//! roles, operations, properties, look) and the [`Described`] trait through which the
//! registry, the views and the fuzzer read it. The contract's layer: protocols depend on it,
//! and it names no protocol and none of the engine that runs them.

use crate::ids::NodeId;
use crate::protocol::{Protocol, Role, RoleDesc};
use crate::time::Micros;
use serde::Serialize;

mod bugs;
mod faults;
mod settings;
pub use faults::{FaultKind, Faults};
pub(crate) use settings::normalise;
pub use settings::{
    Choice, Duration, Env, Flag, Maybe, Number, Pick, Reads, Setting, SettingDesc, SettingError,
    SettingKind, Settings, Values,
};

/// What a protocol says about itself.
#[derive(Debug, Serialize)]
pub struct About {
    /// The name used in links, on the command line and in reports (`raft`).
    pub name: &'static str,
    /// The name in a menu (`Raft (consensus)`).
    pub title: &'static str,
    /// The protocol in one sentence.
    pub summary: &'static str,
    /// How many nodes a cluster of it may have, and how many it has by default
    /// (`(min, max, default)`).
    pub nodes: (usize, usize, usize),
    pub settings: &'static [SettingDesc],
    pub bugs: &'static [BugDesc],
    /// Ways a node of this protocol can be made to lie (Byzantine behaviours).
    pub behaviours: &'static [BehaviourDesc],
    pub roles: &'static [RoleDesc],
    /// What clients can ask of it.
    pub operations: &'static [OperationDesc],
    /// The properties its checkers promise.
    pub properties: &'static [PropertyDesc],
    /// What its meter measures over a run, in the order of its readings (see
    /// [`crate::check::Meter`]); empty for a protocol without one.
    pub measures: &'static [MeasureDesc],
    /// The action a person may take at a node by hand ([`crate::action::Action::Trigger`],
    /// [`crate::protocol::Protocol::on_trigger`]), as a button says it before the node (`start a snapshot
    /// at n2`); `None` for a protocol without one.
    pub trigger: Option<&'static str>,
    /// How a page shows it.
    pub look: Look,
}

/// How a page shows a protocol: what it is called in a sentence, what its safety checkers
/// guard, what its four message colours mean and what its era is called.
#[derive(Debug, Serialize)]
pub struct Look {
    /// Its name inside a sentence (`the quorum store`).
    pub called: &'static str,
    /// What its safety checkers guard, said while they hold (`All Raft safety properties
    /// hold so far`).
    pub holds: &'static str,
    /// What each of the four message colours means ([`Described::colour_of`]): control
    /// traffic, data sent out, replies, anything else; empty for a colour it does not use.
    pub legend: [&'static str; 4],
    /// Its era (term, epoch) as (the prefix under a node's name, its name); `None` if it
    /// has none.
    pub era: Option<(&'static str, &'static str)>,
    /// What the space-time diagram's ticks on a lane mean (the notes that say
    /// [`crate::protocol::Note::is_mark`]: the broadcast's deliveries to the application),
    /// for its legend; `None` for a protocol without them.
    pub mark: Option<&'static str>,
    /// What the dashed lines the diagram draws across the lanes mean (through the points
    /// of [`crate::protocol::Note::cut`]: a snapshot's cut), for its legend; `None` for a
    /// protocol without them.
    pub cut: Option<&'static str>,
}

/// One role for every node, none of them leading: the roles of a protocol whose nodes are
/// all alike (the default of [`crate::protocol::Protocol::ROLES`] and [`About::new`]).
pub const ONE_ROLE: &[RoleDesc] = &[RoleDesc {
    code: 0,
    name: "node",
    label: "node",
    leads: false,
    tone: crate::protocol::Tone::Steady,
}];

impl Look {
    /// The look of a protocol that says little of itself: `called` in sentences, its
    /// checkers' safety properties said to hold, four message colours named by what they
    /// usually carry, and no era.
    pub const fn plain(called: &'static str) -> Look {
        Look {
            called,
            holds: "Every safety property checked so far holds",
            legend: ["control", "request or data", "reply", "other"],
            era: None,
            mark: None,
            cut: None,
        }
    }
}

impl About {
    /// A description with only its names and summary given; the rest is what most
    /// protocols start from, to be replaced field by field with struct update syntax
    /// (`About { settings: &[..], ..About::new("lease", "Leases", "one holder at a time") }`):
    /// 1 to 16 nodes (3 by default), no settings, bugs, lies or client operations, one role
    /// (every node alike, [`ONE_ROLE`]), no properties, and the plain [`Look::plain`] with
    /// the title in its sentences.
    pub const fn new(name: &'static str, title: &'static str, summary: &'static str) -> About {
        About {
            name,
            title,
            summary,
            nodes: (1, 16, 3),
            settings: &[],
            bugs: &[],
            behaviours: &[],
            roles: ONE_ROLE,
            operations: &[],
            properties: &[],
            measures: &[],
            trigger: None,
            look: Look::plain(title),
        }
    }

    pub fn setting(&self, name: &str) -> Option<&'static SettingDesc> {
        self.settings.iter().find(|s| s.name == name)
    }

    pub fn bug(&self, name: &str) -> Option<&'static BugDesc> {
        self.bugs.iter().find(|b| b.name == name)
    }

    pub fn behaviour(&self, name: &str) -> Option<&'static BehaviourDesc> {
        self.behaviours.iter().find(|b| b.name == name)
    }

    pub fn property(&self, name: &str) -> Option<&'static PropertyDesc> {
        self.properties.iter().find(|p| p.name == name)
    }

    /// Whether the protocol promises the property called `name` (a violation of an
    /// unknown name counts as promised: it is a bug either way).
    pub fn promises(&self, name: &str) -> bool {
        self.property(name).is_none_or(|p| p.promised)
    }

    /// Whether clients can ask anything of it.
    pub fn serves_clients(&self) -> bool {
        !self.operations.is_empty()
    }

    /// The description of the role with this code.
    pub fn role(&self, role: crate::protocol::Role) -> Option<&'static RoleDesc> {
        self.roles.iter().find(|r| r.code == role.0)
    }

    /// Whether any of its roles leads the others (a leader, a primary, a coordinator).
    pub fn has_leaders(&self) -> bool {
        self.roles.iter().any(|r| r.leads)
    }
}

#[derive(Debug, Serialize)]
pub struct BugDesc {
    pub name: &'static str,
    /// What breaks when it is switched on.
    pub breaks: &'static str,
}

#[derive(Debug, Serialize)]
pub struct BehaviourDesc {
    pub name: &'static str,
    pub does: &'static str,
}

#[derive(Debug, Serialize)]
pub struct OperationDesc {
    pub name: &'static str,
    pub help: &'static str,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PropertyKind {
    /// Checked after every event; broken at the event that breaks it.
    Safety,
    /// Checked at the end of a run (or when the run is quiet).
    AtEnd,
}

#[derive(Debug, Serialize)]
pub struct PropertyDesc {
    /// The checker's name, as violations name it.
    pub name: &'static str,
    pub kind: PropertyKind,
    pub promise: &'static str,
    /// Whether the protocol promises it. A property it does not promise is one the
    /// lessons show broken (two generals cannot promise to decide alike over a lossy
    /// link); the checker still looks for it, and the fuzzer must find it broken.
    pub promised: bool,
}

/// A quantity a protocol measures over a run (how long a crash takes to be noticed, how
/// many suspicions were wrong), read from its meter ([`crate::check::Meter`]) and shown,
/// and drawn over time, by a page.
#[derive(Debug, Serialize)]
pub struct MeasureDesc {
    /// Its name in a legend and a claim (`detection time`).
    pub name: &'static str,
    pub unit: Unit,
    /// What a run without a reading has, in words: "none yet" for a measure still waiting
    /// for its first event, or why it does not apply ("off: AIMD is not on").
    pub none: &'static str,
    /// What it measures, in a sentence.
    pub help: &'static str,
}

/// The unit of a measure's readings, which are whole numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Unit {
    /// Microseconds, shown as a person reads a duration (`1.2 s`, `350 ms`).
    Duration,
    /// A number of things.
    Count,
    /// Thousandths of a thing per minute, shown as a rate (`2.5 per minute`).
    PerMinute,
    /// Thousandths of a thing per second, shown as a rate (`76.0 per second`).
    PerSecond,
}

impl MeasureDesc {
    /// A reading in words (`350 ms`, `3`, `2.5 per minute`); `None` is the measure's
    /// [`MeasureDesc::none`].
    pub fn show(&self, reading: Option<i64>) -> String {
        match reading {
            Some(value) => self.unit.show(value),
            None => self.none.into(),
        }
    }
}

impl Unit {
    /// A value of this unit in words (`350 ms`, `3`, `2.5 per minute`); a duration or rate
    /// below zero is shown as zero.
    pub fn show(self, value: i64) -> String {
        match self {
            Unit::Duration => rounded_duration(value.max(0) as u64),
            Unit::Count => value.to_string(),
            Unit::PerMinute | Unit::PerSecond => {
                let tenths = (value.max(0) + 50) / 100;
                let per = if self == Unit::PerMinute {
                    "minute"
                } else {
                    "second"
                };
                format!("{}.{} per {per}", tenths / 10, tenths % 10)
            }
        }
    }
}

/// A figure a protocol's meter draws besides its readings (its data come from
/// [`crate::check::Meter::figures`] as a [`crate::check::Figure`]): lines over simulated
/// time, one per node, with the intervals the nodes claimed along them; or a scatter of
/// points against a guide. What it is called, its axes and what each of its marks means
/// are said here, once, so that a page can draw any protocol's figures and a legend for
/// every mark without knowing the protocol.
#[derive(Debug, Serialize)]
pub struct FigureDesc {
    /// Its title (`each clock against true time`).
    pub name: &'static str,
    /// What it shows, in a sentence or two.
    pub help: &'static str,
    /// A scatter's horizontal axis; `None` for lines, whose axis is simulated time.
    pub x: Option<FigureAxis>,
    /// The vertical axis (its values may be negative).
    pub y: FigureAxis,
    /// What a line or a point is, for the legend (`a node's clock`).
    pub mark: &'static str,
    /// What a claimed interval along a line is, or what a scatter's guide is, for the
    /// legend.
    pub claim: &'static str,
    /// What a point outside its claim is, for the legend.
    pub beyond: &'static str,
    /// A scatter's guide: the lines y = x · num / den and y = −x · num / den (the bound
    /// half a round trip claims is `(1, 2)`), between which a point keeps its claim.
    pub guide: Option<(i64, i64)>,
}

/// An axis of a figure: what it reads, in a caption's words without its unit, and the
/// unit of its values.
#[derive(Debug, Serialize)]
pub struct FigureAxis {
    pub name: &'static str,
    pub unit: Unit,
}

impl FigureAxis {
    /// A value in words, signed where it can be negative (`+20.0 ms`, `−45.0 ms`, `0 s`);
    /// a duration to about three figures.
    pub fn show(&self, value: i64, signed: bool) -> String {
        let sign = match value.signum() {
            1 if signed => "+",
            -1 => "−",
            _ => "",
        };
        format!("{sign}{}", self.unit.show(value.saturating_abs()))
    }
}

/// A measured duration as a person reads it, to about three figures: `850 µs`, `90.6 ms`,
/// `206 ms`, `1.94 s`, `12.5 s`.
fn rounded_duration(us: Micros) -> String {
    let ms = crate::time::MICROS_PER_MS;
    let sec = crate::time::MICROS_PER_SEC;
    let decimal = |value: Micros, unit: Micros, places: u32| {
        let scale = 10u64.pow(places);
        let scaled = (value * scale + unit / 2) / unit;
        let (whole, part) = (scaled / scale, scaled % scale);
        if places == 0 {
            whole.to_string()
        } else {
            format!("{whole}.{part:0width$}", width = places as usize)
        }
    };
    if us == 0 {
        "0 s".into()
    } else if us < ms {
        format!("{us} µs")
    } else if us < 100 * ms - ms / 20 {
        format!("{} ms", decimal(us, ms, 1))
    } else if us < sec - ms / 2 {
        format!("{} ms", decimal(us, ms, 0))
    } else if us < 10 * sec - sec / 200 {
        format!("{} s", decimal(us, sec, 2))
    } else {
        format!("{} s", decimal(us, sec, 1))
    }
}

/// The Byzantine behaviour every protocol can take: a node that keeps running and sends
/// nothing (the default of [`crate::protocol::Protocol::lie`]).
pub const SILENT: BehaviourDesc = BehaviourDesc {
    name: "silent",
    does: "keeps running but sends nothing, as if every message it sent were lost",
};

/// The operations of a protocol that serves the key-value clients.
pub const KV_OPERATIONS: &[OperationDesc] = &[
    OperationDesc {
        name: "get",
        help: "read a key",
    },
    OperationDesc {
        name: "put",
        help: "write a value to a key",
    },
    OperationDesc {
        name: "cas",
        help: "compare-and-set: write a new value only if the key holds the expected one",
    },
];

/// A protocol that describes itself for the registry.
pub trait Described: Protocol {
    const ABOUT: &'static About;

    /// The protocol's configuration from checked settings and bugs. Checks that span
    /// settings (a read quorum no larger than the replicas) belong here.
    fn configure(values: &Values<'_>, env: &Env) -> Result<Self::Config, String>;

    /// What an inspector shows of this node's state.
    fn card(&self) -> crate::card::Card {
        crate::card::Card::default()
    }

    /// Which of the four message colours of [`Look::legend`] a message gets.
    fn colour_of(msg: &Self::Msg) -> u8 {
        let _ = msg;
        3
    }

    /// A timer worth drawing as a countdown around its node, with its longest span;
    /// `None` for timers not worth drawing.
    fn countdown(timer: &Self::Timer, config: &Self::Config) -> Option<Micros> {
        let _ = (timer, config);
        None
    }

    /// One of its events told as a step of the story, in its own terms (`n4's election
    /// timer ran out: it stands for term 2`), for a page's narration, with what [`Scene`] shows
    /// of the run to say what the event means for it; `None` leaves the event to the engine's
    /// plain words (see [`crate::view::narration`]), or untold; an empty sentence keeps an
    /// event the engine would tell out of the story (one a note already told).
    fn narrate(e: &crate::trace::EventKind, scene: &dyn Scene<Self>) -> Option<String> {
        let _ = (e, scene);
        None
    }

    /// The value of key `key` as this node holds it (for a compare-and-set button).
    fn local_value(&self, key: crate::client::Key) -> Option<crate::client::Value> {
        self.stored(key).into_iter().max()
    }

    /// A sentence on what the chosen settings mean together (`R+W=4 > N=3: reads meet
    /// writes`), for the set-up panel; `None` when there is nothing to add.
    fn remark(values: &Values<'_>, env: &Env) -> Option<String> {
        let _ = (values, env);
        None
    }

    /// What the protocol's promises assume of the system with this configuration, which
    /// the fuzzer keeps to.
    fn model(config: &Self::Config) -> SystemModel {
        let _ = config;
        SystemModel::Asynchronous
    }

    /// The kinds of fault the protocol's promises allow with this configuration, which the
    /// fuzzer keeps to (a lease that assumes clocks never jump leaves out
    /// [`FaultKind::ClockStep`]); every kind by default.
    fn faults(config: &Self::Config) -> Faults {
        let _ = config;
        Faults::ALL
    }

    /// How many nodes may be faulty (lie, or crash under a crash-stop model) while the
    /// protocol still keeps its promises, with this configuration on `nodes` nodes: the
    /// fuzzer's default number of traitors.
    fn tolerates(config: &Self::Config, nodes: usize) -> u32 {
        let _ = (config, nodes);
        0
    }
}

/// The synchronous model's links: a message takes at most this latency plus at most
/// [`SYNCHRONOUS_JITTER_US`] more, so [`SYNCHRONOUS_DELAY_BOUND_US`] is the known bound on
/// delay that the model promises (the fuzzer keeps to it).
pub const SYNCHRONOUS_LATENCY_US: Micros = 20 * crate::time::MICROS_PER_MS;
/// See [`SYNCHRONOUS_LATENCY_US`].
pub const SYNCHRONOUS_JITTER_US: Micros = 15 * crate::time::MICROS_PER_MS;
/// The longest a message between correct nodes takes in the synchronous model.
pub const SYNCHRONOUS_DELAY_BOUND_US: Micros = SYNCHRONOUS_LATENCY_US + SYNCHRONOUS_JITTER_US;

/// The system a protocol's promises are made for (the course's system models).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SystemModel {
    /// Anything the fuzzer has: links that lose, delay, duplicate, corrupt and partition
    /// messages, crashes with restarts (disks kept), pauses, slow nodes, clocks that skew
    /// and drift.
    Asynchronous,
    /// Synchronous rounds: every message between correct nodes arrives within a known
    /// bound (links may delay, reorder and duplicate within it, never lose); the only
    /// faults are the ones the protocol counts: its traitors and, with `crashes`, nodes that
    /// crash and stay down, at most [`Described::tolerates`] in all.
    Synchronous { crashes: bool },
}

/// What the engine tells a narration of the moment of the event it tells (the protocol's
/// own side of the run, its nodes and configuration, it has itself).
pub trait Around {
    /// The time of the event.
    fn now(&self) -> Micros;
    /// The roles (with their terms) `node` took before this event, newest first, at most
    /// `max`, as far as the kept trace tells.
    fn roles_before(&self, node: NodeId, max: usize) -> Vec<(Role, u64)>;
}

/// What a protocol's narration may read of the run, at the moment of the event it tells:
/// the run's view through [`Described::narrate`], narrower than the engine's world, so that
/// protocols depend on nothing above this layer.
pub trait Scene<P: Protocol> {
    /// The time of the event.
    fn now(&self) -> Micros;
    /// The protocol's configuration.
    fn config(&self) -> &P::Config;
    /// How many nodes the cluster has.
    fn cluster_size(&self) -> usize;
    /// Node `id`'s state; `None` while it is down.
    fn node(&self, id: NodeId) -> Option<&P>;
    /// Node `id`'s disk (kept while it is down).
    fn disk(&self, id: NodeId) -> &P::Disk;
    /// The roles (with their terms) `node` took before this event, newest first, at most
    /// `max`, as far as the kept trace tells.
    fn roles_before(&self, node: NodeId, max: usize) -> Vec<(Role, u64)>;

    /// The nodes that lead on a side of `groups` without a majority.
    fn leaders_cut_off(&self, groups: &[Vec<NodeId>]) -> Vec<NodeId> {
        let n = self.cluster_size();
        groups
            .iter()
            .filter(|g| g.len() * 2 <= n)
            .flatten()
            .copied()
            .filter(|id| {
                self.node(*id)
                    .is_some_and(|node| P::leads(node.status().role))
            })
            .collect()
    }
}

#[cfg(test)]
mod measure_tests {
    use super::*;

    #[test]
    fn readings_are_shown_as_people_read_them() {
        let d = MeasureDesc {
            name: "d",
            unit: Unit::Duration,
            none: "none yet",
            help: "",
        };
        let shown: Vec<String> = [850, 90_586, 99_990, 206_126, 999_600, 1_940_586, 12_460_000]
            .map(|v| d.show(Some(v)))
            .to_vec();
        assert_eq!(
            shown,
            ["850 µs", "90.6 ms", "100 ms", "206 ms", "1.00 s", "1.94 s", "12.5 s"]
        );
        assert_eq!(d.show(Some(0)), "0 s");
        let rate = MeasureDesc {
            name: "r",
            unit: Unit::PerMinute,
            none: "none yet",
            help: "",
        };
        assert_eq!(rate.show(Some(84_000)), "84.0 per minute");
        assert_eq!(rate.show(Some(2_449)), "2.4 per minute");
        assert_eq!(rate.show(None), "none yet");
        let load = MeasureDesc {
            name: "l",
            unit: Unit::PerSecond,
            none: "none yet",
            help: "",
        };
        assert_eq!(load.show(Some(75_816)), "75.8 per second");
    }
}

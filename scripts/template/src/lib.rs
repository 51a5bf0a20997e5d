//! __NAME__: a protocol for splitbrain's simulator, made from its template. Replace what is
//! here with your own protocol; the shape stays.
//!
//! What it does now: every node starts with a number of its own and tells the others, again
//! and again, the largest number it has heard of (gossip). It promises that no honest node
//! ever holds less than the number it started with (checked after every event), and that
//! once the network has settled every honest node that is up holds the same number
//! (checked at the end). Two deliberate bugs break one promise each, and the tests make
//! sure the fuzzer finds both.

use serde::{Deserialize, Serialize};
use splitbrain_core::about::{
    About, Described, Duration, Env, PropertyDesc, PropertyKind, Setting, SettingDesc, SettingKind,
    Values,
};
use splitbrain_core::check::{self, CheckView, EndProperty, Invariant};
use splitbrain_core::ids::NodeId;
use splitbrain_core::protocol::{Ctx, Durable, Message, NoNotes, Protocol};
use splitbrain_core::registry;
use splitbrain_core::rng::SimRng;
use splitbrain_core::time::{Micros, MICROS_PER_MS};

/// Adds the protocol to splitbrain's registry (again changes nothing), so that runs, links,
/// the fuzzer and the page find it by name.
pub fn register() {
    registry::register(&registry::Of::<Node>::IT).expect("the protocol's name is free");
}

splitbrain_core::bugs! {
    /// The deliberate bugs: each must break a property the fuzzer finds broken.
    pub enum Bug {
        /// A node keeps the last number it heard instead of the largest.
        TakeLatest = "take-latest": "a node keeps the last number it heard, not the largest, so it can fall below its own",
        /// A node gossips only when it starts.
        GossipOnce = "gossip-once": "a node tells the others only when it starts, so one lost message can leave a node behind for good",
    }
}

/// The protocol's configuration, made from its settings and bugs by `configure`.
#[derive(Clone, Debug)]
pub struct Config {
    pub every_us: Micros,
    pub bugs: Vec<Bug>,
}

impl Config {
    fn has(&self, bug: Bug) -> bool {
        self.bugs.contains(&bug)
    }
}

/// The number node `id` starts with.
pub fn start_value(id: NodeId) -> u64 {
    (u64::from(id.0) * 37 + 11) % 100
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Msg {
    /// The largest number the sender has heard of.
    Largest { value: u64 },
}

// A message's kind is its variant's name (`Largest`) unless `kind` says otherwise.
impl Message for Msg {
    fn corrupt(&self, rng: &mut SimRng) -> Self {
        let Msg::Largest { value } = self;
        Msg::Largest {
            value: value ^ (1 << rng.below(7)),
        }
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        let Msg::Largest { value } = self;
        vec![("value", value.to_string())]
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Timer {
    Gossip,
}

/// What survives a crash: the largest number written down.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Disk {
    pub largest: Option<u64>,
}

impl Durable for Disk {
    type Write = u64;
    fn apply(&mut self, largest: u64) {
        self.largest = Some(largest);
    }
}

#[derive(Clone, Debug)]
pub struct Node {
    config: Config,
    value: u64,
}

impl Node {
    /// The number it holds.
    pub fn value(&self) -> u64 {
        self.value
    }

    fn gossip(&self, ctx: &mut Ctx<'_, Node>) {
        for peer in ctx.peers() {
            ctx.send(peer, Msg::Largest { value: self.value });
        }
        if !self.config.has(Bug::GossipOnce) {
            ctx.set_timer(Timer::Gossip, self.config.every_us);
        }
    }
}

impl Protocol for Node {
    type Msg = Msg;
    type Timer = Timer;
    type Disk = Disk;
    type Config = Config;
    type Note = NoNotes;

    fn boot(id: NodeId, _nodes: usize, config: &Config, disk: &Disk) -> Self {
        Node {
            config: config.clone(),
            value: start_value(id).max(disk.largest.unwrap_or(0)),
        }
    }

    fn on_start(&mut self, ctx: &mut Ctx<'_, Node>) {
        self.gossip(ctx);
    }

    fn on_recover(&mut self, ctx: &mut Ctx<'_, Node>) {
        self.gossip(ctx);
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, Node>, _from: NodeId, msg: Msg) {
        let Msg::Largest { value } = msg;
        let next = if self.config.has(Bug::TakeLatest) {
            value
        } else {
            self.value.max(value)
        };
        if next != self.value {
            self.value = next;
            ctx.persist(next);
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, Node>, Timer::Gossip: Timer) {
        self.gossip(ctx);
    }

    fn timer_text(_: &Timer) -> String {
        "tell the others again".into()
    }

    fn invariants(_: &Config, _nodes: usize) -> Vec<Box<dyn Invariant<Node>>> {
        vec![check::invariant(&NEVER_BELOW_ITS_OWN, |view: &View| {
            for (id, node) in view.up_nodes().filter(|(id, _)| view.is_honest(*id)) {
                if node.value < start_value(id) {
                    return Err(format!(
                        "{id} holds {}, below the {} it started with",
                        node.value,
                        start_value(id)
                    ));
                }
            }
            Ok(())
        })]
    }

    fn end_properties(_: &Config, _nodes: usize) -> Vec<Box<dyn EndProperty<Node>>> {
        vec![check::at_end(&ALL_AGREE, |view: &View| {
            let mut honest = view.up_nodes().filter(|(id, _)| view.is_honest(*id));
            let Some((first, node)) = honest.next() else {
                return Ok(());
            };
            match honest.find(|(_, other)| other.value != node.value) {
                Some((id, other)) => Err(format!(
                    "{first} holds {} but {id} holds {}",
                    node.value, other.value
                )),
                None => Ok(()),
            }
        })]
    }
}

/// What a property sees of the run: every node's state and disk, and the engine's facts.
type View<'a> = CheckView<'a, Node>;

const NEVER_BELOW_ITS_OWN: PropertyDesc = PropertyDesc {
    name: "never below its own",
    kind: PropertyKind::Safety,
    promise: "no honest node ever holds less than the number it started with",
    promised: true,
};

const ALL_AGREE: PropertyDesc = PropertyDesc {
    name: "all agree",
    kind: PropertyKind::AtEnd,
    promise: "once the network has settled, every honest node that is up holds the same number",
    promised: true,
};

const EVERY: Setting<Duration> = Setting::<Duration>::new(SettingDesc {
    name: "every",
    label: "gossip every",
    kind: SettingKind::Duration {
        min_us: 10 * MICROS_PER_MS,
        max_us: 2_000 * MICROS_PER_MS,
    },
    default: Some("200ms"),
    help: "how often a node tells the others the largest number it has heard of",
});

const ABOUT: About = About {
    settings: &[EVERY.desc],
    bugs: Bug::TABLE,
    properties: &[NEVER_BELOW_ITS_OWN, ALL_AGREE],
    ..About::new(
        "__NAME__",
        "__NAME__ (gossip, from the template)",
        "every node tells the others the largest number it has heard of, until all agree",
    )
};

impl Described for Node {
    const ABOUT: &'static About = &ABOUT;

    fn configure(values: &Values<'_>, _env: &Env) -> Result<Config, String> {
        Ok(Config {
            every_us: values.get(&EVERY),
            bugs: values.bugs(Bug::parse),
        })
    }
}

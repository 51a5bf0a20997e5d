//! A protocol written outside splitbrain's core, as a student would write one: a majority
//! register (the ABD algorithm of Attiya, Bar-Noy and Dolev), a key-value store without a
//! leader that stays linearizable while fewer than half of its replicas are down or cut off.
//!
//! The crate shows everything a protocol needs to run in splitbrain's simulator and page:
//! - the node as a state machine ([`node`], splitbrain's `Protocol` trait), its messages
//!   ([`msg`]) and what it keeps on disk;
//! - its safety properties as checkers that read the nodes after every event ([`checkers`]);
//! - its description for the registry (settings, bugs, roles, properties, its look), and
//!   [`register`], which adds it to the registry so that runs, links, the fuzzer and the page
//!   find it by name (`abd`).
//!
//! Its tests (`tests/register.rs`) run it with faults, fuzz it, check its clients' history
//! for linearizability, and make sure the fuzzer finds each of its deliberate bugs; they run
//! natively (`cargo test`) and in a browser (`wasm-pack test --headless --chrome`).

pub mod checkers;
pub mod msg;
pub mod node;

pub use msg::{AbdMsg, Tag};
pub use node::AbdNode;

use splitbrain_core::card::{Card, Row};
use splitbrain_core::protocol::Tone;
use splitbrain_core::registry::{
    self, About, Described, Env, Look, RoleDesc, SettingDesc, SettingKind, Values, KV_OPERATIONS,
    SILENT,
};
use splitbrain_core::registry::{Duration, Setting};
use splitbrain_core::time::MICROS_PER_MS;

/// Adds the register to splitbrain's registry (doing it again changes nothing).
pub fn register() {
    registry::register(&registry::Of::<AbdNode>::IT).expect("the name abd is free");
}

splitbrain_core::bugs! {
    /// The deliberate bugs: each breaks a property the fuzzer must find broken.
    pub enum AbdBug {
        /// A read answers after its query phase, without storing back what it read.
        SkipWriteBack = "skip-write-back": "a read answers without storing back what it read, so a later read can return an older value",
        /// Phases finish with one answer fewer than a majority.
        MinorityQuorum = "minority-quorum": "phases finish with one answer fewer than a majority, so a read's replicas can miss a write's",
        /// A replica acknowledges a store it keeps only in memory.
        StoreInMemory = "store-in-memory": "replicas acknowledge stores before they are on disk, so a crash forgets acknowledged writes",
        /// A write's tag comes from what its query heard only, so two concurrent writes at one
        /// coordinator can take the same tag.
        SameTag = "same-tag": "two concurrent writes at one replica can take the same tag, so replicas keep different values under one version; only the clients' history shows it",
    }
}

#[derive(Clone, Debug)]
pub struct AbdConfig {
    /// How long a coordinator waits before sending an unanswered phase again.
    pub resend_us: u64,
    pub bugs: Vec<AbdBug>,
}

impl Default for AbdConfig {
    fn default() -> Self {
        AbdConfig {
            resend_us: 100 * MICROS_PER_MS,
            bugs: Vec::new(),
        }
    }
}

/// One role: every node is a replica, and coordinates its own clients' operations.
pub const ROLES: &[RoleDesc] = &[RoleDesc {
    code: 0,
    name: "replica",
    label: "replica",
    leads: false,
    tone: Tone::Steady,
}];

const RESEND: Setting<Duration> = Setting::<Duration>::new(SettingDesc {
    name: "resend",
    label: "resend after",
    kind: SettingKind::Duration {
        min_us: 10 * MICROS_PER_MS,
        max_us: 1_000 * MICROS_PER_MS,
    },
    default: Some("100ms"),
    help: "how long a coordinator waits for answers before asking again",
});

const ABOUT: About = About {
    name: "abd",
    title: "Majority register (ABD, built outside the core)",
    summary: "reads and writes each ask a majority of replicas, in two phases, with no leader; a read writes back what it read",
    nodes: (1, 15, 5),
    settings: &[RESEND.desc],
    bugs: AbdBug::TABLE,
    behaviours: &[SILENT],
    roles: ROLES,
    // Get and put; not compare-and-set, which needs the replicas to agree on an order.
    operations: KV_OPERATIONS.split_at(2).0,
    properties: &[
        checkers::AnswersStandOnAMajority::PROPERTY,
        checkers::TagsNeverGoBack::PROPERTY,
    ],
    measures: &[],
    trigger: None,
    look: Look {
        called: "the majority register",
        holds: "Every answer so far stands on a majority, and no replica went back",
        legend: ["query", "store", "answer", ""],
        era: None,
        mark: None,
        cut: None,
    },
};

impl Described for AbdNode {
    const ABOUT: &'static About = &ABOUT;

    fn configure(values: &Values<'_>, _env: &Env) -> Result<AbdConfig, String> {
        Ok(AbdConfig {
            resend_us: values.get(&RESEND),
            bugs: values.bugs(AbdBug::parse),
        })
    }

    fn colour_of(msg: &AbdMsg) -> u8 {
        match msg {
            AbdMsg::Query { .. } => 0,
            AbdMsg::Store { .. } => 1,
            AbdMsg::Holds { .. } | AbdMsg::Stored { .. } => 2,
        }
    }

    fn card(&self) -> Card {
        let store: Vec<String> = self
            .store()
            .iter()
            .map(|(k, (tag, v))| match v {
                Some(v) => format!("k{k}={v} ({tag})"),
                None => format!("k{k} empty ({tag})"),
            })
            .collect();
        let rows = self
            .pending()
            .iter()
            .map(|(req, p)| {
                let op = splitbrain_core::describe::op(&p.op);
                let phase = match p.phase {
                    node::Phase::Query { .. } => "query".to_string(),
                    node::Phase::Store { tag, .. } => format!("store {tag}"),
                };
                let heard: Vec<String> = p.heard.iter().map(|n| n.to_string()).collect();
                Row::new(vec![format!("#{}", req.0), op, phase, heard.join(" ")])
            })
            .collect();
        Card::default()
            .fact(
                "store",
                if store.is_empty() {
                    "empty".into()
                } else {
                    store.join(" ")
                },
            )
            .fact("quorum", self.quorum())
            .table(
                "operations it coordinates",
                &["request", "operation", "phase", "answered by"],
                rows,
            )
    }
}

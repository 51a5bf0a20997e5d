//! What the quorum store says about itself to the registry.

use super::{Conflict, QuorumBug, QuorumConfig, QuorumMsg, QuorumNode};
use crate::card::{Card, Row};
use crate::registry::{
    About, BugDesc, Choice, Described, Env, Look, PropertyDesc, PropertyKind, SettingDesc,
    SettingKind, Values, KV_OPERATIONS, SILENT,
};
use crate::run::MAX_NODES;

const ABOUT: About = About {
    name: "quorum",
    title: "Quorum store (leaderless)",
    summary: "Dynamo-style replication: any node coordinates, writes wait for W replicas and reads for R",
    nodes: (1, MAX_NODES, 5),
    settings: &[
        SettingDesc {
            name: "n",
            label: "N",
            kind: SettingKind::NodeCount { min: 1 },
            default: None,
            help: "replicas per key (every node if not given)",
        },
        SettingDesc {
            name: "r",
            label: "R",
            kind: SettingKind::NodeCount { min: 1 },
            default: Some("1"),
            help: "read quorum: replicas that must answer a read",
        },
        SettingDesc {
            name: "w",
            label: "W",
            kind: SettingKind::NodeCount { min: 1 },
            default: Some("1"),
            help: "write quorum: replicas that must acknowledge a write",
        },
        SettingDesc {
            name: "conflict",
            label: "conflicts",
            kind: SettingKind::Choice {
                choices: &[
                    Choice {
                        value: "lww",
                        meaning: "last writer wins, on the coordinator's clock",
                    },
                    Choice {
                        value: "vv",
                        meaning: "version vectors, keeping concurrent writes as siblings",
                    },
                ],
            },
            default: Some("lww"),
            help: "how replicas settle concurrent writes",
        },
        SettingDesc {
            name: "sloppy",
            label: "sloppy quorums",
            kind: SettingKind::Flag,
            default: Some("0"),
            help: "sloppy quorums: stand-in replicas take writes for unreachable ones and hand them off later",
        },
        SettingDesc {
            name: "repair",
            label: "read repair",
            kind: SettingKind::Flag,
            default: Some("1"),
            help: "read repair: a read writes the newest version back to replicas that answered with an older one",
        },
    ],
    bugs: &[BugDesc {
        name: "blind-overwrite",
        breaks: "replicas keep whatever write arrives last without comparing versions, so an older write can replace a newer one",
    }],
    behaviours: &[SILENT],
    roles: super::roles::ALL,
    operations: KV_OPERATIONS,
    properties: &[PropertyDesc {
        name: "replica versions never regress",
        kind: PropertyKind::Safety,
            promised: true,
        promise: "a replica never replaces a version of a key with one that is older",
    }],
    look: Look {
        called: "the quorum store",
        holds: "No replica's version of a key has gone backwards so far",
        legend: [
            "hinted (sloppy quorum) traffic",
            "read / write to a replica",
            "replica's answer",
            "read repair",
        ],
        era: None,
    },
};

impl Described for QuorumNode {
    fn narrate(
        e: &crate::trace::EventKind<QuorumNode>,
        world: &crate::world::World<QuorumNode>,
    ) -> Option<String> {
        let crate::trace::EventKind::Fault {
            action: action @ crate::action::Action::Partition { groups },
        } = e
        else {
            return None;
        };
        let config = &world.config().protocol;
        let n = config.replicas.unwrap_or(world.nodes().len());
        let smallest = groups.iter().map(Vec::len).min()?;
        let (r, w) = (config.r, config.w);
        let said = crate::describe::action(action);
        let every_node_replicates = n == world.nodes().len();
        Some(if !every_node_replicates {
            format!(
                "{said}: each side answers only for the keys of which it still reaches R={r} replicas to read and W={w} to write"
            )
        } else if r.max(w) <= smallest {
            format!(
                "{said}: with R={r} and W={w}, every side can still gather its quorums and keeps answering, each from the replicas it can reach; {}",
                if r + w > n {
                    "the two sides cannot both complete writes to the same key unseen, as R + W > N"
                } else {
                    "a read on one side will not see writes made on the other, so answers may be stale"
                }
            )
        } else {
            format!(
                "{said}: a side with fewer than {} reachable replicas of a key cannot gather its quorum for it, and refuses rather than answer alone",
                r.max(w)
            )
        })
    }

    fn colour_of(msg: &QuorumMsg) -> u8 {
        match msg {
            QuorumMsg::HintedRead { .. }
            | QuorumMsg::HintedReadReply { .. }
            | QuorumMsg::HintedWrite { .. }
            | QuorumMsg::HintedWriteAck { .. }
            | QuorumMsg::Handoff { .. }
            | QuorumMsg::HandoffAck { .. } => 0,
            QuorumMsg::Read { .. } | QuorumMsg::Write { .. } => 1,
            QuorumMsg::ReadReply { .. } | QuorumMsg::WriteAck { .. } => 2,
            QuorumMsg::Repair { .. } => 3,
        }
    }

    const ABOUT: &'static About = &ABOUT;

    fn card(&self) -> Card {
        let rows = self
            .store()
            .iter()
            .map(|(key, register)| {
                let versions: Vec<String> = register
                    .versions()
                    .iter()
                    .map(super::msg::version_text)
                    .collect();
                let replicas: Vec<String> = self.replicas_of(*key).map(|r| r.to_string()).collect();
                Row::new(vec![
                    format!("k{key}"),
                    versions.join(" | "),
                    replicas.join(" "),
                ])
                .marked((versions.len() > 1).then_some("siblings"))
            })
            .collect();
        let hints: usize = self.hints().values().map(|h| h.len()).sum();
        Card::default()
            .fact("role", "replica and coordinator")
            .fact("requests it coordinates", self.pending_requests())
            .fact("hints held for others", hints)
            .table(
                "its replicas of each key (siblings are separated by |)",
                &["key", "value and version", "home replicas"],
                rows,
            )
    }

    fn configure(values: &Values<'_>, env: &Env) -> Result<QuorumConfig, String> {
        let mut config = QuorumConfig {
            replicas: values.optional_number("n").map(|n| n as usize),
            r: values.number("r") as usize,
            w: values.number("w") as usize,
            conflict: Conflict::parse(values.choice("conflict"))?,
            sloppy: values.flag("sloppy"),
            read_repair: values.flag("repair"),
            bugs: values.bugs(|name| QuorumBug::ALL.into_iter().find(|b| b.name() == name)),
            ..QuorumConfig::default()
        };
        let round_trip = env.round_trip_us;
        if config.request_timeout_us < 3 * round_trip {
            config.request_timeout_us = 3 * round_trip;
            config.hint_after_us = config.hint_after_us.max(round_trip);
        }
        config.validate(env.nodes)?;
        Ok(config)
    }

    fn remark(values: &Values<'_>, env: &Env) -> Option<String> {
        let n = values
            .optional_number("n")
            .map_or(env.nodes, |n| n as usize);
        let (r, w) = (values.number("r") as usize, values.number("w") as usize);
        Some(if r + w > n {
            format!("R+W={} > N={n}: reads meet writes", r + w)
        } else {
            format!("R+W={} ≤ N={n}: reads can miss writes", r + w)
        })
    }
}

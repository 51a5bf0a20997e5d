//! What the quorum store says about itself to the registry.

use super::{Conflict, QuorumBug, QuorumConfig, QuorumMsg, QuorumNode, ReadRepair};
use crate::about::{
    About, Choice, Described, Env, Look, SettingDesc, SettingKind, Values, KV_OPERATIONS, SILENT,
};
use crate::about::{Flag, Maybe, Number, Pick, Setting};
use crate::card::{Card, Row};
use crate::ids::MAX_NODES;

const N: Setting<Maybe<Number>> = Setting::<Maybe<Number>>::new(SettingDesc {
    name: "n",
    label: "N",
    kind: SettingKind::NodeCount { min: 1 },
    default: None,
    help: "replicas per key (every node if not given)",
});

const R: Setting<Number> = Setting::<Number>::new(SettingDesc {
    name: "r",
    label: "R",
    kind: SettingKind::NodeCount { min: 1 },
    default: Some("1"),
    help: "read quorum: replicas that must answer a read",
});

const W: Setting<Number> = Setting::<Number>::new(SettingDesc {
    name: "w",
    label: "W",
    kind: SettingKind::NodeCount { min: 1 },
    default: Some("1"),
    help: "write quorum: replicas that must acknowledge a write",
});

const CONFLICT: Setting<Pick> = Setting::<Pick>::new(SettingDesc {
    name: "conflict",
    label: "conflicts",
    kind: SettingKind::Choice {
        choices: &[
            Choice {
                value: "lww",
                meaning: "last writer wins, on the coordinator's clock",
                also: &[],
            },
            Choice {
                value: "vv",
                meaning: "version vectors, keeping concurrent writes as siblings",
                also: &[],
            },
        ],
    },
    default: Some("lww"),
    help: "how replicas settle concurrent writes",
});

const SLOPPY: Setting<Flag> = Setting::<Flag>::new(SettingDesc {
    name: "sloppy",
    label: "sloppy quorums",
    kind: SettingKind::Flag,
    default: Some("0"),
    help:
        "sloppy quorums: stand-in replicas take writes for unreachable ones and hand them off later",
});

const REPAIR: Setting<Pick> = Setting::<Pick>::new(SettingDesc {
    name: "repair",
    label: "read repair",
    kind: SettingKind::Choice {
        choices: &[
            Choice {
                value: "off",
                meaning: "none: replicas that answered with an older version stay behind",
                also: &["0", "false"],
            },
            Choice {
                value: "async",
                meaning: "sent to them, not waited for: a later read can return an older value",
                also: &["1", "true", "on"],
            },
            Choice {
                value: "wait",
                meaning: "written back to W replicas before the read answers (ABD)",
                also: &[],
            },
        ],
    },
    default: Some("async"),
    help: "read repair: what a read does about replicas that answered with an older version. async sends them the newest one and answers at once, so a read that meets a write still under way can return the new value and a later read the old one, even with R + W > N. wait writes the newest version back to W replicas first (those that already hold it count, and stand-ins with sloppy quorums) and answers only then, as in the algorithm of Attiya, Bar-Noy and Dolev: with R + W > N and no sloppy quorums, gets and puts of a key are linearizable (under lww, while the coordinators' clocks are right). It does not make compare-and-set atomic: that needs consensus",
});

const ABOUT: About = About {
    name: "quorum",
    title: "Quorum store (leaderless)",
    summary:
        "Dynamo-style replication: any node coordinates, writes wait for W replicas and reads for R",
    nodes: (1, MAX_NODES, 5),
    settings: &[
        N.desc,
        R.desc,
        W.desc,
        CONFLICT.desc,
        SLOPPY.desc,
        REPAIR.desc,
    ],
    bugs: QuorumBug::TABLE,
    behaviours: &[SILENT],
    roles: super::roles::ALL,
    operations: KV_OPERATIONS,
    properties: &[super::checkers::VersionsNeverRegress::PROPERTY],
    measures: &[],
    trigger: None,
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
        mark: None,
        cut: None,
    },
};

impl Described for QuorumNode {
    fn narrate(
        e: &crate::trace::EventKind,
        scene: &dyn crate::about::Scene<QuorumNode>,
    ) -> Option<String> {
        let crate::trace::EventKind::Fault {
            action: action @ crate::action::Action::Partition { groups },
        } = e
        else {
            return None;
        };
        let config = &scene.config();
        let nodes = scene.cluster_size();
        let n = config.replicas.unwrap_or(nodes);
        // Nodes left out of every group form one more group, which may be the smallest.
        let listed: usize = groups.iter().map(Vec::len).sum();
        let leftover = nodes.saturating_sub(listed);
        let smallest = groups
            .iter()
            .map(Vec::len)
            .chain((leftover > 0).then_some(leftover))
            .min()?;
        let (r, w) = (config.r, config.w);
        let said = crate::describe::action(action);
        let every_node_replicates = n == nodes;
        Some(
            if config.sloppy && (!every_node_replicates || r.max(w) > smallest) {
                format!(
                "{said}: with sloppy quorums, a coordinator that cannot reach R={r} or W={w} of a key's home replicas asks reachable nodes to stand in for the missing ones, so every side keeps answering; the two sides' quorums need not overlap, so a read on one side can miss writes made on the other, and the stand-ins hand their hints home once the network heals"
            )
            } else if !every_node_replicates {
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
                "{said}: a side with fewer than {} reachable replicas of a key cannot gather its quorum for it, and will not answer alone: its reads are refused as unavailable, and its plain writes, which the replicas it reaches may have stored, go unanswered",
                r.max(w)
            )
            },
        )
    }

    fn colour_of(msg: &QuorumMsg) -> u8 {
        match msg {
            QuorumMsg::HintedRead { .. }
            | QuorumMsg::HintedReadReply { .. }
            | QuorumMsg::HintedWrite { .. }
            | QuorumMsg::HintedWriteAck { .. }
            | QuorumMsg::HintedWriteBack { .. }
            | QuorumMsg::Handoff { .. }
            | QuorumMsg::HandoffAck { .. } => 0,
            QuorumMsg::Read { .. } | QuorumMsg::Write { .. } => 1,
            QuorumMsg::ReadReply { .. } | QuorumMsg::WriteAck { .. } => 2,
            QuorumMsg::Repair { .. } | QuorumMsg::WriteBack { .. } => 3,
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
            replicas: values.get(&N).map(|n| n as usize),
            r: values.get(&R) as usize,
            w: values.get(&W) as usize,
            conflict: Conflict::parse(values.get(&CONFLICT))?,
            sloppy: values.get(&SLOPPY),
            repair: ReadRepair::parse(values.get(&REPAIR))?,
            bugs: values.bugs(QuorumBug::parse),
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
        let n = values.get(&N).map_or(env.nodes, |n| n as usize);
        let (r, w) = (values.get(&R) as usize, values.get(&W) as usize);
        Some(if r + w > n && values.get(&SLOPPY) {
            format!(
                "R+W={} > N={n}, but sloppy: stand-ins count, so reads can miss writes during a partition",
                r + w
            )
        } else if r + w > n && values.get(&REPAIR) == "wait" {
            format!(
                "R+W={} > N={n}, and reads write back before answering: gets and puts are linearizable",
                r + w
            )
        } else if r + w > n {
            format!(
                "R+W={} > N={n}: a read meets every write finished before it",
                r + w
            )
        } else {
            format!("R+W={} ≤ N={n}: reads can miss writes", r + w)
        })
    }
}

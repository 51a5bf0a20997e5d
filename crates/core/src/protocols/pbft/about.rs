//! What PBFT says about itself to the registry.

use super::node::command_text;
use super::{faults, PbftBug, PbftConfig, PbftMsg, PbftNode, PbftTimer};
use crate::about::{
    About, BehaviourDesc, Described, Env, Look, SettingDesc, SettingKind, SystemModel, Values,
    KV_OPERATIONS,
};
use crate::about::{Duration, Setting};
use crate::card::{store_text, Card, Row};
use crate::time::{Micros, MICROS_PER_MS, MICROS_PER_SEC};

const TICK: Setting<Duration> = Setting::<Duration>::new(SettingDesc {
    name: "tick",
    label: "resend interval",
    kind: SettingKind::Duration {
        min_us: 10 * MICROS_PER_MS,
        max_us: 10 * MICROS_PER_SEC,
    },
    default: Some("100ms"),
    help: "how often a replica resends what is pending (requests, its prepares and commits, how far it executed)",
});

const ABOUT: About = About {
    name: "pbft",
    title: "PBFT (Practical Byzantine Fault Tolerance)",
    summary: "3f + 1 replicas order client requests through a primary with pre-prepare, prepare and commit, so that f of them may lie; a client trusts a result once f + 1 replicas sent it",
    nodes: (4, 10, 4),
    settings: &[TICK.desc],
    bugs: PbftBug::TABLE,
    behaviours: &[
        BehaviourDesc {
            name: "equivocate",
            does: "as primary, orders two requests one way for the replicas of its own parity (odd or even node number) and the other way round for the rest: sequence numbers 1 and 2 swapped, 3 and 4, and so on (and commits the same way)",
        },
        BehaviourDesc {
            name: "two-faced",
            does: "prepares and commits with the sequence numbers of each pair swapped for the replicas of the other parity, matching an equivocating primary's split",
        },
        BehaviourDesc {
            name: "silent",
            does: "keeps running but sends nothing, as if every message it sent were lost",
        },
        BehaviourDesc {
            name: "wrong-reply",
            does: "answers every request with a wrong result",
        },
        BehaviourDesc {
            name: "hides-certificates",
            does: "in its view changes, claims it prepared nothing past the empty start (it can hide what it holds, but not forge what others signed)",
        },
        BehaviourDesc {
            name: "bad-new-view",
            does: "as a new primary, pre-prepares a no-op wherever the view changes it carries give a request (or, with none, adds a sequence number they do not give)",
        },
    ],
    roles: super::roles::ALL,
    operations: KV_OPERATIONS,
    properties: &[
        super::checkers::HonestAgree::PROPERTY,
        super::checkers::MatchingReplies::PROPERTY,
        super::checkers::EveryRequestAnswered::PROPERTY,
    ],
    measures: &[],
    trigger: None,
    look: Look {
        called: "PBFT",
        holds: "The honest replicas agree on every sequence number, and clients trusted only f + 1 matching replies, so far",
        legend: [
            "requests and replies",
            "pre-prepares (the primary orders)",
            "prepares and commits",
            "view changes, status, checkpoints and catching up",
        ],
        era: Some(("v", "view")),
        mark: None,
        cut: None,
    },
};

impl Described for PbftNode {
    const ABOUT: &'static About = &ABOUT;

    fn colour_of(msg: &PbftMsg) -> u8 {
        match msg {
            PbftMsg::Request { .. } | PbftMsg::Reply { .. } => 0,
            PbftMsg::PrePrepare { .. } => 1,
            PbftMsg::Prepare { .. } | PbftMsg::Commit { .. } => 2,
            PbftMsg::Status { .. } | PbftMsg::Committed { .. } => 3,
            PbftMsg::ViewChange { .. } | PbftMsg::NewView { .. } => 3,
            PbftMsg::Checkpoint { .. } | PbftMsg::State { .. } => 3,
        }
    }

    fn countdown(_timer: &PbftTimer, _config: &PbftConfig) -> Option<Micros> {
        None
    }

    fn card(&self) -> Card {
        let last = self.accepted().keys().next_back().copied().unwrap_or(0);
        let rows = (last.saturating_sub(11).max(self.stable() + 1)..=last)
            .rev()
            .map(|seq| {
                let accepted = self.accepted().get(&seq);
                let prepared = self.certs().get(&seq);
                let committed = self.committed().get(&seq);
                // The request once, with how far it got; a different request pre-prepared
                // for the same number (a lying primary, a new view) is said beside it.
                let request = committed
                    .map(|(_, c)| c)
                    .or(prepared.map(|(_, c)| c))
                    .or(accepted.map(|(_, c)| c));
                let view = prepared.or(accepted).map(|(v, _)| v.to_string());
                let mut stage = match (committed, prepared, accepted) {
                    (Some(_), ..) => "committed".to_string(),
                    (None, Some(_), _) => "prepared".to_string(),
                    (None, None, Some(_)) => "pre-prepared".to_string(),
                    (None, None, None) => String::new(),
                };
                if let (Some((v, other)), Some(shown)) = (accepted, request) {
                    if other != shown {
                        stage.push_str(&format!(
                            "; pre-prepared {} in view {v}",
                            command_text(other)
                        ));
                    }
                }
                Row::new(vec![
                    seq.to_string(),
                    request.map_or("nothing".into(), command_text),
                    view.unwrap_or_default(),
                    stage,
                ])
                .marked(committed.map(|_| "committed"))
            })
            .collect();
        Card::default()
            .fact(
                "role",
                if self.is_primary() {
                    "primary"
                } else {
                    "backup"
                },
            )
            .fact(
                "view",
                if self.changing() {
                    format!(
                        "{} (asked for; its primary has not started it yet)",
                        self.view()
                    )
                } else {
                    self.view().to_string()
                },
            )
            .fact("f", self.f())
            .fact("executed up to", self.executed())
            .fact(
                "stable checkpoint",
                match self.stable() {
                    0 => "none yet".to_string(),
                    s => format!("{s}, the log up to it discarded"),
                },
            )
            .fact(
                "takes pre-prepares for",
                format!(
                    "{} < n \u{2264} {} (the watermarks)",
                    self.watermarks().0,
                    self.watermarks().1
                ),
            )
            .fact("requests waiting for f + 1 replies", self.waiting().len())
            .fact("store", store_text(self.kv().data().iter()))
            .table(
                "Sequence numbers, newest first: pre-prepared (the primary's order), prepared (with 2f matching prepares), committed (2f + 1 commits)",
                &["seq", "request", "view", "got to"],
                rows,
            )
    }

    fn configure(values: &Values<'_>, env: &Env) -> Result<PbftConfig, String> {
        let tick = values.get(&TICK);
        Ok(PbftConfig {
            tick_us: tick.max(env.round_trip_us),
            patience: PbftConfig::default().patience,
            bugs: values.bugs(PbftBug::parse),
        })
    }

    fn remark(_values: &Values<'_>, env: &Env) -> Option<String> {
        let f = faults(env.nodes);
        Some(format!(
            "{} replicas tolerate f = {f} lying replica{} (n = 3f + 1 needs {} for f + 1)",
            env.nodes,
            if f == 1 { "" } else { "s" },
            3 * (f + 1) + 1
        ))
    }

    fn model(_config: &PbftConfig) -> SystemModel {
        SystemModel::Asynchronous
    }

    fn tolerates(_config: &PbftConfig, nodes: usize) -> u32 {
        faults(nodes) as u32
    }
}

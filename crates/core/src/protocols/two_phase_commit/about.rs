//! What two-phase commit says about itself to the registry.

use super::msg::TpcMsg;
use super::node::COORDINATOR;
use super::{TpcBug, TpcConfig, TpcNode, TpcTimer};
use crate::about::{About, Described, Env, Look, SettingDesc, SettingKind, Values, SILENT};
use crate::about::{Duration, Flag, Number, Setting};
use crate::card::{Card, Row};
use crate::ids::NodeId;
use crate::time::{Micros, MICROS_PER_MS, MICROS_PER_SEC};

const TRANSACTIONS: Setting<Number> = Setting::<Number>::new(SettingDesc {
    name: "transactions",
    label: "transactions",
    kind: SettingKind::Number { min: 1, max: 50 },
    default: Some("5"),
    help: "how many transactions the coordinator (n0) runs, one after another",
});

const NO: Setting<Number> = Setting::<Number>::new(SettingDesc {
    name: "no",
    label: "chance of a no vote (%)",
    kind: SettingKind::Number { min: 0, max: 100 },
    default: Some("20"),
    help: "the chance, in percent, that a participant cannot commit a transaction and votes no",
});

const TIMEOUT: Setting<Duration> = Setting::<Duration>::new(SettingDesc {
    name: "timeout",
    label: "timeout",
    kind: SettingKind::Duration {
        min_us: 20 * MICROS_PER_MS,
        max_us: 5 * MICROS_PER_SEC,
    },
    default: Some("300ms"),
    help: "how long the coordinator waits for votes (then aborts), and how often decisions are sent again and a participant in doubt asks again (raised above the network's round trip)",
});

const COOPERATIVE: Setting<Flag> = Setting::<Flag>::new(SettingDesc {
    name: "cooperative",
    label: "participants ask each other",
    kind: SettingKind::Flag,
    default: Some("0"),
    help: "a participant in doubt asks the other participants too: one that knows the outcome tells it, one that never voted aborts",
});

const ABOUT: About = About {
    name: "two-phase-commit",
    title: "Two-phase commit (atomic commit)",
    summary: "a coordinator asks every participant to prepare a transaction, then commits it only if all voted yes; a participant that voted yes must wait for the decision, even while the coordinator is down",
    nodes: (2, 16, 4),
    settings: &[TRANSACTIONS.desc, NO.desc, TIMEOUT.desc, COOPERATIVE.desc],
    bugs: TpcBug::TABLE,
    behaviours: &[SILENT],
    roles: super::roles::ALL,
    operations: &[],
    properties: &[
        super::checkers::DecideAlike::PROPERTY,
        super::checkers::CommitNeedsEveryYes::PROPERTY,
        super::checkers::EveryTransactionDecided::PROPERTY,
    ],
    measures: &[],
    look: Look {
        called: "two-phase commit",
        holds: "Every node that decided a transaction decided alike, and nothing committed without every yes so far",
        legend: ["prepare (vote request)", "decision", "vote / acknowledgement", "question from a node in doubt"],
        era: Some(("t", "transaction")),
    },
};

impl Described for TpcNode {
    const ABOUT: &'static About = &ABOUT;

    fn configure(values: &Values<'_>, env: &Env) -> Result<TpcConfig, String> {
        let mut timeout_us = values.get(&TIMEOUT);
        timeout_us = timeout_us.max(3 * env.round_trip_us);
        Ok(TpcConfig {
            transactions: values.get(&TRANSACTIONS) as u32,
            no_percent: values.get(&NO),
            timeout_us,
            cooperative: values.get(&COOPERATIVE),
            bugs: values.bugs(TpcBug::parse),
        })
    }

    fn narrate(
        e: &crate::trace::EventKind,
        scene: &dyn crate::about::Scene<TpcNode>,
    ) -> Option<String> {
        match e {
            crate::trace::EventKind::RoleChange { node, role, term }
                if *role == super::roles::COORDINATOR =>
            {
                Some(if *term == 0 {
                    let n = scene.config().transactions;
                    format!(
                        "{node} coordinates {n} transaction{}, one after another; every other node takes part in each",
                        if n == 1 { "" } else { "s" }
                    )
                } else {
                    // Its note tells the beginning; the same role change also follows a
                    // restart, after the coordinator aborted what it had not decided.
                    String::new()
                })
            }
            _ => None,
        }
    }

    fn colour_of(msg: &TpcMsg) -> u8 {
        match msg {
            TpcMsg::Prepare { .. } => 0,
            TpcMsg::Decision { .. } => 1,
            TpcMsg::Vote { .. } | TpcMsg::Ack { .. } => 2,
            TpcMsg::Ask { .. } => 3,
        }
    }

    fn countdown(timer: &TpcTimer, config: &TpcConfig) -> Option<Micros> {
        match timer {
            TpcTimer::Votes(_) => Some(config.timeout_us),
            _ => None,
        }
    }

    fn card(&self) -> Card {
        if self.is_coordinator() {
            let rows = self
                .rounds()
                .iter()
                .rev()
                .map(|(t, r)| {
                    let votes: Vec<String> = r
                        .votes
                        .iter()
                        .map(|(n, yes)| format!("{n} {}", if *yes { "yes" } else { "no" }))
                        .collect();
                    let state = match self.decided().get(t) {
                        Some(true) => "committed",
                        Some(false) => "aborted",
                        None => "waiting for votes",
                    };
                    let acked: Vec<String> = r.acked.iter().map(NodeId::to_string).collect();
                    Row::new(vec![
                        format!("t{t}"),
                        state.into(),
                        if votes.is_empty() {
                            "none yet".into()
                        } else {
                            votes.join(", ")
                        },
                        if acked.is_empty() {
                            "nobody".into()
                        } else {
                            acked.join(" ")
                        },
                    ])
                })
                .collect();
            return Card::default()
                .fact("role", "coordinator: asks, counts the votes, decides")
                .table(
                    "transactions (newest first)",
                    &["transaction", "state", "votes", "acknowledged by"],
                    rows,
                );
        }
        let doubts: Vec<String> = self.in_doubt().map(|t| format!("t{t}")).collect();
        let rows =
            crate::flat::FlatSet::from_iter(self.votes().keys().chain(self.decided().keys()))
                .into_iter()
                .rev()
                .map(|&t| {
                    let vote = match self.votes().get(&t) {
                        Some(true) => "yes",
                        Some(false) => "no",
                        None => "never asked",
                    };
                    let committed = self.decided().get(&t) == Some(&true);
                    Row::new(vec![format!("t{t}"), vote.into(), self.state_of(t)])
                        .marked(committed.then_some("committed"))
                })
                .collect();
        Card::default()
            .fact("role", "participant")
            .fact(
                "in doubt about",
                if doubts.is_empty() {
                    "nothing".into()
                } else {
                    doubts.join(", ")
                },
            )
            .fact("coordinator", COORDINATOR)
            .table(
                "transactions (newest first)",
                &["transaction", "its vote", "state"],
                rows,
            )
    }
}

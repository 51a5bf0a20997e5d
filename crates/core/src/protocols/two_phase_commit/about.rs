//! What two-phase commit says about itself to the registry.

use super::msg::TpcMsg;
use super::node::COORDINATOR;
use super::{TpcBug, TpcConfig, TpcNode, TpcTimer};
use crate::about::{
    About, Choice, Described, Env, FaultKind, Faults, Look, SettingDesc, SettingKind, SystemModel,
    Values, SILENT,
};
use crate::about::{Duration, Flag, Number, Pick, Setting};
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

const PHASES: Setting<Pick> = Setting::<Pick>::new(SettingDesc {
    name: "phases",
    label: "phases",
    kind: SettingKind::Choice {
        choices: &[
            Choice {
                value: "2",
                meaning: "two-phase commit: prepare, then commit or abort; participants in doubt wait for the coordinator",
                also: &[],
            },
            Choice {
                value: "3",
                meaning: "three-phase commit: prepare, pre-commit, commit; without the coordinator the participants finish by themselves (safe only if crashes are the only faults)",
                also: &[],
            },
        ],
    },
    default: Some("2"),
    help: "two-phase commit, or Skeen's three-phase commit, which adds a pre-commit round and a termination protocol so that a coordinator's crash does not block the participants",
});

const ABOUT: About = About {
    name: "two-phase-commit",
    title: "Two-phase commit (atomic commit)",
    summary: "a coordinator asks every participant to prepare a transaction, then commits it only if all voted yes; a participant that voted yes must wait for the decision, even while the coordinator is down",
    nodes: (2, 16, 4),
    settings: &[
        TRANSACTIONS.desc,
        NO.desc,
        TIMEOUT.desc,
        COOPERATIVE.desc,
        PHASES.desc,
    ],
    bugs: TpcBug::TABLE,
    behaviours: &[SILENT],
    roles: super::roles::ALL,
    operations: &[],
    properties: &[
        super::checkers::DecideAlike::PROPERTY,
        super::checkers::CommitNeedsEveryYes::PROPERTY,
        super::checkers::EveryTransactionDecided::PROPERTY,
        super::checkers::EveryTransactionDecided::PROPERTY_3PC,
    ],
    measures: &[],
    trigger: None,
    look: Look {
        called: "two-phase commit",
        holds: "Every node that decided a transaction decided alike, and nothing committed without every yes so far",
        legend: [
            "prepare (vote request)",
            "decision (or pre-commit)",
            "vote / acknowledgement",
            "question from a node in doubt (or its state)",
        ],
        era: Some(("t", "transaction")),
        mark: None,
        cut: None,
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
            phases: if values.get(&PHASES) == "3" { 3 } else { 2 },
            bugs: values.bugs(TpcBug::parse),
        })
    }

    /// Three phases promise to finish without the coordinator only in the model Skeen's
    /// proof needs: nodes that crash stay down, and messages arrive within a known bound, so
    /// that silence means a crash. Two phases promise nothing about time.
    fn model(config: &TpcConfig) -> SystemModel {
        if config.three_phase() {
            SystemModel::Synchronous { crashes: true }
        } else {
            SystemModel::Asynchronous
        }
    }

    fn faults(config: &TpcConfig) -> Faults {
        if config.three_phase() {
            Faults::of(&[FaultKind::Crash])
        } else {
            Faults::ALL
        }
    }

    /// With three phases, any number of crashes: the participants left finish alone.
    fn tolerates(config: &TpcConfig, nodes: usize) -> u32 {
        if config.three_phase() {
            nodes.saturating_sub(1) as u32
        } else {
            0
        }
    }

    fn remark(values: &Values<'_>, _env: &Env) -> Option<String> {
        (values.get(&PHASES) == "3").then(|| {
            "three phases: a coordinator's crash no longer blocks the participants, as long as crashes are the only faults and messages arrive in bounded time; a partition can make the two sides decide differently".to_string()
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
                        "{node} coordinates {n} transaction{}, one after another; every other node takes part in each{}",
                        if n == 1 { "" } else { "s" },
                        if scene.config().three_phase() {
                            ", in three phases: prepare, pre-commit, commit"
                        } else {
                            ""
                        }
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
            TpcMsg::Decision { .. } | TpcMsg::PreCommit { .. } => 1,
            TpcMsg::Vote { .. } | TpcMsg::Ack { .. } | TpcMsg::PreAck { .. } => 2,
            TpcMsg::Ask { .. } | TpcMsg::State { .. } => 3,
        }
    }

    fn countdown(timer: &TpcTimer, config: &TpcConfig) -> Option<Micros> {
        match timer {
            TpcTimer::Votes(_) | TpcTimer::PreAcks(_) => Some(config.timeout_us),
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
                        None if r.precommitting => "pre-commit sent, waiting for acknowledgements",
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
            let role = if self.config().three_phase() {
                "coordinator: asks, counts the votes, sends pre-commit, decides"
            } else {
                "coordinator: asks, counts the votes, decides"
            };
            return Card::default().fact("role", role).table(
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
        let mut card = Card::default().fact("role", "participant");
        let taken: Vec<String> = self.taken_over().map(|t| format!("t{t}")).collect();
        if !taken.is_empty() {
            card = card.fact("took over as coordinator of", taken.join(", "));
        }
        card.fact(
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

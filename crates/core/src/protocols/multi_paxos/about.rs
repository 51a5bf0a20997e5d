//! What Multi-Paxos says about itself to the registry.

use super::command_text;
use super::{MpBug, MpConfig, MpMsg, MpNode, MpTimer};
use crate::about::{
    About, Described, Env, Look, SettingDesc, SettingKind, Values, KV_OPERATIONS, SILENT,
};
use crate::about::{Duration, Setting};
use crate::card::{store_text, Card, Row};
use crate::ids::MAX_NODES;
use crate::protocol::Protocol;
use crate::time::{Micros, MICROS_PER_MS, MICROS_PER_SEC};

const ELECTION: Setting<Duration> = Setting::<Duration>::new(SettingDesc {
    name: "election",
    label: "election timeout",
    kind: SettingKind::Duration {
        min_us: 10 * MICROS_PER_MS,
        max_us: 60 * MICROS_PER_SEC,
    },
    default: Some("150ms"),
    help: "how long a node waits without word from a leader before it prepares a higher ballot; each wait is drawn between it and twice it (raised to outlast three round trips on slow links)",
});

const ABOUT: About = About {
    name: "multi-paxos",
    title: "Multi-Paxos (a replicated log)",
    summary: "a leader runs phase 1 once for every open slot, then gives each client command a slot with phase 2 alone; replicas apply the chosen slots in order",
    nodes: (1, MAX_NODES, 5),
    settings: &[ELECTION.desc],
    bugs: MpBug::TABLE,
    behaviours: &[SILENT],
    roles: super::roles::ALL,
    operations: KV_OPERATIONS,
    properties: &[
        super::checkers::OneCommandPerSlot::PROPERTY,
        super::checkers::SameCommandsApplied::PROPERTY,
        super::checkers::EveryNodeCatchesUp::PROPERTY,
    ],
    measures: &[],
    trigger: None,
    look: Look {
        called: "Multi-Paxos",
        holds: "Every slot holds at most one chosen command, and every replica applied the same ones, so far",
        legend: [
            "prepare and promise (phase 1, once per leader)",
            "accept and accepted (phase 2, once per command)",
            "chosen slots, heartbeats and catching up",
            "refusals and client requests passed to the leader",
        ],
        era: Some(("b", "ballot round")),
        mark: None,
        cut: None,
    },
};

impl Described for MpNode {
    const ABOUT: &'static About = &ABOUT;

    fn colour_of(msg: &MpMsg) -> u8 {
        match msg {
            MpMsg::Prepare { .. } | MpMsg::Promise { .. } => 0,
            MpMsg::Accept { .. } | MpMsg::Accepted { .. } => 1,
            MpMsg::Chosen { .. } | MpMsg::Heartbeat { .. } | MpMsg::Fetch { .. } => 2,
            MpMsg::Nack { .. } | MpMsg::Forward { .. } => 3,
        }
    }

    fn countdown(timer: &MpTimer, config: &MpConfig) -> Option<Micros> {
        (*timer == MpTimer::Election).then_some(2 * config.election_us)
    }

    fn card(&self) -> Card {
        let role = Self::ROLES
            .iter()
            .find(|r| r.code == self.role().0)
            .map_or("", |r| r.label);
        let last = self
            .chosen()
            .keys()
            .next_back()
            .copied()
            .unwrap_or(0)
            .max(self.accepted().keys().next_back().copied().unwrap_or(0));
        let rows = (last.saturating_sub(11).max(1)..=last)
            .rev()
            .map(|slot| {
                let accepted = self
                    .accepted()
                    .get(&slot)
                    .map_or("nothing".into(), |(b, cmd)| {
                        format!("{} in {b}", command_text(cmd))
                    });
                let chosen = self.chosen().get(&slot);
                Row::new(vec![
                    slot.to_string(),
                    accepted,
                    chosen.map_or(String::new(), command_text),
                ])
                .marked(chosen.map(|_| "committed"))
            })
            .collect();
        Card::default()
            .fact("role", role)
            .fact(
                "promised",
                self.promised()
                    .map_or("nothing yet".into(), |b| format!("ballot {b}")),
            )
            .fact(
                "own ballot",
                self.ballot().map_or("none yet".into(), |b| b.to_string()),
            )
            .fact(
                "leader",
                self.leader().map_or("unknown".into(), |l| l.to_string()),
            )
            .fact(
                "slots applied",
                format!(
                    "{} ({} chosen slots known)",
                    self.applied(),
                    self.chosen().len()
                ),
            )
            .fact("store", store_text(self.kv().data().iter()))
            .table("Slots, newest first", &["slot", "accepted", "chosen"], rows)
    }

    fn configure(values: &Values<'_>, env: &Env) -> Result<MpConfig, String> {
        let election = values.get(&ELECTION);
        Ok(MpConfig {
            election_us: election.max(3 * env.round_trip_us),
            bugs: values.bugs(MpBug::parse),
        })
    }
}

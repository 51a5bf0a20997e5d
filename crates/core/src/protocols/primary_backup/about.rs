//! What primary-backup says about itself to the registry.

use super::{PbBug, PbConfig, PbMsg, PbNode};
use crate::about::{
    About, Described, Env, Look, SettingDesc, SettingKind, Values, KV_OPERATIONS, SILENT,
};
use crate::about::{Flag, Setting};
use crate::card::{store_text, Card, Row};
use crate::client::{Key, Value};
use crate::ids::MAX_NODES;

const SYNC: Setting<Flag> = Setting::<Flag>::new(SettingDesc {
    name: "sync",
    label: "synchronous backup",
    kind: SettingKind::Flag,
    default: Some("0"),
    help: "one synchronous backup: the primary answers a write only once that backup has it",
});

const ABOUT: About = About {
    name: "primary-backup",
    title: "Primary-backup",
    summary: "one primary streams its writes to backups; a backup that stops hearing from it takes over without a vote",
    nodes: (1, MAX_NODES, 5),
    settings: &[SYNC.desc],
    bugs: PbBug::TABLE,
    behaviours: &[SILENT],
    roles: super::roles::ALL,
    operations: KV_OPERATIONS,
    properties: &[
        super::checkers::EpochsNeverDecrease::PROPERTY,
        super::checkers::PrimaryAppendOnly::PROPERTY,
    ],
    measures: &[],
    trigger: None,
    look: Look {
        called: "primary-backup",
        holds: "Epochs have not gone backwards and no primary rewrote its log so far",
        legend: [
            "ping (backup to backup)",
            "log stream / heartbeat",
            "acknowledgement",
            "forwarded request",
        ],
        era: Some(("E", "epoch")),
        mark: None,
        cut: None,
    },
};

impl Described for PbNode {
    fn colour_of(msg: &PbMsg) -> u8 {
        match msg {
            PbMsg::Ping { .. } => 0,
            PbMsg::Append { .. } => 1,
            PbMsg::AppendReply { .. } | PbMsg::ForwardReply { .. } => 2,
            PbMsg::Forward { .. } => 3,
        }
    }

    fn narrate(
        e: &crate::trace::EventKind,
        scene: &dyn crate::about::Scene<PbNode>,
    ) -> Option<String> {
        match e {
            crate::trace::EventKind::Fault {
                action: crate::action::Action::Partition { groups },
            } => {
                let cut_off = scene.leaders_cut_off(groups);
                let primary = cut_off.first()?;
                Some(format!(
                    "{primary}, the primary, is on the smaller side of the partition. Nothing tells it so: it keeps accepting writes that the other side will never see, and the other side will choose a primary of its own"
                ))
            }
            crate::trace::EventKind::RoleChange { node, role, term }
                if *role == super::roles::PRIMARY && *term > 0 =>
            {
                Some(format!(
                    "{node} stopped hearing from the primary and takes over in epoch {term}, without asking anyone: if the old primary is only cut off, there are now two"
                ))
            }
            _ => None,
        }
    }

    fn local_value(&self, key: Key) -> Option<Value> {
        self.store().get(&key).copied()
    }

    const ABOUT: &'static About = &ABOUT;

    fn card(&self) -> Card {
        let log = self.log();
        let first = log.len().saturating_sub(12);
        let rows = log
            .iter()
            .enumerate()
            .skip(first)
            .rev()
            .map(|(i, e)| {
                Row::new(vec![
                    (i + 1).to_string(),
                    e.epoch.to_string(),
                    format!("put k{}={}", e.key, e.value),
                ])
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
            .fact("epoch", self.epoch())
            .fact(
                "follows",
                self.primary().map_or("nobody".into(), |p| p.to_string()),
            )
            .fact("store", store_text(self.store().iter()))
            .table(
                format!("log ({} writes, newest first)", log.len()),
                &["index", "epoch", "write"],
                rows,
            )
    }

    fn configure(values: &Values<'_>, env: &Env) -> Result<PbConfig, String> {
        let mut config = PbConfig {
            sync_follower: values.get(&SYNC),
            bugs: values.bugs(PbBug::parse),
            ..PbConfig::default()
        };
        let round_trip = env.round_trip_us;
        if config.failover_timeout_us < 3 * round_trip {
            config.failover_timeout_us = 3 * round_trip;
            config.heartbeat_us = config.heartbeat_us.max(round_trip / 2);
        }
        config.validate()?;
        Ok(config)
    }
}

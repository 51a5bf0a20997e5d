//! What the Byzantine generals say about themselves to the registry.

use super::msg::path_text;
use super::{ByzBug, ByzConfig, ByzGeneral, ByzMsg, ByzTimer, Order};
use crate::about::{
    About, BehaviourDesc, Choice, Described, Env, Look, SettingDesc, SettingKind, SystemModel,
    Values,
};
use crate::about::{Duration, Flag, Number, Pick, Setting};
use crate::card::Card;
use crate::time::{Micros, MICROS_PER_MS, MICROS_PER_SEC};

/// Most orders one run may send: OM(m) sends about (n - 1)^(m + 1).
const MAX_MESSAGES: u64 = 20_000;

const M: Setting<Number> = Setting::<Number>::new(SettingDesc {
    name: "m",
    label: "m (traitors)",
    kind: SettingKind::Number { min: 0, max: 3 },
    default: Some("1"),
    help: "the traitors the algorithm is run for: m + 1 rounds of messages, the commander's and m of relaying",
});

const ORDER: Setting<Pick> = Setting::<Pick>::new(SettingDesc {
    name: "order",
    label: "order",
    kind: SettingKind::Choice {
        choices: &[
            Choice {
                value: "attack",
                meaning: "the loyal commander orders an attack",
                also: &[],
            },
            Choice {
                value: "retreat",
                meaning: "the loyal commander orders a retreat",
                also: &[],
            },
        ],
    },
    default: Some("attack"),
    help: "what a loyal commander orders",
});

const SIGNED: Setting<Flag> = Setting::<Flag>::new(SettingDesc {
    name: "signed",
    label: "signed",
    kind: SettingKind::Flag,
    default: Some("0"),
    help:
        "signed messages, SM(m): orders carry unforgeable signatures, so a relay cannot change them",
});

const ROUND: Setting<Duration> = Setting::<Duration>::new(SettingDesc {
    name: "round",
    label: "round",
    kind: SettingKind::Duration {
        min_us: 20 * MICROS_PER_MS,
        max_us: 5 * MICROS_PER_SEC,
    },
    default: Some("100ms"),
    help: "how long a round lasts: every message between loyal generals arrives within it",
});

const ABOUT: About = About {
    name: "byzantine-generals",
    title: "Byzantine generals (oral or signed messages)",
    summary: "a commander's order relayed among lieutenants, some of whom may lie; OM(m) keeps the loyal ones agreeing with more than 3m generals, SM(m) with signatures and any number",
    nodes: (3, 10, 4),
    settings: &[M.desc, ORDER.desc, SIGNED.desc, ROUND.desc],
    bugs: ByzBug::TABLE,
    behaviours: &[
        BehaviourDesc {
            name: "two-faced",
            does: "tells some generals to attack and the others to retreat",
        },
        BehaviourDesc {
            name: "opposite",
            does: "passes on the opposite of every order",
        },
        BehaviourDesc {
            name: "random",
            does: "passes on attack or retreat at random, message by message",
        },
        BehaviourDesc {
            name: "silent",
            does: "sends nothing",
        },
    ],
    roles: super::roles::ALL,
    operations: &[],
    properties: &[
        super::checkers::LoyalAgree::PROPERTY,
        super::checkers::LoyalObey::PROPERTY,
        super::checkers::EveryLoyalDecides::PROPERTY,
    ],
    measures: &[],
    trigger: None,
    look: Look {
        called: "the Byzantine generals",
        holds: "The loyal lieutenants agree, and obey a loyal commander, so far",
        legend: ["", "the commander's order", "an order relayed", ""],
        era: None,
        mark: None,
        cut: None,
    },
};

impl Described for ByzGeneral {
    const ABOUT: &'static About = &ABOUT;

    fn colour_of(msg: &ByzMsg) -> u8 {
        let ByzMsg::Order { path, .. } = msg;
        if path.len() <= 1 {
            1
        } else {
            2
        }
    }

    fn countdown(timer: &ByzTimer, config: &ByzConfig) -> Option<Micros> {
        match timer {
            ByzTimer::Send => None,
            ByzTimer::Decide => Some(config.decide_at()),
        }
    }

    fn card(&self) -> Card {
        let config = self.config();
        let mut card = Card::default().fact("algorithm", config.algorithm());
        if self.is_commander() {
            return card
                .fact("role", "commander")
                .fact("its order", config.order.word());
        }
        card = card.fact("role", "lieutenant");
        let heard: Vec<String> = self
            .heard()
            .map(|(path, order)| format!("{}: {}", path_text(path), order.word()))
            .collect();
        card = card.fact(
            "orders heard, along each path",
            if heard.is_empty() {
                "none yet".to_string()
            } else {
                heard.join("; ")
            },
        );
        if config.signed {
            let collected: Vec<&str> = self.collected().iter().map(|o| o.word()).collect();
            card = card.fact(
                "signed orders collected",
                if collected.is_empty() {
                    "none yet".to_string()
                } else {
                    collected.join(" and ")
                },
            );
        }
        card.fact(
            "decision",
            self.decision()
                .map_or("not yet: the rounds are not over", |o| o.word()),
        )
    }

    fn configure(values: &Values<'_>, env: &Env) -> Result<ByzConfig, String> {
        let m = values.get(&M) as u32;
        // Orders sent in all: the commander's n - 1, then each relay fans out.
        let lieutenants = env.nodes as u64 - 1;
        let mut messages = 0u64;
        let mut layer = 1u64;
        for k in 0..=u64::from(m) {
            layer = layer.saturating_mul(lieutenants.saturating_sub(k));
            messages = messages.saturating_add(layer);
        }
        if messages > MAX_MESSAGES {
            return Err(format!(
                "with {} generals and m = {m}, the lieutenants would relay about {messages} orders; use fewer generals or a smaller m",
                env.nodes
            ));
        }
        Ok(ByzConfig {
            m,
            order: if values.get(&ORDER) == "retreat" {
                Order::Retreat
            } else {
                Order::Attack
            },
            signed: values.get(&SIGNED),
            round_us: values.get(&ROUND),
            bugs: values.bugs(ByzBug::parse),
        })
    }

    fn remark(values: &Values<'_>, env: &Env) -> Option<String> {
        let m = values.get(&M) as usize;
        let n = env.nodes;
        let traitors = |k: usize| format!("{k} traitor{}", if k == 1 { "" } else { "s" });
        Some(if values.get(&SIGNED) {
            format!("SM({m}): signed orders keep the loyal lieutenants agreeing against up to {}, however few the generals", traitors(m))
        } else if n > 3 * m {
            format!("OM({m}) with {n} generals, more than 3m = {}: the loyal lieutenants agree against up to {}", 3 * m, traitors(m))
        } else {
            format!("OM({m}) needs more than 3m = {} generals; with {n}, {} can split the loyal lieutenants", 3 * m, traitors(m))
        })
    }

    fn model(_config: &ByzConfig) -> SystemModel {
        SystemModel::Synchronous { crashes: false }
    }

    fn tolerates(config: &ByzConfig, nodes: usize) -> u32 {
        if config.signed || nodes > 3 * config.m as usize {
            config.m
        } else {
            0
        }
    }
}

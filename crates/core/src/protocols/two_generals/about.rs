//! What the two generals say about themselves to the registry.

use super::{Decision, General, GeneralsBug, GeneralsConfig, GeneralsMsg, GeneralsTimer};
use crate::about::{About, BehaviourDesc, Described, Env, Look, SettingDesc, SettingKind, Values};
use crate::about::{Duration, Number, Setting};
use crate::card::Card;
use crate::time::Micros;
use crate::time::{MICROS_PER_MS, MICROS_PER_SEC};

const MESSAGES: Setting<Number> = Setting::<Number>::new(SettingDesc {
    name: "messages",
    label: "messengers",
    kind: SettingKind::Number { min: 1, max: 20 },
    default: Some("3"),
    help:
        "messengers in the whole chain: the order, its confirmation, the confirmation of that, ...",
});

const ATTACK: Setting<Duration> = Setting::<Duration>::new(SettingDesc {
    name: "attack",
    label: "attack at",
    kind: SettingKind::Duration {
        min_us: 100 * MICROS_PER_MS,
        max_us: 600 * MICROS_PER_SEC,
    },
    default: Some("3s"),
    help: "the moment of the attack, on the first general's clock",
});

const RESEND: Setting<Duration> = Setting::<Duration>::new(SettingDesc {
    name: "resend",
    label: "resend every",
    kind: SettingKind::Duration {
        min_us: MICROS_PER_MS,
        max_us: 60 * MICROS_PER_SEC,
    },
    default: Some("300ms"),
    help: "how often a general sends again the messenger it owes",
});

const ABOUT: About = About {
    name: "two-generals",
    title: "Two generals (a lossy link)",
    summary: "two generals agree on a moment to attack through messengers that may be caught; no number of messengers makes both certain",
    nodes: (2, 2, 2),
    settings: &[MESSAGES.desc, ATTACK.desc, RESEND.desc],
    bugs: GeneralsBug::TABLE,
    behaviours: &[
        BehaviourDesc {
            name: "silent",
            does: "sends no messenger at all",
        },
        BehaviourDesc {
            name: "wrong-time",
            does: "tells the other general a moment two seconds later than the plan",
        },
    ],
    roles: super::roles::ALL,
    operations: &[],
    properties: &[
        super::checkers::DecisionsAreFinal::PROPERTY,
        super::checkers::AttacksRestOnRealMessengers::PROPERTY,
        super::checkers::EveryGeneralDecides::PROPERTY,
        super::checkers::GeneralsDecideAlike::PROPERTY,
    ],
    measures: &[],
    trigger: None,
    look: Look {
        called: "the two generals",
        holds: "No general took back a decision or attacked on a forged messenger so far",
        legend: ["", "the order: attack at T", "a confirmation", ""],
        era: None,
        mark: None,
        cut: None,
    },
};

impl Described for General {
    fn colour_of(msg: &GeneralsMsg) -> u8 {
        match msg {
            GeneralsMsg::Messenger { depth: 1, .. } => 1,
            GeneralsMsg::Messenger { .. } => 2,
        }
    }

    fn countdown(timer: &GeneralsTimer, config: &GeneralsConfig) -> Option<Micros> {
        (*timer == GeneralsTimer::Deadline).then_some(config.attack_at_us)
    }

    const ABOUT: &'static About = &ABOUT;

    fn card(&self) -> Card {
        let plan = self
            .plan()
            .map_or("not known yet: the order has not arrived".into(), |t| {
                format!("attack at {}", crate::time::format_duration(t))
            });
        let chain = format!(
            "{} of the {} messengers in the chain{}",
            self.heard(),
            self.messages(),
            if self.complete() {
                "; every one meant for it arrived"
            } else {
                "; one meant for it is still missing"
            }
        );
        let decision = match (self.decision(), self.decided_on_time()) {
            (None, _) => "not yet",
            (Some(Decision::Attack), _) => "attacks",
            (Some(Decision::Hold), true) => "holds",
            (Some(Decision::Hold), false) => "holds (it was down at the moment)",
        };
        Card::default()
            .fact(
                "role",
                if self.is_first() {
                    "first general"
                } else {
                    "second general"
                },
            )
            .fact("plan", plan)
            .fact("messengers received", chain)
            .fact("decision", decision)
    }

    fn configure(values: &Values<'_>, env: &Env) -> Result<GeneralsConfig, String> {
        if env.nodes != 2 {
            return Err(format!(
                "the two generals are two nodes, not {} (use nodes=2)",
                env.nodes
            ));
        }
        Ok(GeneralsConfig {
            messages: values.get(&MESSAGES) as u32,
            attack_at_us: values.get(&ATTACK),
            resend_us: values.get(&RESEND),
            bugs: values.bugs(GeneralsBug::parse),
        })
    }
}

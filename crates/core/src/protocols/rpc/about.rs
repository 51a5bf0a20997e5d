//! What the calls say about themselves to the registry.

use super::{Reissue, RpcBug, RpcConfig, RpcMsg, RpcNode, RpcTimer, Steps};
use crate::about::{About, Choice, Described, Env, Look, SettingDesc, SettingKind, Values, SILENT};
use crate::about::{Duration, Number, Pick, Setting};
use crate::card::{Card, Row};
use crate::ids::MAX_NODES;
use crate::time::{Micros, MICROS_PER_MS, MICROS_PER_SEC};

const CALLS: Setting<Number> = Setting::<Number>::new(SettingDesc {
    name: "calls",
    label: "calls per client",
    kind: SettingKind::Number { min: 1, max: 100 },
    default: Some("30"),
    help: "how many calls each client makes, one after the other",
});

const TIMEOUT: Setting<Duration> = Setting::<Duration>::new(SettingDesc {
    name: "timeout",
    label: "retry after",
    kind: SettingKind::Duration {
        min_us: MICROS_PER_MS,
        max_us: 60 * MICROS_PER_SEC,
    },
    default: Some("200ms"),
    help: "how long a client waits for an answer before it sends the call again (or gives up)",
});

const PAUSE: Setting<Duration> = Setting::<Duration>::new(SettingDesc {
    name: "pause",
    label: "pause between calls",
    kind: SettingKind::Duration {
        min_us: 0,
        max_us: 60 * MICROS_PER_SEC,
    },
    default: Some("200ms"),
    help: "how long a client waits after an answer before its next call",
});

const STEPS: Setting<Pick> = Setting::<Pick>::new(SettingDesc {
    name: "steps",
    label: "server's steps",
    kind: SettingKind::Choice {
        choices: &[
            Choice {
                value: "together",
                meaning: "the server applies a call and sends its completion message as one step",
                also: &[],
            },
            Choice {
                value: "reply-first",
                meaning: "the server sends the completion message, then applies the call a while later (M before P)",
                also: &[],
            },
            Choice {
                value: "effect-first",
                meaning: "the server applies the call, then sends the completion message a while later (P before M)",
                also: &[],
            },
        ],
    },
    default: Some("together"),
    help: "the order of the server's two steps for a call; a crash between them loses the second",
});

const WORK: Setting<Duration> = Setting::<Duration>::new(SettingDesc {
    name: "work",
    label: "work between steps",
    kind: SettingKind::Duration {
        min_us: MICROS_PER_MS,
        max_us: 10 * MICROS_PER_SEC,
    },
    default: Some("50ms"),
    help: "how long the server works on a call between its two steps (unless they are together)",
});

const REISSUE: Setting<Pick> = Setting::<Pick>::new(SettingDesc {
    name: "reissue",
    label: "client's strategy",
    kind: SettingKind::Choice {
        choices: &[
            Choice {
                value: "key",
                meaning: "retry after a timeout under the same idempotency key, which the server records: exactly once, as long as the server stores the effect before it confirms",
                also: &[],
            },
            Choice {
                value: "always",
                meaning: "no keys, no timeout: when the server says it restarted, send the last call again",
                also: &[],
            },
            Choice {
                value: "never",
                meaning: "no keys, no timeout: never send a call again",
                also: &[],
            },
            Choice {
                value: "when-acked",
                meaning: "no keys, no timeout: when the server says it restarted, send the last call again only if its completion message came",
                also: &[],
            },
            Choice {
                value: "when-not-acked",
                meaning: "no keys, no timeout: when the server says it restarted, send the last call again only if its completion message did not come",
                also: &[],
            },
        ],
    },
    default: Some("key"),
    help: "what a client does when it cannot know whether its call took effect; without keys the server applies every request it gets",
});

const ABOUT: About = About {
    name: "rpc",
    title: "Remote calls (retries and idempotency)",
    summary: "clients on the network call a server to deposit money; retries with idempotency keys make each call take effect exactly once, if the server stores the effect before it confirms it",
    nodes: (2, MAX_NODES, 3),
    settings: &[
        CALLS.desc,
        TIMEOUT.desc,
        PAUSE.desc,
        STEPS.desc,
        WORK.desc,
        REISSUE.desc,
    ],
    bugs: RpcBug::TABLE,
    behaviours: &[SILENT],
    roles: super::roles::ALL,
    operations: &[],
    properties: &[
        super::checkers::EffectAtMostOnce::PROPERTY,
        super::checkers::EveryCallAnswered::PROPERTY,
        super::checkers::ConfirmedCallsTookEffect::PROPERTY,
    ],
    measures: &[],
    trigger: None,
    look: Look {
        called: "the remote calls",
        holds: "No call has taken effect twice so far",
        legend: [
            "",
            "a call (deposit)",
            "the server's answer",
            "a restarted server tells the clients",
        ],
        era: None,
        mark: None,
        cut: None,
    },
};

impl Described for RpcNode {
    const ABOUT: &'static About = &ABOUT;

    fn colour_of(msg: &RpcMsg) -> u8 {
        match msg {
            RpcMsg::Call { .. } => 1,
            RpcMsg::Reply { .. } => 2,
            RpcMsg::Restarted => 3,
        }
    }

    fn countdown(timer: &RpcTimer, config: &RpcConfig) -> Option<Micros> {
        (*timer == RpcTimer::Timeout).then_some(config.timeout_us)
    }

    fn card(&self) -> Card {
        if self.is_server() {
            let rows = self
                .ledger()
                .iter()
                .enumerate()
                .rev()
                .take(20)
                .map(|(i, call)| Row::new(vec![(i + 1).to_string(), call.to_string()]))
                .collect();
            return Card::default()
                .fact("role", "server")
                .fact("balance", self.balance())
                .fact(
                    "answers on record",
                    if self.keeps_table() {
                        format!(
                            "{} (a retry of one of these is answered, not applied again)",
                            self.answers().len()
                        )
                    } else {
                        "none: it keeps no table, so it applies every request it receives".into()
                    },
                )
                .table("Calls applied, newest first", &["#", "call"], rows);
        }
        let waiting = match self.waiting() {
            Some(number) => format!("call {number} (attempt {})", self.attempt()),
            None if self.started() >= self.calls() => "nothing: all its calls are made".into(),
            None => "nothing: pausing before its next call".into(),
        };
        let card = Card::default()
            .fact("role", "client")
            .fact(
                "calls",
                format!(
                    "{} of {} made, {} answered, {} given up",
                    self.started(),
                    self.calls(),
                    self.answered(),
                    self.gave_up()
                ),
            )
            .fact("waiting for", waiting)
            .fact(
                "last balance heard",
                self.last_balance()
                    .map_or("none yet".into(), |b| b.to_string()),
            );
        if self.config().keyed() || self.started() == 0 {
            return card;
        }
        card.fact(
            "its last call's completion",
            if self.acked() {
                "came: the server said it is done"
            } else {
                "has not come"
            },
        )
    }

    fn configure(values: &Values<'_>, env: &Env) -> Result<RpcConfig, String> {
        let timeout = values.get(&TIMEOUT);
        Ok(RpcConfig {
            calls: values.get(&CALLS) as u32,
            // A retry sooner than a round trip would only ever resend.
            timeout_us: timeout.max(3 * env.round_trip_us),
            pause_us: values.get(&PAUSE),
            steps: match values.get(&STEPS) {
                "reply-first" => Steps::ReplyFirst,
                "effect-first" => Steps::EffectFirst,
                _ => Steps::Together,
            },
            work_us: values.get(&WORK),
            reissue: match values.get(&REISSUE) {
                "always" => Reissue::Always,
                "never" => Reissue::Never,
                "when-acked" => Reissue::WhenAcked,
                "when-not-acked" => Reissue::WhenNotAcked,
                _ => Reissue::Key,
            },
            bugs: values.bugs(RpcBug::parse),
        })
    }
}

//! What the queue says about itself to the registry: settings, bugs, roles, its card and
//! its narration.

use super::msg::Held;
use super::node::Doing;
use super::{QBug, QConfig, QMsg, QNode, QNote, QTimer, Strategy, BROKER, DATABASE, WORK};
use crate::about::{
    About, Choice, Described, Env, Look, Scene, SettingDesc, SettingKind, Values, SILENT,
};
use crate::about::{Duration, Flag, Number, Pick, Setting};
use crate::card::{Card, Row};
use crate::ids::MAX_NODES;
use crate::time::{Micros, Pretty, MICROS_PER_MS, MICROS_PER_SEC};
use crate::trace::EventKind;

const MESSAGES: Setting<Number> = Setting::<Number>::new(SettingDesc {
    name: "messages",
    label: "messages",
    kind: SettingKind::Number { min: 1, max: 1000 },
    default: Some("50"),
    help: "how many numbered messages the producer puts in the queue",
});

const INTERVAL: Setting<Duration> = Setting::<Duration>::new(SettingDesc {
    name: "interval",
    label: "one message every",
    kind: SettingKind::Duration {
        min_us: MICROS_PER_MS,
        max_us: 10 * MICROS_PER_SEC,
    },
    default: Some("200ms"),
    help: "how often the producer makes a message",
});

const POISON: Setting<Number> = Setting::<Number>::new(SettingDesc {
    name: "poison",
    label: "poison message",
    kind: SettingKind::Number { min: 0, max: 1000 },
    default: Some("5"),
    help: "the number of the message that crashes every consumer that works on it (0: none)",
});

const STRATEGY: Setting<Pick> = Setting::<Pick>::new(SettingDesc {
    name: "strategy",
    label: "after a failed delivery",
    kind: SettingKind::Choice {
        choices: &[
            Choice {
                value: "dead-letter",
                meaning: "back to the head of the queue until it has been delivered as many times as \"attempts\" allows (3 by default), then into the dead-letter queue",
                also: &[],
            },
            Choice {
                value: "retry",
                meaning: "back to the head of the queue, for ever: the poison blocks the queue",
                also: &[],
            },
            Choice {
                value: "retry-queue",
                meaning: "into a retry queue to wait (2 s by default), then to the back of the queue, for ever",
                also: &[],
            },
            Choice {
                value: "discard",
                meaning: "dropped: nobody processes it",
                also: &[],
            },
        ],
    },
    default: Some("dead-letter"),
    help: "what the broker does with a message no consumer acknowledged within the visibility timeout",
});

const ATTEMPTS: Setting<Number> = Setting::<Number>::new(SettingDesc {
    name: "attempts",
    label: "attempts",
    kind: SettingKind::Number { min: 1, max: 20 },
    default: Some("3"),
    help: "failed deliveries of a message before it goes to the dead-letter queue",
});

const TIMEOUT: Setting<Duration> = Setting::<Duration>::new(SettingDesc {
    name: "timeout",
    label: "visibility timeout",
    kind: SettingKind::Duration {
        min_us: 10 * MICROS_PER_MS,
        max_us: 60 * MICROS_PER_SEC,
    },
    default: Some("500ms"),
    help: "how long the broker waits for a delivered message's acknowledgement before it counts the delivery as failed",
});

const DELAY: Setting<Duration> = Setting::<Duration>::new(SettingDesc {
    name: "delay",
    label: "retry queue delay",
    kind: SettingKind::Duration {
        min_us: MICROS_PER_MS,
        max_us: 60 * MICROS_PER_SEC,
    },
    default: Some("2s"),
    help: "how long a failed message waits in the retry queue before it is queued again",
});

const RESTART: Setting<Duration> = Setting::<Duration>::new(SettingDesc {
    name: "restart",
    label: "consumer restart",
    kind: SettingKind::Duration {
        min_us: MICROS_PER_MS,
        max_us: 60 * MICROS_PER_SEC,
    },
    default: Some("2s"),
    help: "how long a consumer the poison crashed takes to run again",
});

const ACK: Setting<Pick> = Setting::<Pick>::new(SettingDesc {
    name: "ack",
    label: "acknowledge",
    kind: SettingKind::Choice {
        choices: &[
            Choice {
                value: "after",
                meaning:
                    "after the write to the database: at least once, a message may be written twice",
                also: &[],
            },
            Choice {
                value: "before",
                meaning: "as soon as the message arrives: a crash loses the message; a late acknowledgement can still mean a second delivery",
                also: &[],
            },
        ],
    },
    default: Some("after"),
    help: "when a consumer acknowledges a message to the broker",
});

const IDEMPOTENT: Setting<Flag> = Setting::<Flag>::new(SettingDesc {
    name: "idempotent",
    label: "idempotent consumer",
    kind: SettingKind::Flag,
    default: Some("1"),
    help: "consumers write with the message's number as a key, and the database applies each key once, so a message delivered twice is written once",
});

const PILL: Setting<Flag> = Setting::<Flag>::new(SettingDesc {
    name: "pill",
    label: "poison pills",
    kind: SettingKind::Flag,
    default: Some("0"),
    help: "once every message is dealt with, the broker queues one poison pill per consumer: a consumer that takes one stops (a graceful shutdown)",
});

const ABOUT: About = About {
    name: "queue",
    title: "Message queue (poison messages and dead letters)",
    summary: "a broker hands numbered messages to consumers that write their effect to a database; one message crashes every consumer that takes it, and what the broker does about it decides whether the queue stalls, loses messages or sets the poison aside",
    nodes: (3, MAX_NODES, 5),
    settings: &[
        MESSAGES.desc,
        INTERVAL.desc,
        POISON.desc,
        STRATEGY.desc,
        ATTEMPTS.desc,
        TIMEOUT.desc,
        DELAY.desc,
        RESTART.desc,
        ACK.desc,
        IDEMPOTENT.desc,
        PILL.desc,
    ],
    bugs: QBug::TABLE,
    behaviours: &[SILENT],
    roles: super::roles::ALL,
    operations: &[],
    properties: &[
        super::checkers::NothingLost::PROPERTY,
        super::checkers::DeadLettersFailed::PROPERTY,
        super::checkers::WrittenOnce::PROPERTY,
        super::checkers::EveryConsumerStops::PROPERTY,
    ],
    measures: super::meter::ALL,
    trigger: None,
    look: Look {
        called: "the queue",
        holds: "The dead-letter queue holds only messages that failed every attempt and, with an idempotent consumer, no message is written twice; whether every message is written or dead-lettered, and whether every consumer stops after its pill, is judged at the end",
        legend: [
            "",
            "a message delivered",
            "asks, acknowledgements and messages given back",
            "a write to the database and its confirmation",
        ],
        era: None,
        mark: None,
        cut: None,
    },
};

/// What the broker does after a failed delivery, in words.
fn after_failure(config: &QConfig) -> String {
    match config.strategy {
        Strategy::Retry => "puts it back at the head of the queue, for ever".into(),
        Strategy::Discard => "drops it".into(),
        Strategy::RetryQueue => format!(
            "sets it aside in the retry queue for {}",
            Pretty(config.delay_us)
        ),
        Strategy::DeadLetter => format!(
            "puts it back at the head of the queue, until it has been delivered {} times",
            config.attempts
        ),
    }
}

impl Described for QNode {
    const ABOUT: &'static About = &ABOUT;

    /// The poison's crashes and what the broker makes of them, in the terms of a queue.
    fn narrate(e: &EventKind, scene: &dyn Scene<QNode>) -> Option<String> {
        let config = scene.config();
        match e {
            EventKind::Note { node, note } => {
                let note = note.get::<QNote>()?;
                Some(match *note {
                    QNote::Crashed { number } => {
                        let then = if config.ack_before {
                            "It had acknowledged the message as it arrived, so the broker has already forgotten it: the message is lost".to_string()
                        } else {
                            format!(
                                "The broker hears no acknowledgement; once the visibility timeout ({}) is over it counts a failed delivery and {}",
                                Pretty(config.timeout_us),
                                after_failure(config)
                            )
                        };
                        format!(
                            "{node} crashes working on message {number}, the poison: whatever it held in memory is gone, and it is down for {}. {then}",
                            Pretty(config.restart_us)
                        )
                    }
                    QNote::Again { number, deliveries } if config.is_poison(number) => format!(
                        "{node} puts message {number} back at the head of the queue after its delivery number {deliveries} failed: the next consumer that asks will take it before anything behind it"
                    ),
                    QNote::DeadLettered { number, deliveries } => format!(
                        "{node} gives up on message {number} after {deliveries} deliveries and moves it to the dead-letter queue: the queue behind it flows again, and someone will have to look at why message {number} fails"
                    ),
                    QNote::Discarded { number } => format!(
                        "{node} drops message {number} after one failed delivery: nobody will ever process it, whether it was the poison or only a lost acknowledgement"
                    ),
                    QNote::SetAside { number } => format!(
                        "{node} sets message {number} aside in the retry queue for {}: the messages behind it go on, and it will be tried again",
                        Pretty(config.delay_us)
                    ),
                    QNote::Stops => format!(
                        "{node} takes a poison pill: it has finished its last message and stops asking for more"
                    ),
                    QNote::Pills { count } => format!(
                        "{node} has dealt with every message and queues {count} poison pills, one for each consumer, so that each stops once it is done"
                    ),
                    _ => return None,
                })
            }
            EventKind::Crash { node, .. } if *node == BROKER => Some(format!(
                "{node}, the broker, crashes. Its messages and their delivery counts are on its disk; when it restarts, the messages that were out with consumers get a new visibility timeout"
            )),
            EventKind::Crash { node, .. } if *node != DATABASE => Some(format!(
                "{node} crashes. A message it was working on gets no acknowledgement {}",
                if config.ack_before {
                    "from it, but with acknowledgements first the broker has already let it go: it is lost"
                } else {
                    "and is delivered again once its visibility timeout is over"
                }
            )),
            _ => None,
        }
    }

    fn colour_of(msg: &QMsg) -> u8 {
        match msg {
            QMsg::Deliver { .. } => 1,
            QMsg::Ready | QMsg::Ack { .. } | QMsg::Release { .. } => 2,
            QMsg::Write { .. } | QMsg::Written { .. } => 3,
        }
    }

    /// A consumer's restart after the poison crashed it.
    fn countdown(timer: &QTimer, config: &QConfig) -> Option<Micros> {
        match timer {
            QTimer::Restart => Some(config.restart_us),
            _ => None,
        }
    }

    fn card(&self) -> Card {
        let config = self.config();
        if let Some(broker) = self.broker() {
            let count =
                |f: fn(Held) -> bool| broker.messages().iter().filter(|m| f(m.held)).count();
            let dead: Vec<String> = broker.dead_letters().map(|n| n.to_string()).collect();
            let made = broker.messages().len().min(config.messages as usize);
            let rows = broker
                .messages()
                .iter()
                .enumerate()
                .map(|(i, m)| {
                    let number = i as u32 + 1;
                    let name = if config.is_pill(number) {
                        format!("{number} (pill)")
                    } else if config.is_poison(number) {
                        format!("{number} (poison)")
                    } else {
                        number.to_string()
                    };
                    let place = match m.held {
                        Held::Queued => "queued".to_string(),
                        Held::Out(to) => format!("out with {to}"),
                        Held::Aside => "in the retry queue".to_string(),
                        Held::Done => "acknowledged".to_string(),
                        Held::Dead => "dead-letter queue".to_string(),
                        Held::Discarded => "dropped".to_string(),
                    };
                    Row::new(vec![name, place, m.deliveries.to_string()])
                        .marked((m.held == Held::Done).then_some("committed"))
                })
                .collect();
            return Card::default()
                .fact(
                    "role",
                    "broker: queues the producer's messages and hands them out",
                )
                .fact("made", format!("{made} of {} messages", config.messages))
                .fact(
                    "queue",
                    format!(
                        "{} waiting, {} out with consumers, {} in the retry queue",
                        broker.queue().len(),
                        count(|h| matches!(h, Held::Out(_))),
                        broker.aside()
                    ),
                )
                .fact(
                    "dead-letter queue",
                    if dead.is_empty() {
                        "empty".to_string()
                    } else {
                        format!("messages {}", dead.join(", "))
                    },
                )
                .fact(
                    "done",
                    format!(
                        "{} acknowledged, {} dropped",
                        count(|h| h == Held::Done),
                        count(|h| h == Held::Discarded)
                    ),
                )
                .table(
                    "Each message and its delivery count",
                    &["message", "where", "deliveries"],
                    rows,
                );
        }
        if let Some(database) = self.database() {
            let counts = database.counts();
            let applied = counts.iter().filter(|&&c| c > 0).count();
            let twice: Vec<String> = counts
                .iter()
                .enumerate()
                .filter(|(_, &c)| c > 1)
                .map(|(i, c)| format!("{} ({c} times)", i + 1))
                .collect();
            return Card::default()
                .fact("role", "database: applies the consumers' writes")
                .fact("messages applied", applied)
                .fact(
                    "applied more than once",
                    if twice.is_empty() {
                        "none".to_string()
                    } else {
                        twice.join(", ")
                    },
                )
                .fact(
                    "keyed writes ignored",
                    format!("{} (their key was applied before)", database.ignored()),
                );
        }
        let Some(consumer) = self.consumer() else {
            return Card::default();
        };
        let doing = match consumer.doing() {
            Doing::Idle => "waiting for a message".to_string(),
            Doing::Working { number, count } => format!(
                "working on message {number} (delivery {count}; work takes {})",
                Pretty(WORK)
            ),
            Doing::Writing { number } => {
                format!("waiting for the database to confirm message {number}'s write")
            }
            Doing::Crashed => format!(
                "crashed on the poison, down for {}",
                Pretty(config.restart_us)
            ),
            Doing::Stopped => "stopped by a poison pill".to_string(),
        };
        Card::default()
            .fact(
                "role",
                if config.idempotent {
                    "consumer (idempotent: keyed writes)"
                } else {
                    "consumer"
                },
            )
            .fact("doing", doing)
            .fact(
                "acknowledges",
                if config.ack_before {
                    "as a message arrives"
                } else {
                    "after the database confirms the write"
                },
            )
            .fact(
                "since it started",
                format!(
                    "{} messages written, {} crashes on the poison",
                    consumer.processed(),
                    consumer.crashes()
                ),
            )
    }

    fn configure(values: &Values<'_>, _env: &Env) -> Result<QConfig, String> {
        Ok(QConfig {
            messages: values.get(&MESSAGES) as u32,
            interval_us: values.get(&INTERVAL),
            poison: values.get(&POISON) as u32,
            strategy: match values.get(&STRATEGY) {
                "retry" => Strategy::Retry,
                "retry-queue" => Strategy::RetryQueue,
                "discard" => Strategy::Discard,
                _ => Strategy::DeadLetter,
            },
            attempts: values.get(&ATTEMPTS) as u32,
            timeout_us: values.get(&TIMEOUT),
            delay_us: values.get(&DELAY),
            restart_us: values.get(&RESTART),
            ack_before: values.get(&ACK) == "before",
            idempotent: values.get(&IDEMPOTENT),
            pill: values.get(&PILL),
            bugs: values.bugs(QBug::parse),
        })
    }

    fn remark(values: &Values<'_>, env: &Env) -> Option<String> {
        let consumers = QConfig::consumers(env.nodes);
        let poison = values.get(&POISON);
        let messages = values.get(&MESSAGES);
        let poison = if poison == 0 || poison > messages {
            "no message is poison".to_string()
        } else {
            format!("message {poison} is poison")
        };
        Some(format!(
            "{BROKER} is the broker, {DATABASE} the database, and {consumers} consumer{} take the messages; {poison}",
            if consumers == 1 { "" } else { "s" }
        ))
    }
}

//! What broadcast says about itself to the registry, and its node card.

use super::checkers::{
    Agreement, CausalOrder, FifoOrder, NoCreation, NoDuplication, TotalOrder, Validity,
};
use super::msg::counts;
use super::{list, BcBug, BcConfig, BcMsg, BcNode, BcTimer, Order, SEQUENCER};
use crate::about::{
    About, Choice, Described, Env, FaultKind, Faults, Look, Scene, SettingDesc, SettingKind,
    Values, SILENT,
};
use crate::about::{Duration, Number, Pick, Setting};
use crate::card::{Card, Row};
use crate::time::{Micros, Pretty, MICROS_PER_MS, MICROS_PER_SEC};
use crate::trace::EventKind;

const ORDER: Setting<Pick> = Setting::<Pick>::new(SettingDesc {
    name: "order",
    label: "delivery guarantee",
    kind: SettingKind::Choice {
        choices: &[
            Choice {
                value: "best-effort",
                meaning: "only the sender sends a message (again when asked): if it crashes mid-send, some nodes never get it",
                also: &[],
            },
            Choice {
                value: "reliable",
                meaning: "every node relays a message before delivering it: if one correct node delivers it, every correct node does; any order",
                also: &[],
            },
            Choice {
                value: "fifo",
                meaning: "reliable, and each sender's messages in the order it sent them (a hold-back queue)",
                also: &[],
            },
            Choice {
                value: "causal",
                meaning: "reliable, and a message after the sender's earlier messages and everything the sender had delivered before sending it (vector clocks)",
                also: &[],
            },
            Choice {
                value: "total-sequencer",
                meaning: "every node in the same order, keeping causal order too: n0 numbers the messages",
                also: &[],
            },
            Choice {
                value: "total-lamport",
                meaning: "every node in the same order, keeping causal order too: by Lamport timestamp, ties broken by node id, once every other node has sent something stamped at least as late",
                also: &[],
            },
        ],
    },
    default: Some("causal"),
    help: "what the nodes' applications are promised about the messages they are handed",
});

const MESSAGES: Setting<Number> = Setting::<Number>::new(SettingDesc {
    name: "messages",
    label: "messages per node",
    kind: SettingKind::Number { min: 0, max: 200 },
    default: Some("20"),
    help: "how many messages each node broadcasts",
});

const INTERVAL: Setting<Duration> = Setting::<Duration>::new(SettingDesc {
    name: "interval",
    label: "interval",
    kind: SettingKind::Duration {
        min_us: MICROS_PER_MS,
        max_us: 10 * MICROS_PER_SEC,
    },
    default: Some("50ms"),
    help: "the average time between a node's broadcasts (each wait is random, from 1 ms to twice this); the first leaves 1 ms after the start",
});

const ABOUT: About = About {
    name: "broadcast",
    title: "Broadcast (reliable, FIFO, causal, total order)",
    summary: "every node broadcasts numbered messages to all the others; the delivery guarantee goes from best-effort through reliable, FIFO and causal to a total order that keeps causal order too, by a sequencer or by Lamport timestamps",
    nodes: (2, 16, 4),
    settings: &[ORDER.desc, MESSAGES.desc, INTERVAL.desc],
    bugs: BcBug::TABLE,
    behaviours: &[SILENT],
    roles: super::roles::ALL,
    operations: &[],
    properties: &[
        NoDuplication::PROPERTY,
        NoCreation::PROPERTY,
        FifoOrder::PROPERTY,
        CausalOrder::PROPERTY,
        TotalOrder::PROPERTY,
        Validity::PROPERTY,
        Agreement::PROPERTY,
    ],
    measures: super::meter::ALL,
    trigger: None,
    look: Look {
        called: "broadcast",
        holds: "Every delivery so far keeps what this level promises",
        legend: [
            "status: how far it has received each sender's messages",
            "a broadcast message (first copy, relay or repair)",
            "the sequencer's number for a message",
            "a request to send missing messages again",
        ],
        era: None,
        mark: Some("delivered to the application"),
        cut: None,
    },
};

impl Described for BcNode {
    const ABOUT: &'static About = &ABOUT;

    /// A crash, told against what the level does with a broadcast the crash cut short.
    fn narrate(e: &EventKind, scene: &dyn Scene<BcNode>) -> Option<String> {
        let EventKind::Crash { node, .. } = e else {
            return None;
        };
        let config = scene.config();
        if scene.disk(*node).sent.is_empty() {
            return None;
        }
        Some(if config.relays() {
            format!(
                "{node} crashes. A message it had sent to some peers only is not lost: each node that received it relayed it to every other before delivering it"
            )
        } else {
            format!(
                "{node} crashes. A message it had sent to some peers only stays with them: nobody else sends it on, so the other nodes never deliver it"
            )
        })
    }

    fn colour_of(msg: &BcMsg) -> u8 {
        match msg {
            BcMsg::Status { .. } => 0,
            BcMsg::Data { .. } => 1,
            BcMsg::Number { .. } => 2,
            BcMsg::Nack { .. } | BcMsg::NackNumbers { .. } => 3,
        }
    }

    fn countdown(timer: &BcTimer, config: &BcConfig) -> Option<Micros> {
        (*timer == BcTimer::Next).then_some(2 * config.interval_us)
    }

    fn card(&self) -> Card {
        let config = self.config();
        let role = if config.order == Order::TotalSequencer && self.id() == SEQUENCER {
            format!("sequencer, {} broadcast", config.order.name())
        } else {
            format!("member, {} broadcast", config.order.name())
        };
        let held = self.held_back();
        let mut card = Card::default()
            .fact("role", role)
            .fact(
                "broadcast",
                format!("{} of {} messages", self.sent(), config.messages),
            )
            .fact(
                "hold-back queue",
                if held.is_empty() {
                    "empty".to_string()
                } else {
                    list(held)
                },
            );
        card = match config.order {
            Order::TotalLamport => card.fact("Lamport clock", self.clock()),
            Order::TotalSequencer => card.fact(
                "sequencer's numbers known",
                format!("1 to {}", self.numbered()),
            ),
            _ => card.fact("delivered per sender (vector clock)", counts(self.counts())),
        };
        let received: Vec<_> = self.received().collect();
        let delivered = self.delivered();
        let rows = (0..received.len().max(delivered.len()))
            .map(|i| {
                let r = received.get(i).map_or(String::new(), |m| m.to_string());
                let d = delivered.get(i).map_or(String::new(), |m| m.to_string());
                let differs = !d.is_empty() && r != d;
                Row::new(vec![(i + 1).to_string(), r, d]).marked(differs.then_some("siblings"))
            })
            .collect();
        card.table(
            "received and delivered, in order (a row stands out where the two orders differ)",
            &["#", "received", "delivered"],
            rows,
        )
    }

    fn configure(values: &Values<'_>, _env: &Env) -> Result<BcConfig, String> {
        let bugs = values.bugs(BcBug::parse);
        let mut order = Order::parse(values.get(&ORDER)).unwrap_or(Order::Causal);
        if bugs.contains(&BcBug::LamportNoTiebreak) {
            order = Order::TotalLamport;
        } else if bugs.contains(&BcBug::SequencerNoWait) {
            order = Order::TotalSequencer;
        }
        Ok(BcConfig {
            order,
            messages: values.get(&MESSAGES) as u32,
            interval_us: values.get(&INTERVAL),
            bugs,
        })
    }

    /// A total order waits for the sequencer, or for every node, so a node that crashes
    /// for good stops it: those levels are promised in runs without crashes.
    fn faults(config: &BcConfig) -> Faults {
        if config.order.total() {
            Faults::ALL.without(FaultKind::Crash)
        } else {
            Faults::ALL
        }
    }

    fn remark(values: &Values<'_>, env: &Env) -> Option<String> {
        let config = Self::configure(values, env).ok()?;
        let all = u64::from(config.messages) * env.nodes as u64;
        let mut text = format!(
            "{all} messages in all, each node's about {} apart",
            Pretty(config.interval_us)
        );
        if config.order == Order::TotalSequencer {
            text.push_str(&format!("; {SEQUENCER} is the sequencer"));
        }
        if config.order.total() {
            text.push_str("; promised in runs where no node crashes");
        }
        Some(text)
    }
}

//! What flooding consensus says about itself to the registry.

use super::msg::values_text;
use super::{FloodBug, FloodConfig, FloodMsg, FloodNode, FloodTimer, Model, SEND_GAP};
use crate::about::{
    About, Choice, Described, Env, Look, SettingDesc, SettingKind, SystemModel, Values, SILENT,
};
use crate::about::{Duration, Number, Pick, Setting};
use crate::card::Card;
use crate::time::{Micros, Pretty, MICROS_PER_MS, MICROS_PER_SEC};

/// The most nodes it runs on: a round's sends, a millisecond apart, must fit well inside it.
const MAX_FLOOD_NODES: usize = 16;

const F: Setting<Number> = Setting::<Number>::new(SettingDesc {
    name: "f",
    label: "crashes tolerated (f)",
    kind: SettingKind::Number { min: 0, max: 15 },
    default: Some("1"),
    help: "how many crashes the protocol must survive: it runs f + 1 rounds (f must be below the number of nodes)",
});

const ROUND: Setting<Duration> = Setting::<Duration>::new(SettingDesc {
    name: "round",
    label: "round length",
    kind: SettingKind::Duration {
        min_us: 20 * MICROS_PER_MS,
        max_us: 10 * MICROS_PER_SEC,
    },
    default: Some("100ms"),
    help: "how long a round lasts; in the synchronous model every message arrives within one (it is raised above the network's round trip)",
});

const MODEL: Setting<Pick> = Setting::<Pick>::new(SettingDesc {
    name: "model",
    label: "timing model",
    kind: SettingKind::Choice {
        choices: &[
            Choice {
                value: "synchronous",
                meaning: "a message arrives within its round, so silence means a crash",
                also: &[],
            },
            Choice {
                value: "asynchronous",
                meaning: "a message may take longer than a round, so silence may only mean slowness",
                also: &[],
            },
        ],
    },
    default: Some("synchronous"),
    help: "what the network promises about time; in the asynchronous model the round is what you set, whatever the network's delays",
});

const ABOUT: About = About {
    name: "flooding",
    title: "Flooding consensus (synchronous rounds)",
    summary: "every node proposes a number; in rounds of fixed length each tells the others every value it has seen, and after f + 1 rounds all decide the smallest, despite up to f crashes",
    nodes: (2, MAX_FLOOD_NODES, 4),
    settings: &[F.desc, ROUND.desc, MODEL.desc],
    bugs: FloodBug::TABLE,
    behaviours: &[SILENT],
    roles: super::roles::ALL,
    operations: &[],
    properties: &[
        super::checkers::Agreement::PROPERTY,
        super::checkers::Validity::PROPERTY,
        super::checkers::Termination::PROPERTY,
    ],
    measures: &[],
    trigger: None,
    look: Look {
        called: "flooding consensus",
        holds: "No two nodes have decided differently, and none has decided a value nobody proposed, so far",
        legend: [
            "",
            "values sent in round 1",
            "values sent in round 2",
            "values sent in a later round",
        ],
        era: Some(("R", "round")),
        mark: None,
        cut: None,
    },
};

impl Described for FloodNode {
    const ABOUT: &'static About = &ABOUT;

    /// Synchronous rounds with at most f crashes, for good (or, in the asynchronous
    /// model, everything the fuzzer has).
    fn model(config: &FloodConfig) -> SystemModel {
        match config.model {
            Model::Synchronous => SystemModel::Synchronous { crashes: true },
            Model::Asynchronous => SystemModel::Asynchronous,
        }
    }

    fn tolerates(config: &FloodConfig, _nodes: usize) -> u32 {
        config.f
    }

    fn colour_of(msg: &FloodMsg) -> u8 {
        let FloodMsg::Values { round, .. } = msg;
        (*round).clamp(1, 3) as u8
    }

    fn countdown(timer: &FloodTimer, config: &FloodConfig) -> Option<Micros> {
        (*timer == FloodTimer::RoundEnd).then_some(config.round_us)
    }

    fn card(&self) -> Card {
        let config = self.config();
        let rounds = config.decide_after();
        if self.is_out() {
            return Card::default()
                .fact(
                    "role",
                    "out: it crashed, and a crashed node takes no further part",
                )
                .fact(
                    "crashed in",
                    if self.crashed_in() == 0 {
                        "round 1, before it sent anything".to_string()
                    } else {
                        format!("round {}", self.crashed_in())
                    },
                )
                .fact(
                    "decision",
                    match self.decision() {
                        Some(v) => format!("{v} (before its crash)"),
                        None => "none".into(),
                    },
                );
        }
        let role = match self.decision() {
            Some(_) => format!("decided after round {}", self.round()),
            None => format!("in round {} of {rounds}", self.round()),
        };
        let suspects: Vec<String> = self
            .suspects()
            .iter()
            .map(|(p, r)| format!("{p} (nothing from it in round {r})"))
            .collect();
        Card::default()
            .fact("role", role)
            .fact(
                "proposed",
                self.proposal()
                    .map_or("nothing yet".into(), |v| v.to_string()),
            )
            .fact("values seen", values_text(self.seen()))
            .fact(
                "counts as crashed",
                if suspects.is_empty() {
                    "nobody".into()
                } else {
                    suspects.join(", ")
                },
            )
            .fact(
                "decision",
                match self.decision() {
                    Some(v) => format!("{v}, the smallest value it has seen"),
                    None => format!(
                        "none yet: it decides at the end of round {rounds}, {} after it started",
                        Pretty(u64::from(rounds) * config.round_us)
                    ),
                },
            )
    }

    /// A crash told against the round it falls in: before, during or after the node's
    /// sends of that round (read from true time, as the rounds line up while clocks keep
    /// time together).
    fn narrate(
        e: &crate::trace::EventKind,
        scene: &dyn crate::about::Scene<FloodNode>,
    ) -> Option<String> {
        let crate::trace::EventKind::Crash { node, .. } = e else {
            return None;
        };
        let config = &scene.config();
        if scene.disk(*node).decision.is_some() {
            return None;
        }
        let now = scene.now();
        let round = now / config.round_us + 1;
        if round > u64::from(config.decide_after()) {
            return None;
        }
        let into = now % config.round_us;
        let last_send = (scene.cluster_size() as Micros - 1) * SEND_GAP;
        Some(if into <= SEND_GAP {
            format!(
                "{node} crashes at the start of round {round}, before sending anything in it: at the end of the round every peer counts it as crashed"
            )
        } else if into < last_send {
            format!(
                "{node} crashes {} into round {round}, in the middle of its sends: the peers it has already told have its values, the others never will, and they count it as crashed at the end of the round",
                Pretty(into)
            )
        } else {
            format!(
                "{node} crashes in round {round}, after its sends: every peer gets its values this round and counts it as crashed in the next"
            )
        })
    }

    fn remark(values: &Values<'_>, env: &Env) -> Option<String> {
        let config = Self::configure(values, env).ok()?;
        let (f, rounds) = (u64::from(config.f), u64::from(config.decide_after()));
        let asked = values.get(&ROUND);
        let mut text = format!(
            "{} nodes, f = {f}: {rounds} round{} of {}, decisions at {}",
            env.nodes,
            if rounds == 1 { "" } else { "s" },
            Pretty(config.round_us),
            Pretty(rounds * config.round_us)
        );
        if config.round_us > asked {
            text.push_str(" (the round is raised above the network's round trip)");
        }
        if rounds == f {
            text.push_str("; f rounds only: one crash in each round can leave a value known to some nodes only");
        }
        if config.model == Model::Asynchronous {
            text.push_str("; asynchronous: a late message looks like a crash, so nodes can decide differently");
        }
        Some(text)
    }

    fn configure(values: &Values<'_>, env: &Env) -> Result<FloodConfig, String> {
        let f = values.get(&F) as u32;
        if f as usize >= env.nodes {
            return Err(format!(
                "f = {f} crashes need at least {} nodes, not {}",
                f + 1,
                env.nodes
            ));
        }
        let model = match values.get(&MODEL) {
            "asynchronous" => Model::Asynchronous,
            _ => Model::Synchronous,
        };
        let mut round_us = values.get(&ROUND);
        let sends = env.nodes as Micros * SEND_GAP;
        if model == Model::Synchronous {
            // The model's promise: a message sent in a round arrives before it ends.
            round_us = round_us.max(env.round_trip_us + sends);
        }
        if round_us <= 2 * sends {
            return Err(format!(
                "a round of {} is too short for {} nodes: their sends, {} apart, take {}",
                Pretty(round_us),
                env.nodes,
                Pretty(SEND_GAP),
                Pretty(sends)
            ));
        }
        Ok(FloodConfig {
            round_us,
            f,
            model,
            bugs: values.bugs(FloodBug::parse),
        })
    }
}

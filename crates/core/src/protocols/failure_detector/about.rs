//! What the failure detector says about itself to the registry.

use super::{Detector, FdBug, FdConfig, FdMsg, FdNode, FdTimer, Style};
use crate::about::{
    About, Choice, Described, Env, Look, Scene, SettingDesc, SettingKind, SystemModel, Values,
    SILENT,
};
use crate::about::{Duration, Number, Pick, Setting};
use crate::card::{Card, Row};
use crate::ids::MAX_NODES;
use crate::time::{Micros, Pretty, MICROS_PER_MS, MICROS_PER_SEC};
use crate::trace::EventKind;

const INTERVAL: Setting<Duration> = Setting::<Duration>::new(SettingDesc {
    name: "interval",
    label: "heartbeat every",
    kind: SettingKind::Duration {
        min_us: 10 * MICROS_PER_MS,
        max_us: 10 * MICROS_PER_SEC,
    },
    default: Some("100ms"),
    help: "how often each node sends a heartbeat (or asks each peer) to every other node",
});

const TIMEOUT: Setting<Duration> = Setting::<Duration>::new(SettingDesc {
    name: "timeout",
    label: "timeout",
    kind: SettingKind::Duration {
        min_us: MICROS_PER_MS,
        max_us: 60 * MICROS_PER_SEC,
    },
    default: Some("300ms"),
    help: "how long a node lets a peer stay silent before suspecting it (the adaptive detector's first timeout; the phi detector's until it has seen a few heartbeats)",
});

const DETECTOR: Setting<Pick> = Setting::<Pick>::new(SettingDesc {
    name: "detector",
    label: "detector",
    kind: SettingKind::Choice {
        choices: &[
            Choice {
                value: "fixed",
                meaning: "one timeout, the same for every peer for ever",
                also: &[],
            },
            Choice {
                value: "adaptive",
                meaning: "a timeout per peer that grows after every wrong suspicion of it",
                also: &[],
            },
            Choice {
                value: "phi",
                meaning:
                    "phi accrual: suspect once a silence is too unlikely for the gaps seen lately",
                also: &[],
            },
        ],
    },
    default: Some("fixed"),
    help: "how a node decides that a peer has been silent too long",
});

const STYLE: Setting<Pick> = Setting::<Pick>::new(SettingDesc {
    name: "style",
    label: "signs of life",
    kind: SettingKind::Choice {
        choices: &[
            Choice {
                value: "heartbeat",
                meaning: "every node sends heartbeats unasked",
                also: &[],
            },
            Choice {
                value: "ping",
                meaning: "every node asks each peer and waits for the answer",
                also: &[],
            },
        ],
    },
    default: Some("heartbeat"),
    help: "how a node learns that a peer is alive",
});

const PHI: Setting<Number> = Setting::<Number>::new(SettingDesc {
    name: "phi",
    label: "phi threshold",
    kind: SettingKind::Number { min: 1, max: 16 },
    default: Some("8"),
    help: "the phi detector suspects a peer once a silence this long had a chance below 1 in 10 to this power",
});

const MODEL: Setting<Pick> = Setting::<Pick>::new(SettingDesc {
    name: "model",
    label: "timing model",
    kind: SettingKind::Choice {
        choices: &[
            Choice {
                value: "partially-synchronous",
                meaning: "delays and pauses have no known bound, but they end: a detector can only promise to be right eventually",
                also: &[],
            },
            Choice {
                value: "synchronous",
                meaning: "a known bound on delays and no pauses: a long enough timeout promises never to suspect a live node, checked at every step",
                also: &[],
            },
        ],
    },
    default: Some("partially-synchronous"),
    help: "what the system promises about time, and so what the detector can promise; in the synchronous model the first wrong suspicion stops the run",
});

const ABOUT: About = About {
    name: "failure-detector",
    title: "Failure detectors (heartbeats and timeouts)",
    summary: "every node watches every other through heartbeats and suspects the silent; a timeout trades fast detection against wrong suspicions",
    nodes: (2, MAX_NODES, 4),
    settings: &[
        INTERVAL.desc,
        TIMEOUT.desc,
        DETECTOR.desc,
        STYLE.desc,
        PHI.desc,
        MODEL.desc,
    ],
    bugs: FdBug::TABLE,
    behaviours: &[SILENT],
    roles: super::roles::ALL,
    operations: &[],
    properties: &[
        super::checkers::StrongAccuracy::PROPERTY,
        super::checkers::StrongCompleteness::PROPERTY,
        super::checkers::EventualAccuracy::PROPERTY,
    ],
    measures: super::meter::ALL,
    trigger: None,
    look: Look {
        called: "the failure detector",
        holds: "Nothing the detector promises has been broken so far",
        legend: ["", "heartbeat or ping", "answer to a ping", ""],
        era: None,
        mark: None,
        cut: None,
    },
};

impl Described for FdNode {
    const ABOUT: &'static About = &ABOUT;

    /// The model the `model` setting names: in the synchronous one, crashes for good and
    /// delays within the model's bound; otherwise anything the fuzzer has.
    fn model(config: &FdConfig) -> SystemModel {
        if config.synchronous {
            SystemModel::Synchronous { crashes: true }
        } else {
            SystemModel::Asynchronous
        }
    }

    /// Any number of crashes but one: completeness needs a correct node to suspect.
    fn tolerates(_config: &FdConfig, nodes: usize) -> u32 {
        nodes.saturating_sub(1) as u32
    }

    /// A crash, a pause and its end in the detector's terms: what the others cannot tell.
    fn narrate(e: &EventKind, scene: &dyn Scene<FdNode>) -> Option<String> {
        let config = scene.config();
        let waits = match config.detector {
            Detector::Fixed => format!("its timeout, {}", Pretty(config.timeout_us)),
            Detector::Adaptive => "its timeout for it (it grows after each wrong suspicion)".into(),
            Detector::Phi => "as long as the gaps it has seen make unlikely".into(),
        };
        let (silent, late) = match config.style {
            Style::Heartbeat => ("sends no more heartbeats", "a late heartbeat"),
            Style::Ping => ("answers no more pings", "a late answer"),
        };
        match e {
            EventKind::Crash { node, .. } => Some(format!(
                "{node} crashes and {silent}. Each other node will suspect it once it has heard nothing from it for {waits}; until then, a crash looks like {late}"
            )),
            EventKind::Pause { node, until } => Some(format!(
                "{node} stops until {} (a long garbage-collection pause): it has not crashed, but it is silent, and from outside silence is all there is to see",
                Pretty(*until)
            )),
            EventKind::Resume { node } => Some(format!(
                "{node} runs again. Whoever suspected it hears from it again and trusts it: that suspicion was wrong"
            )),
            _ => None,
        }
    }

    fn colour_of(msg: &FdMsg) -> u8 {
        match msg {
            FdMsg::Heartbeat { .. } | FdMsg::Ping { .. } => 1,
            FdMsg::Ack { .. } => 2,
        }
    }

    fn countdown(timer: &FdTimer, config: &FdConfig) -> Option<Micros> {
        (*timer == FdTimer::Beat).then_some(config.interval_us)
    }

    fn card(&self) -> Card {
        let config = self.config();
        let detector = match config.detector {
            Detector::Fixed => format!("fixed timeout of {}", Pretty(config.timeout_us)),
            Detector::Adaptive => format!(
                "adaptive: starts at {} and grows after each wrong suspicion",
                Pretty(config.timeout_us)
            ),
            Detector::Phi => format!("phi accrual, threshold {}", config.phi),
        };
        let peers: Vec<crate::ids::NodeId> = (0..self.watched())
            .map(|i| crate::ids::NodeId(i as u32))
            .filter(|p| *p != self.id())
            .collect();
        let mut columns = vec![
            "node",
            "state",
            "last heard",
            "waits",
            "suspected (wrongly)",
        ];
        if config.detector == Detector::Phi {
            columns.push("phi now");
        }
        let rows = peers
            .iter()
            .map(|&p| {
                let mut cells = vec![
                    p.to_string(),
                    if self.suspects(p) {
                        "suspected"
                    } else {
                        "trusted"
                    }
                    .to_string(),
                    self.heard_ago(p)
                        .map_or("never".into(), |ago| format!("{} ago", Pretty(ago))),
                    Pretty(self.allowance(p)).to_string(),
                    format!("{} ({})", self.suspicions(p), self.wrong(p)),
                ];
                if config.detector == Detector::Phi {
                    cells.push(match self.phi_now(p) {
                        None => "not yet known".into(),
                        Some(0) => "below 1".into(),
                        Some(16) => "above 16".into(),
                        Some(k) => format!("{k} to {}", k + 1),
                    });
                }
                Row::new(cells)
            })
            .collect();
        let suspected: Vec<String> = self.suspected().map(|p| p.to_string()).collect();
        let role = if suspected.is_empty() {
            "watches every other node and trusts them all"
        } else {
            "watches every other node and suspects some"
        };
        Card::default()
            .fact("role", role)
            .fact("detector", detector)
            .fact(
                "signs of life",
                match config.style {
                    Style::Heartbeat => format!("a heartbeat every {}", Pretty(config.interval_us)),
                    Style::Ping => format!(
                        "asks every {} and waits for the answer",
                        Pretty(config.interval_us)
                    ),
                },
            )
            .fact(
                "suspects",
                if suspected.is_empty() {
                    "nobody".into()
                } else {
                    suspected.join(", ")
                },
            )
            .table("What it knows of each node", &columns, rows)
    }

    fn configure(values: &Values<'_>, _env: &Env) -> Result<FdConfig, String> {
        Ok(FdConfig {
            interval_us: values.get(&INTERVAL),
            timeout_us: values.get(&TIMEOUT),
            detector: match values.get(&DETECTOR) {
                "adaptive" => Detector::Adaptive,
                "phi" => Detector::Phi,
                _ => Detector::Fixed,
            },
            style: match values.get(&STYLE) {
                "ping" => Style::Ping,
                _ => Style::Heartbeat,
            },
            phi: values.get(&PHI) as u32,
            synchronous: values.get(&MODEL) == "synchronous",
            bugs: values.bugs(FdBug::parse),
        })
    }

    fn remark(values: &Values<'_>, _env: &Env) -> Option<String> {
        let interval = values.get(&INTERVAL);
        let timeout = values.get(&TIMEOUT);
        if values.get(&DETECTOR) != "fixed" {
            return None;
        }
        Some(if timeout <= interval {
            format!(
                "a timeout of {} is no longer than the heartbeat interval: every heartbeat that is a little late is taken for a crash",
                Pretty(timeout)
            )
        } else if timeout > interval + 2 * crate::about::SYNCHRONOUS_DELAY_BOUND_US {
            format!(
                "a timeout of {} outlasts an interval and two of the synchronous model's longest delays ({}): there, only crashed nodes are suspected",
                Pretty(timeout),
                Pretty(crate::about::SYNCHRONOUS_DELAY_BOUND_US)
            )
        } else {
            format!(
                "a timeout of {} leaves less than two of the synchronous model's longest delays ({}) after an interval: a late heartbeat can be taken for a crash even there",
                Pretty(timeout),
                Pretty(crate::about::SYNCHRONOUS_DELAY_BOUND_US)
            )
        })
    }
}

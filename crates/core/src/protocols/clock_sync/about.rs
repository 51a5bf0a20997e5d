//! What clock synchronisation says about itself to the registry.

use super::msg::{signed, stamp};
use super::{Adjust, Algorithm, CsBug, CsConfig, CsMsg, CsNode, CsNote, CsTimer, SERVER};
use crate::about::{
    About, Choice, Described, Env, Look, Scene, SettingDesc, SettingKind, Values, SILENT,
};
use crate::about::{Duration, Pick, Setting};
use crate::action::Action;
use crate::card::Card;
use crate::ids::MAX_NODES;
use crate::time::{Micros, Pretty, MICROS_PER_MS, MICROS_PER_SEC};
use crate::trace::EventKind;

const INTERVAL: Setting<Duration> = Setting::<Duration>::new(SettingDesc {
    name: "interval",
    label: "synchronise every",
    kind: SettingKind::Duration {
        min_us: 50 * MICROS_PER_MS,
        max_us: 60 * MICROS_PER_SEC,
    },
    default: Some("1s"),
    help: "how often each client asks the time server (under Berkeley, how often the master polls), on its own clock",
});

const ALGORITHM: Setting<Pick> = Setting::<Pick>::new(SettingDesc {
    name: "algorithm",
    label: "algorithm",
    kind: SettingKind::Choice {
        choices: &[
            Choice {
                value: "ntp",
                meaning: "each client asks n0 and computes the offset and round trip from four timestamps (Cristian's algorithm, NTP's arithmetic)",
                also: &["cristian"],
            },
            Choice {
                value: "berkeley",
                meaning: "n0 polls every node, averages the clocks near the median and tells each how far to move",
                also: &[],
            },
        ],
    },
    default: Some("ntp"),
    help: "how the clocks are brought together",
});

const ADJUST: Setting<Pick> = Setting::<Pick>::new(SettingDesc {
    name: "adjust",
    label: "correct by",
    kind: SettingKind::Choice {
        choices: &[
            Choice {
                value: "step",
                meaning: "setting the clock at once, backwards if need be",
                also: &[],
            },
            Choice {
                value: "slew",
                meaning:
                    "running the clock 10% fast or slow until it has caught up: it never goes back while the node stays up (a node restarted mid-slew starts from its whole correction)",
                also: &[],
            },
        ],
    },
    default: Some("step"),
    help: "how a node applies a correction to the clock it shows",
});

const THRESHOLD: Setting<Duration> = Setting::<Duration>::new(SettingDesc {
    name: "threshold",
    label: "outlier threshold",
    kind: SettingKind::Duration {
        min_us: 1,
        max_us: 10 * MICROS_PER_SEC,
    },
    default: Some("20ms"),
    help: "Berkeley: a clock whose offset is further than this from the median is left out of the average (it is still corrected)",
});

const ABOUT: About = About {
    name: "clock-sync",
    title: "Clock synchronisation (NTP, Berkeley)",
    summary: "n0 keeps the time and the others set their clocks by it, each claiming an error of at most half the round trip",
    nodes: (2, MAX_NODES, 4),
    settings: &[INTERVAL.desc, ALGORITHM.desc, ADJUST.desc, THRESHOLD.desc],
    bugs: CsBug::TABLE,
    behaviours: &[SILENT],
    roles: super::roles::ALL,
    operations: &[],
    properties: &[
        super::checkers::WithinBound::PROPERTY,
        super::checkers::OutliersIgnored::PROPERTY,
    ],
    measures: super::meter::ALL,
    trigger: None,
    look: Look {
        called: "clock synchronisation",
        holds: "Every synchronisation so far is within the error it claims",
        legend: ["", "asks the time (a poll)", "the time (an answer)", "a correction"],
        era: None,
        mark: None,
        cut: None,
    },
};

fn moves(config: &CsConfig, by: i64) -> &'static str {
    if by == 0 {
        return "so leaves its clock as it is";
    }
    match (config.adjust, by < 0) {
        (Adjust::Step, true) => "steps its clock back: a timestamp it takes now can be earlier than one it took a moment ago",
        (Adjust::Step, false) => "steps its clock forwards at once",
        (Adjust::Slew, true) => "slews: its clock runs 10% slow until it has lost that much, and never goes back",
        (Adjust::Slew, false) => "slews: its clock runs 10% fast until it has gained that much",
    }
}

impl Described for CsNode {
    const ABOUT: &'static About = &ABOUT;

    /// An exchange and what it measured, a Berkeley round, and a clock stepped or set to
    /// drift, in the terms of clocks.
    fn narrate(e: &EventKind, scene: &dyn Scene<CsNode>) -> Option<String> {
        let config = scene.config();
        match e {
            EventKind::Note { node, note } => {
                let note = note.get::<CsNote>()?;
                Some(match note {
                    CsNote::Synced(x) => {
                        let apart = match x.theta {
                            0 => format!("reads the same as {node}'s"),
                            t if t > 0 => format!("is about {} ahead of {node}'s", signed(t).trim_start_matches('+')),
                            t => format!("is about {} behind {node}'s", signed(-t).trim_start_matches('+')),
                        };
                        format!(
                            "{node} asked at t1 = {} on its clock; {SERVER} stamped the request t2 = {} and its answer t3 = {}; the answer came back at t4 = {}. So {SERVER}'s clock {apart} (θ, the mean of t2 − t1 and t3 − t4), and the round trip took {} (δ). {node} moves by {} and {}. It assumed the answer took half the round trip to come back: if the two ways took different times, it is wrong by up to {} (δ/2), and nothing it measured shows it",
                            stamp(x.t1),
                            stamp(x.t2),
                            stamp(x.t3),
                            stamp(x.t4),
                            Pretty(x.delay.max(0) as Micros),
                            signed(x.moved),
                            moves(config, x.moved),
                            Pretty(x.bound.max(0) as Micros)
                        )
                    }
                    CsNote::Decided {
                        round,
                        median,
                        average,
                        outliers,
                        ..
                    } => {
                        let left = if outliers.is_empty() {
                            "every clock is near it, so all are averaged".to_string()
                        } else {
                            let names: Vec<String> =
                                outliers.iter().map(|n| n.to_string()).collect();
                            format!(
                                "{} is further than {} from it and left out of the average (it will still be corrected)",
                                names.join(", "),
                                Pretty(config.threshold_us)
                            )
                        };
                        format!(
                            "{node} has the clocks of round {round}, each estimated from its answer plus half its round trip. The median is {} from {node}'s own; {left}. The group's time is the average, {} from {node}'s clock, and every node is told how far to move to it: a difference, which stays right however long it takes to arrive",
                            signed(*median),
                            signed(*average)
                        )
                    }
                    CsNote::Adjusted { round, by } => format!(
                        "{node} is told to move by {} after round {round} and {}",
                        signed(*by),
                        moves(config, *by)
                    ),
                    other => format!("{node} {}", crate::protocol::Note::text(other)),
                })
            }
            EventKind::Fault {
                action: Action::SkewClock { node, by_us },
            } => Some(format!(
                "{node}'s clock jumps by {}. Until it next synchronises (every {}), it is off by that much, and it does not know",
                signed(*by_us),
                Pretty(config.interval_us)
            )),
            EventKind::Fault {
                action: Action::SetDrift { node, ppm },
            } => Some(format!(
                "{node}'s clock now runs {} (by {} per second): between two synchronisations its error grows by up to {}",
                if *ppm >= 0 { "fast" } else { "slow" },
                Pretty(ppm.unsigned_abs() as Micros),
                Pretty(ppm.unsigned_abs() as Micros * config.interval_us / MICROS_PER_SEC)
            )),
            _ => None,
        }
    }

    fn colour_of(msg: &CsMsg) -> u8 {
        match msg {
            CsMsg::Request { .. } | CsMsg::Poll { .. } => 1,
            CsMsg::Reply { .. } | CsMsg::Time { .. } => 2,
            CsMsg::Adjust { .. } => 3,
        }
    }

    fn countdown(timer: &CsTimer, config: &CsConfig) -> Option<Micros> {
        (*timer == CsTimer::Sync).then_some(config.interval_us)
    }

    fn card(&self) -> Card {
        let config = self.config();
        let role = match (config.algorithm, self.is_server()) {
            (Algorithm::Ntp, true) => {
                "the time server: answers requests with its clock, which it never corrects"
            }
            (Algorithm::Ntp, false) => "a client: asks the time server and corrects its clock",
            (Algorithm::Berkeley, true) => {
                "the master: polls every clock, averages and tells each how far to move"
            }
            (Algorithm::Berkeley, false) => "polled by the master and moved as it says",
        };
        // Four clocks are in play, and the panel above this card already shows two of them
        // ("true time", and "its clock", which is the hardware clock): each fact says which
        // one it reads.
        let slewing = self.slewing();
        let applied = self.correction() - slewing;
        let mut card = Card::default()
            .fact("role", role)
            .fact(
                "corrected clock",
                format!(
                    "{} when it last acted: its hardware clock plus the correction{}, the time its applications read",
                    stamp(self.shown()),
                    if slewing == 0 {
                        ""
                    } else {
                        ", less what is still to slew"
                    }
                ),
            )
            .fact(
                "hardware clock",
                format!(
                    "{} when it last acted: the machine's own clock (\"its clock\" above), which faults skew and drift and synchronisation never touches",
                    stamp(self.physical())
                ),
            )
            .fact(
                "correction",
                format!(
                    "{}: what synchronisation adds to the hardware clock",
                    signed(self.correction())
                ),
            );
        if config.adjust == Adjust::Slew {
            card = card.fact(
                "still to slew",
                format!(
                    "{}: the part of the correction its corrected clock has not made up yet",
                    signed(slewing)
                ),
            );
        }
        let offset = if applied == 0 {
            "the hardware clock's (beside \"its clock\" above), with no correction applied; the node itself cannot know it".to_string()
        } else {
            format!(
                "that of the hardware clock (beside \"its clock\" above), moved {} {} by the correction{}; the node itself cannot know it",
                Pretty(applied.unsigned_abs()),
                if applied < 0 { "earlier" } else { "later" },
                if config.adjust == Adjust::Slew {
                    " slewed when it last acted"
                } else {
                    ""
                }
            )
        };
        card = card.fact("offset from true time", offset).fact(
            "last synchronised",
            self.synced_at().map_or("never".into(), |t| {
                format!("at {} (hardware clock plus correction)", stamp(t))
            }),
        );
        if self.went_back() > 0 {
            card = card.fact(
                "went back",
                format!(
                    "by up to {} when a correction stepped it back",
                    Pretty(self.went_back() as Micros)
                ),
            );
        }
        if let Some(x) = self.last() {
            card = card
                .fact("last θ (offset)", signed(x.theta))
                .fact("last δ (round trip)", Pretty(x.delay.max(0) as Micros))
                .fact(
                    "claimed bound",
                    format!("±{}", Pretty(x.bound.max(0) as Micros)),
                );
        }
        if let Some(by) = self
            .last_move()
            .filter(|_| config.algorithm == Algorithm::Berkeley)
        {
            card = card.fact("last moved by", signed(by));
        }
        if let Some((round, median, average, outliers)) = self.decided() {
            let left: Vec<String> = outliers.iter().map(|n| n.to_string()).collect();
            card = card.fact(
                "last round",
                format!(
                    "round {round}: median {}, average {}, left out: {}",
                    signed(*median),
                    signed(*average),
                    if left.is_empty() {
                        "none".into()
                    } else {
                        left.join(", ")
                    }
                ),
            );
        }
        card
    }

    fn configure(values: &Values<'_>, _env: &Env) -> Result<CsConfig, String> {
        Ok(CsConfig {
            interval_us: values.get(&INTERVAL),
            // The averaging bug is the Berkeley master's: with it, the nodes run Berkeley.
            algorithm: match values.get(&ALGORITHM) {
                _ if values.bugs(CsBug::parse).contains(&CsBug::AverageOutliers) => {
                    Algorithm::Berkeley
                }
                "berkeley" => Algorithm::Berkeley,
                _ => Algorithm::Ntp,
            },
            adjust: match values.get(&ADJUST) {
                "slew" => Adjust::Slew,
                _ => Adjust::Step,
            },
            threshold_us: values.get(&THRESHOLD),
            bugs: values.bugs(CsBug::parse),
        })
    }

    fn remark(values: &Values<'_>, _env: &Env) -> Option<String> {
        let forced = values.bugs(CsBug::parse).contains(&CsBug::AverageOutliers);
        if forced && values.get(&ALGORITHM) != "berkeley" {
            return Some(
                "the average-outliers bug is the Berkeley master's: with it, the nodes run Berkeley"
                    .into(),
            );
        }
        (forced || values.get(&ALGORITHM) == "berkeley").then(|| {
            format!(
                "the master averages the clocks within {} of the median clock and leaves the rest out",
                Pretty(values.get(&THRESHOLD))
            )
        })
    }
}

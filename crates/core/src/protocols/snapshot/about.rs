//! What the snapshot says about itself to the registry, its narration and its node card.

use super::checkers::{Conservation, ConsistentCut, SnapshotsComplete};
use super::msg::{Cause, Recording};
use super::{SnapBug, SnapConfig, SnapMsg, SnapNode, SnapNote, SnapTimer, MAX_AMOUNT};
use crate::about::{About, Described, Env, Look, Scene, SettingDesc, SettingKind, Values, SILENT};
use crate::about::{Duration, Maybe, Number, Setting};
use crate::card::{Card, Row};
use crate::ids::NodeId;
use crate::time::{Micros, Pretty, MICROS_PER_MS, MICROS_PER_SEC};
use crate::trace::EventKind;

const BALANCE: Setting<Number> = Setting::<Number>::new(SettingDesc {
    name: "balance",
    label: "opening balance",
    kind: SettingKind::Number {
        min: 1,
        max: 1_000_000,
    },
    default: Some("100"),
    help: "the money each account opens with; the total, this times the number of nodes, never changes",
});

const INTERVAL: Setting<Duration> = Setting::<Duration>::new(SettingDesc {
    name: "interval",
    label: "time between transfers",
    kind: SettingKind::Duration {
        min_us: MICROS_PER_MS,
        max_us: 10 * MICROS_PER_SEC,
    },
    default: Some("100ms"),
    help: "the average time between a node's transfers (each wait is random, from 1 ms to twice this); each sends a random part of its balance, at most 20, to a random other node",
});

const FIRST: Setting<Duration> = Setting::<Duration>::new(SettingDesc {
    name: "first",
    label: "first snapshot at",
    kind: SettingKind::Duration {
        min_us: MICROS_PER_MS,
        max_us: 600 * MICROS_PER_SEC,
    },
    default: Some("500ms"),
    help: "when snapshot 1 starts, on its initiator's clock",
});

const EVERY: Setting<Duration> = Setting::<Duration>::new(SettingDesc {
    name: "every",
    label: "a snapshot every",
    kind: SettingKind::Duration {
        min_us: 50 * MICROS_PER_MS,
        max_us: 60 * MICROS_PER_SEC,
    },
    default: Some("1s"),
    help: "the time between the starts of two successive snapshots",
});

const SNAPSHOTS: Setting<Number> = Setting::<Number>::new(SettingDesc {
    name: "snapshots",
    label: "snapshots",
    kind: SettingKind::Number {
        min: 0,
        max: 10_000,
    },
    default: Some("0"),
    help: "how many snapshots to take; 0 for as many as the run has time for",
});

const INITIATOR: Setting<Maybe<Number>> = Setting::<Maybe<Number>>::new(SettingDesc {
    name: "initiator",
    label: "initiator",
    kind: SettingKind::Number { min: 0, max: 15 },
    default: None,
    help: "the node that starts every snapshot, by its number (2 for n2); if not set, the nodes take turns: n0 starts snapshot 1, n1 snapshot 2, and so on",
});

const INITIATORS: Setting<Number> = Setting::<Number>::new(SettingDesc {
    name: "initiators",
    label: "nodes starting each snapshot",
    kind: SettingKind::Number { min: 1, max: 16 },
    default: Some("1"),
    help: "how many nodes start each snapshot at its moment, each on its own clock: the initiator and the ones after it (with 2, n0 and n1 both start snapshot 1); their starts merge into one cut",
});

const ABOUT: About = About {
    name: "snapshot",
    title: "Distributed snapshot (Chandy-Lamport)",
    summary: "accounts move money to each other while markers on FIFO channels record a consistent global state: every node's balance at its cut and the money in flight on every channel, which add up to the money there is; everything is kept on disk, so a crash only delays a snapshot",
    nodes: (2, 16, 4),
    settings: &[
        BALANCE.desc,
        INTERVAL.desc,
        FIRST.desc,
        EVERY.desc,
        SNAPSHOTS.desc,
        INITIATOR.desc,
        INITIATORS.desc,
    ],
    bugs: SnapBug::TABLE,
    behaviours: &[SILENT],
    roles: super::roles::ALL,
    operations: &[],
    properties: &[
        ConsistentCut::PROPERTY,
        Conservation::PROPERTY,
        SnapshotsComplete::PROPERTY,
    ],
    measures: super::meter::ALL,
    trigger: Some("start a snapshot"),
    look: Look {
        called: "the snapshot",
        holds: "Every complete snapshot so far is a consistent cut and adds up to the money there is",
        legend: [
            "an acknowledgement: the channel has arrived in order up to here",
            "money moving from one account to another",
            "a marker: the sender's cut on this channel",
            "",
        ],
        era: None,
        mark: Some("recorded its state for a snapshot"),
        cut: Some("a snapshot's cut"),
    },
};

/// A node's channels still recorded in `r`, as a list of senders.
fn waiting_for(r: &Recording) -> Vec<NodeId> {
    r.channels
        .iter()
        .enumerate()
        .filter(|(_, c)| c.open)
        .map(|(i, _)| NodeId(i as u32))
        .collect()
}

fn names(ids: &[NodeId]) -> String {
    let words: Vec<String> = ids.iter().map(NodeId::to_string).collect();
    match words.len() {
        0 => "nobody".into(),
        1 => words[0].clone(),
        k => format!("{} and {}", words[..k - 1].join(", "), words[k - 1]),
    }
}

/// Why a node recorded, in a few words.
fn cause_text(cause: Cause) -> String {
    match cause {
        Cause::Started => "its own start".into(),
        Cause::Marker(from) => format!("the first marker, from {from}"),
        Cause::Again(from) => format!("{from}'s marker, again"),
    }
}

impl Described for SnapNode {
    const ABOUT: &'static About = &ABOUT;

    /// The snapshot's steps in the terms of the paper: a node recording its state and
    /// sending markers, a channel recorded when its marker comes, a node's part done and
    /// the whole snapshot complete with what it adds up to; and a crash.
    fn narrate(e: &EventKind, scene: &dyn Scene<SnapNode>) -> Option<String> {
        let config = scene.config();
        match e {
            EventKind::Note { node, note } => {
                let note = note.get::<SnapNote>()?;
                Some(match note {
                    SnapNote::Records {
                        snap,
                        balance,
                        cause: Cause::Started,
                    } => {
                        let markers = if config.has(SnapBug::LateMarkers) {
                            "and, against the marker rule, keeps its markers until its next transfer has left"
                        } else {
                            "and, before anything else leaves, sends a marker on its channel to every other node"
                        };
                        format!(
                            "{node} starts snapshot {snap}: it records its own state, a balance of {balance}, {markers}. From now on it records the money arriving on each incoming channel, until that channel's marker comes"
                        )
                    }
                    SnapNote::Records {
                        snap,
                        balance,
                        cause: Cause::Marker(from),
                    } => {
                        let channel = if config.fifo() {
                            format!("Whatever {from} sent before its marker arrived before it, so the channel from {from} is recorded as empty")
                        } else {
                            format!("The channel from {from} is taken as empty, but these channels do not keep order: money {from} sent before its marker may still be on its way, and will be missed")
                        };
                        let markers = if config.has(SnapBug::LateMarkers) {
                            "keeps its markers until its next transfer has left, against the marker rule"
                        } else {
                            "sends markers on all its channels"
                        };
                        format!(
                            "{node} receives its first marker of snapshot {snap}, from {from}: it records its state at once (balance {balance}) and {markers}. {channel}; each other incoming channel is recorded until its marker comes"
                        )
                    }
                    SnapNote::Records {
                        snap,
                        balance,
                        cause: Cause::Again(from),
                    } => format!(
                        "{node} records its state for snapshot {snap} once more at {from}'s marker (balance {balance}): its cut has moved past money it received after it first recorded, some of it already counted on a channel"
                    ),
                    SnapNote::Closes {
                        snap,
                        from,
                        money,
                        transfers,
                    } => {
                        if *transfers == 0 {
                            format!(
                                "{from}'s marker of snapshot {snap} reaches {node}: nothing arrived on that channel between {node}'s cut and the marker, so nothing was in flight on it"
                            )
                        } else {
                            format!(
                                "{from}'s marker of snapshot {snap} reaches {node}: the {money} that arrived on that channel between {node}'s cut and the marker was in flight at the cut (sent before {from}'s cut, received after {node}'s), and is the channel's state"
                            )
                        }
                    }
                    SnapNote::Finishes {
                        snap,
                        balance,
                        channels,
                    } => {
                        let all: Option<Vec<&Recording>> = (0..scene.cluster_size() as u32)
                            .map(|i| {
                                scene
                                    .disk(NodeId(i))
                                    .recording(*snap)
                                    .filter(|r| r.is_done())
                            })
                            .collect();
                        match all {
                            Some(all) => {
                                let (b, c) = super::checkers::sums(&all);
                                let total = config.total();
                                let verdict = if b + c == total {
                                    format!("exactly the {total} the accounts hold in all")
                                } else {
                                    format!("but the accounts hold {total} in all")
                                };
                                format!(
                                    "{node} has the last marker it waited for, and snapshot {snap} is complete: the balances recorded come to {b} and the money recorded in flight to {c}, {} in all, {verdict}",
                                    b + c
                                )
                            }
                            None => format!(
                                "{node} has recorded its part of snapshot {snap}: its balance at the cut, {balance}, and {} in flight towards it; other nodes still wait for markers",
                                super::msg::in_flight(*channels)
                            ),
                        }
                    }
                    SnapNote::AlreadyIn { snap } => format!(
                        "{node}'s moment to start snapshot {snap} comes, but a marker of it came first and {node} has recorded its state already: two starts of one snapshot make one cut"
                    ),
                    // Held-back messages are routine: left to the log.
                    SnapNote::HoldsBack { .. } => return None,
                })
            }
            EventKind::Crash { node, .. } => {
                let open = scene.disk(*node).open.len();
                (open > 0).then(|| {
                    format!(
                        "{node} crashes with {open} snapshot{} open. What it recorded is on its disk, but no marker leaves it while it is down: the snapshot waits for it to come back",
                        if open == 1 { "" } else { "s" }
                    )
                })
            }
            _ => None,
        }
    }

    fn colour_of(msg: &SnapMsg) -> u8 {
        match msg {
            SnapMsg::Ack { .. } => 0,
            SnapMsg::Money { .. } => 1,
            SnapMsg::Marker { .. } => 2,
        }
    }

    fn countdown(timer: &SnapTimer, config: &SnapConfig) -> Option<Micros> {
        matches!(timer, SnapTimer::Start(_)).then(|| config.longest_wait())
    }

    fn card(&self) -> Card {
        let d = self.ledger();
        let open: Vec<&Recording> = d.open.iter().filter_map(|s| d.recording(*s)).collect();
        let role = if open.is_empty() {
            "an account, with no snapshot under way here".to_string()
        } else {
            let started: Vec<String> = open
                .iter()
                .filter(|r| r.started())
                .map(|r| r.snap.to_string())
                .collect();
            let snaps: Vec<String> = open.iter().map(|r| r.snap.to_string()).collect();
            if started.is_empty() {
                format!("recording channels for snapshot {}", snaps.join(", "))
            } else {
                format!(
                    "initiator of snapshot {}, recording channels for {}",
                    started.join(", "),
                    snaps.join(", ")
                )
            }
        };
        let unacked: usize = d.out.iter().map(|o| o.unacked.len()).sum();
        let mut card = Card::default()
            .fact("role", role)
            .fact("balance", d.balance)
            .fact(
                "sent",
                format!("{} transfers, {} in all", d.paid, d.paid_total),
            )
            .fact("received", format!("{} in all", d.got_total))
            .fact(
                "not yet acknowledged",
                format!(
                    "{unacked} message{}, {} in money",
                    if unacked == 1 { "" } else { "s" },
                    d.unacked_money()
                ),
            )
            .fact("held back", self.held_back());
        if let Some(k) = Some(d.next_start).filter(|k| *k > 0) {
            card = card.fact("next snapshot it starts", k);
        }
        let rows = d
            .snaps
            .iter()
            .rev()
            .take(20)
            .map(|r| {
                let channels: Vec<String> = r
                    .channels
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != self.id().index())
                    .map(|(i, c)| {
                        let from = NodeId(i as u32);
                        let ids: Vec<String> =
                            c.money.iter().map(|(id, _)| format!("#{id}")).collect();
                        let held = if c.money.is_empty() {
                            "nothing".to_string()
                        } else {
                            format!("{} ({})", c.total(), ids.join(" "))
                        };
                        if c.open {
                            format!("from {from}: {held} so far, marker not yet come")
                        } else {
                            format!("from {from}: {held}")
                        }
                    })
                    .collect();
                let status = if r.is_done() {
                    "recorded in full".to_string()
                } else {
                    format!("waiting for the marker from {}", names(&waiting_for(r)))
                };
                Row::new(vec![
                    r.snap.to_string(),
                    cause_text(r.cause),
                    r.balance.to_string(),
                    channels.join("; "),
                    status,
                ])
                .marked(r.is_done().then_some("committed"))
            })
            .collect();
        card.table(
            "what it recorded for each snapshot, newest first: its state at its cut, and the money in flight on each incoming channel",
            &["snapshot", "recorded at", "balance", "incoming channels", "status"],
            rows,
        )
    }

    fn configure(values: &Values<'_>, env: &Env) -> Result<SnapConfig, String> {
        let initiator = values.get(&INITIATOR);
        if let Some(i) = initiator.filter(|i| *i as usize >= env.nodes) {
            return Err(format!(
                "initiator is a node's number, from 0 to {}, not {i}",
                env.nodes - 1
            ));
        }
        let initiators = values.get(&INITIATORS);
        if initiators as usize > env.nodes {
            return Err(format!(
                "initiators must be at most the number of nodes, {}, not {initiators}",
                env.nodes
            ));
        }
        Ok(SnapConfig {
            nodes: env.nodes,
            balance: values.get(&BALANCE),
            interval_us: values.get(&INTERVAL),
            first_us: values.get(&FIRST),
            every_us: values.get(&EVERY),
            snapshots: values.get(&SNAPSHOTS) as u32,
            initiator: initiator.map(|i| NodeId(i as u32)),
            initiators: initiators as u32,
            bugs: values.bugs(SnapBug::parse),
        })
    }

    fn remark(values: &Values<'_>, env: &Env) -> Option<String> {
        let config = Self::configure(values, env).ok()?;
        let who = match (config.initiator, config.initiators) {
            _ if config.snapshots == 1 => {
                let starters = config.starters(1);
                format!(
                    "{} {} it",
                    names(&starters),
                    if starters.len() == 1 {
                        "starts"
                    } else {
                        "start"
                    }
                )
            }
            (Some(i), 1) => format!("{i} starts each"),
            (Some(i), 2) => format!("{i} and the node after it start each"),
            (Some(i), k) => format!("{i} and the {} nodes after it start each", k - 1),
            (None, 1) => "the nodes take turns starting them".into(),
            (None, k) => format!("{k} nodes start each, in turns"),
        };
        let count = match config.snapshots {
            0 => "a snapshot".to_string(),
            1 => "one snapshot, at".to_string(),
            k => format!("{k} snapshots, one"),
        };
        let when = if config.snapshots == 1 {
            format!("{count} {}", Pretty(config.first_us))
        } else {
            format!(
                "{count} every {} from {}",
                Pretty(config.every_us),
                Pretty(config.first_us)
            )
        };
        Some(format!(
            "{} accounts of {}: {} in all, moving in transfers of at most {MAX_AMOUNT}; {when}; {who}",
            env.nodes,
            config.balance,
            config.total()
        ))
    }
}

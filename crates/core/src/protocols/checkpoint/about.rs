//! What checkpointing says about itself to the registry, and its node card.

use super::checkers::{ConsistentLine, NoOrphanRollbacks, NoOrphans, RecoveryCompletes};
use super::msg::{events, rollbacks, Cause, CkMsg, CkNote, CkTimer};
use super::{list, CkBug, CkConfig, CkNode, Logging, Scheme, COORDINATOR};
use crate::about::{
    About, Choice, Described, Env, Look, Scene, SettingDesc, SettingKind, Values, SILENT,
};
use crate::about::{Duration, Pick, Setting};
use crate::card::{Card, Row};
use crate::time::{Micros, Pretty, MICROS_PER_MS, MICROS_PER_SEC};
use crate::trace::EventKind;

const SCHEME: Setting<Pick> = Setting::<Pick>::new(SettingDesc {
    name: "scheme",
    label: "checkpoints",
    kind: SettingKind::Choice {
        choices: &[
            Choice {
                value: "coordinated",
                meaning: "n0 starts a round: every process checkpoints and holds back its jobs until all have, so each round is a consistent cut",
                also: &[],
            },
            Choice {
                value: "independent",
                meaning: "each process checkpoints on its own, whenever it likes: cheap, but the recovery line may have to go far back",
                also: &[],
            },
        ],
    },
    default: Some("coordinated"),
    help: "how the processes take their checkpoints",
});

const LOGGING: Setting<Pick> = Setting::<Pick>::new(SettingDesc {
    name: "logging",
    label: "message log",
    kind: SettingKind::Choice {
        choices: &[
            Choice {
                value: "none",
                meaning: "no log: what a process did since its checkpoint is lost in a crash",
                also: &[],
            },
            Choice {
                value: "pessimistic-receiver",
                meaning: "each process writes every event to its own log before acting on it",
                also: &[],
            },
            Choice {
                value: "pessimistic-sender",
                meaning: "senders log the jobs they send and the order the receiver got them in; a receiver starts no job until its receipts are logged",
                also: &[],
            },
            Choice {
                value: "optimistic",
                meaning: "each process writes its events to its own log in batches, after acting on them; orphans are rolled back",
                also: &[],
            },
        ],
    },
    default: Some("none"),
    help: "what a process writes down between checkpoints, so that a restart can replay past its checkpoint",
});

const INTERVAL: Setting<Duration> = Setting::<Duration>::new(SettingDesc {
    name: "interval",
    label: "checkpoint every",
    kind: SettingKind::Duration {
        min_us: 50 * MICROS_PER_MS,
        max_us: 60 * MICROS_PER_SEC,
    },
    default: Some("1s"),
    help: "the time between checkpoint rounds (coordinated), or between a process's own checkpoints on average (independent: each wait is random, from half to one and a half times this)",
});

const JOBS: Setting<Duration> = Setting::<Duration>::new(SettingDesc {
    name: "jobs",
    label: "a job every",
    kind: SettingKind::Duration {
        min_us: 5 * MICROS_PER_MS,
        max_us: 10 * MICROS_PER_SEC,
    },
    default: Some("100ms"),
    help: "how often each process starts a job and sends it to another, on average (each wait is random, from half to one and a half times this)",
});

const FLUSH: Setting<Duration> = Setting::<Duration>::new(SettingDesc {
    name: "flush",
    label: "optimistic log writes after",
    kind: SettingKind::Duration {
        min_us: MICROS_PER_MS,
        max_us: 10 * MICROS_PER_SEC,
    },
    default: Some("50ms"),
    help: "with an optimistic log (or the log-after-deliver bug): how long events wait in memory before they are written to the log",
});

const ABOUT: About = About {
    name: "checkpoint",
    title: "Checkpointing and message logging",
    summary: "processes pass jobs to one another and save their state in checkpoints, coordinated or independent; after a crash they go back to a recovery line, replaying logged messages (pessimistic or optimistic, sender- or receiver-based) and rolling back orphans",
    nodes: (2, 12, 4),
    settings: &[
        SCHEME.desc,
        LOGGING.desc,
        INTERVAL.desc,
        JOBS.desc,
        FLUSH.desc,
    ],
    bugs: CkBug::TABLE,
    behaviours: &[SILENT],
    roles: super::roles::ALL,
    operations: &[],
    properties: &[
        ConsistentLine::PROPERTY,
        NoOrphans::PROPERTY,
        RecoveryCompletes::PROPERTY,
        NoOrphanRollbacks::PROPERTY,
    ],
    measures: super::meter::ALL,
    trigger: None,
    look: Look {
        called: "checkpointing",
        holds: "Every state a process went back to fits a consistent recovery line so far",
        legend: [
            "where a rollback ended an incarnation, passed on",
            "a job",
            "checkpoint round: request, report, done or abort",
            "message log: receive order, its confirmation, a restarted process's logged jobs",
        ],
        era: Some(("i", "incarnation")),
        mark: Some("a checkpoint, or the state a process went back to"),
        cut: Some("a recovery line: where each process went back to after a crash"),
    },
};

impl Described for CkNode {
    const ABOUT: &'static About = &ABOUT;

    /// A crash, told with what the process's logging keeps of what it did since its
    /// checkpoint.
    fn narrate(e: &EventKind, scene: &dyn Scene<CkNode>) -> Option<String> {
        let EventKind::Crash { node, .. } = e else {
            return None;
        };
        let config = scene.config();
        let disk = scene.disk(*node);
        let since = match disk.checkpoints.iter().rfind(|c| c.permanent) {
            Some(c) => format!("its checkpoint {}", c.number),
            None => "the start".into(),
        };
        Some(match config.logging {
            Logging::None => format!(
                "{node} crashes: what it did since {since} was only in memory and is lost. Jobs it sent since then will be undone, and whoever received them becomes an orphan"
            ),
            Logging::PessimisticReceiver if !config.batches() => format!(
                "{node} crashes, but every event it did since {since} is in its log: it will replay them and come back exactly where it was, so nobody becomes an orphan"
            ),
            Logging::PessimisticSender => format!(
                "{node} crashes. The jobs it received since {since} are in their senders' logs, with the order it received them in, and its own jobs in its log: it will collect them and replay"
            ),
            Logging::PessimisticReceiver | Logging::Optimistic => format!(
                "{node} crashes. Its log holds {} of its events; those still waiting to be written are lost, and any job it sent after them will be undone",
                events(disk.events.len() as u32)
            ),
        })
    }

    fn colour_of(msg: &CkMsg) -> u8 {
        match msg {
            CkMsg::Rollbacks { .. } | CkMsg::Known { .. } => 0,
            CkMsg::Job { .. } => 1,
            CkMsg::Request { .. }
            | CkMsg::Report { .. }
            | CkMsg::Done { .. }
            | CkMsg::Abort { .. } => 2,
            CkMsg::Order { .. }
            | CkMsg::Ordered { .. }
            | CkMsg::AskLog { .. }
            | CkMsg::LogCopy { .. } => 3,
        }
    }

    /// The wait for the next checkpoint (or round).
    fn countdown(timer: &CkTimer, config: &CkConfig) -> Option<Micros> {
        match (timer, config.scheme) {
            (CkTimer::Checkpoint, Scheme::Coordinated) => Some(config.interval_us),
            (CkTimer::Checkpoint, Scheme::Independent) => {
                Some(config.interval_us + config.interval_us / 2)
            }
            _ => None,
        }
    }

    fn card(&self) -> Card {
        let config = self.config();
        let role = match config.scheme {
            Scheme::Coordinated if self.id() == COORDINATOR => format!(
                "coordinator: starts a checkpoint round every {}, and a process like the others",
                Pretty(config.interval_us)
            ),
            Scheme::Coordinated => "process (coordinated checkpoints)".to_string(),
            Scheme::Independent => "process (independent checkpoints)".to_string(),
        };
        let doing = if self.recovering() {
            format!(
                "collecting the jobs logged for it: waiting for {}",
                nodes(&self.waiting_for())
            )
        } else if let Some(r) = self.holding() {
            format!("holding back its jobs until round {r} is done")
        } else if self.job_waiting() {
            let waiting: Vec<_> = self.unconfirmed().collect();
            format!(
                "holding its next job until the order of {} is logged at the sender",
                list(waiting)
            )
        } else {
            "doing and passing on jobs".to_string()
        };
        let len = self.history().len() as u32;
        let log = match config.logging {
            Logging::None => format!(
                "no log: its disk holds its checkpoints ({} written)",
                events(self.durable().min(len))
            ),
            Logging::PessimisticReceiver if !config.batches() => format!(
                "every event is written before it takes effect: {} on disk",
                events(self.durable().min(len))
            ),
            Logging::PessimisticReceiver | Logging::Optimistic => format!(
                "{} on disk, {} waiting to be written",
                events(self.durable().min(len)),
                len.saturating_sub(self.durable())
            ),
            Logging::PessimisticSender => {
                let open = self.sent_log().iter().filter(|l| l.rsn.is_none()).count();
                format!(
                    "{} jobs it sent are in its log ({open} still without their receiver's order); {} received jobs await their sender's confirmation",
                    self.sent_log().len(),
                    self.unconfirmed().count()
                )
            }
        };
        let last = match self.rollbacks().last() {
            None => "none".to_string(),
            Some(r) => {
                let place = CkNote::place(r.checkpoint, r.to - r.replayed);
                let replay = if r.replayed > 0 {
                    format!(" and replayed {}", events(r.replayed))
                } else {
                    String::new()
                };
                let why = match r.cause {
                    Cause::Restart => "after a crash".to_string(),
                    Cause::Orphan { of, id } => {
                        format!("as an orphan: it held {id}, which {of} no longer sent")
                    }
                };
                format!("to {place}{replay}, {why}")
            }
        };
        let rows = std::iter::once(Row::new(vec![
            "the start".into(),
            "0 s".into(),
            "0".into(),
            "0".into(),
            "always there".into(),
        ]))
        .chain(self.checkpoints().iter().map(|c| {
            let status = if c.permanent {
                "permanent".to_string()
            } else {
                format!("tentative (round {})", c.number)
            };
            Row::new(vec![
                c.number.to_string(),
                Pretty(c.at.max(0) as u64).to_string(),
                c.pos.to_string(),
                c.total.to_string(),
                status,
            ])
            .marked(c.permanent.then_some("committed"))
        }))
        .collect();
        Card::default()
            .fact("role", role)
            .fact(
                "state",
                format!(
                    "total {} after {} (incarnation {})",
                    self.total(),
                    events(len),
                    self.incarnation()
                ),
            )
            .fact("doing", doing)
            .fact("log", log)
            .fact("last rollback", last)
            .fact("rollbacks it knows of", rollbacks(self.table()))
            .table(
                "its checkpoints (taken at: by its own clock; events: how many its state holds)",
                &["checkpoint", "taken at", "events", "total", "status"],
                rows,
            )
    }

    fn configure(values: &Values<'_>, _env: &Env) -> Result<CkConfig, String> {
        let bugs = values.bugs(CkBug::parse);
        let mut scheme = match values.get(&SCHEME) {
            "independent" => Scheme::Independent,
            _ => Scheme::Coordinated,
        };
        let mut logging = match values.get(&LOGGING) {
            "pessimistic-receiver" => Logging::PessimisticReceiver,
            "pessimistic-sender" => Logging::PessimisticSender,
            "optimistic" => Logging::Optimistic,
            _ => Logging::None,
        };
        if bugs.contains(&CkBug::SendDuringCheckpoint) {
            scheme = Scheme::Coordinated;
        }
        if bugs.contains(&CkBug::LatestCheckpoint) {
            scheme = Scheme::Independent;
        }
        if bugs.contains(&CkBug::LogAfterDeliver) {
            logging = Logging::PessimisticReceiver;
        }
        if bugs.contains(&CkBug::SendBeforeLogged) {
            logging = Logging::PessimisticSender;
        }
        Ok(CkConfig {
            scheme,
            logging,
            interval_us: values.get(&INTERVAL),
            jobs_us: values.get(&JOBS),
            flush_us: values.get(&FLUSH),
            bugs,
        })
    }

    fn remark(values: &Values<'_>, env: &Env) -> Option<String> {
        let config = Self::configure(values, env).ok()?;
        let checkpoints = match config.scheme {
            Scheme::Coordinated => format!(
                "{COORDINATOR} starts a checkpoint round every {}",
                Pretty(config.interval_us)
            ),
            Scheme::Independent => format!(
                "each process checkpoints on its own, about every {}",
                Pretty(config.interval_us)
            ),
        };
        let logging = match config.logging {
            Logging::None => "no log: a crash loses everything since the checkpoint".to_string(),
            Logging::PessimisticReceiver => {
                "every event is logged before it takes effect: no orphans".to_string()
            }
            Logging::PessimisticSender => {
                "senders log jobs and their receive order: no orphans".to_string()
            }
            Logging::Optimistic => format!(
                "events are logged in batches every {}: a crash can leave orphans",
                Pretty(config.flush_us)
            ),
        };
        Some(format!(
            "{checkpoints}; a job about every {} per process; {logging}",
            Pretty(config.jobs_us)
        ))
    }
}

fn nodes(ids: &[crate::ids::NodeId]) -> String {
    let words: Vec<String> = ids.iter().map(|n| n.to_string()).collect();
    if words.is_empty() {
        "nobody".into()
    } else {
        words.join(", ")
    }
}

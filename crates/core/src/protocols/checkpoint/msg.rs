//! What the processes say to each other (jobs, what they know of rollbacks, the checkpoint
//! rounds, receive sequence numbers and logged jobs), their timers, their disk and their
//! notes.

use super::{list, Ended, Entry, Mid, Pos};
use crate::ids::NodeId;
use crate::protocol::{CutPoint, Durable, Message, Note};
use crate::rng::SimRng;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CkMsg {
    /// A job: the sender's job number `seq` of incarnation `inc`, sent after `pos` of its
    /// events.
    Job {
        inc: u32,
        seq: u32,
        pos: Pos,
        size: u32,
    },
    /// Every rollback the sender knows of.
    Rollbacks { ended: Vec<Ended> },
    /// What the sender now knows of rollbacks, as a digest (an acknowledgement).
    Known { digest: u64 },
    /// The coordinator asks for a checkpoint for round `round`.
    Request { round: u32 },
    /// A process has its tentative checkpoint of round `round` and holds back its jobs.
    Report { round: u32 },
    /// Round `round` is done: its checkpoints are permanent, jobs may flow again.
    Done { round: u32 },
    /// Round `round` was abandoned (its coordinator went back past it).
    Abort { round: u32 },
    /// The receiver's order of job `id` (its receive sequence number), for the sender's log.
    Order { id: Mid, rsn: Rsn },
    /// The sender has written down the order of job `id`.
    Ordered { id: Mid },
    /// A restarted process asks for the jobs logged for it past its event `after`.
    AskLog { after: Pos, attempt: u32 },
    /// The jobs the sender logged for the asker, with their order.
    LogCopy { attempt: u32, jobs: Vec<Logged> },
}

impl Message for CkMsg {
    fn corrupt(&self, rng: &mut SimRng) -> Self {
        let mut msg = self.clone();
        let bump = rng.range(1, 9) as u32;
        match &mut msg {
            CkMsg::Job { seq, .. } => *seq += bump,
            CkMsg::Rollbacks { ended } => {
                if let Some(e) = ended.first_mut() {
                    e.at += bump;
                }
            }
            CkMsg::Known { digest } => *digest ^= u64::from(bump),
            CkMsg::Request { round }
            | CkMsg::Report { round }
            | CkMsg::Done { round }
            | CkMsg::Abort { round } => *round += bump,
            CkMsg::Order { rsn, .. } => rsn.pos += bump,
            CkMsg::Ordered { id } => id.seq += bump,
            CkMsg::AskLog { after, .. } => *after += bump,
            CkMsg::LogCopy { attempt, .. } => *attempt += bump,
        }
        msg
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        match self {
            CkMsg::Job {
                inc,
                seq,
                pos,
                size,
            } => vec![
                ("job", seq.to_string()),
                ("sender's incarnation", inc.to_string()),
                ("sent after its event", pos.to_string()),
                ("size", size.to_string()),
            ],
            CkMsg::Rollbacks { ended } => vec![("rollbacks", rollbacks(ended))],
            CkMsg::Known { digest } => vec![("digest of what it knows", format!("{digest:x}"))],
            CkMsg::Request { round }
            | CkMsg::Report { round }
            | CkMsg::Done { round }
            | CkMsg::Abort { round } => vec![("round", round.to_string())],
            CkMsg::Order { id, rsn } => vec![
                ("job", id.to_string()),
                ("received as event", rsn.pos.to_string()),
                ("receiver's incarnation", rsn.inc.to_string()),
            ],
            CkMsg::Ordered { id } => vec![("job", id.to_string())],
            CkMsg::AskLog { after, attempt } => vec![
                ("jobs received after its event", after.to_string()),
                ("incarnation", attempt.to_string()),
            ],
            CkMsg::LogCopy { attempt, jobs } => vec![
                ("jobs", list(jobs.iter().map(|j| j.id))),
                ("incarnation", attempt.to_string()),
            ],
        }
    }
}

/// Rollbacks in words, `n1 to event 30, n2 to event 4` (`none`).
pub fn rollbacks(ended: &[Ended]) -> String {
    if ended.is_empty() {
        return "none".into();
    }
    let words: Vec<String> = ended
        .iter()
        .map(|e| format!("{} to event {}", e.node, e.at))
        .collect();
    words.join(", ")
}

/// A receive sequence number: the receiver's incarnation and the position of the receipt in
/// its history, and its clock then.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rsn {
    pub inc: u32,
    pub pos: Pos,
    pub at: i64,
}

/// A job in its sender's log (sender-based logging).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Logged {
    pub id: Mid,
    pub to: NodeId,
    /// The sender's events before it.
    pub pos: Pos,
    pub size: u32,
    /// The sender's clock when it sent it.
    pub at: i64,
    /// Where the receiver received it, once the receiver said so.
    pub rsn: Option<Rsn>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum CkTimer {
    /// Time for the next job.
    Job,
    /// Time for the next checkpoint (independent) or round (the coordinator).
    Checkpoint,
    /// Time to send again what has not been answered.
    Repair,
    /// Time to write the waiting events to the log.
    Flush,
}

/// A checkpoint on disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Its number: the round's with coordinated checkpoints, else a count.
    pub number: u32,
    /// The events its state holds.
    pub pos: Pos,
    /// The process's total then.
    pub total: u64,
    /// The process's clock when it was taken.
    pub at: i64,
    /// Permanent: taken independently, or its round is done.
    pub permanent: bool,
}

/// Why a process went back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Cause {
    /// It crashed and restarted.
    Restart,
    /// Its state held job `id`, which `of`'s rollback undid: it was an orphan.
    Orphan { of: NodeId, id: Mid },
}

/// One of a process's own rollbacks, as it writes it down.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rollback {
    /// The incarnation that ended.
    pub inc: u32,
    /// The events it went back to.
    pub to: Pos,
    /// The checkpoint it restored (`None`: the start).
    pub checkpoint: Option<u32>,
    /// Events replayed past that checkpoint.
    pub replayed: u32,
    /// Checkpoints it went back past.
    pub passed: u32,
    /// Events it undid (known for an orphan; a restart cannot know what it lost).
    pub lost: Option<u32>,
    /// When (by its own clock) it was in the state it went back to: the moment it took the
    /// checkpoint, or did the last event it replayed (`None` for the start).
    pub reached: Option<i64>,
    /// The recovery it belongs to (see [`super::Ended::line`]).
    pub line: u64,
    pub cause: Cause,
}

/// What a process keeps on disk.
#[derive(Clone, Debug, Default, Serialize)]
pub struct CkDisk {
    /// Its history as far as it is written: the events its checkpoints hold, and with a
    /// receiver-based log, the events logged since.
    pub events: Vec<Entry>,
    pub checkpoints: Vec<Checkpoint>,
    /// Its incarnation.
    pub inc: u32,
    /// Every rollback it knows of (its own and the others'), in order.
    pub table: Vec<Ended>,
    /// Its own rollbacks, in order.
    pub rollbacks: Vec<Rollback>,
    /// Sender-based logging: every job it sent.
    pub sent: Vec<Logged>,
    /// The coordinator: the rounds it has started.
    pub rounds: u32,
    /// Independent checkpoints numbered so far.
    pub taken: u32,
}

#[derive(Clone, Debug, Serialize)]
pub enum CkWrite {
    /// The log: history from position `from` on is these events.
    Log { from: Pos, events: Vec<Entry> },
    /// A checkpoint, with the events up to it not yet on disk.
    Checkpoint {
        checkpoint: Checkpoint,
        from: Pos,
        events: Vec<Entry>,
    },
    /// Round `number` is done: its checkpoint is permanent.
    Permanent { number: u32 },
    /// The tentative checkpoint `number` is dropped.
    Drop { number: u32 },
    /// Rollbacks learnt.
    Learn { ended: Vec<Ended> },
    /// A rollback: the history is cut back to `rollback.to`, the checkpoints past it and the
    /// tentative ones are dropped, and (unless it tells no one) a new incarnation begins.
    Rollback {
        rollback: Rollback,
        ended: Option<Ended>,
    },
    /// The coordinator starts round `round`.
    Round { round: u32 },
    /// A job sent, in the sender's log.
    Sent(Logged),
    /// The receiver's order for job `id`.
    Rsn { id: Mid, rsn: Rsn },
}

impl Durable for CkDisk {
    type Write = CkWrite;

    fn apply(&mut self, write: CkWrite) {
        match write {
            CkWrite::Log { from, events } => {
                self.events.truncate(from as usize);
                self.events.extend(events);
            }
            CkWrite::Checkpoint {
                checkpoint,
                from,
                events,
            } => {
                if from as usize <= self.events.len() {
                    self.events.truncate(from as usize);
                    self.events.extend(events);
                }
                self.checkpoints.retain(|c| c.permanent);
                self.checkpoints.push(checkpoint);
                self.taken = self.taken.max(checkpoint.number);
            }
            CkWrite::Permanent { number } => {
                for c in self.checkpoints.iter_mut().filter(|c| c.number == number) {
                    c.permanent = true;
                }
            }
            CkWrite::Drop { number } => self
                .checkpoints
                .retain(|c| c.permanent || c.number != number),
            CkWrite::Learn { ended } => {
                for e in ended {
                    if let Err(i) = self.table.binary_search(&e) {
                        self.table.insert(i, e);
                    }
                }
            }
            CkWrite::Rollback { rollback, ended } => {
                self.events.truncate(rollback.to as usize);
                self.checkpoints
                    .retain(|c| c.permanent && c.pos <= rollback.to);
                self.rollbacks.push(rollback);
                if let Some(e) = ended {
                    if let Err(i) = self.table.binary_search(&e) {
                        self.table.insert(i, e);
                    }
                    self.inc = self.inc.max(e.inc + 1);
                }
            }
            CkWrite::Round { round } => self.rounds = self.rounds.max(round),
            CkWrite::Sent(logged) => self.sent.push(logged),
            CkWrite::Rsn { id, rsn } => {
                if let Some(l) = self.sent.iter_mut().rev().find(|l| l.id == id) {
                    l.rsn = Some(rsn);
                }
            }
        }
    }
}

/// What a process tells the trace (and, for the checkers' meter, records).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum CkNote {
    /// It took checkpoint `number` after `pos` events (`round`: a tentative checkpoint for
    /// that round; `starts`: the coordinator starting the round).
    Checkpoint {
        number: u32,
        pos: Pos,
        total: u64,
        round: Option<u32>,
        starts: bool,
    },
    /// Round `round` is done (`coordinator`: it has every report).
    Done { round: u32, coordinator: bool },
    /// It drops its tentative checkpoint of round `round`.
    Abandons { round: u32 },
    /// It went back to a saved state (`told`: and told everyone where its incarnation
    /// ended); `total` is its total there.
    Restored {
        rollback: Rollback,
        total: u64,
        told: bool,
        /// It replayed jobs the others logged for it (sender-based logging).
        collected: bool,
    },
    /// It restarted from its checkpoint and asks the others for the jobs they logged for it.
    Collects { checkpoint: Option<u32>, pos: Pos },
    /// It discards job `id`: a rollback of its sender undid it.
    Discards { id: Mid, by: Ended },
}

impl CkNote {
    /// The checkpoint in words: `checkpoint 3 (after 41 events)`, or `the start`.
    pub fn place(checkpoint: Option<u32>, pos: Pos) -> String {
        match checkpoint {
            Some(k) => format!("checkpoint {k} (after {})", events(pos)),
            None => "the start".into(),
        }
    }
}

/// `1 event`, `12 events`.
pub fn events(n: Pos) -> String {
    if n == 1 {
        "1 event".into()
    } else {
        format!("{n} events")
    }
}

impl Note for CkNote {
    fn text(&self) -> String {
        match self {
            CkNote::Checkpoint {
                number,
                pos,
                total,
                round: None,
                ..
            } => format!(
                "takes checkpoint {number} after {} (its total is {total})",
                events(*pos)
            ),
            CkNote::Checkpoint {
                pos,
                total,
                round: Some(r),
                starts: true,
                ..
            } => format!(
                "starts round {r}: it takes a tentative checkpoint after {} (total {total}), holds back its jobs and asks every process to do the same",
                events(*pos)
            ),
            CkNote::Checkpoint {
                pos,
                total,
                round: Some(r),
                starts: false,
                ..
            } => format!(
                "takes a tentative checkpoint for round {r} after {} (total {total}) and holds back its jobs until the round is done",
                events(*pos)
            ),
            CkNote::Done {
                round,
                coordinator: true,
            } => format!(
                "has every process's checkpoint for round {round}: the round is done, its checkpoints are the new recovery line, and it tells everyone"
            ),
            CkNote::Done {
                round,
                coordinator: false,
            } => format!(
                "hears that round {round} is done: its checkpoint is permanent and it sends jobs again"
            ),
            CkNote::Abandons { round } => format!(
                "drops its tentative checkpoint of round {round}: the round was abandoned"
            ),
            CkNote::Restored {
                rollback: r,
                total,
                told,
                collected,
            } => {
                let place = CkNote::place(r.checkpoint, r.to - r.replayed);
                let replay = if r.replayed > 0 {
                    format!(
                        " and replays {} from its log: it is back at event {}",
                        events(r.replayed),
                        r.to
                    )
                } else {
                    String::new()
                };
                let passed = match r.passed {
                    0 => String::new(),
                    1 => ", going back past 1 later checkpoint".into(),
                    k => format!(", going back past {k} later checkpoints"),
                };
                let lost = match r.lost {
                    Some(0) | None => String::new(),
                    Some(k) => format!(", undoing {}", events(k)),
                };
                let tell = if *told {
                    format!(
                        ". Its incarnation {} ended at event {}, and it tells everyone",
                        r.inc, r.to
                    )
                } else {
                    ", and tells no one".into()
                };
                let start = if r.to == 0 && r.passed > 0 {
                    " (the domino effect has reached the start)"
                } else {
                    ""
                };
                match r.cause {
                    Cause::Restart if *collected => format!(
                        "has every job the others logged for it and replays {} past {place}: it is back at event {}; its total is {total}{tell}",
                        events(r.replayed),
                        r.to
                    ),
                    Cause::Restart => format!(
                        "restarts from {place}{replay}{passed}; its total is {total}{tell}"
                    ),
                    Cause::Orphan { of, id } => format!(
                        "is an orphan: it holds {id}, which {of} no longer sent. It rolls back to {place}{start}{replay}{passed}{lost}; its total is {total}{tell}"
                    ),
                }
            }
            CkNote::Collects { checkpoint, pos } => format!(
                "restarts from {} and asks the other processes for the jobs they logged for it, each with the order in which it received it",
                CkNote::place(*checkpoint, *pos)
            ),
            CkNote::Discards { id, by } => format!(
                "discards {id}: {} went back to event {} before it, so that job is undone",
                by.node, by.at
            ),
        }
    }

    fn is_routine(&self) -> bool {
        matches!(
            self,
            CkNote::Done {
                coordinator: false,
                ..
            } | CkNote::Discards { .. }
        )
    }

    /// A checkpoint, and the state a process went back to, are ticks on its lane: the
    /// recovery line runs through them.
    fn is_mark(&self) -> bool {
        matches!(self, CkNote::Checkpoint { .. } | CkNote::Restored { .. })
    }

    /// The state a process went back to is a point of its recovery's line: at the moment it
    /// took the checkpoint it restored, or did the last event it replayed (its own clock's
    /// reading then), or at the start.
    fn cut(&self) -> Option<CutPoint> {
        match self {
            CkNote::Restored { rollback, .. } => Some(CutPoint {
                line: rollback.line,
                at_us: Some(rollback.reached.unwrap_or(0).max(0) as u64),
            }),
            _ => None,
        }
    }
}

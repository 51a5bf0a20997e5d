//! What checkpointing and message logging promise, one property per file: the recovery line
//! is consistent (always), no orphans (with pessimistic logging), recovery completes (at
//! the end, always), and no orphan ever has to roll back (at the end; not promised without
//! pessimistic logging).
//!
//! The safety properties are judged by a [`Ghost`] that follows each process's real
//! execution event by event, as the engine shows it after every event: the events its state
//! is made of, which jobs were really sent and which of those a rollback undid, and who
//! holds each job. It does not take a process's word for where it went back to: it compares
//! the state a process restores with the states it really had, and the rollbacks a process
//! announces with what its execution really did.

mod completes;
mod consistent;
mod no_orphan_rollbacks;
mod no_orphans;

pub use completes::RecoveryCompletes;
pub use consistent::ConsistentLine;
pub use no_orphan_rollbacks::NoOrphanRollbacks;
pub use no_orphans::NoOrphans;

use super::{CkConfig, CkNode, Ended, Entry, Mid, Pos};
use crate::check::{CheckView, EndProperty, Invariant};
use crate::flat::{FlatMap, FlatSet};
use crate::ids::NodeId;

pub fn safety(config: &CkConfig) -> Vec<Box<dyn Invariant<CkNode>>> {
    let mut all: Vec<Box<dyn Invariant<CkNode>>> = vec![Box::new(ConsistentLine::default())];
    if config.logging.pessimistic() {
        all.push(Box::new(NoOrphans::default()));
    }
    all
}

pub fn at_end(config: &CkConfig) -> Vec<Box<dyn EndProperty<CkNode>>> {
    let mut all: Vec<Box<dyn EndProperty<CkNode>>> = vec![Box::new(RecoveryCompletes)];
    if !config.logging.pessimistic() {
        all.push(Box::new(NoOrphanRollbacks));
    }
    all
}

/// What the ghost found wrong at one event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A process went back to a state it never had.
    Unreal,
    /// A process announced a rollback its execution did not make.
    Untrue,
    /// A process keeps (or went back to) a state holding a job it knows was undone.
    Inconsistent,
    /// An up process's state holds a job whose sending was undone: an orphan.
    Orphan,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub kind: Kind,
    pub text: String,
}

/// What the ghost saw of a process at its last event.
#[derive(Clone, Copy, Debug, Default)]
struct Look {
    restores: u32,
    table: usize,
    inc: u32,
}

/// Follows each process's real execution.
#[derive(Clone, Debug, Default)]
pub struct Ghost {
    /// Per process: the events its current execution is made of, as they really happened.
    truth: Vec<Vec<Entry>>,
    looked: Vec<Look>,
    /// Per sender, its jobs (incarnation, number) whose sending a rollback undid.
    undone: Vec<FlatSet<(u32, u32)>>,
    /// Per sender, for each of its jobs, the processes whose execution holds its receipt
    /// (kept per sender, whose jobs come in order, so that each is added at the end).
    holders: Vec<FlatMap<(u32, u32), Vec<NodeId>>>,
    /// The rollbacks that really happened: (process, incarnation ended, events kept).
    ends: FlatSet<(NodeId, u32, Pos)>,
    /// Events undone by rollbacks, in all.
    pub lost: u64,
    /// Times a process became an orphan (held a job whose sending was undone while up).
    pub orphans: u64,
}

impl Ghost {
    /// The processes holding job `id` (`None` for a sender outside the cluster).
    fn holders_of(&mut self, id: Mid) -> Option<&mut Vec<NodeId>> {
        let by = self.holders.get_mut(id.from.index())?;
        Some(by.entry((id.inc, id.seq)).or_default())
    }

    fn is_undone(&self, id: Mid) -> bool {
        self.undone
            .get(id.from.index())
            .is_some_and(|u| u.contains(&(id.inc, id.seq)))
    }
}

/// How many events two histories share from the start.
fn common(a: &[Entry], b: &[Entry]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

impl Ghost {
    /// What the event `view` shows was wrong, of the kinds in `kinds` (the ghost follows the
    /// run whatever it is asked).
    pub fn step(&mut self, view: &CheckView<'_, CkNode>, kinds: &[Kind]) -> Vec<Finding> {
        let n = view.len();
        if self.truth.len() != n {
            self.truth = vec![Vec::new(); n];
            self.looked = vec![Look::default(); n];
            self.undone = vec![FlatSet::default(); n];
            self.holders = vec![FlatMap::default(); n];
        }
        let mut out = Vec::new();
        let Some((a, node)) = view.actor() else {
            return out;
        };
        let mut say = |kind: Kind, text: String| {
            if kinds.contains(&kind) {
                out.push(Finding { kind, text });
            }
        };
        let i = a.index();
        let look = self.looked[i];
        let h = node.history();
        let (restores, base) = node.restores();
        let restored = view.rebooted || restores != look.restores;
        let truth_len = self.truth[i].len();
        let c = if restored || h.len() < truth_len {
            common(h, &self.truth[i])
        } else {
            truth_len
        };
        if restored {
            // The state it went back to must be one it had: its first `base` events (all of
            // them while it is still collecting its log) are events it really did.
            let kept = if node.recovering() {
                h.len()
            } else {
                (base as usize).min(h.len())
            };
            if c < kept {
                let had = self.truth[i]
                    .get(c)
                    .map_or("nothing".to_string(), |e| event(a, e));
                say(
                    Kind::Unreal,
                    format!(
                        "{a} went back to a state it never had: its event {} is {}, where it had done {had}",
                        c + 1,
                        event(a, &h[c])
                    ),
                );
            }
        }
        if node.recovering() {
            self.looked[i] = Look {
                restores,
                table: node.table().len(),
                inc: node.incarnation(),
            };
            return out;
        }
        // What its execution no longer holds is undone: the jobs sent there with it.
        if c < truth_len {
            let gone: Vec<Entry> = self.truth[i].drain(c..).collect();
            self.lost += gone.len() as u64;
            for e in &gone {
                if let Some((id, _)) = e.received() {
                    if let Some(hs) = self.holders_of(id) {
                        hs.retain(|x| *x != a);
                    }
                }
            }
            for e in &gone {
                let Some((id, _)) = e.sent(a) else {
                    continue;
                };
                self.undone[i].insert((id.inc, id.seq));
                let holders = self.holders[i].get(&(id.inc, id.seq)).cloned();
                for holder in holders.into_iter().flatten() {
                    if view.node(holder).is_some() {
                        self.orphans += 1;
                        say(
                            Kind::Orphan,
                            format!(
                                "{holder} is an orphan: it holds {id}, which {a} no longer sent ({a} went back to event {c})"
                            ),
                        );
                    }
                }
            }
        }
        // The rollbacks it announces must be what its execution did.
        for e in node.table() {
            let key = (e.node, e.inc, e.at);
            if self.ends.contains(&key) {
                continue;
            }
            if e.node == a && e.inc == look.inc && e.at as usize == c {
                self.ends.insert(key);
            } else {
                say(
                    Kind::Untrue,
                    format!(
                        "{a} holds the rollback \"{}\", which did not happen{}",
                        ended(e),
                        if e.node == a {
                            format!(" (its execution keeps {c} events)")
                        } else {
                            String::new()
                        }
                    ),
                );
            }
        }
        // A state it went back to may hold jobs undone while it was down.
        if restored {
            for e in &h[..c] {
                if let Some((id, _)) = e.received().filter(|(id, _)| self.is_undone(*id)) {
                    self.orphans += 1;
                    say(
                        Kind::Orphan,
                        format!(
                            "{a} is an orphan: it went back to a state holding {id}, which {} no longer sent",
                            id.from
                        ),
                    );
                }
            }
        }
        for e in &h[c..] {
            if let Some((id, _)) = e.received() {
                if let Some(hs) = self.holders_of(id) {
                    hs.push(a);
                }
                if self.is_undone(id) {
                    self.orphans += 1;
                    say(
                        Kind::Orphan,
                        format!(
                            "{a} is an orphan: it receives {id}, which {} no longer sent",
                            id.from
                        ),
                    );
                }
            }
        }
        self.truth[i].extend_from_slice(&h[c..]);
        // No state it keeps holds a job it knows was undone.
        let table_grew = node.table().len() != look.table;
        let from = if restored || table_grew { 0 } else { c };
        for e in &h[from..] {
            let Some((id, pos)) = e.received() else {
                continue;
            };
            if let Some(by) = node.undone_by(id, pos) {
                let doing = if restored {
                    "went back to a state that holds"
                } else {
                    "keeps"
                };
                say(
                    Kind::Inconsistent,
                    format!(
                        "{a} {doing} {id} although it knows that {}: that job's sending is undone, so the recovery line through {a} is not consistent",
                        ended(&by)
                    ),
                );
                break;
            }
        }
        self.looked[i] = Look {
            restores,
            table: node.table().len(),
            inc: node.incarnation(),
        };
        out
    }
}

/// An event in words.
fn event(node: NodeId, e: &Entry) -> String {
    match e.received() {
        Some((id, _)) => format!("receiving {id}"),
        None => match e.sent(node) {
            Some((id, to)) => format!("sending {id} to {to}"),
            None => "an event".into(),
        },
    }
}

/// A rollback in words.
fn ended(e: &Ended) -> String {
    e.to_string()
}

//! Leader Completeness (Raft §5.4, Figure 3): if a log entry is committed in a given term,
//! that entry will be present in the logs of the leaders for all higher-numbered terms.
//!
//! "Committed in a given term" means the term of the leader whose decision committed it,
//! which can be later than the entry's own term (an old entry is committed indirectly by a
//! newer leader, §5.4.2). The checker takes the term of the first node seen with the entry
//! under its commit index: never earlier than the real commit term, so it never accuses a
//! leader wrongly.
//!
//! Checked when a node first acts as leader of a term (its log must hold every entry
//! committed so far in lower terms) and whenever new entries become committed (every
//! current leader of a higher term must already hold them).

use super::{slot, EntryId};
use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, Invariant};
use crate::protocols::raft::roles;
use crate::protocols::raft::RaftNode;

#[derive(Clone, Copy, Debug)]
struct Committed {
    entry: EntryId,
    /// The term in which the entry was (first seen) committed.
    in_term: u64,
}

#[derive(Clone, Debug, Default)]
pub struct LeaderCompleteness {
    committed: Vec<Committed>,
    /// The term in which each node was last checked as leader (0: not a leader).
    leader_checked: Vec<u64>,
}

fn holds(node: &RaftNode, index: u64, entry: EntryId) -> bool {
    node.log().get(index).map(EntryId::of) == Some(entry)
}

impl LeaderCompleteness {
    fn missing(&self, node: &RaftNode) -> Option<u64> {
        self.committed
            .iter()
            .enumerate()
            .map(|(i, c)| (i as u64 + 1, *c))
            .find(|&(index, c)| c.in_term < node.term() && !holds(node, index, c.entry))
            .map(|(index, _)| index)
    }
}

impl LeaderCompleteness {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "leader completeness",
        kind: PropertyKind::Safety,
        promised: true,
        promise:
            "an entry committed in a term is in the log of every leader of a later term (§5.4)",
    };
}

impl Invariant<RaftNode> for LeaderCompleteness {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check(&mut self, view: &CheckView<'_, RaftNode>) -> Result<(), String> {
        let Some((id, node)) = view.actor() else {
            return Ok(());
        };
        // Record newly committed entries (the first version seen; State Machine Safety
        // reports disagreements).
        let start = self.committed.len() as u64 + 1;
        let commit = node.commit_index().min(node.log().last_index());
        let mut fresh = Vec::new();
        for index in start..=commit {
            let committed = Committed {
                entry: EntryId::of(node.log().get(index).expect("committed entries exist")),
                in_term: node.term(),
            };
            self.committed.push(committed);
            fresh.push((index, committed));
        }
        for (index, c) in fresh {
            for (other, leader) in view.up_nodes() {
                if leader.role() == roles::LEADER
                    && leader.term() > c.in_term
                    && !holds(leader, index, c.entry)
                {
                    return Err(format!(
                        "entry {index} (term {}) was committed in term {}, but {other}, leader of later term {}, does not hold it",
                        c.entry.term,
                        c.in_term,
                        leader.term()
                    ));
                }
            }
        }
        let checked = slot(&mut self.leader_checked, id.index());
        if node.role() != roles::LEADER {
            *checked = 0;
            return Ok(());
        }
        if *checked != node.term() {
            *checked = node.term();
            if let Some(index) = self.missing(node) {
                let c = self.committed[index as usize - 1];
                return Err(format!(
                    "{id} became leader of term {} without entry {index} (term {}), committed in term {}",
                    node.term(),
                    c.entry.term,
                    c.in_term
                ));
            }
        }
        Ok(())
    }
}

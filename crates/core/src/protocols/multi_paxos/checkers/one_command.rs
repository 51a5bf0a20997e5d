//! One command per slot: in each slot, once a majority of acceptors accepted a command in
//! one ballot (it is chosen), no other command is ever chosen there. The check keeps a
//! ghost of every acceptance ever made, read from the acceptors as the run goes.

use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, Invariant, LogCursor};
use crate::flat::{FlatMap, FlatSet};
use crate::ids::NodeId;
use crate::protocols::multi_paxos::MpNode;
use crate::protocols::multi_paxos::{command_text, MpNote, Report};
use crate::protocols::paxos::Ballot;
use crate::protocols::raft::Command;
use crate::trace::StableHasher;

#[derive(Clone, Debug)]
pub struct OneCommandPerSlot {
    majority: usize,
    /// Acceptors by (slot, ballot, command hash).
    accepted: FlatMap<(u64, Ballot, u64), FlatSet<NodeId>>,
    /// The command first chosen in each slot, with its ballot.
    chosen: FlatMap<u64, (Ballot, Command)>,
    /// How much of each node's log of acceptances has been read.
    read: LogCursor,
}

impl OneCommandPerSlot {
    pub fn new(nodes: usize) -> Self {
        OneCommandPerSlot {
            majority: nodes / 2 + 1,
            accepted: FlatMap::new(),
            chosen: FlatMap::new(),
            read: LogCursor::default(),
        }
    }

    /// Acceptor `node` made the acceptance `report`.
    pub fn observe(&mut self, node: NodeId, report: &Report) -> Result<(), String> {
        let (slot, ballot, cmd) = report;
        let by = self
            .accepted
            .entry((*slot, *ballot, StableHasher::of(cmd)))
            .or_default();
        if !by.insert(node) || by.len() < self.majority {
            return Ok(());
        }
        match self.chosen.get(slot) {
            None => {
                self.chosen.insert(*slot, (*ballot, cmd.clone()));
                Ok(())
            }
            Some((_, first)) if first == cmd => Ok(()),
            Some((first_ballot, first)) => Err(format!(
                "slot {slot}: {} was chosen in ballot {first_ballot}, and then {} in ballot {ballot}",
                command_text(first),
                command_text(cmd)
            )),
        }
    }
}

impl OneCommandPerSlot {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "one command per slot",
        kind: PropertyKind::Safety,
        promise: "once a majority of acceptors accepted a command for a slot in one ballot, no other command is ever chosen for that slot",
        promised: true,
    };
}

impl Invariant<MpNode> for OneCommandPerSlot {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check(&mut self, view: &CheckView<'_, MpNode>) -> Result<(), String> {
        let Some((id, _)) = view.actor() else {
            return Ok(());
        };
        // Its acceptances since boot, as it recorded them for the checkers.
        for record in self.read.unread(id, view.rebooted, view.records(id)) {
            if let MpNote::Accepted { slot, ballot, cmd } = record {
                self.observe(id, &(*slot, *ballot, cmd.clone()))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::KvOp;
    use crate::ids::RequestId;

    fn put(req: u64, value: u64) -> Command {
        Command::Client {
            req: RequestId(req),
            origin: NodeId(0),
            op: KvOp::Put { key: 1, value },
        }
    }

    #[test]
    fn a_second_command_chosen_in_a_slot_is_caught() {
        let b1 = Ballot {
            round: 1,
            proposer: 0,
        };
        let b2 = Ballot {
            round: 2,
            proposer: 1,
        };
        let mut c = OneCommandPerSlot::new(3);
        c.observe(NodeId(0), &(1, b1, put(1, 5))).unwrap();
        c.observe(NodeId(1), &(1, b1, put(1, 5))).unwrap();
        // The same command again in a later ballot is fine; another slot too.
        c.observe(NodeId(1), &(1, b2, put(1, 5))).unwrap();
        c.observe(NodeId(2), &(1, b2, put(1, 5))).unwrap();
        c.observe(NodeId(2), &(2, b2, Command::Noop)).unwrap();
        c.observe(NodeId(1), &(2, b2, Command::Noop)).unwrap();
        // A different command chosen in slot 1.
        let b3 = Ballot {
            round: 3,
            proposer: 2,
        };
        c.observe(NodeId(2), &(1, b3, put(2, 7))).unwrap();
        let err = c.observe(NodeId(0), &(1, b3, put(2, 7))).unwrap_err();
        assert!(err.starts_with("slot 1: put k1=5"), "{err}");
    }
}

//! Honest replicas agree on each sequence number: no two honest replicas commit (or
//! execute) different requests at the same sequence number, in any views.

use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, Invariant, LogCursor};
use crate::flat::{FlatMap, FlatSet};
use crate::ids::NodeId;
use crate::protocols::pbft::node::command_text;
use crate::protocols::pbft::{faults, PbftNode, PbftNote};
use crate::protocols::raft::Command;

#[derive(Clone, Debug)]
pub struct HonestAgree {
    /// The first request an honest replica committed at each sequence number, and who.
    first: FlatMap<u64, (NodeId, Command)>,
    /// How much of each node's records has been read.
    read: LogCursor,
    /// The replicas seen lying so far, and how many PBFT tolerates.
    liars: FlatSet<NodeId>,
    nodes: usize,
}

impl HonestAgree {
    pub fn new(nodes: usize) -> Self {
        HonestAgree {
            first: FlatMap::new(),
            read: LogCursor::default(),
            liars: FlatSet::new(),
            nodes,
        }
    }

    pub fn observe(&mut self, node: NodeId, seq: u64, cmd: &Command) -> Result<(), String> {
        match self.first.get(&seq) {
            None => {
                self.first.insert(seq, (node, cmd.clone()));
                Ok(())
            }
            Some((_, first)) if first == cmd => Ok(()),
            Some((who, first)) => Err(format!(
                "honest {node} committed {} at sequence number {seq}, but honest {who} committed {} there{}",
                command_text(cmd),
                command_text(first),
                self.context()
            )),
        }
    }

    /// Who lied, and whether PBFT promised anything with that many.
    fn context(&self) -> String {
        let f = faults(self.nodes);
        let names: Vec<String> = self.liars.iter().map(|n| n.to_string()).collect();
        let who = match names.len() {
            0 => return String::new(),
            1 => format!("{} lied", names[0]),
            k => format!("{} and {} lied", names[..k - 1].join(", "), names[k - 1]),
        };
        if self.liars.len() > f {
            format!(
                "; {who}: more than f = {f} of {} replicas, so PBFT cannot promise this",
                self.nodes
            )
        } else {
            format!("; {who}")
        }
    }
}

impl HonestAgree {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "honest replicas agree on each sequence number",
        kind: PropertyKind::Safety,
        promise: "no two honest replicas commit different requests at the same sequence number (with at most f faulty replicas)",
        promised: true,
    };
}

impl Invariant<PbftNode> for HonestAgree {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check(&mut self, view: &CheckView<'_, PbftNode>) -> Result<(), String> {
        for id in (0..view.len() as u32).map(NodeId) {
            if !view.is_honest(id) {
                self.liars.insert(id);
            }
        }
        let Some((id, _)) = view.actor() else {
            return Ok(());
        };
        // Its commits since boot, as it recorded them for the checkers; those it made while
        // it lied are read past, not judged, even once it is honest again.
        let records = self.read.unread(id, view.rebooted, view.records(id));
        if !view.is_honest(id) {
            return Ok(());
        }
        for record in records {
            if let PbftNote::Commits { seq, cmd } = record {
                self.observe(id, *seq, cmd)?;
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
    fn two_honest_replicas_committing_different_requests_at_one_number_are_caught() {
        let mut c = HonestAgree::new(4);
        c.observe(NodeId(0), 1, &put(1, 5)).unwrap();
        c.observe(NodeId(1), 1, &put(1, 5)).unwrap();
        c.observe(NodeId(1), 2, &Command::Noop).unwrap();
        c.observe(NodeId(2), 2, &Command::Noop).unwrap();
        assert_eq!(
            c.observe(NodeId(2), 1, &put(2, 7)).unwrap_err(),
            "honest n2 committed put k1=7 (r2) at sequence number 1, but honest n0 committed put k1=5 (r1) there"
        );
    }

    #[test]
    fn the_finding_says_when_more_replicas_lied_than_pbft_tolerates() {
        let mut c = HonestAgree::new(4);
        c.liars.insert(NodeId(0));
        c.observe(NodeId(1), 3, &put(1, 5)).unwrap();
        assert!(c
            .observe(NodeId(2), 3, &put(2, 5))
            .unwrap_err()
            .ends_with("; n0 lied"));
        c.liars.insert(NodeId(3));
        assert!(c.observe(NodeId(2), 3, &put(2, 5)).unwrap_err().ends_with(
            "; n0 and n3 lied: more than f = 1 of 4 replicas, so PBFT cannot promise this"
        ));
        c.liars.insert(NodeId(5));
        assert!(c
            .observe(NodeId(2), 3, &put(2, 5))
            .unwrap_err()
            .contains("; n0, n3 and n5 lied: more than f = 1"));
    }
}

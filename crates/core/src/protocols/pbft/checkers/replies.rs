//! Clients accept only f + 1 matching replies: an honest proxy answers a client only with
//! a result that at least f + 1 distinct replicas sent it.

use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, Invariant, LogCursor};
use crate::client::KvResult;
use crate::describe;
use crate::ids::NodeId;
use crate::ids::RequestId;
use crate::protocols::pbft::node::Votes;
use crate::protocols::pbft::{faults, PbftNode, PbftNote};

#[derive(Clone, Debug)]
pub struct MatchingReplies {
    f: usize,
    /// How many of each node's answers have been read.
    read: LogCursor,
}

impl MatchingReplies {
    pub fn new(nodes: usize) -> Self {
        MatchingReplies {
            f: faults(nodes),
            read: LogCursor::default(),
        }
    }
}

/// The judgement on one answer: proxy `id` answered `req` with `result`, having heard
/// `votes`; at least f + 1 distinct replicas must have sent that result.
pub fn judge(
    id: NodeId,
    req: RequestId,
    result: &KvResult,
    votes: &Votes,
    f: usize,
) -> Result<(), String> {
    let matching =
        crate::flat::FlatSet::from_iter(votes.iter().filter(|(_, r)| r == result).map(|(n, _)| *n))
            .len();
    if matching > f {
        return Ok(());
    }
    Err(format!(
        "{id} answered {req} with {} after {matching} matching repl{} (f + 1 = {} needed)",
        describe::result(result),
        if matching == 1 { "y" } else { "ies" },
        f + 1
    ))
}

impl MatchingReplies {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "clients accept only f + 1 matching replies",
        kind: PropertyKind::Safety,
        promise: "an honest proxy answers a client only with a result f + 1 replicas sent it, so at least one honest replica vouches for it",
        promised: true,
    };
}

impl Invariant<PbftNode> for MatchingReplies {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check(&mut self, view: &CheckView<'_, PbftNode>) -> Result<(), String> {
        let Some((id, _)) = view.actor() else {
            return Ok(());
        };
        // Its answers since boot, with the replies it had heard, as it recorded them; those
        // it gave while it lied are read past, not judged, even once it is honest again.
        let records = self.read.unread(id, view.rebooted, view.records(id));
        if !view.is_honest(id) {
            return Ok(());
        }
        for record in records {
            if let PbftNote::Answered { req, result, votes } = record {
                judge(id, *req, result, votes, self.f)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_without_f_plus_one_matching_replies_is_caught() {
        let written = KvResult::Written;
        let held = KvResult::Value { value: Some(3) };
        let votes = vec![(NodeId(1), written.clone()), (NodeId(2), held.clone())];
        assert!(judge(NodeId(0), RequestId(4), &written, &votes, 1).is_err());
        // The same replica twice counts once.
        let twice = vec![(NodeId(1), held.clone()), (NodeId(1), held.clone())];
        assert_eq!(
            judge(NodeId(0), RequestId(4), &held, &twice, 1).unwrap_err(),
            "n0 answered r4 with 3 after 1 matching reply (f + 1 = 2 needed)"
        );
        let two = vec![(NodeId(1), held.clone()), (NodeId(3), held.clone())];
        assert!(judge(NodeId(0), RequestId(4), &held, &two, 1).is_ok());
    }
}

//! The register's safety properties, each checked after every event of a run.
//!
//! The judgement itself is a plain function of the disks ([`short_of_majority`]), so that
//! it can be tested on states built by hand, including broken ones.

use crate::node::{AbdDisk, AbdNode, Answer};
use splitbrain_core::about::{PropertyDesc, PropertyKind};
use splitbrain_core::check::{CheckView, Invariant, LogCursor};
use splitbrain_core::ids::NodeId;
use std::collections::BTreeMap;

/// When a replica answers a client, a majority of disks hold the answer's write (or a
/// newer one). That is what makes every later operation see it: its query meets one of
/// them.
#[derive(Clone, Debug, Default)]
pub struct AnswersStandOnAMajority {
    read: LogCursor,
}

/// `None` if a majority of `disks` hold `answer.key` at `answer.tag` or newer; otherwise
/// the nodes that do.
pub fn short_of_majority(disks: &[&AbdDisk], answer: &Answer) -> Option<Vec<NodeId>> {
    let holders: Vec<NodeId> = disks
        .iter()
        .enumerate()
        .filter(|(_, d)| d.tag(answer.key) >= answer.tag)
        .map(|(i, _)| NodeId(i as u32))
        .collect();
    (holders.len() <= disks.len() / 2).then_some(holders)
}

fn names(nodes: &[NodeId]) -> String {
    let all: Vec<String> = nodes.iter().map(|n| n.to_string()).collect();
    match all.as_slice() {
        [] => "no node".into(),
        [one] => format!("only {one}"),
        [init @ .., last] => format!("only {} and {last}", init.join(", ")),
    }
}

impl AnswersStandOnAMajority {
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "answers stand on a majority",
        kind: PropertyKind::Safety,
        promised: true,
        promise: "when a replica answers a read or a write, a majority of disks hold that write or a newer one",
    };
}

impl Invariant<AbdNode> for AnswersStandOnAMajority {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check(&mut self, view: &CheckView<'_, AbdNode>) -> Result<(), String> {
        let Some((id, node)) = view.actor() else {
            return Ok(());
        };
        let disks: Vec<&AbdDisk> = view.disks().iter().collect();
        for answer in self.read.unread(id, view.rebooted, node.answers()) {
            if let Some(holders) = short_of_majority(&disks, answer) {
                return Err(format!(
                    "{id} answered {} k{} with the write tagged {}, but {} of {} hold it or a newer one: a later read can miss it",
                    if answer.read { "a read of" } else { "a write to" },
                    answer.key,
                    answer.tag,
                    names(&holders),
                    disks.len()
                ));
            }
        }
        Ok(())
    }
}

/// A replica never goes back to an older write of a key, across crashes too.
#[derive(Clone, Debug, Default)]
pub struct TagsNeverGoBack {
    seen: BTreeMap<(NodeId, splitbrain_core::client::Key), crate::msg::Tag>,
}

impl TagsNeverGoBack {
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "tags never go back",
        kind: PropertyKind::Safety,
        promised: true,
        promise: "a replica never goes back to an older write of a key, across crashes too",
    };
}

impl Invariant<AbdNode> for TagsNeverGoBack {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check(&mut self, view: &CheckView<'_, AbdNode>) -> Result<(), String> {
        let Some((id, node)) = view.actor() else {
            return Ok(());
        };
        // Every key this node held before, then every key it holds now.
        let before: Vec<_> = self
            .seen
            .range((id, 0)..=(id, splitbrain_core::client::Key::MAX))
            .map(|(&(_, key), &tag)| (key, tag))
            .collect();
        for (key, was) in before {
            let now = node
                .store()
                .get(&key)
                .map_or(Default::default(), |(t, _)| *t);
            if now < was {
                return Err(format!(
                    "{id} went back from the write tagged {was} of k{key} to {}",
                    if now == Default::default() {
                        "holding nothing".to_string()
                    } else {
                        format!("the one tagged {now}")
                    }
                ));
            }
        }
        for (&key, &(tag, _)) in node.store() {
            self.seen.insert((id, key), tag);
        }
        Ok(())
    }
}

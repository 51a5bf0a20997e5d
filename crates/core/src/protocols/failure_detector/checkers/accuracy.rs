//! Strong accuracy: no node is suspected before it crashes.

use super::{FdNode, Judge};
use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, Invariant};
use crate::time::Pretty;

/// Every suspicion is of a node that crashed after the suspecting node last heard from it.
/// Only the synchronous model can promise it (and only to a timeout longer than the
/// longest gap between heartbeats there), so only a run in that model checks it.
#[derive(Clone, Debug, Default)]
pub struct StrongAccuracy {
    judge: Judge,
}

impl StrongAccuracy {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "strong accuracy",
        kind: PropertyKind::Safety,
        promise: "in the synchronous model, with a timeout longer than an interval and two of the model's longest delays, no node is ever suspected before it crashes",
        promised: true,
    };
}

impl Invariant<FdNode> for StrongAccuracy {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check(&mut self, view: &CheckView<'_, FdNode>) -> Result<(), String> {
        match self.judge.step(view).into_iter().find(|s| s.wrong) {
            Some(s) => Err(format!(
                "{} suspects {}, which has not crashed: it last heard from it {} before",
                s.by,
                s.of,
                Pretty(view.now.saturating_sub(s.heard_at))
            )),
            None => Ok(()),
        }
    }
}

//! Termination, which two-phase commit does not promise: at the end of a run, every
//! transaction the coordinator began is decided, and every participant that voted yes
//! knows the outcome. A coordinator that stays down leaves them in doubt. Three-phase commit
//! promises it (a property of its own name) where crashes are the only faults.

use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, EndProperty};
use crate::ids::NodeId;
use crate::protocols::two_phase_commit::msg::Txn;
use crate::protocols::two_phase_commit::node::COORDINATOR;
use crate::protocols::two_phase_commit::TpcNode;

#[derive(Clone, Debug)]
pub struct EveryTransactionDecided {
    /// Three phases: the promised form.
    pub three_phase: bool,
}

impl EveryTransactionDecided {
    /// `undecided`: transactions the coordinator began and has not decided (when it is up);
    /// `doubts`: each live participant's transactions in doubt; `coordinator_up`.
    pub(crate) fn judge(
        undecided: &[Txn],
        doubts: &[(NodeId, Vec<Txn>)],
        coordinator_up: bool,
        three_phase: bool,
    ) -> Result<(), String> {
        if let Some(t) = undecided.first() {
            return Err(format!("the coordinator began t{t} and never decided it"));
        }
        let stuck: Vec<&(NodeId, Vec<Txn>)> =
            doubts.iter().filter(|(_, t)| !t.is_empty()).collect();
        let Some((id, txns)) = stuck.first() else {
            return Ok(());
        };
        let why = if coordinator_up {
            "although the coordinator is up"
        } else if three_phase {
            "and the coordinator is down: the termination protocol should have finished it without the coordinator"
        } else {
            "and the coordinator is down: no participant it asked knew the outcome, so only the coordinator can end the wait"
        };
        let others = stuck.len() - 1;
        let also = match others {
            0 => String::new(),
            1 => " (and so is 1 other participant)".into(),
            k => format!(" (and so are {k} other participants)"),
        };
        Err(format!(
            "{id} voted yes on t{} and still does not know its outcome{also}, {why}",
            txns[0]
        ))
    }
}

impl EveryTransactionDecided {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "every transaction is decided",
        kind: PropertyKind::AtEnd,
        promise: "every transaction begun is decided, and every participant that voted yes knows the outcome; not promised: while the coordinator is down, participants in doubt can only wait (two-phase commit blocks)",
        promised: false,
    };

    /// The property with three phases, where it is promised.
    pub const PROPERTY_3PC: PropertyDesc = PropertyDesc {
        name: "every transaction is decided despite crashes",
        kind: PropertyKind::AtEnd,
        promise: "with three phases, where crashes are the only faults and messages arrive in bounded time: every transaction begun is decided, and every participant that voted yes learns the outcome, even while the coordinator is down (the participants finish it by themselves)",
        promised: true,
    };
}

impl EndProperty<TpcNode> for EveryTransactionDecided {
    fn property(&self) -> &'static PropertyDesc {
        if self.three_phase {
            &Self::PROPERTY_3PC
        } else {
            &Self::PROPERTY
        }
    }

    fn check_end(&self, view: &CheckView<'_, TpcNode>) -> Result<(), String> {
        let coordinator = view.node(COORDINATOR);
        let undecided: Vec<Txn> = coordinator.map_or(Vec::new(), |c| {
            c.rounds()
                .keys()
                .filter(|t| !c.decided().contains_key(t))
                .copied()
                .collect()
        });
        let doubts: Vec<(NodeId, Vec<Txn>)> = view
            .up_nodes()
            .filter(|(id, _)| *id != COORDINATOR && view.is_honest(*id))
            .map(|(id, n)| (id, n.in_doubt().collect()))
            .collect();
        Self::judge(&undecided, &doubts, coordinator.is_some(), self.three_phase)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn participants_left_in_doubt_are_named() {
        assert!(EveryTransactionDecided::judge(&[], &[(NodeId(1), vec![])], true, false).is_ok());
        assert_eq!(
            EveryTransactionDecided::judge(
                &[],
                &[(NodeId(1), vec![2]), (NodeId(2), vec![2])],
                false,
                false
            )
            .unwrap_err(),
            "n1 voted yes on t2 and still does not know its outcome (and so is 1 other participant), and the coordinator is down: no participant it asked knew the outcome, so only the coordinator can end the wait"
        );
        assert_eq!(
            EveryTransactionDecided::judge(&[3], &[], true, false).unwrap_err(),
            "the coordinator began t3 and never decided it"
        );
    }
}

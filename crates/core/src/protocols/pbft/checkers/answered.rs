//! At the end: every request an honest replica that is up took from a client is answered.

use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, EndProperty};
use crate::ids::{NodeId, RequestId};
use crate::protocols::pbft::PbftNode;

#[derive(Clone, Debug)]
pub struct EveryRequestAnswered;

/// The judgement on the requests still waiting at each honest replica that is up.
pub fn judge(open: &[(NodeId, RequestId)]) -> Result<(), String> {
    if open.is_empty() {
        return Ok(());
    }
    let listed: Vec<String> = open
        .iter()
        .take(12)
        .map(|(id, r)| format!("{r} at {id}"))
        .collect();
    let more = match open.len().saturating_sub(listed.len()) {
        0 => String::new(),
        k => format!(" and {k} more"),
    };
    Err(format!(
        "still unanswered after the network settled: {}{more}",
        listed.join(", ")
    ))
}

impl EveryRequestAnswered {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "every request is answered",
        kind: PropertyKind::AtEnd,
        promise: "once the network settles, every request an honest replica took from a client is answered",
        promised: true,
    };
}

impl EndProperty<PbftNode> for EveryRequestAnswered {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check_end(&self, view: &CheckView<'_, PbftNode>) -> Result<(), String> {
        let open: Vec<(NodeId, RequestId)> = view
            .up_nodes()
            .filter(|(id, _)| view.is_honest(*id))
            .flat_map(|(id, n)| n.waiting().keys().map(move |r| (id, *r)))
            .collect();
        judge(&open)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_left_waiting_is_caught() {
        assert!(judge(&[]).is_ok());
        assert_eq!(
            judge(&[(NodeId(1), RequestId(7)), (NodeId(2), RequestId(9))]).unwrap_err(),
            "still unanswered after the network settled: r7 at n1, r9 at n2"
        );
        let many: Vec<(NodeId, RequestId)> = (0..15).map(|r| (NodeId(0), RequestId(r))).collect();
        assert!(judge(&many).unwrap_err().ends_with("r11 at n0 and 3 more"));
    }
}

//! At the end: every request an honest replica that is up took from a client is answered.

use crate::check::{CheckView, EndProperty};
use crate::protocols::pbft::PbftNode;

#[derive(Clone, Debug)]
pub struct EveryRequestAnswered;

impl EndProperty<PbftNode> for EveryRequestAnswered {
    fn name(&self) -> &'static str {
        "every request is answered"
    }

    fn check_end(&self, view: &CheckView<'_, PbftNode>) -> Result<(), String> {
        let open: Vec<String> = view
            .up_nodes()
            .filter(|(id, _)| view.is_honest(*id))
            .flat_map(|(id, n)| n.waiting().keys().map(move |r| format!("{r} at {id}")))
            .collect();
        if open.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "still unanswered after the network settled: {}",
                open.join(", ")
            ))
        }
    }
}

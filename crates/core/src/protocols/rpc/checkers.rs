//! What exactly-once calls promise: no call takes effect twice, every call is answered, and
//! a call confirmed as done took effect.

use super::{CallId, RpcNode};
use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, EndProperty, Invariant};
use crate::flat::FlatSet;

/// How long a call may still be waiting at the end: well under the calm settling time of
/// an end check, and many retries long.
pub const PATIENCE: crate::time::Micros = 2 * crate::time::MICROS_PER_SEC;

pub fn safety() -> Vec<Box<dyn Invariant<RpcNode>>> {
    vec![Box::new(EffectAtMostOnce::default())]
}

pub fn at_end() -> Vec<Box<dyn EndProperty<RpcNode>>> {
    vec![
        Box::new(EveryCallAnswered),
        Box::new(ConfirmedCallsTookEffect),
    ]
}

/// The server's account never takes the same call twice: its ledger (the calls applied,
/// written with the balance) holds each idempotency key at most once. A server that lost
/// its disk starts a new account, and the check starts again with it.
#[derive(Clone, Debug, Default)]
pub struct EffectAtMostOnce {
    /// The calls in the server's ledger so far.
    seen: FlatSet<CallId>,
    /// How much of the ledger has been checked.
    checked: usize,
}

impl EffectAtMostOnce {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "each call takes effect at most once",
        kind: PropertyKind::Safety,
        promise: "the server never applies the same call twice, retries and restarts included",
        promised: true,
    };
}

impl Invariant<RpcNode> for EffectAtMostOnce {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check(&mut self, view: &CheckView<'_, RpcNode>) -> Result<(), String> {
        let Some((id, server)) = view.actor().filter(|(_, n)| n.is_server()) else {
            return Ok(());
        };
        let ledger = server.ledger();
        if view.rebooted {
            // Rebuilt from its disk (possibly a wiped one): the ledger on disk is the
            // account's whole history.
            self.seen.clear();
            self.checked = 0;
        }
        for call in &ledger[self.checked..] {
            if !self.seen.insert(*call) {
                return Err(format!(
                    "{id} applied {call} twice: the account holds {} more than the calls made",
                    super::AMOUNT
                ));
            }
        }
        self.checked = ledger.len();
        Ok(())
    }
}

/// Once the network heals, while the server is up, every call of every client that is up
/// is answered: none is given up, and none is still waiting after [`PATIENCE`] of the calm
/// that comes before the check (a call made just before it may still be on its way).
#[derive(Clone, Debug)]
pub struct EveryCallAnswered;

impl EveryCallAnswered {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "every call is answered",
        kind: PropertyKind::AtEnd,
        promise: "once the network heals and the server is up, every call of a client that is up is answered; none is given up",
        promised: true,
    };
}

impl EndProperty<RpcNode> for EveryCallAnswered {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check_end(&self, view: &CheckView<'_, RpcNode>) -> Result<(), String> {
        if !view.up_nodes().any(|(_, n)| n.is_server()) {
            // Nothing can be answered while the server is down.
            return Ok(());
        }
        for (id, client) in view.up_nodes().filter(|(_, n)| !n.is_server()) {
            if client.gave_up() > 0 {
                return Err(format!(
                    "{id} gave up on {} of its calls without knowing whether they took effect",
                    client.gave_up()
                ));
            }
            let clock = view.clock(id);
            let waited = clock.saturating_sub(client.waiting_since());
            if let Some(number) = client.waiting().filter(|_| waited > PATIENCE as i64) {
                return Err(format!(
                    "{id} has waited {} for an answer to call {number}",
                    crate::time::Pretty(waited.max(0) as u64)
                ));
            }
        }
        Ok(())
    }
}

/// Every call a client was told is done (since the client last booted) is in the server's
/// ledger on disk once the run has settled: a completion message sent before the deposit,
/// with a crash in between, confirms a deposit that never happens.
#[derive(Clone, Debug)]
pub struct ConfirmedCallsTookEffect;

impl ConfirmedCallsTookEffect {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "every confirmed call took effect",
        kind: PropertyKind::AtEnd,
        promise: "a call whose client was told it is done is in the server's account once the run settles",
        promised: true,
    };
}

impl EndProperty<RpcNode> for ConfirmedCallsTookEffect {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check_end(&self, view: &CheckView<'_, RpcNode>) -> Result<(), String> {
        let Some(server) = view
            .len()
            .checked_sub(1)
            .map(|i| crate::ids::NodeId(i as u32))
        else {
            return Ok(());
        };
        let ledger = &view.disk(server).ledger;
        for (id, _) in view.up_nodes().filter(|(_, n)| !n.is_server()) {
            for record in view.records(id) {
                let super::RpcNote::Answered { number, .. } = record else {
                    continue;
                };
                let call = CallId {
                    client: id,
                    number: *number,
                };
                if !ledger.contains(&call) {
                    return Err(format!(
                        "{id} was told {call} is done, but {server} never applied it: the deposit is lost"
                    ));
                }
            }
        }
        Ok(())
    }
}

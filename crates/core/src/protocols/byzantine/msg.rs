//! What generals say to each other (orders, signed along their path), their timers and notes.

use crate::ids::NodeId;
use crate::protocol::{Durable, Message, Note};
use crate::rng::{Ppm, SimRng};
use crate::trace::StableHasher;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    Attack,
    Retreat,
}

impl Order {
    pub fn word(self) -> &'static str {
        match self {
            Order::Attack => "attack",
            Order::Retreat => "retreat",
        }
    }

    pub(super) fn other(self) -> Order {
        match self {
            Order::Attack => Order::Retreat,
            Order::Retreat => Order::Attack,
        }
    }
}

/// An order on its way: the generals it passed through (the commander first, the sender
/// last) and, for signed messages, each one's signature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ByzMsg {
    Order {
        path: Vec<NodeId>,
        value: Order,
        sigs: Vec<u64>,
    },
}

/// The signature `signer` puts on `value` having come along `path` (which ends with the
/// signer). Unforgeable by construction: a general's code signs only as itself (a lying
/// general may sign anything as itself, and nothing as anyone else).
pub fn signature(signer: NodeId, value: Order, path: &[NodeId]) -> u64 {
    StableHasher::of(&("signed by", signer, value, path))
}

impl ByzMsg {
    pub(super) fn path(&self) -> &[NodeId] {
        let ByzMsg::Order { path, .. } = self;
        path
    }

    /// Whether every signature on a signed order is genuine.
    pub(super) fn signed_well(&self) -> bool {
        let ByzMsg::Order { path, value, sigs } = self;
        sigs.len() == path.len()
            && sigs
                .iter()
                .enumerate()
                .all(|(k, s)| *s == signature(path[k], *value, &path[..=k]))
    }
}

pub fn path_text(path: &[NodeId]) -> String {
    path.iter()
        .map(|n| n.to_string())
        .collect::<Vec<_>>()
        .join(" → ")
}

impl Message for ByzMsg {
    fn kind(&self) -> &'static str {
        if self.path().len() <= 1 {
            "Order"
        } else {
            "Relayed order"
        }
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        let ByzMsg::Order { path, value, sigs } = self;
        let mut f = vec![
            ("order", value.word().to_string()),
            ("path", path_text(path)),
        ];
        if !sigs.is_empty() {
            f.push(("signatures", sigs.len().to_string()));
        }
        f
    }

    fn corrupt(&self, rng: &mut SimRng) -> Self {
        let ByzMsg::Order { path, value, sigs } = self.clone();
        if rng.chance(Ppm::percent(50)) || path.len() < 2 {
            ByzMsg::Order {
                path,
                value: value.other(),
                sigs,
            }
        } else {
            let mut path = path;
            path.swap(0, 1);
            ByzMsg::Order { path, value, sigs }
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum ByzTimer {
    /// The commander gives its order (a moment after the start, so that a general made to
    /// lie from the start lies from its first message).
    Send,
    /// The rounds are over: time to decide.
    Decide,
}

/// Nothing is kept on disk: the algorithm runs once, and a general that crashes during
/// it is faulty.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ByzDisk;

impl Durable for ByzDisk {
    type Write = ();
    fn apply(&mut self, _write: ()) {}
}

/// What a general tells the trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum ByzNote {
    /// A lieutenant decided, with how it came to.
    Decided { order: Order, why: String },
    /// A signed order whose signatures are not genuine was refused.
    Forged { path: Vec<NodeId> },
    /// Back from a crash with nothing heard: it retreats by default.
    CameBackEmpty,
}

impl Note for ByzNote {
    fn text(&self) -> String {
        match self {
            ByzNote::Decided { order, why } => format!("decides to {}: {why}", order.word()),
            ByzNote::Forged { path } => format!(
                "refuses an order along {}: a signature on it is not genuine",
                path_text(path)
            ),
            ByzNote::CameBackEmpty => {
                "came back from a crash having missed the rounds: it retreats by default".into()
            }
        }
    }
}

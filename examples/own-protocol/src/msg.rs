//! The register's messages: a query for a key's newest tagged value, its answer, a store of
//! a tagged value, and its acknowledgement. Every message names the client request it
//! serves, so a coordinator can tell its current operation's answers from stale ones.

use serde::{Deserialize, Serialize};
use splitbrain_core::client::{Key, Value};
use splitbrain_core::ids::RequestId;
use splitbrain_core::protocol::Message;
use splitbrain_core::rng::SimRng;

/// The version of a write: a counter, then the writer's number to break ties, so that two
/// writers never pick the same tag. The default (0, 0) is "never written".
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Tag {
    pub seq: u64,
    pub writer: u32,
}

impl std::fmt::Display for Tag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.n{}", self.seq, self.writer)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AbdMsg {
    /// Coordinator to replica: what is your newest value of `key`?
    Query { req: RequestId, key: Key },
    /// Replica to coordinator: my newest value of the key, with its tag.
    Holds {
        req: RequestId,
        tag: Tag,
        value: Option<Value>,
    },
    /// Coordinator to replica: keep this value unless you hold a newer one.
    Store {
        req: RequestId,
        key: Key,
        tag: Tag,
        value: Option<Value>,
    },
    /// Replica to coordinator: I hold `tag` or newer, on disk.
    Stored { req: RequestId, tag: Tag },
}

fn value_text(v: Option<Value>) -> String {
    v.map_or("nothing".into(), |v| v.to_string())
}

// `kind` is left to its default: the variant's name (`Query`, `Holds`, ...).
impl Message for AbdMsg {
    fn corrupt(&self, rng: &mut SimRng) -> Self {
        // A bit error in the tag: the worst place for one.
        let bump = |t: Tag, rng: &mut SimRng| Tag {
            seq: t.seq + rng.range(1, 4),
            writer: t.writer,
        };
        match self.clone() {
            AbdMsg::Query { req, key } => AbdMsg::Query { req, key: key + 1 },
            AbdMsg::Holds { req, tag, value } => AbdMsg::Holds {
                req,
                tag: bump(tag, rng),
                value,
            },
            AbdMsg::Store {
                req,
                key,
                tag,
                value,
            } => AbdMsg::Store {
                req,
                key,
                tag: bump(tag, rng),
                value,
            },
            AbdMsg::Stored { req, tag } => AbdMsg::Stored {
                req,
                tag: bump(tag, rng),
            },
        }
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        let req = |r: &RequestId| ("request", format!("#{}", r.0));
        match self {
            AbdMsg::Query { req: r, key } => vec![req(r), ("key", format!("k{key}"))],
            AbdMsg::Holds { req: r, tag, value } => vec![
                req(r),
                ("tag", tag.to_string()),
                ("value", value_text(*value)),
            ],
            AbdMsg::Store {
                req: r,
                key,
                tag,
                value,
            } => vec![
                req(r),
                ("key", format!("k{key}")),
                ("tag", tag.to_string()),
                ("value", value_text(*value)),
            ],
            AbdMsg::Stored { req: r, tag } => vec![req(r), ("tag", tag.to_string())],
        }
    }
}

//! Messages between a coordinator (the node a client talks to) and a key's replicas, and the
//! coordinator's and stand-ins' timers.

use super::register::{Clock, Register, Version};
use crate::client::Key;
use crate::ids::{NodeId, RequestId};
use crate::protocol::Message;
use crate::rng::SimRng;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum QuorumMsg {
    /// Coordinator to replica: what do you hold for `key`?
    Read { req: RequestId, key: Key },
    ReadReply {
        req: RequestId,
        key: Key,
        register: Register,
    },
    /// Coordinator to replica: store this version (unless you hold a newer one).
    Write {
        req: RequestId,
        key: Key,
        version: Version,
    },
    /// The replica has the version, or one that supersedes it, on disk.
    WriteAck { req: RequestId, key: Key },
    /// Read repair: a replica that answered a read with old versions gets the merge of
    /// what the read saw. Not acknowledged.
    Repair { key: Key, register: Register },
    /// Write-back (`repair=wait`): a read's coordinator asks a replica to store what the
    /// read will return, before it answers; acknowledged with a `WriteAck`.
    WriteBack {
        req: RequestId,
        key: Key,
        register: Register,
    },
    /// Sloppy quorums: coordinator to stand-in: answer for `home` from your hints.
    HintedRead {
        req: RequestId,
        key: Key,
        home: NodeId,
    },
    HintedReadReply {
        req: RequestId,
        key: Key,
        home: NodeId,
        register: Register,
    },
    /// Sloppy quorums: coordinator to stand-in: hold this version for `home`.
    HintedWrite {
        req: RequestId,
        key: Key,
        home: NodeId,
        version: Version,
    },
    HintedWriteAck {
        req: RequestId,
        key: Key,
        home: NodeId,
    },
    /// Sloppy quorums, write-back: hold what the read will return for `home`;
    /// acknowledged with a `HintedWriteAck`.
    HintedWriteBack {
        req: RequestId,
        key: Key,
        home: NodeId,
        register: Register,
    },
    /// Hinted handoff: a stand-in passes on what it holds for the receiver.
    Handoff { key: Key, register: Register },
    /// The home replica has merged `register`; the stand-in may drop what it covers.
    HandoffAck { key: Key, register: Register },
}

fn bump(x: u64, rng: &mut SimRng) -> u64 {
    x.wrapping_add(rng.range(1, 4))
}

fn corrupt_version(v: &Version, rng: &mut SimRng) -> Version {
    let mut v = v.clone();
    if rng.below(2) == 0 {
        v.value = bump(v.value, rng);
    } else {
        match &mut v.clock {
            Clock::Stamp { wall, .. } => *wall = wall.wrapping_add(rng.range(1, 4) as i64),
            Clock::Vector(vv) => match vv.first_mut() {
                Some(x) => *x = bump(*x, rng),
                None => v.value = bump(v.value, rng),
            },
        }
    }
    v
}

/// A register with its first version damaged; an empty one damages the key instead.
fn corrupt_register(key: &mut Key, r: &Register, rng: &mut SimRng) -> Register {
    let Some((first, rest)) = r.versions().split_first() else {
        *key = key.wrapping_add(1);
        return r.clone();
    };
    let mut out = Register::only(corrupt_version(first, rng));
    for v in rest {
        out.absorb(v);
    }
    if out == *r {
        // The damaged version happened to be superseded by a sibling.
        *key = key.wrapping_add(1);
    }
    out
}

/// A version in words: its value and its clock.
pub fn version_text(v: &Version) -> String {
    match &v.clock {
        Clock::Stamp { wall, node, seq } => format!(
            "{} (written at {} by {node}, #{seq})",
            v.value,
            crate::time::Pretty((*wall).max(0) as u64)
        ),
        Clock::Vector(vv) => {
            let counts: Vec<String> = vv.iter().map(|c| c.to_string()).collect();
            format!("{} [{}]", v.value, counts.join(", "))
        }
    }
}

/// A replica's versions of a key, siblings separated by `|`.
pub fn register_text(r: &Register) -> String {
    let versions: Vec<String> = r.versions().iter().map(version_text).collect();
    if versions.is_empty() {
        "none".into()
    } else {
        versions.join(" | ")
    }
}

impl Message for QuorumMsg {
    fn fields(&self) -> Vec<(&'static str, String)> {
        let key_text = |k: &Key| format!("k{k}");
        match self {
            QuorumMsg::Read { req, key } | QuorumMsg::WriteAck { req, key } => {
                vec![("request", req.to_string()), ("key", key_text(key))]
            }
            QuorumMsg::ReadReply { req, key, register } => vec![
                ("request", req.to_string()),
                ("key", key_text(key)),
                ("versions", register_text(register)),
            ],
            QuorumMsg::WriteBack { req, key, register } => vec![
                ("request", req.to_string()),
                ("key", key_text(key)),
                ("versions", register_text(register)),
            ],
            QuorumMsg::Write { req, key, version } => vec![
                ("request", req.to_string()),
                ("key", key_text(key)),
                ("version", version_text(version)),
            ],
            QuorumMsg::Repair { key, register }
            | QuorumMsg::Handoff { key, register }
            | QuorumMsg::HandoffAck { key, register } => vec![
                ("key", key_text(key)),
                ("versions", register_text(register)),
            ],
            QuorumMsg::HintedRead { req, key, home }
            | QuorumMsg::HintedWriteAck { req, key, home } => vec![
                ("request", req.to_string()),
                ("key", key_text(key)),
                ("for", home.to_string()),
            ],
            QuorumMsg::HintedReadReply {
                req,
                key,
                home,
                register,
            }
            | QuorumMsg::HintedWriteBack {
                req,
                key,
                home,
                register,
            } => vec![
                ("request", req.to_string()),
                ("key", key_text(key)),
                ("for", home.to_string()),
                ("versions", register_text(register)),
            ],
            QuorumMsg::HintedWrite {
                req,
                key,
                home,
                version,
            } => vec![
                ("request", req.to_string()),
                ("key", key_text(key)),
                ("for", home.to_string()),
                ("version", version_text(version)),
            ],
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            QuorumMsg::Read { .. } => "Read",
            QuorumMsg::ReadReply { .. } => "ReadReply",
            QuorumMsg::Write { .. } => "Write",
            QuorumMsg::WriteAck { .. } => "WriteAck",
            QuorumMsg::Repair { .. } => "Repair",
            QuorumMsg::HintedRead { .. } => "HintedRead",
            QuorumMsg::HintedReadReply { .. } => "HintedReadReply",
            QuorumMsg::HintedWrite { .. } => "HintedWrite",
            QuorumMsg::HintedWriteAck { .. } => "HintedWriteAck",
            QuorumMsg::WriteBack { .. } => "WriteBack",
            QuorumMsg::HintedWriteBack { .. } => "HintedWriteBack",
            QuorumMsg::Handoff { .. } => "Handoff",
            QuorumMsg::HandoffAck { .. } => "HandoffAck",
        }
    }

    fn corrupt(&self, rng: &mut SimRng) -> Self {
        let mut m = self.clone();
        match &mut m {
            QuorumMsg::Read { key, .. }
            | QuorumMsg::WriteAck { key, .. }
            | QuorumMsg::HintedRead { key, .. }
            | QuorumMsg::HintedWriteAck { key, .. } => *key = key.wrapping_add(1),
            QuorumMsg::ReadReply { key, register, .. }
            | QuorumMsg::Repair { key, register }
            | QuorumMsg::HintedReadReply { key, register, .. }
            | QuorumMsg::WriteBack { key, register, .. }
            | QuorumMsg::HintedWriteBack { key, register, .. }
            | QuorumMsg::Handoff { key, register }
            | QuorumMsg::HandoffAck { key, register } => {
                *register = corrupt_register(key, register, rng)
            }
            QuorumMsg::Write { version, .. } | QuorumMsg::HintedWrite { version, .. } => {
                *version = corrupt_version(version, rng)
            }
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corruption_always_changes_the_message() {
        let mut rng = SimRng::new(9);
        let v = Version {
            value: 5,
            clock: Clock::Stamp {
                wall: 100,
                node: NodeId(1),
                seq: 0,
            },
        };
        let w = Version {
            value: 6,
            clock: Clock::Vector(vec![0, 2]),
        };
        let mut siblings = Register::only(Version {
            value: 7,
            clock: Clock::Vector(vec![1, 0]),
        });
        siblings.absorb(&w);
        let samples = [
            QuorumMsg::Read {
                req: RequestId(1),
                key: 2,
            },
            QuorumMsg::ReadReply {
                req: RequestId(1),
                key: 2,
                register: Register::default(),
            },
            QuorumMsg::ReadReply {
                req: RequestId(1),
                key: 2,
                register: siblings.clone(),
            },
            QuorumMsg::Write {
                req: RequestId(1),
                key: 2,
                version: v.clone(),
            },
            QuorumMsg::Write {
                req: RequestId(1),
                key: 2,
                version: w,
            },
            QuorumMsg::WriteAck {
                req: RequestId(1),
                key: 2,
            },
            QuorumMsg::Repair {
                key: 2,
                register: Register::only(v),
            },
            QuorumMsg::Handoff {
                key: 2,
                register: siblings.clone(),
            },
            QuorumMsg::HintedRead {
                req: RequestId(1),
                key: 2,
                home: NodeId(0),
            },
            QuorumMsg::HintedWrite {
                req: RequestId(1),
                key: 2,
                home: NodeId(0),
                version: Version {
                    value: 1,
                    clock: Clock::Vector(vec![1]),
                },
            },
            QuorumMsg::WriteBack {
                req: RequestId(1),
                key: 2,
                register: siblings.clone(),
            },
            QuorumMsg::HintedWriteBack {
                req: RequestId(1),
                key: 2,
                home: NodeId(0),
                register: Register::default(),
            },
            QuorumMsg::HandoffAck {
                key: 2,
                register: siblings,
            },
        ];
        for m in &samples {
            for _ in 0..50 {
                assert_ne!(&m.corrupt(&mut rng), m);
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum QuorumTimer {
    /// The coordinator's deadline for one client request.
    Request(RequestId),
    /// Sloppy quorums: time to ask stand-ins for the home replicas that have not answered.
    Sloppy(RequestId),
    /// Sloppy quorums: time to offer held hints to their home replicas again.
    Handoff,
}

//! What the nodes say to each other (heartbeats, pings and their answers), their timers,
//! disk and notes.

use crate::ids::NodeId;
use crate::protocol::{Durable, Message, Note};
use crate::rng::SimRng;
use crate::time::{Micros, Pretty};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FdMsg {
    /// "I am alive": the sender's `beat`-th heartbeat (numbered across its restarts).
    Heartbeat { beat: u64 },
    /// "Are you alive?": the sender's `beat`-th round of asking.
    Ping { beat: u64 },
    /// "Yes": the answer to ping `beat`.
    Ack { beat: u64 },
}

impl Message for FdMsg {
    fn corrupt(&self, rng: &mut SimRng) -> Self {
        let skew = rng.range(1, 9);
        match *self {
            FdMsg::Heartbeat { beat } => FdMsg::Heartbeat { beat: beat + skew },
            FdMsg::Ping { beat } => FdMsg::Ping { beat: beat + skew },
            FdMsg::Ack { beat } => FdMsg::Ack { beat: beat + skew },
        }
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        match self {
            FdMsg::Heartbeat { beat } => vec![("heartbeat", beat.to_string())],
            FdMsg::Ping { beat } => vec![("ping", beat.to_string())],
            FdMsg::Ack { beat } => vec![("answers ping", beat.to_string())],
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum FdTimer {
    /// Time for the next heartbeat (or round of pings).
    Beat,
    /// The allowance for this peer has passed without a word from it.
    Silence(NodeId),
    /// The `shared-timer` bug's one deadline for every peer.
    AnySilence,
}

/// What a node writes down: how many heartbeats it has sent, so that its numbering goes on
/// after a restart and its peers do not take new heartbeats for old ones.
#[derive(Clone, Debug, Default, Serialize)]
pub struct FdDisk {
    pub beat: u64,
}

#[derive(Clone, Debug, Serialize)]
pub enum FdWrite {
    Beat(u64),
}

impl Durable for FdDisk {
    type Write = FdWrite;

    fn apply(&mut self, write: FdWrite) {
        let FdWrite::Beat(beat) = write;
        self.beat = beat;
    }
}

/// What a node tells the trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum FdNote {
    /// It suspects `peer`, silent for `silent_us` (on its own clock).
    Suspects { peer: NodeId, silent_us: Micros },
    /// It heard from `peer`, which it suspected: the suspicion was wrong. `allowance_us`
    /// is the adaptive detector's new timeout for it.
    TrustsAgain {
        peer: NodeId,
        allowance_us: Option<Micros>,
    },
}

impl Note for FdNote {
    fn text(&self) -> String {
        match self {
            FdNote::Suspects { peer, silent_us } => {
                format!(
                    "suspects {peer}: nothing heard from it for {}",
                    Pretty(*silent_us)
                )
            }
            FdNote::TrustsAgain {
                peer,
                allowance_us: None,
            } => format!("hears from {peer} again: suspecting it was wrong"),
            FdNote::TrustsAgain {
                peer,
                allowance_us: Some(a),
            } => format!(
                "hears from {peer} again: suspecting it was wrong, so it now waits {} for it",
                Pretty(*a)
            ),
        }
    }
}

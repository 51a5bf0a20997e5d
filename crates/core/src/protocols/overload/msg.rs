//! What the clients and the server say (requests and their answers), their timers, disk
//! (none) and notes.

use crate::protocol::{Durable, Message, Note};
use crate::rng::SimRng;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OvMsg {
    /// Client to server: session `session`'s request `request`, the `attempt`-th time.
    Request {
        session: u32,
        request: u64,
        attempt: u32,
    },
    /// Server to client: served.
    Done {
        session: u32,
        request: u64,
        attempt: u32,
    },
    /// Server to client: refused, the queue being full (or dropped by the shedder).
    Busy {
        session: u32,
        request: u64,
        attempt: u32,
    },
}

impl Message for OvMsg {
    fn corrupt(&self, rng: &mut SimRng) -> Self {
        let mut msg = self.clone();
        match &mut msg {
            OvMsg::Request { request, .. }
            | OvMsg::Done { request, .. }
            | OvMsg::Busy { request, .. } => *request += rng.range(1, 9),
        }
        msg
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        let (OvMsg::Request {
            session,
            request,
            attempt,
        }
        | OvMsg::Done {
            session,
            request,
            attempt,
        }
        | OvMsg::Busy {
            session,
            request,
            attempt,
        }) = self;
        vec![
            ("session", session.to_string()),
            ("request", request.to_string()),
            ("attempt", attempt.to_string()),
        ]
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum OvTimer {
    /// The server has finished the request it serves.
    Served,
    /// A session's wait is over: its thinking, its attempt's timeout or its backoff.
    Session(u32),
}

/// Nothing is kept on disk: a restarted server starts with an empty queue, a restarted
/// client machine with new sessions.
#[derive(Clone, Debug, Default, Serialize)]
pub struct OvDisk;

#[derive(Clone, Debug, Serialize)]
pub enum OvWrite {}

impl Durable for OvDisk {
    type Write = OvWrite;

    fn apply(&mut self, write: OvWrite) {
        match write {}
    }
}

/// What a node tells the trace: the server's queue filling and emptying, and a client
/// machine's circuit breaker.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum OvNote {
    QueueFull { queue: usize },
    QueueDrained,
    BreakerOpens { failures: u32 },
    BreakerCloses,
}

impl Note for OvNote {
    fn text(&self) -> String {
        match self {
            OvNote::QueueFull { queue } => {
                format!("has {queue} requests waiting, its queue is full: it refuses new ones")
            }
            OvNote::QueueDrained => "has emptied its queue".into(),
            OvNote::BreakerOpens { failures } => format!(
                "opens its circuit breaker after {failures} failures in a row: it sends nothing for a second"
            ),
            OvNote::BreakerCloses => {
                "closes its circuit breaker: an answer came".into()
            }
        }
    }
}

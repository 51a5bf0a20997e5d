//! What a lecturer charts for a service under load: offered load and goodput, the queue,
//! latency, and how long it has stayed overloaded after its trigger.

use super::node::{Outcome, SERVER};
use super::{OvNode, WINDOW};
use crate::about::{MeasureDesc, Unit};
use crate::check::{Alarm, CheckView, Meter};
use crate::time::Micros;
use std::collections::VecDeque;

pub const OFFERED: MeasureDesc = MeasureDesc {
    name: "offered load",
    unit: Unit::PerSecond,
    none: "none yet",
    help: "requests the server took in during the last second, retries included (a slowed or paused server takes its messages in late)",
};

pub const GOODPUT: MeasureDesc = MeasureDesc {
    name: "goodput",
    unit: Unit::PerSecond,
    none: "none yet",
    help: "requests answered to a session still waiting for them, in the last second",
};

pub const QUEUE: MeasureDesc = MeasureDesc {
    name: "queue length",
    unit: Unit::Count,
    none: "none yet",
    help: "requests waiting at the server now",
};

pub const P50: MeasureDesc = MeasureDesc {
    name: "median latency",
    unit: Unit::Duration,
    none: "none yet",
    help: "half the requests answered in the last second took at most this, from the first attempt",
};

pub const P99: MeasureDesc = MeasureDesc {
    name: "99th percentile latency",
    unit: Unit::Duration,
    none: "none yet",
    help: "99 in 100 requests answered in the last second took at most this",
};

pub const STUCK: MeasureDesc = MeasureDesc {
    name: "overloaded after the trigger",
    unit: Unit::Duration,
    none: "none yet",
    help: "how long the server's queue has stayed at least half full since the last slowdown, pause or crash of the server ended: a metastable failure",
};

pub const WINDOWS: MeasureDesc = MeasureDesc {
    name: "AIMD windows",
    unit: Unit::Count,
    none: "off: AIMD is not on",
    help: "requests the client machines may have in flight together, with the AIMD window on: it climbs by one per window of answers and halves at a failure, a saw-tooth",
};

/// The measures, in the order of the meter's readings.
pub const ALL: &[MeasureDesc] = &[OFFERED, GOODPUT, QUEUE, P50, P99, STUCK, WINDOWS];

/// How long the queue may stay half full after its trigger before the page calls the
/// service metastable: more than it takes a full queue to drain at full speed.
pub const METASTABLE_AFTER: Micros = 2_000_000;

#[derive(Clone, Debug, Default)]
pub struct Load {
    /// (time, requests that reached the server, requests answered) at each event of the
    /// last [`WINDOW`], oldest first; the server's count restarts with it, so arrivals are
    /// counted here.
    history: VecDeque<(Micros, u64, u64)>,
    arrived: u64,
    answered: u64,
    /// The server's and the clients' counts at the previous event.
    last_server: u64,
    last_clients: Vec<u64>,
    queue: usize,
    latencies: Vec<Micros>,
    /// Whether the server was slowed, paused or down at the previous event, and when that
    /// last ended.
    triggered: bool,
    trigger_ended: Option<Micros>,
    overloaded_since: Option<Micros>,
    /// The client machines' AIMD windows added up (none with AIMD off).
    windows: Option<i64>,
}

impl Load {
    /// How long the server has stayed overloaded since its last trigger ended (zero while
    /// a trigger lasts or the queue is below half full).
    fn stuck(&self, now: Micros) -> Micros {
        match (self.triggered, self.trigger_ended, self.overloaded_since) {
            (false, Some(ended), Some(since)) => now.saturating_sub(ended.max(since)),
            _ => 0,
        }
    }
}

impl Meter<OvNode> for Load {
    fn observe(&mut self, view: &CheckView<'_, OvNode>) {
        let server = view.node(SERVER).and_then(|n| n.server());
        let arrived = server.map_or(0, |s| s.arrived());
        // A restarted server counts from zero again.
        self.arrived += arrived.saturating_sub(self.last_server);
        self.last_server = arrived;
        self.last_clients.resize(view.len(), 0);
        let mut latencies = Vec::new();
        let aimd = view.up_nodes().any(|(_, n)| n.config().aimd);
        let mut windows = 0i64;
        for (id, node) in view.up_nodes() {
            if let Some(client) = node.client() {
                windows += i64::from(client.window());
                let count = client.answered();
                self.answered += count.saturating_sub(self.last_clients[id.index()]);
                self.last_clients[id.index()] = count;
                latencies.extend(client.recent(node.now()).filter_map(|o| match o {
                    Outcome::Answered(l) => Some(l),
                    Outcome::GivenUp => None,
                }));
            }
        }
        for i in 0..view.len() {
            if view.node(crate::ids::NodeId(i as u32)).is_none() {
                self.last_clients[i] = 0;
            }
        }
        self.windows = aimd.then_some(windows);
        crate::sort::natural(&mut latencies);
        self.latencies = latencies;
        self.history
            .push_back((view.now, self.arrived, self.answered));
        while self
            .history
            .front()
            .is_some_and(|(t, _, _)| view.now - t > WINDOW)
        {
            self.history.pop_front();
        }
        let limit = view.node(SERVER).map_or(usize::MAX, |n| n.config().queue);
        self.queue = server.map_or(0, |s| s.queue().len());
        let triggered = server.is_none() || view.is_paused(SERVER) || view.slowed(SERVER) > 0;
        if self.triggered && !triggered {
            self.trigger_ended = Some(view.now);
        }
        self.triggered = triggered;
        let overloaded = self.queue * 2 >= limit;
        self.overloaded_since = match (overloaded, self.overloaded_since) {
            (false, _) => None,
            (true, None) => Some(view.now),
            (true, since) => since,
        };
    }

    fn readings(&self, now: Micros) -> Vec<Option<i64>> {
        let per_second = |count: u64, span: Micros| (count * 1_000_000_000 / span.max(1)) as i64;
        let (rate_in, rate_out) = match self.history.front() {
            Some(&(t, arrived, answered)) if now > t => {
                let span = (now - t).max(WINDOW / 10);
                (
                    Some(per_second(self.arrived - arrived, span)),
                    Some(per_second(self.answered - answered, span)),
                )
            }
            _ => (None, None),
        };
        let percentile = |p: usize| {
            (!self.latencies.is_empty()).then(|| {
                let rank = (p * self.latencies.len()).div_ceil(100).max(1);
                self.latencies[rank - 1] as i64
            })
        };
        vec![
            rate_in,
            rate_out,
            Some(self.queue as i64),
            percentile(50),
            percentile(99),
            Some(self.stuck(now) as i64),
            self.windows,
        ]
    }

    fn alarm(&self, now: Micros) -> Option<Alarm> {
        let stuck = self.stuck(now);
        (stuck >= METASTABLE_AFTER).then(|| Alarm {
            badge: "Metastable".into(),
            says: format!(
                "its queue has stayed at least half full for {} since its trigger ended, although the server is at full speed again: the load it is under now keeps it overloaded",
                STUCK.show(Some(stuck as i64))
            ),
        })
    }
}

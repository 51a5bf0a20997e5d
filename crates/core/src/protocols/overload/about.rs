//! What the overloaded service says about itself to the registry.

use super::node::{Session, SERVER};
use super::{OvBug, OvConfig, OvMsg, OvNode, OvTimer, Retry};
use crate::about::{
    About, Choice, Described, Env, Look, Scene, SettingDesc, SettingKind, Values, SILENT,
};
use crate::about::{Duration, FaultKind, Faults, Flag, Number, Pick, Setting};
use crate::action::Action;
use crate::card::Card;
use crate::ids::MAX_NODES;
use crate::time::{Micros, Pretty, MICROS_PER_MS, MICROS_PER_SEC};
use crate::trace::EventKind;

const SERVICE: Setting<Duration> = Setting::<Duration>::new(SettingDesc {
    name: "service",
    label: "service time",
    kind: SettingKind::Duration {
        min_us: MICROS_PER_MS,
        max_us: MICROS_PER_SEC,
    },
    default: Some("10ms"),
    help: "how long the server takes for one request; it serves one at a time, so 10 ms is 100 requests a second",
});

const QUEUE: Setting<Number> = Setting::<Number>::new(SettingDesc {
    name: "queue",
    label: "server queue",
    kind: SettingKind::Number {
        min: 1,
        max: 10_000,
    },
    default: Some("100"),
    help: "how many requests may wait at the server; more are refused at once (busy)",
});

const SESSIONS: Setting<Number> = Setting::<Number>::new(SettingDesc {
    name: "sessions",
    label: "sessions per client",
    kind: SettingKind::Number { min: 1, max: 100 },
    default: Some("10"),
    help: "users on each client machine, each sending one request at a time",
});

const THINK: Setting<Duration> = Setting::<Duration>::new(SettingDesc {
    name: "think",
    label: "think time",
    kind: SettingKind::Duration {
        min_us: 0,
        max_us: 60 * MICROS_PER_SEC,
    },
    default: Some("500ms"),
    help: "how long a session waits after a request ends before its next",
});

const TIMEOUT: Setting<Duration> = Setting::<Duration>::new(SettingDesc {
    name: "timeout",
    label: "client timeout",
    kind: SettingKind::Duration {
        min_us: MICROS_PER_MS,
        max_us: 60 * MICROS_PER_SEC,
    },
    default: Some("200ms"),
    help: "how long a session waits for an answer before the attempt counts as failed",
});

const RETRY: Setting<Pick> = Setting::<Pick>::new(SettingDesc {
    name: "policy",
    label: "retry policy",
    kind: SettingKind::Choice {
        choices: &[
            Choice {
                value: "jitter",
                meaning: "wait a random time up to a backoff that doubles after every failure (full jitter)",
                also: &[],
            },
            Choice {
                value: "exponential",
                meaning: "wait a backoff that doubles after every failure, the same for everyone",
                also: &[],
            },
            Choice {
                value: "fixed",
                meaning: "wait the backoff, the same every time",
                also: &[],
            },
            Choice {
                value: "immediate",
                meaning: "send it again at once",
                also: &[],
            },
            Choice {
                value: "never",
                meaning: "give the request up after its first failure",
                also: &[],
            },
        ],
    },
    default: Some("jitter"),
    help: "what a session does when an attempt times out or is refused",
});

const BACKOFF: Setting<Duration> = Setting::<Duration>::new(SettingDesc {
    name: "backoff",
    label: "backoff",
    kind: SettingKind::Duration {
        min_us: MICROS_PER_MS,
        max_us: 10 * MICROS_PER_SEC,
    },
    default: Some("50ms"),
    help: "the first wait before a retry (doubling waits stop at 2 s)",
});

const ATTEMPTS: Setting<Number> = Setting::<Number>::new(SettingDesc {
    name: "attempts",
    label: "attempts",
    kind: SettingKind::Number { min: 1, max: 100 },
    default: Some("10"),
    help: "attempts per request before a session gives it up",
});

const BUDGET: Setting<Flag> = Setting::<Flag>::new(SettingDesc {
    name: "budget",
    label: "retry budget",
    kind: SettingKind::Flag,
    default: Some("1"),
    help: "a token bucket per client machine: each first attempt adds a tenth of a token, each retry costs one, so retries stay under a tenth of the requests",
});

const BREAKER: Setting<Flag> = Setting::<Flag>::new(SettingDesc {
    name: "breaker",
    label: "circuit breaker",
    kind: SettingKind::Flag,
    default: Some("0"),
    help: "after ten failures in a row a client machine sends nothing for a second; then its sessions send again, the next failure opens it again at once, and the first answer closes it",
});

const SHED: Setting<Flag> = Setting::<Flag>::new(SettingDesc {
    name: "shed",
    label: "load shedding",
    kind: SettingKind::Flag,
    default: Some("0"),
    help: "the server drops, unserved, a request that has waited longer than a client's timeout",
});

const AIMD: Setting<Flag> = Setting::<Flag>::new(SettingDesc {
    name: "aimd",
    label: "AIMD window",
    kind: SettingKind::Flag,
    default: Some("0"),
    help: "each client machine limits its requests in flight to a window that grows by one per window of answers and halves at every failure",
});

const ABOUT: About = About {
    name: "overload",
    title: "Overload (retry storms and metastable failure)",
    summary: "sessions on client machines send requests to a server with a fixed capacity; after a slowdown, naive retries can keep it saturated long after the slowdown is over",
    nodes: (2, MAX_NODES, 5),
    settings: &[
        SERVICE.desc,
        QUEUE.desc,
        SESSIONS.desc,
        THINK.desc,
        TIMEOUT.desc,
        RETRY.desc,
        BACKOFF.desc,
        ATTEMPTS.desc,
        BUDGET.desc,
        BREAKER.desc,
        SHED.desc,
        AIMD.desc,
    ],
    bugs: OvBug::TABLE,
    behaviours: &[SILENT],
    roles: super::roles::ALL,
    operations: &[],
    properties: &[
        super::checkers::Recovers::PROPERTY,
        super::checkers::LatencyBounded::PROPERTY,
    ],
    measures: super::meter::ALL,
    trigger: None,
    look: Look {
        called: "the overloaded service",
        holds: "Nothing is checked during the run: whether the service recovers, and answers within the timeout, is judged at its end",
        legend: ["", "a request", "an answer", "refused: the queue is full"],
        era: None,
        mark: None,
        cut: None,
    },
};

impl Described for OvNode {
    const ABOUT: &'static About = &ABOUT;

    /// The server slowing down and getting its speed back, in the terms of load.
    fn narrate(e: &EventKind, scene: &dyn Scene<OvNode>) -> Option<String> {
        let EventKind::Fault {
            action: Action::Slow { node, delay_us },
        } = e
        else {
            return None;
        };
        if *node != SERVER {
            return None;
        }
        let timeout = Pretty(scene.config().timeout_us);
        Some(if *delay_us > 0 {
            format!(
                "{node} slows down: everything it does takes {} longer. Requests pile up in its queue; once they wait longer than the clients' timeout ({timeout}), the sessions retry, and every retry is more work for a server already behind",
                Pretty(*delay_us)
            )
        } else {
            format!(
                "{node} is back to full speed. Whether the service recovers now depends on the clients: the requests already queued were sent by sessions that stopped waiting, and their retries keep coming"
            )
        })
    }

    fn colour_of(msg: &OvMsg) -> u8 {
        match msg {
            OvMsg::Request { .. } => 1,
            OvMsg::Done { .. } => 2,
            OvMsg::Busy { .. } => 3,
        }
    }

    fn countdown(timer: &OvTimer, config: &OvConfig) -> Option<Micros> {
        (*timer == OvTimer::Served).then_some(config.service_us)
    }

    fn card(&self) -> Card {
        let config = self.config();
        if let Some(server) = self.server() {
            let queue = server.queue();
            let oldest = queue.front().map_or("none".into(), |j| {
                Pretty((self.now() - j.arrived).max(0) as Micros).to_string()
            });
            return Card::default()
                .fact("role", "server: serves one request at a time")
                .fact(
                    "queue",
                    format!(
                        "{} of {} waiting (the oldest for {oldest})",
                        queue.len(),
                        config.queue
                    ),
                )
                .fact(
                    "serving",
                    server.serving().map_or("nothing".into(), |j| {
                        format!("{}'s request {}", j.from, j.request)
                    }),
                )
                .fact(
                    "since it started",
                    format!(
                        "{} requests arrived, {} served, {} refused, {} shed",
                        server.arrived(),
                        server.served(),
                        server.refused(),
                        server.shed()
                    ),
                );
        }
        let Some(client) = self.client() else {
            return Card::default();
        };
        let count = |f: fn(&Session) -> bool| client.sessions().iter().filter(|s| f(s)).count();
        let mut card = Card::default()
            .fact(
                "role",
                format!("client machine with {} sessions", client.sessions().len()),
            )
            .fact(
                "sessions",
                format!(
                    "{} waiting for an answer, {} waiting to retry, {} thinking",
                    count(|s| matches!(s, Session::Waiting { .. })),
                    count(|s| matches!(s, Session::Backing { .. } | Session::Held { .. })),
                    count(|s| *s == Session::Thinking)
                ),
            )
            .fact(
                "requests",
                format!(
                    "{} answered, {} given up, in {} attempts",
                    client.answered(),
                    client.given_up(),
                    client.attempts()
                ),
            );
        if config.policy().1 {
            card = card.fact(
                "retry budget",
                format!("{}.{} tokens", client.tokens() / 10, client.tokens() % 10),
            );
        }
        if config.breaker {
            card = card.fact(
                "circuit breaker",
                if client.breaker_open(self.now()) {
                    "open: it sends nothing"
                } else {
                    "closed"
                },
            );
        }
        if config.aimd {
            card = card.fact(
                "window",
                format!("{} requests in flight at most", client.window()),
            );
        }
        card
    }

    /// A clock that runs slow on the server is a slowdown that never ends (its service
    /// timer runs on that clock), not a trigger that passes: the promise to recover is made
    /// for runs without drift.
    fn faults(_config: &OvConfig) -> Faults {
        Faults::ALL.without(FaultKind::ClockDrift)
    }

    fn configure(values: &Values<'_>, _env: &Env) -> Result<OvConfig, String> {
        Ok(OvConfig {
            service_us: values.get(&SERVICE),
            queue: values.get(&QUEUE) as usize,
            sessions: values.get(&SESSIONS) as u32,
            think_us: values.get(&THINK),
            timeout_us: values.get(&TIMEOUT),
            retry: match values.get(&RETRY) {
                "exponential" => Retry::Exponential,
                "fixed" => Retry::Fixed,
                "immediate" => Retry::Immediate,
                "never" => Retry::Never,
                _ => Retry::Jitter,
            },
            backoff_us: values.get(&BACKOFF),
            attempts: values.get(&ATTEMPTS) as u32,
            budget: values.get(&BUDGET),
            breaker: values.get(&BREAKER),
            shed: values.get(&SHED),
            aimd: values.get(&AIMD),
            bugs: values.bugs(OvBug::parse),
        })
    }

    fn remark(values: &Values<'_>, env: &Env) -> Option<String> {
        let service = values.get(&SERVICE).max(1);
        let clients = env.nodes.saturating_sub(1) as u64;
        let sessions = clients * values.get(&SESSIONS);
        let cycle = values.get(&THINK) + service;
        let offered = sessions * 1_000_000 / cycle.max(1);
        let capacity = 1_000_000 / service;
        Some(format!(
            "{sessions} sessions ask about {offered} requests a second at most; the server serves {capacity} a second ({}% busy); {} is the server",
            offered * 100 / capacity.max(1),
            SERVER
        ))
    }
}

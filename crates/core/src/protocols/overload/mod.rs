//! Overload: a server with a fixed capacity, clients that time out and retry, and the
//! metastable failure retries can cause.
//!
//! n0 is the server. It serves one request at a time, each taking `service` (10 ms: a
//! capacity of 100 requests a second), from a queue of at most `queue` (100) requests; a request
//! that finds the queue full is refused at once ("busy"). Every other node is a client
//! machine running `sessions` sessions (10), each a user that sends a request, waits for
//! its answer at most `timeout` (200 ms), and after an answer (or giving up) thinks for
//! `think` (500 ms) before the next: about 78 requests a second from four machines, within
//! the server's capacity.
//!
//! The server cannot tell a request whose client still waits from one whose client has
//! given up: it serves both. That is what makes overload stick. A short slowdown fills the
//! queue; every request then waits longer than its client's timeout, the clients retry,
//! the retries keep the queue full of requests nobody waits for, and when the slowdown
//! ends the server stays saturated: a metastable failure, overloaded after its trigger has
//! gone. Backoff with random jitter (the default policy) spreads retries out but alone does
//! not bring it back; what does is on the client's side a retry budget (retries at most a
//! tenth of first attempts, a token bucket per machine), a circuit breaker (after ten failures in a row a machine
//! stops sending for a second), AIMD (a machine's window of requests in flight, halved at
//! every failure and grown by one per window of successes); and on the server's, a
//! shedder that drops requests that have already waited longer than a client waits.
//!
//! The properties are the claims the lesson makes ([`checkers`]): once the trigger has
//! gone, the service recovers and answers within the clients' timeout. The bugs are the naive retry policies.

/// Its roles, by code (the codes are part of every trace).
pub mod roles {
    use crate::protocol::{Role, RoleDesc, Tone};

    pub const SERVER: Role = Role(0);
    pub const CLIENT: Role = Role(1);
    pub const SATURATED: Role = Role(2);

    pub const ALL: &[RoleDesc] = &[
        RoleDesc {
            code: 0,
            name: "server",
            label: "server (keeping up)",
            leads: false,
            tone: Tone::Lead,
        },
        RoleDesc {
            code: 2,
            name: "saturated",
            label: "server (queue full)",
            leads: false,
            tone: Tone::Restless,
        },
        RoleDesc {
            code: 1,
            name: "client",
            label: "client machine",
            leads: false,
            tone: Tone::Steady,
        },
    ];
}

mod about;
mod checkers;
mod meter;
mod msg;
mod node;

pub use msg::{OvDisk, OvMsg, OvNote, OvTimer, OvWrite};
pub use node::OvNode;

use crate::time::{Micros, MICROS_PER_MS, MICROS_PER_SEC};

crate::bugs! {
    /// A naive retry policy.
    pub enum OvBug {
        /// Retry at once, with no budget.
        RetryStorm = "retry-storm": "clients send a failed request again at once, up to ten times, with no budget: after a slowdown the retries keep the server saturated and it does not recover",
        /// Retry after a short fixed wait, with no budget.
        FixedRetry = "fixed-retry": "clients send a failed request again after a fixed 50 ms, all in step, with no budget: the retries keep the server saturated after the slowdown ends",
    }
}

/// What a session does after an attempt fails (it timed out or the server was busy).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retry {
    /// Give the request up.
    Never,
    /// Send it again at once.
    Immediate,
    /// Send it again after `backoff`.
    Fixed,
    /// Wait `backoff`, doubled after every failure (at most [`BACKOFF_CAP`]).
    Exponential,
    /// Wait a random time up to what `Exponential` waits (full jitter).
    Jitter,
}

/// The longest a session waits before a retry.
pub const BACKOFF_CAP: Micros = 2 * MICROS_PER_SEC;
/// The retry budget, in tenths of a token: a first attempt adds one tenth, a retry costs a
/// whole token, and a machine holds at most ten.
pub const TOKEN: u32 = 10;
pub const TOKENS_MAX: u32 = 100;
/// The circuit breaker opens after this many failures in a row, for [`BREAKER_OPEN`].
pub const BREAKER_FAILURES: u32 = 10;
pub const BREAKER_OPEN: Micros = MICROS_PER_SEC;
/// The window the meter and the end property look back over.
pub const WINDOW: Micros = MICROS_PER_SEC;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OvConfig {
    pub service_us: Micros,
    pub queue: usize,
    pub sessions: u32,
    pub think_us: Micros,
    pub timeout_us: Micros,
    pub retry: Retry,
    pub backoff_us: Micros,
    pub attempts: u32,
    pub budget: bool,
    pub breaker: bool,
    pub shed: bool,
    pub aimd: bool,
    pub bugs: Vec<OvBug>,
}

impl Default for OvConfig {
    fn default() -> Self {
        OvConfig {
            service_us: 10 * MICROS_PER_MS,
            queue: 100,
            sessions: 10,
            think_us: 500 * MICROS_PER_MS,
            timeout_us: 200 * MICROS_PER_MS,
            retry: Retry::Jitter,
            backoff_us: 50 * MICROS_PER_MS,
            attempts: 10,
            budget: true,
            breaker: false,
            shed: false,
            aimd: false,
            bugs: Vec::new(),
        }
    }
}

impl OvConfig {
    pub fn has(&self, bug: OvBug) -> bool {
        self.bugs.contains(&bug)
    }

    /// The retry policy and whether the budget applies, the bugs taken into account.
    pub fn policy(&self) -> (Retry, bool) {
        if self.has(OvBug::RetryStorm) {
            (Retry::Immediate, false)
        } else if self.has(OvBug::FixedRetry) {
            (Retry::Fixed, false)
        } else {
            (self.retry, self.budget)
        }
    }

    /// How long a session waits before attempt `next` (2 and on), at most; jitter draws
    /// below it.
    pub fn wait_before(&self, next: u32) -> Micros {
        match self.policy().0 {
            Retry::Never | Retry::Immediate => 0,
            Retry::Fixed => self.backoff_us,
            Retry::Exponential | Retry::Jitter => {
                let doublings = next.saturating_sub(2).min(20);
                self.backoff_us
                    .saturating_mul(1 << doublings)
                    .min(BACKOFF_CAP)
            }
        }
    }
}

#[cfg(test)]
mod tests;

//! A client machine: sessions that send requests one at a time, time out and retry, with
//! the machine's retry budget, circuit breaker and AIMD window.

use super::{OCtx, OvConfig, SERVER};
use crate::protocols::overload::msg::{OvMsg, OvNote, OvTimer};
use crate::protocols::overload::{
    Retry, BREAKER_FAILURES, BREAKER_OPEN, TOKEN, TOKENS_MAX, WINDOW,
};
use crate::time::Micros;
use std::collections::VecDeque;

/// What a session is doing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Session {
    /// Between requests.
    Thinking,
    /// Waiting for the answer to attempt `attempt` of `request`, first sent at `first`.
    Waiting {
        request: u64,
        attempt: u32,
        first: i64,
    },
    /// Waiting before attempt `attempt + 1`.
    Backing {
        request: u64,
        attempt: u32,
        first: i64,
    },
    /// Ready to send attempt `attempt`, held back by the machine's AIMD window.
    Held {
        request: u64,
        attempt: u32,
        first: i64,
    },
}

/// How a request ended: answered after this long, or given up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Answered(Micros),
    GivenUp,
}

#[derive(Clone, Debug)]
pub struct Client {
    sessions: Vec<Session>,
    next_request: u64,
    /// The retry budget, in tenths of a token.
    tokens: u32,
    failures_in_row: u32,
    /// While the circuit breaker is open: until when (its clock).
    open_until: Option<i64>,
    /// The AIMD window, in hundredths of a request in flight.
    window: u32,
    /// Requests answered and given up, attempts sent, since boot.
    answered: u64,
    given_up: u64,
    attempts: u64,
    /// Requests that ended in the last [`WINDOW`] (its clock), oldest first.
    recent: VecDeque<(i64, Outcome)>,
}

impl Client {
    pub(super) fn new(sessions: u32) -> Self {
        Client {
            sessions: vec![Session::Thinking; sessions as usize],
            next_request: 1,
            tokens: TOKENS_MAX,
            failures_in_row: 0,
            open_until: None,
            window: 100,
            answered: 0,
            given_up: 0,
            attempts: 0,
            recent: VecDeque::new(),
        }
    }

    pub fn sessions(&self) -> &[Session] {
        &self.sessions
    }

    pub fn answered(&self) -> u64 {
        self.answered
    }

    pub fn given_up(&self) -> u64 {
        self.given_up
    }

    pub fn attempts(&self) -> u64 {
        self.attempts
    }

    /// The retry budget left, in tokens (tenths).
    pub fn tokens(&self) -> u32 {
        self.tokens
    }

    pub fn breaker_open(&self, now: i64) -> bool {
        self.open_until.is_some_and(|t| now < t)
    }

    /// The AIMD window, in requests in flight (whole).
    pub fn window(&self) -> u32 {
        (self.window / 100).max(1)
    }

    /// How requests ended in the last second before `now` (its clock).
    pub fn recent(&self, now: i64) -> impl Iterator<Item = Outcome> + '_ {
        self.recent
            .iter()
            .filter(move |(at, _)| now - at <= WINDOW as i64)
            .map(|(_, o)| *o)
    }

    fn in_flight(&self) -> u32 {
        self.sessions
            .iter()
            .filter(|s| matches!(s, Session::Waiting { .. }))
            .count() as u32
    }

    /// Every session starts thinking, for a random part of its thinking time, so that the
    /// machines do not start in step.
    pub(super) fn start(&mut self, ctx: &mut OCtx, config: &OvConfig, _now: i64) {
        for i in 0..self.sessions.len() {
            self.sessions[i] = Session::Thinking;
            let wait = ctx.random_between(1, config.think_us.max(1));
            ctx.set_timer(OvTimer::Session(i as u32), wait);
        }
    }

    pub(super) fn wake(&mut self, ctx: &mut OCtx, config: &OvConfig, now: i64, i: u32) {
        let Some(session) = self.sessions.get(i as usize).cloned() else {
            return;
        };
        match session {
            Session::Thinking => {
                let request = self.next_request;
                self.next_request += 1;
                if config.policy().1 {
                    self.tokens = (self.tokens + 1).min(TOKENS_MAX);
                }
                self.send(ctx, config, now, i, request, 1, now);
            }
            Session::Waiting {
                request,
                attempt,
                first,
            } => self.failed(ctx, config, now, i, request, attempt, first),
            Session::Backing {
                request,
                attempt,
                first,
            } => self.send(ctx, config, now, i, request, attempt + 1, first),
            Session::Held { .. } => {}
        }
    }

    /// Sends attempt `attempt` of `request` for session `i`, unless the breaker is open
    /// (the request fails at once) or the AIMD window is full (it waits its turn).
    #[allow(clippy::too_many_arguments)]
    fn send(
        &mut self,
        ctx: &mut OCtx,
        config: &OvConfig,
        now: i64,
        i: u32,
        request: u64,
        attempt: u32,
        first: i64,
    ) {
        if self.breaker_open(now) {
            self.give_up(ctx, config, now, i);
            return;
        }
        if config.aimd && self.in_flight() >= self.window() {
            self.sessions[i as usize] = Session::Held {
                request,
                attempt,
                first,
            };
            return;
        }
        self.attempts += 1;
        self.sessions[i as usize] = Session::Waiting {
            request,
            attempt,
            first,
        };
        ctx.send(
            SERVER,
            OvMsg::Request {
                session: i,
                request,
                attempt,
            },
        );
        ctx.set_timer(OvTimer::Session(i), config.timeout_us);
    }

    /// An answer to any attempt of the request a session still works on ends it well: a
    /// late answer to an earlier attempt counts.
    pub(super) fn on_answer(
        &mut self,
        ctx: &mut OCtx,
        config: &OvConfig,
        now: i64,
        i: u32,
        request: u64,
    ) {
        let first = match self.sessions.get(i as usize) {
            Some(
                Session::Waiting {
                    request: r, first, ..
                }
                | Session::Backing {
                    request: r, first, ..
                }
                | Session::Held {
                    request: r, first, ..
                },
            ) if *r == request => *first,
            _ => return,
        };
        self.answered += 1;
        self.failures_in_row = 0;
        if self.open_until.take().is_some() {
            ctx.note(OvNote::BreakerCloses);
        }
        if config.aimd {
            // Additive increase: one more request in flight per window of successes.
            self.window += 100 / self.window.div_ceil(100).max(1);
        }
        self.ended(now, Outcome::Answered((now - first).max(0) as Micros));
        self.think(ctx, config, i);
        self.release_held(ctx, config, now);
    }

    /// The server refused attempt `attempt` (its queue was full): a failure, if the
    /// session still waits for that attempt.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn refused(
        &mut self,
        ctx: &mut OCtx,
        config: &OvConfig,
        now: i64,
        i: u32,
        request: u64,
        attempt: u32,
    ) {
        if let Some(Session::Waiting {
            request: r,
            attempt: a,
            first,
        }) = self.sessions.get(i as usize).cloned()
        {
            if r == request && a == attempt {
                self.failed(ctx, config, now, i, request, attempt, first);
            }
        }
    }

    /// Attempt `attempt` failed (timed out or refused): retry as the policy says, or give
    /// the request up.
    #[allow(clippy::too_many_arguments)]
    fn failed(
        &mut self,
        ctx: &mut OCtx,
        config: &OvConfig,
        now: i64,
        i: u32,
        request: u64,
        attempt: u32,
        first: i64,
    ) {
        self.failures_in_row += 1;
        if config.aimd {
            // Multiplicative decrease.
            self.window = (self.window / 2).max(100);
        }
        if config.breaker && self.failures_in_row >= BREAKER_FAILURES && !self.breaker_open(now) {
            self.open_until = Some(now + BREAKER_OPEN as i64);
            ctx.note(OvNote::BreakerOpens {
                failures: self.failures_in_row,
            });
        }
        let (retry, budget) = config.policy();
        let allowed = retry != Retry::Never
            && attempt < config.attempts
            && (!budget || self.tokens >= TOKEN)
            && !self.breaker_open(now);
        if !allowed {
            self.give_up(ctx, config, now, i);
            self.release_held(ctx, config, now);
            return;
        }
        if budget {
            self.tokens -= TOKEN;
        }
        let most = config.wait_before(attempt + 1);
        let wait = if retry == Retry::Jitter {
            ctx.random_between(0, most)
        } else {
            most
        };
        if wait == 0 {
            self.send(ctx, config, now, i, request, attempt + 1, first);
        } else {
            self.sessions[i as usize] = Session::Backing {
                request,
                attempt,
                first,
            };
            ctx.set_timer(OvTimer::Session(i), wait);
        }
        self.release_held(ctx, config, now);
    }

    fn give_up(&mut self, ctx: &mut OCtx, config: &OvConfig, now: i64, i: u32) {
        self.given_up += 1;
        self.ended(now, Outcome::GivenUp);
        self.think(ctx, config, i);
    }

    fn think(&mut self, ctx: &mut OCtx, config: &OvConfig, i: u32) {
        self.sessions[i as usize] = Session::Thinking;
        ctx.set_timer(OvTimer::Session(i), config.think_us.max(1));
    }

    fn ended(&mut self, now: i64, outcome: Outcome) {
        self.recent.push_back((now, outcome));
        while self
            .recent
            .front()
            .is_some_and(|(at, _)| now - at > WINDOW as i64)
        {
            self.recent.pop_front();
        }
    }

    /// Sends what the AIMD window held back, as far as the window now allows.
    fn release_held(&mut self, ctx: &mut OCtx, config: &OvConfig, now: i64) {
        if !config.aimd {
            return;
        }
        for i in 0..self.sessions.len() {
            if self.in_flight() >= self.window() {
                break;
            }
            if let Session::Held {
                request,
                attempt,
                first,
            } = self.sessions[i].clone()
            {
                self.send(ctx, config, now, i as u32, request, attempt, first);
            }
        }
    }
}

//! What the queue promises: no message lost, a dead-letter queue that holds only messages
//! that failed every attempt, and, with an idempotent consumer, no message written twice.
//! Each is checked only where the configuration promises it.

mod dead_letters;
mod lost;
mod once;
mod stop;

pub use dead_letters::DeadLettersFailed;
pub use lost::NothingLost;
pub use once::WrittenOnce;
pub use stop::EveryConsumerStops;

use super::{QConfig, QNode, Strategy};
use crate::check::{EndProperty, Invariant};

/// The dead-letter queue's promise is checked with a dead-letter queue; no message written
/// twice, with an idempotent consumer.
pub fn safety(config: &QConfig) -> Vec<Box<dyn Invariant<QNode>>> {
    let mut checkers: Vec<Box<dyn Invariant<QNode>>> = Vec::new();
    if config.strategy == Strategy::DeadLetter {
        checkers.push(Box::new(DeadLettersFailed::new(config.attempts)));
    }
    if config.idempotent {
        checkers.push(Box::new(WrittenOnce::default()));
    }
    checkers
}

/// No message lost is promised only with a dead-letter queue and acknowledgements after
/// the write: retrying for ever never finishes with the poison, discarding loses messages by
/// design, and acknowledging first loses what a crash interrupts.
/// Every consumer stops is checked in every run (it holds at once without pills).
pub fn at_end(config: &QConfig) -> Vec<Box<dyn EndProperty<QNode>>> {
    let mut checkers: Vec<Box<dyn EndProperty<QNode>>> = vec![Box::new(EveryConsumerStops)];
    if config.strategy == Strategy::DeadLetter && !config.ack_before {
        checkers.push(Box::new(NothingLost));
    }
    checkers
}

/// How long the queue must have gone without progress (no message made or settled) before a
/// property at the end judges a message or a pill still on its way: every attempt's
/// visibility timeout, a consumer's restart, and a second more.
pub fn grace(config: &QConfig) -> i64 {
    (config.timeout_us * u64::from(config.attempts)
        + config.restart_us
        + crate::time::MICROS_PER_SEC) as i64
}

//! splitbrain's core: a deterministic, sans-IO simulator of distributed systems, the
//! protocols it runs and the checkers that judge them.
//!
//! - [`world::World`] advances a cluster one event at a time in virtual time. It owns the
//!   network ([`network`]), node faults, clocks ([`clock`]) and clients ([`client`]), and
//!   takes user interventions as [`action::Action`] values.
//! - Protocols ([`protocols`]) are state machines behind [`protocol::Protocol`]; they see
//!   only their inputs and push effects into a context.
//! - Checkers ([`checkers`]) read node state after every event and report
//!   [`check::Violation`]s.
//! - [`trace`] records the typed event log and its stable hash; [`run`] and [`fuzz`] drive
//!   whole runs for the command line, tests and the browser; [`cap`] runs the same
//!   partition against every protocol and reports what each gave up.
//!
//! Nothing here reads a clock, asks the OS for randomness or touches a screen: the same
//! seed and schedule give the same trace natively and in WebAssembly.

pub mod about;
pub mod action;
pub mod availability;
pub mod cap;
pub mod card;
pub mod check;
pub mod checkers;
pub mod chunked;
pub mod client;
pub mod clock;
pub mod describe;
pub mod error;
pub mod export;
pub mod flat;
pub mod fuzz;
pub mod ids;
pub mod kind;
pub mod lesson;
pub mod mem;
pub mod network;
pub mod payload;
pub mod protocol;
pub mod protocols;
pub mod recipe;
pub mod registry;
pub mod rewind;
pub mod rng;
pub mod run;
pub mod sim;
pub mod sort;
#[cfg(test)]
pub(crate) mod testkit;
pub mod time;
pub mod trace;
pub mod view;
pub mod world;

//! Safety checkers, one file per invariant, grouped by protocol. Each one reads node state
//! after every event and reports the first event at which its property fails.

pub mod raft;

//! Safety checkers, one file per invariant, grouped by protocol. Each one reads node state
//! after every event and reports the first event at which its property fails.

/// Unlike the invariants, judges a finished client history, whatever the protocol.
pub mod linearizability;
pub mod primary_backup;
pub mod quorum;
pub mod raft;

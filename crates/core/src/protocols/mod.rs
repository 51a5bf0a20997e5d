//! Protocols, one folder each, every one a plain state machine behind
//! [`crate::protocol::Protocol`].

pub mod broadcast;
pub mod byzantine;
pub mod checkpoint;
pub mod clock_sync;
pub mod failure_detector;
pub mod flooding;
pub mod multi_paxos;
pub mod overload;
pub mod paxos;
pub mod pbft;
pub mod primary_backup;
pub mod queue;
pub mod quorum;
pub mod raft;
pub mod rpc;
pub mod shared;
pub mod snapshot;
pub mod two_generals;
pub mod two_phase_commit;

//! The trace's tests: chunking, forgetting, and hashing as the typed events did.

use super::*;

#[test]
fn fnv_matches_reference_values() {
    // Published FNV-1a 64 test vectors.
    assert_eq!(StableHasher::default().finish(), 0xcbf29ce484222325);
    let mut h = StableHasher::default();
    h.write(b"a");
    assert_eq!(h.finish(), 0xaf63dc4c8601ec8c);
    let mut h = StableHasher::default();
    h.write(b"foobar");
    assert_eq!(h.finish(), 0x85944171f73967e8);
}

#[test]
fn random_access_matches_iteration_across_chunks() {
    let mut t = Trace::new(true);
    let n = CHUNK as u64 * 2 + 17;
    for i in 0..n {
        t.push(i, EventKind::Restart { node: NodeId(0) });
    }
    assert_eq!(t.get(0).map(|e| e.time), Some(0));
    assert_eq!(t.get(CHUNK as u64).map(|e| e.time), Some(CHUNK as u64));
    assert_eq!(t.get(n - 1).map(|e| e.time), Some(n - 1));
    assert!(t.get(n).is_none());
    for start in [0, 5, CHUNK as u64 - 1, CHUNK as u64, n - 1, n, n + 9] {
        let got: Vec<(u64, u64)> = t.events_from(start).map(|(i, e)| (i, e.time)).collect();
        let want: Vec<(u64, u64)> = (start..n).map(|i| (i, i)).collect();
        assert_eq!(got, want, "from {start}");
    }
}

#[test]
fn forgetting_keeps_positions_hash_and_later_events() {
    let mut t = Trace::new(true);
    let mut whole = Trace::new(true);
    let n = CHUNK as u64 * 3 + 5;
    for i in 0..n {
        t.push(i, EventKind::Restart { node: NodeId(0) });
        whole.push(i, EventKind::Restart { node: NodeId(0) });
        if i == CHUNK as u64 * 2 + 3 {
            // Mid-way: only whole sealed chunks before the position go.
            t.forget_before(CHUNK as u64 + 10);
            assert_eq!(t.first_kept(), CHUNK as u64);
        }
    }
    assert_eq!(t.hash(), whole.hash());
    assert_eq!(t.len(), n);
    assert!(t.get(CHUNK as u64 - 1).is_none());
    assert_eq!(t.get(CHUNK as u64).map(|e| e.time), Some(CHUNK as u64));
    assert_eq!(t.get(n - 1).map(|e| e.time), Some(n - 1));
    for start in [0, CHUNK as u64 + 7, 2 * CHUNK as u64, n - 1, n + 3] {
        let got: Vec<(u64, u64)> = t.events_from(start).map(|(i, e)| (i, e.time)).collect();
        let want: Vec<(u64, u64)> = (start.max(CHUNK as u64)..n).map(|i| (i, i)).collect();
        assert_eq!(got, want, "from {start}");
    }
    // Forgetting everything leaves the open chunk; forgetting again changes nothing.
    t.forget_before(u64::MAX);
    t.forget_before(0);
    assert_eq!(t.first_kept(), 3 * CHUNK as u64);
    assert_eq!(t.events_from(0).count(), 5);
}

#[test]
fn a_timer_hashes_the_same_recorded_or_not() {
    use crate::payload::TimerOf;
    use crate::protocols::raft::{RaftNode, RaftTimer};
    let timer = RaftTimer::Election;
    let mut kept = Trace::new(true);
    let mut hashed = Trace::new(false);
    for t in [&mut kept, &mut hashed] {
        t.push_timer(7, NodeId(2), &timer, || Rc::new(TimerOf::<RaftNode>(timer)));
    }
    assert_eq!(kept.hash(), hashed.hash());
    assert_eq!(kept.events().count(), 1);
    assert_eq!(hashed.events().count(), 0);
}

/// Every kind of event hashes exactly as the typed, derived encoding it replaced did
/// (the enum below is that encoding, kept here as the reference): the trace hashes of
/// every run stay what they were.
#[test]
fn every_event_hashes_as_its_typed_encoding() {
    use crate::payload::{MsgOf, TimerOf};
    use crate::protocols::paxos::PaxosNote;
    use crate::protocols::raft::{RaftMsg, RaftNode, RaftTimer};
    #[derive(Serialize)]
    enum Typed {
        Send {
            id: MsgId,
            from: NodeId,
            to: NodeId,
            msg: RaftMsg,
            lamport: u64,
        },
        Deliver {
            id: MsgId,
            from: NodeId,
            to: NodeId,
        },
        Drop {
            id: MsgId,
            from: NodeId,
            to: NodeId,
            reason: DropReason,
        },
        Duplicate {
            id: MsgId,
            copy: MsgId,
        },
        Corrupt {
            id: MsgId,
            msg: RaftMsg,
        },
        CorruptUndetected {
            id: MsgId,
        },
        Timer {
            node: NodeId,
            timer: RaftTimer,
        },
        Crash {
            node: NodeId,
            disk: DiskFate,
        },
        Restart {
            node: NodeId,
        },
        Pause {
            node: NodeId,
            until: Micros,
        },
        Resume {
            node: NodeId,
        },
        ClientInvoke {
            req: RequestId,
            node: NodeId,
            op: KvOp,
        },
        ClientReply {
            req: RequestId,
            result: KvResult,
        },
        ClientTimeout {
            req: RequestId,
        },
        Persist {
            node: NodeId,
        },
        RoleChange {
            node: NodeId,
            role: Role,
            term: u64,
        },
        Append {
            node: NodeId,
            len: u64,
        },
        Truncate {
            node: NodeId,
            len: u64,
        },
        Commit {
            node: NodeId,
            index: u64,
        },
        Fault {
            action: Action,
        },
        ClientRetry {
            req: RequestId,
            attempt: u32,
        },
        Note {
            node: NodeId,
            note: PaxosNote,
        },
    }
    let msg = RaftMsg::Vote {
        term: 300,
        granted: true,
    };
    let note = PaxosNote::Prepares {
        ballot: crate::protocols::paxos::Ballot {
            round: 300,
            proposer: 2,
        },
    };
    let (id, from, to, n) = (MsgId(70_000), NodeId(1), NodeId(200), NodeId(3));
    let req = RequestId(9);
    let op = KvOp::Put { key: 2, value: 5 };
    let result = KvResult::Value { value: Some(4) };
    let action = Action::Heal;
    let pairs: Vec<(Typed, EventKind)> = vec![
        (
            Typed::Send {
                id,
                from,
                to,
                msg: msg.clone(),
                lamport: 129,
            },
            EventKind::Send {
                id,
                from,
                to,
                msg: MsgOf::<RaftNode>::wrap(msg.clone()),
                lamport: 129,
            },
        ),
        (
            Typed::Deliver { id, from, to },
            EventKind::Deliver { id, from, to },
        ),
        (
            Typed::Drop {
                id,
                from,
                to,
                reason: DropReason::ReceiverDown,
            },
            EventKind::Drop {
                id,
                from,
                to,
                reason: DropReason::ReceiverDown,
            },
        ),
        (
            Typed::Duplicate { id, copy: MsgId(3) },
            EventKind::Duplicate { id, copy: MsgId(3) },
        ),
        (
            Typed::Corrupt {
                id,
                msg: msg.clone(),
            },
            EventKind::Corrupt {
                id,
                msg: MsgOf::<RaftNode>::wrap(msg.clone()),
            },
        ),
        (
            Typed::CorruptUndetected { id },
            EventKind::CorruptUndetected { id },
        ),
        (
            Typed::Timer {
                node: n,
                timer: RaftTimer::Heartbeat,
            },
            EventKind::Timer {
                node: n,
                timer: Rc::new(TimerOf::<RaftNode>(RaftTimer::Heartbeat)),
            },
        ),
        (
            Typed::Crash {
                node: n,
                disk: DiskFate::Lose,
            },
            EventKind::Crash {
                node: n,
                disk: DiskFate::Lose,
            },
        ),
        (Typed::Restart { node: n }, EventKind::Restart { node: n }),
        (
            Typed::Pause {
                node: n,
                until: 1 << 40,
            },
            EventKind::Pause {
                node: n,
                until: 1 << 40,
            },
        ),
        (Typed::Resume { node: n }, EventKind::Resume { node: n }),
        (
            Typed::ClientInvoke {
                req,
                node: n,
                op: op.clone(),
            },
            EventKind::ClientInvoke { req, node: n, op },
        ),
        (
            Typed::ClientReply {
                req,
                result: result.clone(),
            },
            EventKind::ClientReply { req, result },
        ),
        (
            Typed::ClientTimeout { req },
            EventKind::ClientTimeout { req },
        ),
        (Typed::Persist { node: n }, EventKind::Persist { node: n }),
        (
            Typed::RoleChange {
                node: n,
                role: Role(2),
                term: 77,
            },
            EventKind::RoleChange {
                node: n,
                role: Role(2),
                term: 77,
            },
        ),
        (
            Typed::Append { node: n, len: 5 },
            EventKind::Append { node: n, len: 5 },
        ),
        (
            Typed::Truncate { node: n, len: 4 },
            EventKind::Truncate { node: n, len: 4 },
        ),
        (
            Typed::Commit { node: n, index: 3 },
            EventKind::Commit { node: n, index: 3 },
        ),
        (
            Typed::Fault {
                action: action.clone(),
            },
            EventKind::Fault { action },
        ),
        (
            Typed::ClientRetry { req, attempt: 2 },
            EventKind::ClientRetry { req, attempt: 2 },
        ),
        (
            Typed::Note {
                node: n,
                note: note.clone(),
            },
            EventKind::Note {
                node: n,
                note: Rc::new(note),
            },
        ),
    ];
    assert_eq!(pairs.len(), 22, "one of each kind");
    for (typed, kind) in pairs {
        let event = TraceEvent { time: 1234, kind };
        let mut h = StableHasher::default();
        event.hash_into(&mut h);
        assert_eq!(
            h.finish(),
            StableHasher::of(&(1234u64, &typed)),
            "{:?}",
            event.kind
        );
    }
}

#[test]
fn recorded_events_survive_chunking_in_order() {
    let mut t = Trace::new(true);
    for i in 0..(CHUNK as u64 * 2 + 5) {
        t.push(i, EventKind::Resume { node: NodeId(0) });
    }
    let times: Vec<u64> = t.events().map(|e| e.time).collect();
    assert_eq!(times, (0..(CHUNK as u64 * 2 + 5)).collect::<Vec<_>>());
}

#[test]
fn a_varint_hashes_as_postcard_encodes_an_integer() {
    for v in [
        0,
        1,
        127,
        128,
        255,
        300,
        16_383,
        16_384,
        u32::MAX.into(),
        u64::MAX,
    ] {
        let mut h = StableHasher::default();
        h.varint(v);
        assert_eq!(h.finish(), StableHasher::of(&v), "{v}");
        if let Ok(small) = u32::try_from(v) {
            assert_eq!(h.finish(), StableHasher::of(&small), "{v} as a u32");
        }
    }
}

#[test]
fn encoding_is_canonical() {
    // postcard writes integers as varints and enums as variant indices.
    assert_eq!(StableHasher::of(&1u64), StableHasher::of(&1u8));
    assert_ne!(
        StableHasher::of(&(1u32, 2u32)),
        StableHasher::of(&(2u32, 1u32))
    );
    assert_eq!(
        StableHasher::of(&DropReason::Cut),
        StableHasher::of(&2u32),
        "variant index of Cut"
    );
}

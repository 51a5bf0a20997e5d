//! Faults, client operations and their answers in words a person reads ("n2 crashed and lost
//! its disk", "partition {n0, n1} | {n2, n3, n4}", "put k1=5"), for logs, tooltips and
//! exported traces; never a `Debug` rendering.

use crate::action::{Action, DiskFate};
use crate::client::{KvOp, KvResult, Outcome};
use crate::ids::NodeId;
use crate::network::LinkConfig;
use crate::time::{Micros, Pretty, MICROS_PER_MS, MICROS_PER_SEC};
use crate::trace::DropReason;

/// A key-value operation, such as `put k1=5` or `cas k2: none → 7`.
pub fn op(op: &KvOp) -> String {
    match op {
        KvOp::Get { key } => format!("get k{key}"),
        KvOp::Put { key, value } => format!("put k{key}={value}"),
        KvOp::Cas { key, expect, new } => format!("cas k{key}: {} → {new}", value(*expect)),
    }
}

fn value(v: Option<u64>) -> String {
    v.map_or("none".into(), |v| v.to_string())
}

/// The fields of a client request forwarded between nodes, as messages list them.
pub fn forward_fields(
    req: crate::ids::RequestId,
    origin: NodeId,
    kv: &KvOp,
    hops: u8,
) -> Vec<(&'static str, String)> {
    vec![
        ("request", req.to_string()),
        ("from client at", origin.to_string()),
        ("operation", op(kv)),
        ("hops", hops.to_string()),
    ]
}

/// An answer, such as `100`, `written` or `failed: k1 holds 3`.
pub fn result(result: &KvResult) -> String {
    match result {
        KvResult::Value { value: v } => value(*v),
        KvResult::Written => "written".into(),
        KvResult::CasFailed { current } => format!("not written: it held {}", value(*current)),
        KvResult::CasRefused => "not written: it held another value".into(),
        KvResult::Unavailable => "unavailable (not performed)".into(),
    }
}

/// How an operation ended, for a client's record.
pub fn outcome(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Done { result: r } => result(r),
        Outcome::TimedOut => "timed out".into(),
        Outcome::Pending => "no answer yet".into(),
    }
}

/// Why a message was lost.
pub fn drop_reason(reason: DropReason) -> &'static str {
    match reason {
        DropReason::Loss => "lost on the link",
        DropReason::Partition => "across the partition",
        DropReason::Cut => "the link is cut",
        DropReason::ReceiverDown => "the receiver is down",
        DropReason::CorruptDetected => "corrupted, caught by the checksum",
    }
}

/// A crash, such as `n2 crashed and lost its disk`.
pub fn crash(node: NodeId, disk: DiskFate) -> String {
    match disk {
        DiskFate::Keep => format!("{node} crashed (its disk is kept)"),
        DiskFate::Lose => format!("{node} crashed and lost its disk"),
    }
}

fn group(nodes: &[NodeId]) -> String {
    let names: Vec<String> = nodes.iter().map(|n| n.to_string()).collect();
    format!("{{{}}}", names.join(", "))
}

/// A link's behaviour, such as `latency 40 ms ± 80 ms, 20% lost`.
pub fn link(l: &LinkConfig) -> String {
    let mut parts = vec![if l.jitter_us == 0 {
        format!("latency {}", duration(l.latency_us))
    } else {
        format!(
            "latency {} ± {}",
            duration(l.latency_us),
            duration(l.jitter_us)
        )
    }];
    for (ppm, what) in [
        (l.loss.0, "lost"),
        (l.duplicate.0, "duplicated"),
        (l.corrupt.0, "corrupted"),
    ] {
        if ppm > 0 {
            parts.push(format!("{}% {what}", percent(ppm)));
        }
    }
    parts.join(", ")
}

/// A duration as a person reads it, to about three figures (`40 ms`, `10.5 ms`, `1.25 s`):
/// a fuzzed link's `10545 µs` is `10.5 ms`.
fn duration(us: Micros) -> String {
    let step = match us {
        _ if us >= 10 * MICROS_PER_SEC => 100 * MICROS_PER_MS,
        _ if us >= MICROS_PER_SEC => 10 * MICROS_PER_MS,
        _ if us >= 100 * MICROS_PER_MS => MICROS_PER_MS,
        _ if us >= 10 * MICROS_PER_MS => MICROS_PER_MS / 10,
        _ if us >= MICROS_PER_MS => MICROS_PER_MS / 100,
        _ => 1,
    };
    Pretty((us + step / 2) / step * step).to_string()
}

/// A share in parts per million as a percentage, to about three figures (`20`, `12.5`,
/// `9.43`, `0.245`), and to the part per million below 0.1% (`0.0002`: a halved rate is
/// never shown as 0).
fn percent(ppm: u32) -> String {
    let step = match ppm {
        100_000.. => 1_000,
        10_000.. => 100,
        1_000.. => 10,
        _ => 1,
    };
    let ppm = (ppm + step / 2) / step * step;
    let (whole, frac) = (ppm / 10_000, ppm % 10_000);
    if frac == 0 {
        whole.to_string()
    } else {
        format!("{whole}.{}", format!("{frac:04}").trim_end_matches('0'))
    }
}

/// An action as `about`'s protocol words it: its action by hand by its own name (`start a
/// snapshot at n2, by hand`), any other as [`action`] does.
pub fn action_of(action: &Action, about: &crate::about::About) -> String {
    match (action, about.trigger) {
        (Action::Trigger { node }, Some(label)) => format!("{label} at {node}, by hand"),
        _ => self::action(action),
    }
}

/// An action, such as `partition {n0, n1} | {n2, n3, n4}` or `n3 paused for 1 s`.
pub fn action(action: &Action) -> String {
    match action {
        Action::Crash { node, disk } => crash(*node, *disk),
        Action::Restart { node } => format!("{node} restarts"),
        Action::CrashOnWrite {
            node,
            disk,
            restart_after_us,
        } => format!(
            "{node} will crash at its next disk write{}{}",
            if *disk == DiskFate::Lose {
                " and lose its disk"
            } else {
                ""
            },
            restart_after_us.map_or(String::new(), |t| format!(", back {} later", duration(t)))
        ),
        Action::Pause { node, for_us } => {
            format!("{node} paused for {}", duration(*for_us))
        }
        Action::Slow { node, delay_us: 0 } => format!("{node} is fast again"),
        Action::Slow { node, delay_us } => {
            format!("{node} slowed: {} per input", duration(*delay_us))
        }
        Action::SkewClock { node, by_us } => format!(
            "{node}'s clock jumps {} {}",
            if *by_us < 0 { "back" } else { "ahead" },
            duration(by_us.unsigned_abs())
        ),
        Action::SetDrift { node, ppm: 0 } => format!("{node}'s clock stops drifting"),
        Action::SetDrift { node, ppm } => format!(
            "{node}'s clock runs {}% {}",
            percent(ppm.unsigned_abs()),
            if *ppm < 0 { "slow" } else { "fast" }
        ),
        Action::Partition { groups } if groups.len() == 1 => {
            format!("{} cut off from the rest", group(&groups[0]))
        }
        Action::Partition { groups } => {
            let parts: Vec<String> = groups.iter().map(|g| group(g)).collect();
            format!("partition {}", parts.join(" | "))
        }
        Action::CutLink { from, to } => format!("link {from} → {to} cut"),
        Action::RestoreLink { from, to } => format!("link {from} → {to} restored"),
        Action::Heal => "the network heals".into(),
        Action::SetLink { from, to, link: l } => format!("link {from} → {to}: {}", link(l)),
        Action::SetNetwork { link: l } => format!("every link: {}", link(l)),
        Action::SetChecksums { on: true } => "receivers check checksums".into(),
        Action::SetChecksums { on: false } => "receivers stop checking checksums".into(),
        Action::Client { node, op: o } => format!("a client asks {node}: {}", op(o)),
        Action::SetWorkload { workload } if workload.rate_per_s == 0 => "the clients stop".into(),
        Action::SetWorkload { workload } => format!(
            "clients send {} operations a second over {} keys",
            workload.rate_per_s, workload.keys
        ),
        Action::SetFailures { failures: None } => "nodes stop failing at random".into(),
        Action::SetFailures { failures: Some(f) } => format!(
            "nodes fail at random: up {} and down {} on average",
            Pretty(f.mttf_us),
            Pretty(f.mttr_us)
        ),
        Action::CrashLeader {
            disk,
            restart_after_us,
        } => format!(
            "crash the leader{}{}",
            if *disk == DiskFate::Lose {
                " with its disk"
            } else {
                ""
            },
            restart_after_us.map_or(String::new(), |t| format!(", back {} later", duration(t)))
        ),
        Action::PartitionLeader { with: 0 } => "cut the leader off from the rest".into(),
        Action::PartitionLeader { with } => {
            format!("cut the leader and {with} more off from the rest")
        }
        Action::Behave { node, behaviour } if behaviour == crate::action::HONEST => {
            format!("{node} is honest again")
        }
        Action::Behave { node, behaviour } => format!("{node} turns Byzantine: {behaviour}"),
        Action::Trigger { node } => format!("{node} takes its protocol's own action, by hand"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recipe::parse_action;

    #[test]
    fn actions_read_as_sentences_without_debug_text() {
        for (text, want) in [
            ("partition:0-1/2-3-4", "partition {n0, n1} | {n2, n3, n4}"),
            ("partition:0-1", "{n0, n1} cut off from the rest"),
            ("crash:2:lose", "n2 crashed and lost its disk"),
            ("pause:3:1s", "n3 paused for 1 s"),
            (
                "net:lat40ms_jit80ms_loss20",
                "every link: latency 40 ms ± 80 ms, 20% lost",
            ),
            (
                "net:lat10545us_jit46051us_loss9.4267_dup2.5129_cor0.2452",
                "every link: latency 10.5 ms ± 46.1 ms, 9.43% lost, 2.51% duplicated, 0.245% corrupted",
            ),
            ("skew:1:-100ms", "n1's clock jumps back 100 ms"),
            ("net:lat30ms_jit0ms", "every link: latency 30 ms"),
            (
                "client:2:cas:1:none:7",
                "a client asks n2: cas k1: none → 7",
            ),
            ("behave:0:silent", "n0 turns Byzantine: silent"),
        ] {
            assert_eq!(action(&parse_action(text).unwrap()), want, "{text}");
        }
        assert_eq!(result(&KvResult::Value { value: Some(100) }), "100");
        for sample in [
            "crash:0:keep",
            "crash-on-write:1:lose:1s",
            "load:50",
            "link:0-1:loss12.5_dup3",
            "crash-leader:keep:300ms",
            "partition-leader:2",
            "drift:1:-50000",
        ] {
            let text = action(&parse_action(sample).unwrap());
            for debug in ["{ ", "NodeId", "Some(", "_us", "Lose", "Keep"] {
                assert!(!text.contains(debug), "{sample}: {text}");
            }
        }
    }
}

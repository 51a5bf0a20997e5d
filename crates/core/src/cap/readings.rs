//! What the CAP numbers mean, in sentences a student can follow: each reading explains one
//! number of a report that would otherwise puzzle (two leaders at once, a latency of zero,
//! replicas that disagree under a linearizable history), from the report alone.

use super::CapReport;
use crate::registry;
use crate::time::{Pretty, MICROS_PER_MS};

/// The sentences that explain `report`, most important first.
pub fn readings(report: &CapReport) -> Vec<String> {
    let about = registry::find(&report.protocol).ok().map(|p| p.about());
    let leader = about
        .and_then(|a| a.roles.iter().find(|r| r.leads))
        .map(|r| r.label);
    let mut out = Vec::new();
    let lin = report.linearizability.is_linearizable();
    match report.minority.availability_during_partition {
        Some(a) if a <= 0.05 => out.push(
            "The minority side answered (almost) nothing while cut off: it could not reach a majority (for a quorum store, R or W replicas), so it refused rather than risk a wrong answer. Consistency over availability."
                .to_string(),
        ),
        Some(a) if a >= 0.95 => out.push(format!(
            "The minority side answered everything while cut off: its nodes answered on their own. Availability over consistency{}.",
            if lin { ", though this run was lucky" } else { "" }
        )),
        _ => {}
    }
    if let (Some(label), true) = (leader, report.max_leaders >= 2) {
        out.push(format!(
            "{} nodes acted as {label} at once: the one cut off on the minority side cannot tell it is cut off and keeps its role, while the majority chose another. {}",
            report.max_leaders,
            if lin {
                "Without a majority behind it, the old one could not complete a write, so the history stayed linearizable."
            } else {
                "Both accepted writes: a split brain."
            }
        ));
    }
    if let Some(p50) = report.cluster.latency_p50_us.filter(|&t| t < MICROS_PER_MS) {
        let took = if p50 == 0 {
            "no simulated time at all".to_string()
        } else {
            format!("{} or less", Pretty(p50))
        };
        out.push(format!(
            "Half the operations took {took}: the node a client reached answered from its own copy without waiting to hear from any other node, which is fast and is also why an answer can be stale."
        ));
    }
    if report.cluster.stale_reads > 0 {
        out.push(format!(
            "{} stale reads: a read returned an older value than a write that had already finished. That alone proves the history is not linearizable; the operations below are the proof.",
            report.cluster.stale_reads
        ));
    }
    if report.cluster.acknowledged_writes_lost > 0 {
        out.push(format!(
            "{} writes that were acknowledged to a client were gone after healing: the side that had them gave way to the other's history.",
            report.cluster.acknowledged_writes_lost
        ));
    }
    // What this reading explains is the leaderless store's (read repair, no anti-entropy).
    if report.keys_replicas_disagree > 0 && lin && report.protocol == "quorum" {
        out.push(format!(
            "Replicas still disagree on {} keys after healing, yet the history passed the linearizability check: nothing copies data between replicas in the background (no anti-entropy), so a key nobody reads keeps its stale copies, while a read waits for R replicas, which meet every finished write when R + W > N, returns the newest version and repairs the stale replicas it saw. That overlap does not promise linearizability: the repair is not waited for, so a read during a write can return the new value and a later read the old one.",
            report.keys_replicas_disagree
        ));
    }
    out
}

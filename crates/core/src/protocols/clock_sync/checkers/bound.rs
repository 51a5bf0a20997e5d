//! Within the claimed bound: every synchronisation leaves an error no larger than the bound
//! the algorithm claims, half the round trip, plus what the clocks themselves gained or
//! lost during the exchange.

use super::{CsNode, Ghost, Sync};
use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, Invariant};
use crate::time::{Micros, Pretty};

/// Judged at each synchronisation. Under `ntp`, right after a client corrects its clock:
/// its time less the server's is within δ/2 of zero, plus the drift allowance. Under
/// `berkeley`, as the master estimates a node's offset (the estimate the correction it
/// sends is made of): the estimate is within half the round trip of the real offset, plus
/// the allowance. The allowance is measured, not guessed: how much the client's clock
/// (the master's) ran ahead of or behind true time over the whole exchange, and the
/// server's (the polled node's) over the way back, added up. With clocks that keep true
/// rate it is zero, and the claim is exactly δ/2, whatever the split of the round trip
/// between the two directions: a path that is slower one way makes an error, but never
/// more than half the round trip.
#[derive(Clone, Debug, Default)]
pub struct WithinBound {
    ghost: Ghost,
}

impl WithinBound {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "within the claimed bound",
        kind: PropertyKind::Safety,
        promise: "each synchronisation leaves an error (the NTP client's clock against the server's once corrected; the Berkeley master's estimate of a clock against the real one) of at most half the round trip, plus what the clocks gained or lost by drift or a step during the exchange",
        promised: true,
    };
}

/// A broken synchronisation in words.
pub fn explain(s: &Sync) -> String {
    let d = |v: i64| Pretty(v.unsigned_abs() as Micros);
    let drift = if s.allowance <= 1 {
        "with both clocks keeping true time during the exchange".to_string()
    } else {
        format!(
            "even allowing {} for what the clocks gained or lost during the exchange",
            d(s.allowance)
        )
    };
    format!(
        "{} is off by {} after synchronisation #{} with a round trip of {}: more than the {} it claims, {drift}",
        s.node,
        super::super::msg::signed(s.error),
        s.seq,
        d(s.delay),
        d(s.bound),
    )
}

impl Invariant<CsNode> for WithinBound {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check(&mut self, view: &CheckView<'_, CsNode>) -> Result<(), String> {
        match self.ghost.step(view).syncs.iter().find(|s| !s.holds()) {
            Some(s) => Err(explain(s)),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sync(error: i64, bound: i64, allowance: i64) -> Sync {
        Sync {
            node: crate::ids::NodeId(1),
            seq: 3,
            error,
            bound,
            allowance,
            delay: 2 * bound,
            actual: 0,
        }
    }

    #[test]
    fn an_error_within_half_the_round_trip_and_the_drift_holds() {
        assert!(sync(5_000, 5_000, 1).holds());
        assert!(sync(-5_001, 5_000, 1).holds());
        assert!(sync(5_300, 5_000, 301).holds());
    }

    #[test]
    fn an_error_past_the_bound_and_the_drift_is_broken_and_said_in_words() {
        let s = sync(-9_000, 5_000, 1);
        assert!(!s.holds());
        let text = explain(&s);
        assert!(text.contains("n1 is off by -9.000 ms"), "{text}");
        assert!(text.contains("round trip of 10 ms: more than the 5 ms it claims, with both clocks keeping true time"), "{text}");
    }

    // Hand-made runs: n0 the server, n1 a client, clocks at fixed offsets.

    use super::super::handmade::{berkeley, first_breach, ntp};
    use crate::protocols::clock_sync::{CsConfig, CsNote};
    use crate::time::MICROS_PER_MS as MS;

    fn breach(offsets: &[i64], steps: &[super::super::handmade::Step]) -> Option<(usize, String)> {
        first_breach(
            &mut WithinBound::default(),
            &CsConfig::default(),
            offsets,
            steps,
        )
    }

    #[test]
    fn a_symmetric_exchange_sets_the_clock_exactly() {
        let offsets = [0, -300_000];
        assert_eq!(
            breach(&offsets, &ntp(&offsets, 5 * MS, 5 * MS, false)),
            None
        );
    }

    #[test]
    fn a_slow_way_back_makes_an_error_within_half_the_round_trip() {
        // 5 ms there, 45 ms back: the client is 20 ms behind, and claims 25 ms.
        let offsets = [0, 70_000];
        assert_eq!(
            breach(&offsets, &ntp(&offsets, 5 * MS, 45 * MS, false)),
            None
        );
        assert_eq!(
            breach(&offsets, &ntp(&offsets, 45 * MS, 5 * MS, false)),
            None
        );
    }

    #[test]
    fn ignoring_the_round_trip_leaves_the_client_behind_by_the_way_back() {
        let offsets = [0, 70_000];
        let (at, e) = breach(&offsets, &ntp(&offsets, 5 * MS, 45 * MS, true)).unwrap();
        assert_eq!(at, 2);
        assert!(
            e.starts_with("n1 is off by -45.000 ms after synchronisation #1"),
            "{e}"
        );
        // When the way back is the faster half, the same mistake stays within the claim.
        assert_eq!(
            breach(&offsets, &ntp(&offsets, 45 * MS, 5 * MS, true)),
            None
        );
    }

    #[test]
    fn a_berkeley_estimate_is_judged_against_the_real_offset() {
        let offsets = [0, 30_000, -12_000, 5_000];
        let delays = [(5 * MS, 5 * MS), (2 * MS, 30 * MS), (20 * MS, MS)];
        let round = berkeley(&offsets, &delays, 20_000, false);
        assert_eq!(breach(&offsets, &round), None);
        // An estimate that forgets half the round trip (the answer's clock less the
        // master's on arrival) is off by more than it claims when the way back is slow.
        let wrong: Vec<_> = round
            .into_iter()
            .map(|mut s| {
                if let CsNote::Measured { clock, t4, est, .. } = &mut s.note {
                    *est = *clock - *t4;
                }
                s
            })
            .collect();
        let (_, e) = breach(&offsets, &wrong).unwrap();
        assert!(e.starts_with("n2 is off by -30.000 ms"), "{e}");
    }
}

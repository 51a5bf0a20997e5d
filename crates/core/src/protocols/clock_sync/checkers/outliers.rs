//! Outliers ignored: a Berkeley round's agreed time stays near the median clock.

use super::{CsNode, Ghost, Round};
use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, Invariant};
use crate::time::{Micros, Pretty};

/// Judged when the Berkeley master decides a round: the time it chooses for the group
/// (its average, as an offset from its own clock) is within `threshold` of the median of
/// the real offsets of the clocks it heard from, give or take the largest error its
/// estimates may have (their bounds and allowances). The median moves by at most that
/// much when every estimate is off by at most that much, and an average of values within
/// `threshold` of a median is within `threshold` of it; so one clock, however wrong,
/// cannot drag the others further. Averaging every clock, outliers included, can.
#[derive(Clone, Debug, Default)]
pub struct OutliersIgnored {
    ghost: Ghost,
}

impl OutliersIgnored {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "outliers ignored",
        kind: PropertyKind::Safety,
        promise: "under Berkeley, the time a round agrees on is within the threshold of the median clock, give or take the estimates' error bounds: one wild clock cannot drag the others",
        promised: true,
    };
}

/// Whether a round's average is within `threshold` of the real median, give or take the
/// estimates' margin and a microsecond for rounding the average.
pub fn near_median(r: &Round, threshold: Micros) -> bool {
    (r.average - r.real_median).abs() <= threshold as i64 + r.margin + 1
}

pub fn explain(r: &Round, threshold: Micros) -> String {
    let d = |v: i64| Pretty(v.unsigned_abs() as Micros);
    format!(
        "round {} agrees on {} from the master's clock, but the median clock was at {}: {} away, more than the threshold of {} and the estimates' error of {}",
        r.round,
        super::super::msg::signed(r.average),
        super::super::msg::signed(r.real_median),
        d(r.average - r.real_median),
        Pretty(threshold),
        d(r.margin)
    )
}

impl Invariant<CsNode> for OutliersIgnored {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check(&mut self, view: &CheckView<'_, CsNode>) -> Result<(), String> {
        let threshold = view
            .actor()
            .map_or(0, |(_, node)| node.config().threshold_us);
        match self
            .ghost
            .step(view)
            .rounds
            .iter()
            .find(|r| !near_median(r, threshold))
        {
            Some(r) => Err(explain(r, threshold)),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(average: i64, real_median: i64, margin: i64) -> Round {
        Round {
            round: 4,
            average,
            real_median,
            margin,
        }
    }

    #[test]
    fn an_average_near_the_median_holds() {
        assert!(near_median(&round(20_000, 0, 0), 20_000));
        assert!(near_median(&round(-25_000, -3_000, 2_000), 20_000));
    }

    #[test]
    fn an_average_dragged_by_an_outlier_is_broken_and_said_in_words() {
        // Four clocks, one 400 ms ahead, all averaged: the group moves by 100 ms.
        let r = round(100_000, 0, 3_000);
        assert!(!near_median(&r, 20_000));
        let text = explain(&r, 20_000);
        assert!(text.contains("round 4 agrees on +100.000 ms"), "{text}");
    }

    // Hand-made rounds: the master n0 and three clocks, one of them 400 ms ahead.

    use super::super::handmade::{berkeley, first_breach};
    use crate::protocols::clock_sync::CsConfig;
    use crate::time::MICROS_PER_MS as MS;

    const OFFSETS: [i64; 4] = [0, 2_000, -3_000, 400_000];
    const DELAYS: [(u64, u64); 3] = [(5 * MS, 5 * MS), (4 * MS, 6 * MS), (6 * MS, 4 * MS)];

    fn breach(every: bool) -> Option<(usize, String)> {
        let config = CsConfig {
            algorithm: crate::protocols::clock_sync::Algorithm::Berkeley,
            ..CsConfig::default()
        };
        let round = berkeley(&OFFSETS, &DELAYS, 20_000, every);
        first_breach(&mut OutliersIgnored::default(), &config, &OFFSETS, &round)
    }

    #[test]
    fn leaving_the_wild_clock_out_keeps_the_group_near_the_median() {
        assert_eq!(breach(false), None);
    }

    #[test]
    fn averaging_the_wild_clock_drags_the_group_and_is_caught_at_the_decision() {
        let (at, e) = breach(true).unwrap();
        assert_eq!(
            at, 7,
            "the decision, after the poll, three answers and three estimates"
        );
        assert!(e.starts_with("round 1 agrees on +99.7"), "{e}");
    }
}

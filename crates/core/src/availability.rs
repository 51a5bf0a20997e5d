//! Availability: how much of a run the service could answer, in the terms operators use.
//!
//! Two measures, for every protocol: the share of finished client operations that
//! succeeded, and the share of time during which enough nodes were up for the service to
//! answer (what "enough" is, each protocol says: [`Needs`]). Both are shown as a
//! percentage, in nines, and as the downtime they mean over a month and a year.
//!
//! Nodes can fail and be repaired at random ([`Failures`]: a mean time to failure and a
//! mean time to repair, each drawn from an exponential distribution), and then the
//! measured share stands next to what the rates predict: one node is up a share
//! MTTF / (MTTF + MTTR) of the time, and a service that needs a set of its nodes up is
//! up with the probability that such a set is, the nodes failing independently
//! ([`Availability::predicted`]).

use crate::ids::NodeId;
use crate::time::{Micros, Pretty, MICROS_PER_SEC};
use serde::{Deserialize, Serialize};

/// Random failures and repairs of every node: each up node fails after a time drawn from
/// the exponential distribution with mean `mttf_us`, and each failed node is repaired
/// (restarted with its disk) after one with mean `mttr_us`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failures {
    pub mttf_us: Micros,
    pub mttr_us: Micros,
}

/// The shortest mean time to failure or repair a run takes (shorter ones would have
/// nodes fail faster than they can boot).
pub const MIN_MEAN_US: Micros = 10 * crate::time::MICROS_PER_MS;
/// The longest: a week.
pub const MAX_MEAN_US: Micros = 7 * 24 * 3600 * MICROS_PER_SEC;

impl Failures {
    pub fn validate(&self) -> Result<(), String> {
        for (what, mean) in [
            ("time to failure", self.mttf_us),
            ("time to repair", self.mttr_us),
        ] {
            if !(MIN_MEAN_US..=MAX_MEAN_US).contains(&mean) {
                return Err(format!(
                    "the mean {what} is between {} and {}, not {}",
                    Pretty(MIN_MEAN_US),
                    Pretty(MAX_MEAN_US),
                    Pretty(mean)
                ));
            }
        }
        Ok(())
    }

    /// The share of time one node is up: MTTF / (MTTF + MTTR).
    pub fn node_share(&self) -> f64 {
        self.mttf_us as f64 / (self.mttf_us + self.mttr_us) as f64
    }
}

/// Which nodes must be up for the service to answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Needs {
    /// More than half of the nodes (a majority quorum: 2k + 1 nodes survive k crashes).
    Majority,
    /// At least this many nodes, any of them.
    AtLeast(usize),
    /// Every one of these nodes (a single point of failure when it is one).
    These(Vec<NodeId>),
}

impl Needs {
    /// Whether the service can answer with these nodes up.
    pub fn met(&self, up: &[bool]) -> bool {
        let count = up.iter().filter(|u| **u).count();
        match self {
            Needs::Majority => count * 2 > up.len(),
            Needs::AtLeast(k) => count >= *k,
            Needs::These(nodes) => nodes.iter().all(|n| up.get(n.index()) == Some(&true)),
        }
    }

    /// In words, for `nodes` nodes: "a majority of the nodes (3 of 5) up".
    pub fn words(&self, nodes: usize) -> String {
        match self {
            _ if nodes == 1 => "its one node up".into(),
            Needs::Majority => format!("a majority of the nodes ({} of {nodes}) up", nodes / 2 + 1),
            Needs::AtLeast(k) if *k >= nodes => format!("all {nodes} nodes up"),
            Needs::AtLeast(1) => format!("any one of the {nodes} nodes up"),
            Needs::AtLeast(k) => format!("at least {k} of the {nodes} nodes up"),
            Needs::These(list) => {
                let names: Vec<String> = list.iter().map(|n| n.to_string()).collect();
                format!("{} up", names.join(" and "))
            }
        }
    }

    /// The probability that the service can answer when each of `nodes` nodes is up with
    /// probability `p`, independently: the sum over every set of up nodes that meets the
    /// need (counted by size where only the size matters).
    pub fn probability(&self, nodes: usize, p: f64) -> f64 {
        let at_least = |k: usize| {
            (k..=nodes)
                .map(|i| binomial(nodes, i) * p.powi(i as i32) * (1.0 - p).powi((nodes - i) as i32))
                .sum::<f64>()
        };
        match self {
            Needs::Majority => at_least(nodes / 2 + 1),
            Needs::AtLeast(k) => at_least(*k),
            Needs::These(list) => {
                let mut distinct: Vec<NodeId> = list.clone();
                crate::sort::natural(&mut distinct);
                distinct.dedup();
                p.powi(distinct.len() as i32)
            }
        }
    }
}

fn binomial(n: usize, k: usize) -> f64 {
    (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

/// The service's availability over a run so far.
#[derive(Clone, Debug, PartialEq)]
pub struct Availability {
    /// Client operations finished (answered, or given up on).
    pub ops_finished: u64,
    /// Those that succeeded: answered with anything but "unavailable".
    pub ops_succeeded: u64,
    /// Simulated time observed so far.
    pub observed_us: Micros,
    /// Of which the service's needed nodes were up.
    pub serving_us: Micros,
    pub needs: Needs,
    pub nodes: usize,
    /// The random failures, while they are on.
    pub failures: Option<Failures>,
}

impl Availability {
    /// The share of finished operations that succeeded (`None` before any finished).
    pub fn ops_share(&self) -> Option<f64> {
        (self.ops_finished > 0).then(|| self.ops_succeeded as f64 / self.ops_finished as f64)
    }

    /// The share of time the service could answer (`None` at time zero).
    pub fn time_share(&self) -> Option<f64> {
        (self.observed_us > 0).then(|| self.serving_us as f64 / self.observed_us as f64)
    }

    /// What the failure rates predict for one node and for the service.
    pub fn predicted(&self) -> Option<(f64, f64)> {
        self.failures.map(|f| {
            let node = f.node_share();
            (node, self.needs.probability(self.nodes, node))
        })
    }
}

/// A run's availability as a report gives it: the counts and times, and each share as a
/// fraction and in words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub operations_finished: u64,
    pub operations_succeeded: u64,
    /// `operations_succeeded / operations_finished` in millionths (none before any
    /// finished).
    pub answered_ppm: Option<u64>,
    pub answered_words: Option<String>,
    /// What the service needs up, in words.
    pub needs: String,
    pub observed_us: Micros,
    pub serving_us: Micros,
    /// `serving_us / observed_us` in millionths.
    pub uptime_ppm: Option<u64>,
    pub uptime_words: Option<String>,
    /// The random failures, if they were on at the end.
    pub failures: Option<Failures>,
    /// What their rates predict for one node, MTTF / (MTTF + MTTR), and for the service,
    /// in millionths.
    pub predicted_node_ppm: Option<u64>,
    pub predicted_service_ppm: Option<u64>,
}

impl From<&Availability> for Report {
    fn from(a: &Availability) -> Self {
        let predicted = a.predicted();
        Report {
            operations_finished: a.ops_finished,
            operations_succeeded: a.ops_succeeded,
            answered_ppm: a.ops_share().map(ppm),
            answered_words: a.ops_share().map(describe),
            needs: a.needs.words(a.nodes),
            observed_us: a.observed_us,
            serving_us: a.serving_us,
            uptime_ppm: a.time_share().map(ppm),
            uptime_words: a.time_share().map(describe),
            failures: a.failures,
            predicted_node_ppm: predicted.map(|p| ppm(p.0)),
            predicted_service_ppm: predicted.map(|p| ppm(p.1)),
        }
    }
}

/// A share in millionths, rounded down (so that 0.9999999 is never a whole million).
fn ppm(share: f64) -> u64 {
    (share.clamp(0.0, 1.0) * 1e6).floor() as u64
}

/// How many nines a share has: 0.999 is 3, 0.9995 about 3.3 (`-log10(1 - share)`);
/// `None` for a share of 1 (no downtime at all).
pub fn nines(share: f64) -> Option<f64> {
    (share < 1.0).then(|| -(1.0 - share).log10())
}

/// A 30-day month and a 365-day year.
pub const MONTH_US: Micros = 30 * 24 * 3600 * MICROS_PER_SEC;
pub const YEAR_US: Micros = 365 * 24 * 3600 * MICROS_PER_SEC;

/// The downtime a share of availability means over `period_us`.
pub fn downtime(share: f64, period_us: Micros) -> Micros {
    ((1.0 - share.clamp(0.0, 1.0)) * period_us as f64).round() as Micros
}

/// A share as a person reads it: "99.95%", to the nearest, with as many decimals as it
/// takes to show what is not 100 (up to four), and never "100%" for a share below 1.
pub fn percent(share: f64) -> String {
    if share >= 1.0 {
        return "100%".into();
    }
    let p = share.max(0.0) * 100.0;
    // Enough decimals to show the first figure of what is missing from 100.
    let missing = 100.0 - p;
    let decimals = ((-missing.log10() - 1e-9).ceil() as i32).clamp(1, 4);
    let scale = 10f64.powi(decimals);
    // To the nearest, except that what is short of 100 is never shown as 100.
    let mut shown = (p * scale).round() / scale;
    if shown >= 100.0 {
        shown = (p * scale + 1e-6).floor() / scale;
    }
    format!("{shown:.0$}%", decimals as usize)
}

/// A long stretch of time as an operator says it, to three figures: "26 s", "4.32 min",
/// "8.77 h", "3.65 days".
pub fn span(us: Micros) -> String {
    let s = us as f64 / MICROS_PER_SEC as f64;
    let (value, unit) = if s < 60.0 {
        (s, "s")
    } else if s < 3600.0 {
        (s / 60.0, "min")
    } else if s < 86_400.0 {
        (s / 3600.0, "h")
    } else {
        (s / 86_400.0, "days")
    };
    let decimals = if value >= 100.0 {
        0
    } else if value >= 10.0 {
        1
    } else {
        2
    };
    let text = format!("{value:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        &text
    };
    format!("{text} {unit}")
}

/// A share in words: "99.95% (3.3 nines): 21.6 min down a month, 4.38 h a year".
pub fn describe(share: f64) -> String {
    let nines = match nines(share) {
        Some(n) => format!("{:.1} nines", (n * 10.0).floor() / 10.0),
        None => "no downtime".into(),
    };
    format!(
        "{} ({nines}): {} down a month, {} a year",
        percent(share),
        span(downtime(share, MONTH_US)),
        span(downtime(share, YEAR_US))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nines_arithmetic() {
        // 99.99% over a 30-day month is 4.32 minutes.
        assert_eq!(downtime(0.9999, MONTH_US), 259_200_000);
        assert_eq!(span(downtime(0.9999, MONTH_US)), "4.32 min");
        assert_eq!(span(downtime(0.99, YEAR_US)), "3.65 days");
        assert_eq!(span(downtime(0.999, YEAR_US)), "8.76 h");
        assert_eq!(span(26 * MICROS_PER_SEC), "26 s");
        assert_eq!(downtime(0.999, YEAR_US), 31_536_000_000);
        assert!((nines(0.999).unwrap() - 3.0).abs() < 1e-9);
        assert_eq!(nines(1.0), None);
        assert_eq!(percent(0.9995), "99.95%");
        assert_eq!(percent(0.99999), "99.999%");
        assert_eq!(percent(0.5), "50.0%");
        assert_eq!(percent(0.9), "90.0%");
        assert_eq!(percent(0.999_999_99), "99.9999%");
        // To the nearest: 99.7988% is 99.8%, as 0.2% of a month is its downtime.
        assert_eq!(percent(0.997_988), "99.8%");
        assert_eq!(percent(0.999_96), "99.996%");
        assert_eq!(percent(0.947_7), "94.8%");
        assert_eq!(percent(1.0), "100%");
        assert_eq!(
            describe(0.9995),
            "99.95% (3.3 nines): 21.6 min down a month, 4.38 h a year"
        );
    }

    #[test]
    fn what_a_service_needs_and_how_likely_it_is() {
        let up = [true, false, true, true, false];
        assert!(Needs::Majority.met(&up));
        assert!(!Needs::AtLeast(4).met(&up));
        assert!(Needs::These(vec![NodeId(0), NodeId(2)]).met(&up));
        assert!(!Needs::These(vec![NodeId(1)]).met(&up));
        // k + 1 nodes of which any one will do, 2k + 1 for a majority.
        let p = 0.9;
        assert!((Needs::AtLeast(1).probability(2, p) - 0.99).abs() < 1e-12);
        assert!((Needs::Majority.probability(3, p) - 0.972).abs() < 1e-12);
        assert!((Needs::These(vec![NodeId(0)]).probability(5, p) - 0.9).abs() < 1e-12);
        assert_eq!(
            Needs::Majority.words(5),
            "a majority of the nodes (3 of 5) up"
        );
        assert_eq!(Needs::AtLeast(1).words(1), "its one node up");
        assert_eq!(Needs::AtLeast(3).words(3), "all 3 nodes up");
        let f = Failures {
            mttf_us: 9 * MICROS_PER_SEC,
            mttr_us: MICROS_PER_SEC,
        };
        assert!((f.node_share() - 0.9).abs() < 1e-12);
        assert!(f.validate().is_ok());
        assert!(Failures { mttr_us: 1, ..f }.validate().is_err());
    }
}

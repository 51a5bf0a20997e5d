//! Clocks. Each node has a physical clock that can be offset and can drift; the engine also
//! keeps a Lamport clock and a vector clock per node and stamps every message with both.

use crate::ids::NodeId;
use crate::time::Micros;
use serde::{Deserialize, Serialize};

const PPM: i128 = 1_000_000;

/// A node's physical clock: `local(t) = anchor_local + (t - anchor_true) * (1 + drift)`.
///
/// Re-anchoring whenever offset or drift change keeps the reading continuous (except for a
/// deliberate step), exactly like an operator adjusting a real clock.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhysicalClock {
    anchor_true: Micros,
    anchor_local: i64,
    drift_ppm: i32,
    /// Every step so far, added up (what [`PhysicalClock::monotonic`] leaves out).
    #[serde(default)]
    stepped: i64,
}

impl PhysicalClock {
    /// The clock's reading (microseconds, may be negative after a backwards step) at true
    /// time `now`.
    pub fn read(&self, now: Micros) -> i64 {
        let elapsed = i128::from(now.saturating_sub(self.anchor_true));
        let local = elapsed * (PPM + i128::from(self.drift_ppm)) / PPM;
        self.anchor_local.saturating_add(local as i64)
    }

    /// The node's monotonic clock at true time `now`: its reading without the steps, so it
    /// never goes back (it still runs fast or slow with the drift), as an operating system's
    /// monotonic clock measures intervals whatever is done to the time of day.
    pub fn monotonic(&self, now: Micros) -> i64 {
        self.read(now).saturating_sub(self.stepped)
    }

    /// Offset from true time at `now`.
    pub fn offset(&self, now: Micros) -> i64 {
        self.read(now) - now as i64
    }

    pub fn drift_ppm(&self) -> i32 {
        self.drift_ppm
    }

    /// When it was last stepped or set to a new rate (0 if never): from then on it reads
    /// [`PhysicalClock::read`] without a break.
    pub fn since(&self) -> Micros {
        self.anchor_true
    }

    /// Steps the clock by `delta` microseconds (forwards or backwards).
    pub fn step(&mut self, now: Micros, delta: i64) {
        self.anchor_local = self.read(now).saturating_add(delta);
        self.anchor_true = now;
        self.stepped = self.stepped.saturating_add(delta);
    }

    /// Sets the drift rate from `now` on. Drift is bounded to ±50% so timers stay sane.
    pub fn set_drift(&mut self, now: Micros, ppm: i32) {
        self.anchor_local = self.read(now);
        self.anchor_true = now;
        self.drift_ppm = ppm.clamp(-500_000, 500_000);
    }

    /// Converts a duration measured on this clock into true time: a fast clock (positive
    /// drift) lets its timers fire early.
    pub fn to_true_duration(&self, local: Micros) -> Micros {
        let rate = PPM + i128::from(self.drift_ppm);
        (i128::from(local) * PPM / rate) as Micros
    }
}

/// Lamport's logical clock.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lamport(pub u64);

impl Lamport {
    /// A local event or a send: increment.
    pub fn tick(&mut self) -> u64 {
        self.0 += 1;
        self.0
    }

    /// A receive: jump past the sender's timestamp.
    pub fn merge(&mut self, other: u64) -> u64 {
        self.0 = self.0.max(other) + 1;
        self.0
    }
}

/// A vector clock with one entry per node.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct VectorClock(pub Vec<u32>);

/// How two vector timestamps relate in causal order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Causality {
    Before,
    After,
    Equal,
    Concurrent,
}

impl VectorClock {
    pub fn new(nodes: usize) -> Self {
        VectorClock(vec![0; nodes])
    }

    pub fn tick(&mut self, me: NodeId) {
        self.0[me.index()] += 1;
    }

    pub fn merge(&mut self, other: &VectorClock, me: NodeId) {
        for (mine, theirs) in self.0.iter_mut().zip(&other.0) {
            *mine = (*mine).max(*theirs);
        }
        self.tick(me);
    }

    pub fn compare(&self, other: &VectorClock) -> Causality {
        let (mut less, mut greater) = (false, false);
        for (a, b) in self.0.iter().zip(&other.0) {
            less |= a < b;
            greater |= a > b;
        }
        match (less, greater) {
            (false, false) => Causality::Equal,
            (true, false) => Causality::Before,
            (false, true) => Causality::After,
            (true, true) => Causality::Concurrent,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drift_and_steps_are_continuous() {
        let mut c = PhysicalClock::default();
        assert_eq!(c.read(1_000_000), 1_000_000);
        c.set_drift(1_000_000, 1_000); // 1000 ppm fast
        assert_eq!(c.read(1_000_000), 1_000_000);
        assert_eq!(c.read(2_000_000), 2_001_000);
        c.step(2_000_000, -5_000);
        assert_eq!(c.read(2_000_000), 1_996_000);
        assert_eq!(c.offset(2_000_000), -4_000);
        // A fast clock's 1 s timer fires before 1 s of true time has passed.
        assert!(c.to_true_duration(1_000_000) < 1_000_000);
    }

    #[test]
    fn the_monotonic_clock_keeps_the_drift_and_leaves_out_the_steps() {
        let mut c = PhysicalClock::default();
        c.set_drift(1_000_000, 1_000);
        c.step(2_000_000, -500_000); // the time of day jumps back half a second
        assert_eq!(c.read(2_000_000), 1_501_000);
        assert_eq!(c.monotonic(2_000_000), 2_001_000, "no jump back");
        assert_eq!(c.monotonic(3_000_000), 3_002_000, "still 1000 ppm fast");
        c.step(3_000_000, 2_000_000);
        c.set_drift(3_000_000, -2_000);
        assert_eq!(c.monotonic(3_000_000), 3_002_000, "no jump forwards");
        assert_eq!(c.monotonic(4_000_000), 4_000_000);
        let mut last = i64::MIN;
        for t in (0..5_000_000).step_by(250_000) {
            assert!(c.monotonic(t) >= last);
            last = c.monotonic(t);
        }
    }

    #[test]
    fn lamport_rules() {
        let mut l = Lamport::default();
        assert_eq!(l.tick(), 1);
        assert_eq!(l.merge(10), 11);
        assert_eq!(l.merge(3), 12);
    }

    #[test]
    fn vector_clock_order() {
        let mut a = VectorClock::new(2);
        let mut b = VectorClock::new(2);
        a.tick(NodeId(0));
        assert_eq!(a.compare(&b), Causality::After);
        b.tick(NodeId(1));
        assert_eq!(a.compare(&b), Causality::Concurrent);
        b.merge(&a, NodeId(1));
        assert_eq!(a.compare(&b), Causality::Before);
        assert_eq!(b.compare(&b.clone()), Causality::Equal);
    }
}

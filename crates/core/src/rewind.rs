//! What a viewer keeps of a run so that it can go back in time, within bounds.
//!
//! A viewer that plays a run and lets the user seek backwards keeps snapshots of the world
//! (seeking restores the newest one before the target and replays from it) and the trace's
//! events (for the event log and the diagram). Kept naively, both grow with the run: a
//! snapshot every half second of a 64-node cluster whose logs grow is quadratic in memory.
//! [`Rewind`] keeps both bounded, for runs of any length:
//! - snapshots are taken every [`Limits::every_us`] of simulated time, or less often when
//!   the world is large (so copying costs at most about [`Limits::copy_rate`] bytes per
//!   simulated second), and not at all once a single copy would be over the whole budget;
//! - beyond [`Limits::snapshots`] of them, or [`Limits::snapshot_bytes`] together (measured
//!   with [`crate::mem`] when the program counts its heap), snapshots are thinned: the start
//!   and the newest always stay, and the one dropped is the one whose gap matters least for
//!   its age, so recent history stays dense and older history sparse;
//! - only the newest [`Limits::events`] trace events are kept (in the world and in every
//!   snapshot, which share them); older ones are summarised by their count.
//!
//! Seeking to a moment older than every kept event still works: the world is rebuilt from
//! a snapshot, and the replayed events are kept again.

use crate::action::Scheduled;
use crate::sim::Sim;
use crate::time::{Micros, MICROS_PER_SEC};

/// The bounds on what is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The shortest simulated time between two snapshots.
    pub every_us: Micros,
    /// Snapshots are spaced so that copying the world costs at most about this many bytes
    /// per simulated second.
    pub copy_rate: usize,
    /// The most snapshots kept.
    pub snapshots: usize,
    /// The most memory the snapshots may hold together (applied when the heap is counted).
    pub snapshot_bytes: usize,
    /// The most trace events kept.
    pub events: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            every_us: MICROS_PER_SEC / 2,
            copy_rate: 16 << 20,
            snapshots: 64,
            snapshot_bytes: 384 << 20,
            events: 1 << 20,
        }
    }
}

struct Snapshot {
    world: Box<dyn Sim>,
    /// What copying it cost, if the heap is counted.
    bytes: usize,
}

/// Snapshots of a run for seeking back, and the furthest time reached.
pub struct Rewind {
    snapshots: Vec<Snapshot>,
    horizon: Micros,
    limits: Limits,
    /// The last copy alone was over the snapshots' budget: none is taken until the run goes
    /// back to a smaller world, so memory stays at the world plus what is kept.
    too_big: bool,
}

impl Rewind {
    /// Keeps `start` (a world at the start of its run, or wherever the run begins) as the
    /// first snapshot.
    pub fn new(start: &dyn Sim, limits: Limits) -> Self {
        Rewind {
            snapshots: vec![Snapshot {
                world: start.box_clone(),
                bytes: 0,
            }],
            horizon: start.now(),
            limits,
            too_big: false,
        }
    }

    /// The furthest time the run has reached (seeking back keeps it).
    pub fn horizon(&self) -> Micros {
        self.horizon
    }

    /// The run was extended to `now` by other means (a single step).
    pub fn reached(&mut self, now: Micros) {
        self.horizon = self.horizon.max(now);
    }

    /// The run was changed at `now` (an action): its old future is gone.
    pub fn forked(&mut self, now: Micros) {
        self.horizon = now;
    }

    /// Snapshots kept, and the memory they took when copied (0 if the heap is not counted).
    pub fn kept(&self) -> (usize, usize) {
        let bytes = self.snapshots.iter().map(|s| s.bytes).sum();
        (self.snapshots.len(), bytes)
    }

    /// The times of the snapshots kept, oldest first.
    pub fn snapshot_times(&self) -> Vec<Micros> {
        self.snapshots.iter().map(|s| s.world.now()).collect()
    }

    /// Runs `world` forward to `until`, keeping snapshots on the way and old events within
    /// the limits.
    pub fn run_to(&mut self, world: &mut dyn Sim, until: Micros) {
        while world.now() < until && !world.halted() {
            let next = self.next_snapshot();
            world.run_until(until.min(next));
            if world.now() >= next {
                self.keep(world);
            }
        }
        self.horizon = self.horizon.max(world.now());
        self.forget_old_events(world);
    }

    fn next_snapshot(&self) -> Micros {
        if self.too_big {
            return Micros::MAX;
        }
        let newest = self.snapshots.last().expect("the start is kept");
        let spacing = (newest.bytes as u128 * u128::from(MICROS_PER_SEC)
            / self.limits.copy_rate.max(1) as u128) as u64;
        newest.world.now() + spacing.max(self.limits.every_us)
    }

    fn keep(&mut self, world: &dyn Sim) {
        let before = crate::mem::live_bytes();
        let copy = world.box_clone();
        let bytes = match (before, crate::mem::live_bytes()) {
            (Some(before), Some(after)) => after.saturating_sub(before),
            _ => 0,
        };
        if bytes > self.limits.snapshot_bytes {
            // A world this large is replayed from an older snapshot instead.
            self.too_big = true;
            return;
        }
        self.snapshots.push(Snapshot { world: copy, bytes });
        self.thin(world.now());
    }

    /// Drops snapshots until the limits hold (or only the start and the newest are left).
    fn thin(&mut self, now: Micros) {
        loop {
            let (count, bytes) = self.kept();
            let over = count > self.limits.snapshots || bytes > self.limits.snapshot_bytes;
            if !over || count <= 2 {
                return;
            }
            // The snapshot whose removal leaves the smallest gap for its age.
            let at = |i: usize| self.snapshots[i].world.now();
            let victim = (1..count - 1)
                .min_by_key(|&i| {
                    let gap = u128::from(at(i + 1) - at(i - 1));
                    let age = u128::from(now - at(i) + self.limits.every_us);
                    // Compared as gap / age, without division.
                    (gap << 32) / age
                })
                .expect("at least three snapshots");
            self.snapshots.remove(victim);
        }
    }

    fn forget_old_events(&mut self, world: &mut dyn Sim) {
        let len = world.trace_len();
        if len.saturating_sub(world.first_kept_event()) <= self.limits.events * 5 / 4 {
            return;
        }
        let keep_from = len - self.limits.events;
        world.forget_events_before(keep_from);
        for s in &mut self.snapshots {
            s.world.forget_events_before(keep_from);
        }
    }

    /// The world at `to` (at most the current time): the newest snapshot at or before it,
    /// with the actions `current` took after that snapshot still to come, run to `to`. The
    /// snapshots after `to` are dropped (they are rebuilt when playing on).
    pub fn rewind(&mut self, current: &dyn Sim, to: Micros) -> Box<dyn Sim> {
        while self.snapshots.len() > 1 && self.snapshots.last().is_some_and(|s| s.world.now() > to)
        {
            self.snapshots.pop();
        }
        self.too_big = false;
        let mut restored = self
            .snapshots
            .last()
            .expect("the start is kept")
            .world
            .box_clone();
        // The snapshot's applied actions are a prefix of the current schedule; what follows
        // is the future to replay.
        let applied = restored.schedule_so_far().len() - restored.pending_actions();
        let later: Vec<Scheduled> = current.schedule_so_far()[applied..].to_vec();
        restored.discard_future_actions();
        restored.schedule(later);
        self.run_to(&mut *restored, to);
        restored
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::Action;
    use crate::ids::NodeId;
    use crate::recipe::Setup;

    fn world(nodes: usize, load: u32) -> Box<dyn Sim> {
        let setup = Setup {
            nodes,
            load,
            ..Setup::default()
        };
        setup.sim(Vec::new()).expect("a valid set-up")
    }

    #[test]
    fn snapshots_stay_within_their_count_with_the_start_and_recent_history_kept() {
        let mut w = world(5, 20);
        let limits = Limits {
            snapshots: 12,
            ..Limits::default()
        };
        let mut rewind = Rewind::new(&*w, limits);
        rewind.run_to(&mut *w, 60 * MICROS_PER_SEC);
        let times = rewind.snapshot_times();
        assert_eq!(times.len(), 12);
        assert_eq!(times[0], 0);
        assert_eq!(*times.last().unwrap(), 60 * MICROS_PER_SEC);
        // Denser towards the present: the last gap is the smallest, the first the largest.
        let gaps: Vec<u64> = times.windows(2).map(|p| p[1] - p[0]).collect();
        assert_eq!(gaps.last(), gaps.iter().min());
        assert_eq!(gaps.first(), gaps.iter().max());
        assert!(gaps[0] > 4 * gaps[gaps.len() - 1], "{gaps:?}");
    }

    #[test]
    fn old_events_are_forgotten_but_the_run_and_its_hash_are_not() {
        let mut w = world(5, 50);
        let mut whole = world(5, 50);
        let limits = Limits {
            events: 12_000,
            ..Limits::default()
        };
        let mut rewind = Rewind::new(&*w, limits);
        for second in 1..=30 {
            rewind.run_to(&mut *w, second * MICROS_PER_SEC);
        }
        whole.run_until(30 * MICROS_PER_SEC);
        assert_eq!(w.trace_hash(), whole.trace_hash());
        assert!(w.trace_len() > 60_000, "{} events", w.trace_len());
        let kept = w.trace_len() - w.first_kept_event();
        assert!((12_000..=15_000 + 4096).contains(&kept), "{kept} kept");
        assert!(w.event(0).is_none());
        assert_eq!(
            w.event_text(w.trace_len() - 1),
            whole.event_text(whole.trace_len() - 1)
        );
    }

    #[test]
    fn going_back_gives_the_same_run_with_the_later_actions_replayed() {
        let mut w = world(5, 20);
        let mut rewind = Rewind::new(
            &*w,
            Limits {
                snapshots: 6,
                events: 10_000,
                ..Limits::default()
            },
        );
        rewind.run_to(&mut *w, 3 * MICROS_PER_SEC);
        w.act(Action::Crash {
            node: NodeId(1),
            disk: crate::action::DiskFate::Keep,
        });
        rewind.forked(w.now());
        rewind.run_to(&mut *w, 40 * MICROS_PER_SEC);
        let (hash, len) = (w.trace_hash(), w.trace_len());
        // Back to a moment before the crash, then forward again: the same run.
        let mut back = rewind.rewind(&*w, 2 * MICROS_PER_SEC + 1234);
        assert_eq!(back.now(), 2 * MICROS_PER_SEC + 1234);
        assert_eq!(rewind.horizon(), 40 * MICROS_PER_SEC);
        rewind.run_to(&mut *back, 40 * MICROS_PER_SEC);
        assert_eq!((back.trace_hash(), back.trace_len()), (hash, len));
    }
}

//! Random failures and repairs of nodes (`Action::SetFailures`), and the time the service
//! could answer (its protocol's [`Needs`] met), for the availability measures.

use super::queue::Event;
use super::Kernel;
use crate::action::{Action, DiskFate};
use crate::availability::{Availability, Failures, Needs};
use crate::ids::NodeId;
use crate::rng::SimRng;
use crate::time::Micros;
use crate::trace::EventKind;

/// The failure process's state and the service's serving time, kept by the kernel.
#[derive(Clone, Debug)]
pub struct Uptime {
    /// What the protocol needs up to answer.
    needs: Needs,
    /// The random failures while they are on, and the generation of their pending events
    /// (a change of the rates forgets the events drawn before it).
    failures: Option<Failures>,
    generation: u64,
    /// Its own random stream, so that runs without random failures draw exactly as before.
    rng: SimRng,
    /// Serving time up to `since`, and whether the needs have been met since then.
    serving_us: Micros,
    since: Micros,
    serving_now: bool,
    /// Every moment the service started or stopped being able to answer, for a chart.
    changes: Vec<(Micros, bool)>,
}

/// Mixed into the run's seed for the failure process's own stream.
const STREAM: u64 = 0xFA11_0E5A_u64;

impl Uptime {
    pub fn new(needs: Needs, seed: u64) -> Self {
        Uptime {
            needs,
            failures: None,
            generation: 0,
            rng: SimRng::new(SimRng::derive_seed(seed, STREAM)),
            serving_us: 0,
            since: 0,
            serving_now: false,
            changes: Vec::new(),
        }
    }
}

impl Kernel {
    /// Starts, changes or stops the random failures: every node's next failure (or, for
    /// a node that is down, its repair) is drawn afresh.
    pub(super) fn set_failures(&mut self, failures: Option<Failures>) {
        self.trace.push(
            self.now,
            EventKind::Fault {
                action: Action::SetFailures { failures },
            },
        );
        let u = &mut self.uptime;
        u.failures = failures;
        u.generation += 1;
        if failures.is_none() {
            return;
        }
        for i in 0..self.nodes.len() {
            let node = NodeId(i as u32);
            self.draw_next(node, self.nodes[i].is_up());
        }
    }

    /// Schedules node `node`'s next failure (while it is up) or repair (while it is down).
    fn draw_next(&mut self, node: NodeId, up: bool) {
        let u = &mut self.uptime;
        let Some(f) = u.failures else { return };
        let generation = u.generation;
        if up {
            let at = self.now + u.rng.exponential(f.mttf_us).max(1);
            self.queue.push(at, Event::Fail { node, generation });
        } else {
            let at = self.now + u.rng.exponential(f.mttr_us).max(1);
            self.queue.push(at, Event::Repair { node, generation });
        }
    }

    /// A failure drawn for `node` is due: it crashes, keeping its disk, and its repair is
    /// drawn. (A node someone else crashed meanwhile is repaired as if it had failed.)
    pub(super) fn random_failure(&mut self, node: NodeId, generation: u64) {
        if generation != self.uptime.generation {
            return;
        }
        self.crash(node, DiskFate::Keep);
        self.draw_next(node, false);
    }

    /// A repair drawn for `node` is due: it restarts with its disk, and its next failure is
    /// drawn.
    pub(super) fn random_repair(&mut self, node: NodeId, generation: u64) {
        if generation != self.uptime.generation {
            return;
        }
        self.restart(node);
        self.draw_next(node, true);
    }

    /// Called whenever a node goes up or down: closes the stretch of time since the last
    /// change and judges whether the service can answer from now on.
    pub(super) fn up_changed(&mut self) {
        let up: Vec<bool> = self.nodes.iter().map(|n| n.is_up()).collect();
        let now = self.now;
        let u = &mut self.uptime;
        if u.serving_now {
            u.serving_us += now - u.since;
        }
        u.since = now;
        let serving = u.needs.met(&up);
        if serving != u.serving_now {
            u.changes.push((now, serving));
        }
        u.serving_now = serving;
    }

    /// The random failures on now, if any (without counting operations, as
    /// [`Kernel::availability`] does).
    pub fn failures(&self) -> Option<Failures> {
        self.uptime.failures
    }

    /// When the service started or stopped being able to answer: (moment, able from then),
    /// from the start of the run (before the first, it could not).
    pub fn serving_changes(&self) -> &[(Micros, bool)] {
        &self.uptime.changes
    }

    /// The service's availability so far: its client operations and its serving time.
    pub fn availability(&self) -> Availability {
        let u = &self.uptime;
        // The kernel's counters of client outcomes: answered, refused as unavailable, and
        // given up on.
        let c = &self.counters;
        Availability {
            ops_finished: c.client_ok + c.client_failed + c.client_timeouts,
            ops_succeeded: c.client_ok,
            observed_us: self.now,
            serving_us: u.serving_us + if u.serving_now { self.now - u.since } else { 0 },
            needs: u.needs.clone(),
            nodes: self.nodes.len(),
            failures: u.failures,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::recipe::Recipe;
    use crate::time::MICROS_PER_SEC;

    fn run(query: &str, seconds: u64) -> Box<dyn crate::sim::Sim> {
        let recipe = Recipe::from_query(query).expect("a valid link");
        let mut world = recipe.setup.sim(recipe.schedule).expect("a run");
        world.run_until(seconds * MICROS_PER_SEC);
        world
    }

    /// A single server is up as much as one node is, MTTF / (MTTF + MTTR); five Raft nodes
    /// that need a majority are up as often as the binomial sum says.
    #[test]
    fn random_failures_keep_to_the_rates_they_are_drawn_from() {
        let single = run("v=1&protocol=rpc&nodes=2&seed=3&failures=9s:1s", 3000);
        let a = single.availability();
        let (node, service) = a.predicted().unwrap();
        assert!((node - 0.9).abs() < 1e-12 && (service - 0.9).abs() < 1e-12);
        let measured = a.time_share().unwrap();
        assert!(
            (measured - 0.9).abs() < 0.02,
            "the server was up {measured}"
        );

        let raft = run("v=1&nodes=5&seed=3&failures=9s:1s", 3000);
        let a = raft.availability();
        let (_, service) = a.predicted().unwrap();
        assert!((service - 0.99144).abs() < 1e-5, "{service}");
        let measured = a.time_share().unwrap();
        assert!(
            (measured - service).abs() < 0.01,
            "a majority was up {measured}"
        );
        assert!(measured < 1.0, "three nodes were never down at once");
        // The clients saw less than that: each sends to one node, whose failures time its
        // operations out, and a leader's failure leaves them without one until the next
        // election, even with a majority up.
        let answered = a.ops_share().unwrap();
        assert!(
            answered > 0.8 && answered < measured,
            "{answered} of the operations answered"
        );
    }

    /// Failures that are drawn are part of the run: the same link gives the same run, and
    /// switching them off stops them.
    #[test]
    fn random_failures_replay_and_stop() {
        let link = "v=1&nodes=5&seed=8&failures=2s:500ms&actions=20s@failures:off";
        let (a, b) = (run(link, 40), run(link, 40));
        assert_eq!(a.trace_hash(), b.trace_hash());
        let at = |w: &dyn crate::sim::Sim, from: u64, to: u64| {
            w.events_from(0)
                .filter(|(_, e)| (from * MICROS_PER_SEC..to * MICROS_PER_SEC).contains(&e.time))
                .filter(|(_, e)| matches!(e.kind, crate::view::SeenKind::Crash { .. }))
                .count()
        };
        assert!(
            at(a.as_ref(), 0, 20) > 10,
            "{} crashes",
            at(a.as_ref(), 0, 20)
        );
        assert_eq!(at(a.as_ref(), 21, 40), 0);
        // Without them, nothing fails and the service is up the whole time.
        let calm = run("v=1&nodes=5&seed=8", 40).availability();
        assert_eq!(calm.serving_us, calm.observed_us);
        assert_eq!(calm.predicted(), None);
    }
}

//! What the protocols' scenario tests share: a run built from a spec, the end properties'
//! verdict on a settled copy of it, the properties it broke, its meter's readings by name,
//! and calm facts for runs made by hand.

use crate::about::Described;
use crate::action::DiskFate;
use crate::check::{NodeFacts, Violation};
use crate::ids::NodeId;
use crate::registry::Of;
use crate::run::RunSpec;
use crate::sim::Sim;
use crate::time::Micros;
use crate::world::{Kernel, World};

/// A run of `protocol` on `nodes` nodes (seed 1) to `until_us`, with no client workload,
/// these actions (a link's `actions` text), bug variants and settings.
pub fn scenario(
    protocol: &str,
    nodes: usize,
    until_us: Micros,
    actions: &str,
    bugs: &[&str],
    settings: &[(&str, &str)],
) -> RunSpec {
    let mut spec = RunSpec::new(nodes, 1, until_us).with_protocol(protocol);
    spec.workload = None;
    spec.scenario(actions, bugs, settings)
}

/// The world of `spec`, run to its end, with `P`'s types known.
pub fn run<P: Described>(spec: &RunSpec) -> World<P> {
    let config = Of::<P>::config(&spec.settings, &spec.bugs, &spec.env()).unwrap();
    let mut w = spec.world(config, true);
    w.run_until(spec.until_us);
    w
}

/// The end properties broken once a copy of the run has settled.
pub fn end<P: Described>(w: &World<P>) -> Vec<Violation> {
    w.clone().check_end(crate::run::SETTLE_US)
}

/// The properties broken during the run and at its end, each named once.
pub fn broken<P: Described>(w: &World<P>) -> Vec<String> {
    let names: crate::flat::FlatSet<String> = w
        .violations()
        .iter()
        .chain(end(w).iter())
        .map(|v| v.invariant.clone())
        .collect();
    names.into_iter().collect()
}

/// The meter's reading called `name` now (`None` before it reads anything).
pub fn reading<P: Described>(w: &World<P>, name: &str) -> Option<i64> {
    let sim: &dyn Sim = &**w as &Kernel;
    sim.measures()
        .into_iter()
        .find(|(m, _)| m.name == name)
        .unwrap_or_else(|| panic!("no measure {name}"))
        .1
}

/// Facts for a run made by hand: every node up, unpaused, at full speed, its clock at 0.
pub struct Calm;

impl NodeFacts for Calm {
    fn crashed(&self, _: NodeId) -> Option<(Micros, DiskFate)> {
        None
    }
    fn is_paused(&self, _: NodeId) -> bool {
        false
    }
    fn clock(&self, _: NodeId) -> i64 {
        0
    }
    fn slowed(&self, _: NodeId) -> Micros {
        0
    }
    fn troubled_until(&self, _: NodeId) -> Micros {
        0
    }
}

/// One step of a hand-made run, judged: `checker` looks at the nodes' `states`, `disks`
/// and `records` as they are after step `k`, in which node `acted` did something (and was
/// just rebuilt from its disk, with `rebooted`), every node honest and the facts calm. The
/// protocols' checker tests replay their broken runs through this.
pub fn judge_step<P: crate::protocol::Protocol>(
    checker: &mut dyn crate::check::Invariant<P>,
    k: usize,
    (acted, rebooted): (NodeId, bool),
    states: &[Option<P>],
    disks: &[P::Disk],
    records: &[Vec<P::Note>],
) -> Result<(), String> {
    let honest = vec![true; disks.len()];
    let moment = crate::check::Moment {
        now: k as u64,
        acted: Some(acted),
        rebooted,
        honest: &honest,
        facts: &Calm,
    };
    checker.check(&crate::check::CheckView::new(
        moment, states, disks, records,
    ))
}

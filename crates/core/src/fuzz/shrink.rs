//! Shrinking a failing run: a smaller run that breaks the same property, found by running
//! smaller candidates, as property-testing libraries shrink a failing input.
//!
//! A run the fuzzer finds has dozens of random actions, most of them beside the point. The
//! shrinker tries, pass after pass until none finds anything smaller (or the budget of
//! re-runs is spent): ending the run at the violation, dropping actions (a fault with the
//! action that undoes it as one, in chunks as ddmin does, then one at a time), merging two
//! faults of the same kind on the same target into one, fewer nodes, a lower client load,
//! network fault rates towards zero, shorter faults, and times rounded down to a tenth, a
//! hundredth or a thousandth of a second. No pass makes anything later, longer or larger
//! (but a merge, which makes one fault of two), so no pass undoes another's work. A candidate is kept when its run still breaks the
//! same property, the same way (at an event, or at the end), no more than [`SLACK_US`]
//! after the current run does; and when it names no more faulty nodes beyond what the
//! protocol tolerates than the run as given did (removing a node lowers what a Byzantine
//! protocol tolerates, and a run outside the protocol's promises proves nothing about its
//! bug).
//!
//! Everything is deterministic: candidates come in a fixed order from the run alone, and a
//! run is a pure function of its spec, so the same failing run always shrinks to the same
//! run. No clock is read here (the caller times a shrink), so it runs in the browser too.

use crate::action::{Action, Scheduled, HONEST};
use crate::check::Violation;
use crate::ids::NodeId;
use crate::network::LinkConfig;
use crate::recipe::Recipe;
use crate::registry::{self, SystemModel};
use crate::rng::Ppm;
use crate::run::{RunError, RunSpec, SETTLE_US};
use crate::time::{Micros, Pretty, MICROS_PER_MS, MICROS_PER_SEC};
use serde::{Deserialize, Serialize};

/// Re-runs a shrink may make when the caller names no budget: natively a few seconds for
/// most protocols (a re-run that breaks a safety property stops at the violation).
pub const DEFAULT_BUDGET: u32 = 400;

/// How much later than the current run's violation a candidate's may come: a candidate
/// that drops an action may break the property a little later, and is still smaller.
pub const SLACK_US: Micros = MICROS_PER_SEC;

/// The property a shrink keeps broken: its name (as the checker gives it in
/// [`Violation::invariant`]) and whether it is judged at an event or at the run's end.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    pub invariant: String,
    pub at_end: bool,
}

impl Target {
    /// The property `v` broke.
    pub fn of(v: &Violation) -> Target {
        Target {
            invariant: v.invariant.clone(),
            at_end: v.at_end,
        }
    }

    /// Whether `v` breaks this property, the same way.
    pub fn matches(&self, v: &Violation) -> bool {
        v.invariant == self.invariant && v.at_end == self.at_end
    }
}

/// What a shrink may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShrinkOptions {
    /// Re-runs it may make, the first (the run as given) included; at least that one.
    pub budget: u32,
    /// Leading actions of the schedule that belong to the set-up (a playground link's
    /// network and random failures, see [`crate::recipe::Setup::spec`]): never dropped or
    /// moved; only the network's fault rates are lowered.
    pub keep: usize,
}

impl Default for ShrinkOptions {
    fn default() -> Self {
        ShrinkOptions {
            budget: DEFAULT_BUDGET,
            keep: 0,
        }
    }
}

/// A shrunk run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shrunk {
    /// The smaller run: for a property judged at an event it ends at the violation, for
    /// one judged at the end it ends where its end properties are judged (after settling).
    pub spec: RunSpec,
    /// The violation the smaller run ends with.
    pub violation: Violation,
    /// Runs made, the run as given included.
    pub runs: u32,
    /// Whether the budget ran out before every pass had found nothing smaller.
    pub exhausted: bool,
}

/// Why a run could not be shrunk.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ShrinkError {
    #[error(transparent)]
    Run(#[from] RunError),
    #[error("the run does not break \"{}\" by {} (its end)", .target.invariant, Pretty(*.until_us))]
    Holds { target: Target, until_us: Micros },
}

/// The property run `spec` breaks, with its violation: one the protocol promises if it
/// breaks one (as the fuzzer chooses), or else the first it breaks; `None` if it breaks
/// nothing. The flag says whether the protocol promises it.
pub fn broken_by(spec: &RunSpec) -> Result<Option<(Violation, bool)>, RunError> {
    let about = registry::find(&spec.protocol)?.about();
    let report = crate::run::run(spec)?;
    let all = || report.violations.iter().chain(&report.end_violations);
    Ok(match all().find(|v| about.promises(&v.invariant)) {
        Some(v) => Some((v.clone(), true)),
        None => all().next().map(|v| (v.clone(), false)),
    })
}

/// Runs `spec` (validated) to `limit` and returns its violation of `target`, if it breaks
/// it: at an event (the run stops at the first violation), or, for a property judged at
/// the end, once the run has settled as [`crate::run::run`] settles it. A run that is to
/// break a safety property is not settled, which is most of what makes a re-run cheap.
fn violation_of(spec: &RunSpec, target: &Target, limit: Micros) -> Option<Violation> {
    let mut world = spec.sim(false).ok()?;
    world.run_until(limit);
    if !target.at_end {
        return world
            .violations()
            .iter()
            .find(|v| target.matches(v))
            .cloned();
    }
    if world.halted() {
        return None;
    }
    world
        .check_end(SETTLE_US)
        .into_iter()
        .find(|v| target.matches(v))
}

/// Shrinks `spec`, which must break `target` by its end (`spec.until_us`): the smallest run
/// the passes find within `options.budget` re-runs that still breaks it.
pub fn shrink(
    spec: &RunSpec,
    target: &Target,
    options: ShrinkOptions,
) -> Result<Shrunk, ShrinkError> {
    shrink_watched(spec, target, options, &mut |_| {})
}

/// How far a shrink has got, told after each re-run ([`shrink_watched`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShrinkProgress {
    /// Runs made so far, the run as given included.
    pub runs: u32,
    /// The most it may make.
    pub budget: u32,
    /// Actions in the smallest run so far that still breaks the property, the set-up's own
    /// leading actions ([`ShrinkOptions::keep`]) not counted.
    pub actions: usize,
}

/// As [`shrink`], telling `progress` how far it has got after every re-run: for a page that
/// shows a long shrink moving.
pub fn shrink_watched(
    spec: &RunSpec,
    target: &Target,
    options: ShrinkOptions,
    progress: &mut dyn FnMut(ShrinkProgress),
) -> Result<Shrunk, ShrinkError> {
    let mut spec = spec.clone();
    spec.validate()?;
    let excess = excess(&spec).unwrap_or(u32::MAX);
    let holds = || ShrinkError::Holds {
        target: target.clone(),
        until_us: spec.until_us,
    };
    let violation = violation_of(&spec, target, spec.until_us).ok_or_else(holds)?;
    let mut s = Shrinker {
        target: target.clone(),
        keep: options.keep.min(spec.schedule.len()),
        budget: options.budget.max(1),
        runs: 1,
        exhausted: false,
        excess,
        cur: spec,
        violation,
        progress,
    };
    s.run_passes();
    let mut spec = s.cur;
    if !target.at_end {
        // The run need not go past its violation.
        spec.until_us = s.violation.time_us;
    }
    Ok(Shrunk {
        spec,
        violation: s.violation,
        runs: s.runs,
        exhausted: s.exhausted,
    })
}

/// A shrunk run as a playground link shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct ShrunkRecipe {
    /// The smaller run, at the moment of its violation (or its end, for a property judged
    /// there).
    pub recipe: Recipe,
    pub shrunk: Shrunk,
}

/// Shrinks the run `recipe` shows up to its moment (`at_us`, which must be given), keeping
/// its set-up's own actions (the network it starts with and random failures) as the
/// set-up's; the result is a recipe of the same form, with as many nodes and as much client
/// load as the shrink left.
pub fn shrink_recipe(
    recipe: &Recipe,
    target: &Target,
    budget: u32,
) -> Result<ShrunkRecipe, ShrinkError> {
    shrink_recipe_watched(recipe, target, budget, &mut |_| {})
}

/// As [`shrink_recipe`], telling `progress` how far it has got (see [`shrink_watched`]).
pub fn shrink_recipe_watched(
    recipe: &Recipe,
    target: &Target,
    budget: u32,
    progress: &mut dyn FnMut(ShrinkProgress),
) -> Result<ShrunkRecipe, ShrinkError> {
    let setup = &recipe.setup;
    let mut spec = setup.spec(recipe.schedule.clone());
    spec.until_us = recipe.at_us.unwrap_or(0);
    let keep = spec.schedule.len() - recipe.schedule.len();
    let shrunk = shrink_watched(&spec, target, ShrinkOptions { budget, keep }, progress)?;
    let mut small = setup.clone();
    let spec = &shrunk.spec;
    small.nodes = spec.nodes;
    if setup.about()?.serves_clients() {
        small.load = spec.workload.map_or(0, |w| w.rate_per_s);
    }
    if small.link != LinkConfig::default() {
        if let Some(Action::SetNetwork { link }) = spec.schedule.first().map(|s| &s.action) {
            small.link = *link;
        }
    }
    Ok(ShrunkRecipe {
        recipe: Recipe {
            setup: small,
            schedule: spec.schedule[keep..].to_vec(),
            at_us: Some(spec.until_us),
        },
        shrunk,
    })
}

/// How many more nodes `spec` makes faulty than its protocol tolerates (0 within what it
/// tolerates): nodes made Byzantine, and, under a synchronous model, where a crashed node
/// counts as faulty, nodes crashed. `None` if the protocol cannot say.
fn excess(spec: &RunSpec) -> Option<u32> {
    let entry = registry::find(&spec.protocol).ok()?;
    let synchronous = matches!(entry.model(spec).ok()?, SystemModel::Synchronous { .. });
    let mut faulty: Vec<NodeId> = Vec::new();
    for s in &spec.schedule {
        let node = match &s.action {
            Action::Behave { node, behaviour } if behaviour != HONEST => Some(*node),
            Action::Crash { node, .. } | Action::CrashOnWrite { node, .. } if synchronous => {
                Some(*node)
            }
            _ => None,
        };
        if let Some(n) = node.filter(|n| !faulty.contains(n)) {
            faulty.push(n);
        }
    }
    Some((faulty.len() as u32).saturating_sub(entry.tolerates(spec).ok()?))
}

/// Whether `undo` ends the fault `fault` began: a restart its crash, a restore its cut, a
/// heal a partition, speed a slowdown, no drift a drift, honesty a betrayal.
fn undoes(undo: &Action, fault: &Action) -> bool {
    match (undo, fault) {
        (Action::Restart { node }, Action::Crash { node: n, .. }) => node == n,
        (Action::RestoreLink { from, to }, Action::CutLink { from: f, to: t }) => {
            from == f && to == t
        }
        (Action::Heal, Action::Partition { .. } | Action::PartitionLeader { .. }) => true,
        (
            Action::Slow { node, delay_us: 0 },
            Action::Slow {
                node: n,
                delay_us: d,
            },
        ) => node == n && *d > 0,
        (Action::SetDrift { node, ppm: 0 }, Action::SetDrift { node: n, ppm }) => {
            node == n && *ppm != 0
        }
        (
            Action::Behave { node, behaviour },
            Action::Behave {
                node: n,
                behaviour: b,
            },
        ) => node == n && behaviour == HONEST && b != HONEST,
        _ => false,
    }
}

/// Whether some later action can end `a` (see [`undoes`]).
fn has_undo(a: &Action) -> bool {
    match a {
        Action::Crash { .. }
        | Action::CutLink { .. }
        | Action::Partition { .. }
        | Action::PartitionLeader { .. } => true,
        Action::Slow { delay_us, .. } => *delay_us > 0,
        Action::SetDrift { ppm, .. } => *ppm != 0,
        Action::Behave { behaviour, .. } => behaviour != HONEST,
        _ => false,
    }
}

/// The schedule's actions from `keep` on, as units to drop together: each fault with the
/// later action that ends it (the latest fault still open that it ends), every other
/// action alone; in the order of their first action.
pub fn units(schedule: &[Scheduled], keep: usize) -> Vec<Vec<usize>> {
    let mut open: Vec<usize> = Vec::new();
    let mut partner: Vec<Option<usize>> = vec![None; schedule.len()];
    for j in keep..schedule.len() {
        let a = &schedule[j].action;
        if let Some(pos) = open.iter().rposition(|&i| undoes(a, &schedule[i].action)) {
            let i = open.remove(pos);
            partner[i] = Some(j);
            partner[j] = Some(i);
        } else if has_undo(a) {
            open.push(j);
        }
    }
    (keep..schedule.len())
        .filter_map(|i| match partner[i] {
            Some(j) if j < i => None,
            Some(j) => Some(vec![i, j]),
            None => Some(vec![i]),
        })
        .collect()
}

/// `spec` with the actions at the (ascending) indices `drop` taken out.
fn without(spec: &RunSpec, drop: &[usize]) -> RunSpec {
    let mut out = spec.clone();
    out.schedule = spec
        .schedule
        .iter()
        .enumerate()
        .filter(|(i, _)| drop.binary_search(i).is_err())
        .map(|(_, s)| s.clone())
        .collect();
    out
}

/// `spec` with node `gone` taken out: nodes after it renumbered one lower, actions naming
/// it dropped (and it taken out of partitions' groups). `None` if no node would be left.
pub fn without_node(spec: &RunSpec, gone: usize) -> Option<RunSpec> {
    if spec.nodes <= 1 || gone >= spec.nodes {
        return None;
    }
    let gone = gone as u32;
    let map = |n: NodeId| -> Option<NodeId> {
        match n.0.cmp(&gone) {
            std::cmp::Ordering::Less => Some(n),
            std::cmp::Ordering::Equal => None,
            std::cmp::Ordering::Greater => Some(NodeId(n.0 - 1)),
        }
    };
    let mut out = spec.clone();
    out.nodes -= 1;
    out.schedule = spec
        .schedule
        .iter()
        .filter_map(|s| {
            let action = renumber(&s.action, &map)?;
            Some(Scheduled {
                action,
                ..s.clone()
            })
        })
        .collect();
    Some(out)
}

/// `a` with its nodes renamed by `map`; `None` if it names a node `map` removes (or is a
/// partition with no group left).
fn renumber(a: &Action, map: &impl Fn(NodeId) -> Option<NodeId>) -> Option<Action> {
    use Action as A;
    Some(match a.clone() {
        A::Crash { node, disk } => A::Crash {
            node: map(node)?,
            disk,
        },
        A::Restart { node } => A::Restart { node: map(node)? },
        A::CrashOnWrite {
            node,
            disk,
            restart_after_us,
        } => A::CrashOnWrite {
            node: map(node)?,
            disk,
            restart_after_us,
        },
        A::Pause { node, for_us } => A::Pause {
            node: map(node)?,
            for_us,
        },
        A::Slow { node, delay_us } => A::Slow {
            node: map(node)?,
            delay_us,
        },
        A::SkewClock { node, by_us } => A::SkewClock {
            node: map(node)?,
            by_us,
        },
        A::SetDrift { node, ppm } => A::SetDrift {
            node: map(node)?,
            ppm,
        },
        A::Partition { groups } => {
            let groups: Vec<Vec<NodeId>> = groups
                .into_iter()
                .map(|g| g.into_iter().filter_map(map).collect::<Vec<_>>())
                .filter(|g| !g.is_empty())
                .collect();
            if groups.is_empty() {
                return None;
            }
            A::Partition { groups }
        }
        A::CutLink { from, to } => A::CutLink {
            from: map(from)?,
            to: map(to)?,
        },
        A::RestoreLink { from, to } => A::RestoreLink {
            from: map(from)?,
            to: map(to)?,
        },
        A::SetLink { from, to, link } => A::SetLink {
            from: map(from)?,
            to: map(to)?,
            link,
        },
        A::Client { node, op } => A::Client {
            node: map(node)?,
            op,
        },
        A::Behave { node, behaviour } => A::Behave {
            node: map(node)?,
            behaviour,
        },
        A::Trigger { node } => A::Trigger { node: map(node)? },
        other @ (A::Heal
        | A::SetNetwork { .. }
        | A::SetChecksums { .. }
        | A::SetWorkload { .. }
        | A::SetFailures { .. }
        | A::CrashLeader { .. }
        | A::PartitionLeader { .. }) => other,
    })
}

/// Smaller values to try for a quantity now at `v`, smallest first: `floor` (if it is
/// smaller), a quarter and a half (none below `floor`).
fn smaller(v: u64, floor: u64) -> Vec<u64> {
    let mut out: Vec<u64> = Vec::new();
    for c in [floor, v / 4, v / 2] {
        if c >= floor && c < v && !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

/// The same for a signed quantity, towards zero.
fn smaller_signed(v: i64, floor: u64) -> Vec<i64> {
    smaller(v.unsigned_abs(), floor)
        .into_iter()
        .map(|c| if v < 0 { -(c as i64) } else { c as i64 })
        .collect()
}

struct Shrinker<'a> {
    target: Target,
    /// The smallest run so far, and the violation it ends with.
    cur: RunSpec,
    violation: Violation,
    keep: usize,
    budget: u32,
    runs: u32,
    exhausted: bool,
    /// How far beyond what its protocol tolerates the run as given went (see [`excess`]).
    excess: u32,
    /// Told after every re-run.
    progress: &'a mut dyn FnMut(ShrinkProgress),
}

/// A pass: the candidates to try from the current run, in order.
type Pass<'a> = fn(&Shrinker<'a>) -> Vec<RunSpec>;

impl<'a> Shrinker<'a> {
    /// Runs the passes until none finds anything smaller or the budget is spent. Less
    /// client load and fewer nodes come before the drops: when they are kept, every later
    /// re-run is cheaper.
    fn run_passes(&mut self) {
        let after_drops: [Pass<'a>; 5] = [
            Self::single_drops,
            Self::merges,
            Self::calmer_network,
            Self::shorter_faults,
            Self::round_times,
        ];
        while !self.exhausted {
            let mut changed = self.pass(Self::prune);
            changed |= self.pass(Self::shorter_end);
            changed |= self.pass(Self::less_load);
            changed |= self.pass(Self::fewer_nodes);
            changed |= self.drop_units();
            for pass in after_drops {
                changed |= self.pass(pass);
            }
            if !changed {
                break;
            }
        }
    }

    /// How far a candidate runs: to its end for a property judged at the end; otherwise
    /// up to a little after the current run's violation.
    fn limit(&self, candidate: &RunSpec) -> Micros {
        if self.target.at_end {
            candidate.until_us
        } else {
            self.violation.time_us + SLACK_US
        }
    }

    /// Runs `candidate`; if it still breaks the property (and stays as far within what the
    /// protocol tolerates as the run as given), it becomes the current run.
    fn probe(&mut self, mut candidate: RunSpec) -> bool {
        if candidate == self.cur || self.exhausted {
            return false;
        }
        if self.runs >= self.budget {
            self.exhausted = true;
            return false;
        }
        if candidate.validate().is_err() || excess(&candidate).is_none_or(|e| e > self.excess) {
            return false;
        }
        self.runs += 1;
        let limit = self.limit(&candidate);
        let kept = match violation_of(&candidate, &self.target, limit) {
            Some(v) => {
                self.cur = candidate;
                self.violation = v;
                true
            }
            None => false,
        };
        (self.progress)(ShrinkProgress {
            runs: self.runs,
            budget: self.budget,
            actions: self.cur.schedule.len().saturating_sub(self.keep),
        });
        kept
    }

    /// Tries `pass`'s candidates in order; after each that is kept, the pass's candidates
    /// are drawn again from the new run and tried from the same place on.
    fn pass(&mut self, pass: Pass<'a>) -> bool {
        let mut changed = false;
        let mut from = 0;
        'again: loop {
            let candidates = pass(self);
            for (k, c) in candidates.into_iter().enumerate().skip(from) {
                if self.exhausted {
                    return changed;
                }
                if self.probe(c) {
                    changed = true;
                    from = k;
                    continue 'again;
                }
            }
            return changed;
        }
    }

    /// Actions after the moment the property broke (or after the end) never happen.
    fn prune(&self) -> Vec<RunSpec> {
        let end = if self.target.at_end {
            self.cur.until_us
        } else {
            self.violation.time_us
        };
        let late: Vec<usize> = (self.keep..self.cur.schedule.len())
            .filter(|&i| self.cur.schedule[i].at > end)
            .collect();
        if late.is_empty() {
            Vec::new()
        } else {
            vec![without(&self.cur, &late)]
        }
    }

    /// For a property judged at the end: an earlier end (on a tenth of a second), without
    /// the actions after it.
    fn shorter_end(&self) -> Vec<RunSpec> {
        if !self.target.at_end {
            return Vec::new();
        }
        let until = self.cur.until_us;
        let grid = 100 * MICROS_PER_MS;
        let mut ends: Vec<Micros> = Vec::new();
        for t in [until / 8, until / 4, until / 2, until / 4 * 3] {
            let t = t.div_ceil(grid) * grid;
            if t > 0 && t < until && !ends.contains(&t) {
                ends.push(t);
            }
        }
        ends.into_iter()
            .map(|t| {
                let late: Vec<usize> = (self.keep..self.cur.schedule.len())
                    .filter(|&i| self.cur.schedule[i].at > t)
                    .collect();
                let mut c = without(&self.cur, &late);
                c.until_us = t;
                c
            })
            .collect()
    }

    /// Drops units of actions (see [`units`]) as ddmin does: all of them, then halves,
    /// quarters and so on down to one unit at a time, going back to coarser chunks after
    /// a drop that is kept.
    fn drop_units(&mut self) -> bool {
        let mut units = units(&self.cur.schedule, self.keep);
        let mut changed = false;
        let mut n = 1;
        while !units.is_empty() && !self.exhausted {
            let chunk = units.len().div_ceil(n);
            let mut dropped = false;
            let mut start = 0;
            while start < units.len() && !self.exhausted {
                let end = (start + chunk).min(units.len());
                let mut drop: Vec<usize> = units[start..end].iter().flatten().copied().collect();
                crate::sort::natural(&mut drop);
                if self.probe(without(&self.cur, &drop)) {
                    units.drain(start..end);
                    // Indices after a dropped action move down.
                    for u in &mut units {
                        for i in u.iter_mut() {
                            *i -= drop.partition_point(|d| d < i);
                        }
                    }
                    dropped = true;
                    changed = true;
                } else {
                    start = end;
                }
            }
            if dropped {
                n = n.saturating_sub(1).max(2);
                continue;
            }
            if chunk <= 1 {
                break;
            }
            n = (n * 2).min(units.len());
        }
        changed
    }

    /// One action of a fault and its end alone: a fault that never ends, or an end with no
    /// fault before it.
    fn single_drops(&self) -> Vec<RunSpec> {
        units(&self.cur.schedule, self.keep)
            .into_iter()
            .filter(|u| u.len() == 2)
            .flat_map(|u| u.into_iter().rev())
            .map(|i| without(&self.cur, &[i]))
            .collect()
    }

    /// Two faults of the same kind on the same target, one after the other, as one fault
    /// from the start of the first to the end of the second.
    fn merges(&self) -> Vec<RunSpec> {
        let s = &self.cur.schedule;
        let units = units(s, self.keep);
        let mut out = Vec::new();
        for (k, u) in units.iter().enumerate() {
            let first = &s[u[0]].action;
            if let Action::Pause { node, for_us } = first {
                // The next pause of the same node.
                let next = units[k + 1..]
                    .iter()
                    .map(|v| v[0])
                    .find(|&j| matches!(&s[j].action, Action::Pause { node: n, .. } if n == node));
                if let Some(j) = next {
                    let Action::Pause { for_us: second, .. } = &s[j].action else {
                        continue;
                    };
                    let end = (s[u[0]].at + for_us).max(s[j].at + second);
                    let mut c = without(&self.cur, &[j]);
                    c.schedule[u[0]].action = Action::Pause {
                        node: *node,
                        for_us: end - s[u[0]].at,
                    };
                    out.push(c);
                }
                continue;
            }
            let [_, undo] = u[..] else { continue };
            // The next unit of the same fault on the same target, after this one ends.
            let next = units[k + 1..].iter().find(|v| {
                v[0] > undo
                    && v.len() == 2
                    && s[v[0]].action == *first
                    && undoes(&s[v[1]].action, first)
            });
            if let Some(v) = next {
                let mut drop = vec![undo, v[0]];
                crate::sort::natural(&mut drop);
                out.push(without(&self.cur, &drop));
            }
        }
        out
    }

    /// One node fewer, within the protocol's range: each node in turn, the last first.
    fn fewer_nodes(&self) -> Vec<RunSpec> {
        let min = registry::find(&self.cur.protocol).map_or(1, |e| e.about().nodes.0);
        if self.cur.nodes <= min.max(1) {
            return Vec::new();
        }
        (0..self.cur.nodes)
            .rev()
            .filter_map(|k| without_node(&self.cur, k))
            .collect()
    }

    /// Less client load: none, a quarter, a half (from the start, and in each action that
    /// changes it).
    fn less_load(&self) -> Vec<RunSpec> {
        let mut out = Vec::new();
        if let Some(w) = self.cur.workload.filter(|w| w.rate_per_s > 0) {
            let mut c = self.cur.clone();
            c.workload = None;
            out.push(c);
            for rate in smaller(u64::from(w.rate_per_s), 1) {
                let mut c = self.cur.clone();
                c.workload = Some(crate::client::Workload {
                    rate_per_s: rate as u32,
                    ..w
                });
                out.push(c);
            }
        }
        for i in self.keep..self.cur.schedule.len() {
            if let Action::SetWorkload { workload: w } = &self.cur.schedule[i].action {
                for rate in smaller(u64::from(w.rate_per_s), 0) {
                    let mut c = self.cur.clone();
                    c.schedule[i].action = Action::SetWorkload {
                        workload: crate::client::Workload {
                            rate_per_s: rate as u32,
                            ..*w
                        },
                    };
                    out.push(c);
                }
            }
        }
        out
    }

    /// Each fault rate of each link setting (loss, duplication, corruption) at zero, then
    /// halved; and the jitter, which reorders messages, likewise, except in the set-up's
    /// network, whose latency and jitter set the protocol's timeouts.
    fn calmer_network(&self) -> Vec<RunSpec> {
        let halves = |now: u64| [0, now / 2].into_iter().filter(move |&v| v < now);
        let mut out = Vec::new();
        for i in 0..self.cur.schedule.len() {
            let link = match &self.cur.schedule[i].action {
                Action::SetNetwork { link } | Action::SetLink { link, .. } => *link,
                _ => continue,
            };
            let mut lower: Vec<LinkConfig> = Vec::new();
            for v in halves(link.loss.0.into()) {
                lower.push(LinkConfig {
                    loss: Ppm(v as u32),
                    ..link
                });
            }
            for v in halves(link.duplicate.0.into()) {
                lower.push(LinkConfig {
                    duplicate: Ppm(v as u32),
                    ..link
                });
            }
            for v in halves(link.corrupt.0.into()) {
                lower.push(LinkConfig {
                    corrupt: Ppm(v as u32),
                    ..link
                });
            }
            if i >= self.keep {
                for v in halves(link.jitter_us) {
                    lower.push(LinkConfig {
                        jitter_us: v,
                        ..link
                    });
                }
            }
            lower.dedup();
            for l in lower {
                let mut c = self.cur.clone();
                match &mut c.schedule[i].action {
                    Action::SetNetwork { link } | Action::SetLink { link, .. } => *link = l,
                    _ => unreachable!("a link setting"),
                }
                out.push(c);
            }
        }
        out
    }

    /// Shorter faults: pauses, slowdowns, the time a crashed node stays down, clock steps
    /// and drifts; and the time between a fault and the action that ends it.
    fn shorter_faults(&self) -> Vec<RunSpec> {
        let ms = MICROS_PER_MS;
        let mut out = Vec::new();
        let s = &self.cur.schedule;
        let with = |i: usize, action: Action| {
            let mut c = self.cur.clone();
            c.schedule[i].action = action;
            c
        };
        for (i, scheduled) in s.iter().enumerate().skip(self.keep) {
            match scheduled.action.clone() {
                Action::Pause { node, for_us } => {
                    for v in smaller(for_us, ms) {
                        out.push(with(i, Action::Pause { node, for_us: v }));
                    }
                }
                Action::Slow { node, delay_us } if delay_us > 0 => {
                    for v in smaller(delay_us, 100) {
                        out.push(with(i, Action::Slow { node, delay_us: v }));
                    }
                }
                Action::CrashOnWrite {
                    node,
                    disk,
                    restart_after_us: Some(d),
                } => {
                    for v in smaller(d, ms) {
                        out.push(with(
                            i,
                            Action::CrashOnWrite {
                                node,
                                disk,
                                restart_after_us: Some(v),
                            },
                        ));
                    }
                }
                Action::CrashLeader {
                    disk,
                    restart_after_us: Some(d),
                } => {
                    for v in smaller(d, ms) {
                        out.push(with(
                            i,
                            Action::CrashLeader {
                                disk,
                                restart_after_us: Some(v),
                            },
                        ));
                    }
                }
                Action::SkewClock { node, by_us } => {
                    for v in smaller_signed(by_us, ms) {
                        out.push(with(i, Action::SkewClock { node, by_us: v }));
                    }
                }
                Action::SetDrift { node, ppm } if ppm != 0 => {
                    for v in smaller_signed(i64::from(ppm), 100) {
                        out.push(with(
                            i,
                            Action::SetDrift {
                                node,
                                ppm: v as i32,
                            },
                        ));
                    }
                }
                _ => {}
            }
        }
        // The end of a fault sooner after its start.
        for u in units(s, self.keep) {
            let [fault, undo] = u[..] else { continue };
            let span = s[undo].at - s[fault].at;
            for v in smaller(span, ms) {
                let mut c = self.cur.clone();
                c.schedule[undo].at = s[fault].at + v;
                c.schedule[undo].after = 0;
                out.push(c);
            }
        }
        out
    }

    /// Times a person reads easily: every action's time, every fault's length (and the
    /// end, for a property judged there) down to a tenth of a second, else a hundredth,
    /// else a millisecond. Never later or longer, so that no pass undoes another's work.
    fn round_times(&self) -> Vec<RunSpec> {
        [100 * MICROS_PER_MS, 10 * MICROS_PER_MS, MICROS_PER_MS]
            .into_iter()
            .map(|grid| {
                let down = |t: Micros| t / grid * grid;
                // A fault shorter than the grid keeps its length.
                let len = |d: Micros| if d >= grid { down(d) } else { d };
                let mut c = self.cur.clone();
                if self.target.at_end {
                    c.until_us = len(c.until_us);
                }
                for s in &mut c.schedule[self.keep..] {
                    if down(s.at) != s.at {
                        s.at = down(s.at);
                        s.after = 0;
                    }
                    match &mut s.action {
                        Action::Pause { for_us: d, .. }
                        | Action::CrashOnWrite {
                            restart_after_us: Some(d),
                            ..
                        }
                        | Action::CrashLeader {
                            restart_after_us: Some(d),
                            ..
                        } => *d = len(*d),
                        _ => {}
                    }
                }
                c
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recipe::parse_schedule;

    fn spec(actions: &str) -> RunSpec {
        let mut s = RunSpec::new(5, 1, 10 * MICROS_PER_SEC);
        s.schedule = parse_schedule(actions).unwrap();
        s
    }

    #[test]
    fn a_fault_and_its_end_are_one_unit() {
        let s = spec("1s@crash:1:keep,1.5s@pause:2:1s,2s@partition:0-1,2.5s@restart:1,3s@heal,4s@cut:0-1,5s@restore:0-1,6s@heal");
        assert_eq!(
            units(&s.schedule, 0),
            vec![vec![0, 3], vec![1], vec![2, 4], vec![5, 6], vec![7]]
        );
        // The set-up's own actions are no unit.
        assert_eq!(units(&s.schedule, 2)[0], vec![2, 4]);
    }

    #[test]
    fn a_node_taken_out_renumbers_the_rest() {
        let s = spec("1s@crash:1:keep,2s@partition:0-1/2-3-4,3s@cut:3-4,4s@restart:1");
        let small = without_node(&s, 1).unwrap();
        assert_eq!(small.nodes, 4);
        assert_eq!(
            crate::recipe::format_schedule(&small.schedule),
            "2s@partition:0/1-2-3,3s@cut:2-3"
        );
        let small = without_node(&s, 4).unwrap();
        assert_eq!(
            crate::recipe::format_schedule(&small.schedule),
            "1s@crash:1:keep,2s@partition:0-1/2-3,4s@restart:1"
        );
    }

    #[test]
    fn smaller_values_come_smallest_first() {
        assert_eq!(smaller(1000, 1), vec![1, 250, 500]);
        assert_eq!(smaller(3, 1), vec![1]);
        assert_eq!(smaller(1, 1), Vec::<u64>::new());
        assert_eq!(smaller(80, 0), vec![0, 20, 40]);
        assert_eq!(
            smaller_signed(-400_000, 1000),
            vec![-1000, -100_000, -200_000]
        );
    }
}

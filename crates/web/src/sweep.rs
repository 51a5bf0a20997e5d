//! The trade-off sweep: the run on screen (its protocol, nodes, seed, bugs, other settings
//! and actions) run again without the page, once for each value of a ladder of one of its
//! duration settings, each to the moment on screen, keeping every measure's final reading.
//! Each run's world is built as any link's is (the core's `Recipe` with one setting
//! changed, checked by `Recipe::finish`, then its `RunSpec`), without recording a trace.
//! `Sweep::work` runs for a few milliseconds at a time; `drive` calls it once per
//! animation frame, so the page keeps drawing, and a sweep is cancelled by dropping it.

use crate::recovery::Recipe;
use splitbrain_core::registry::{About, SettingDesc, SettingKind};
use splitbrain_core::sim::Sim;
use splitbrain_core::time::{format_duration, parse_duration, Micros, Pretty, MICROS_PER_MS};
use std::cell::RefCell;
use std::rc::{Rc, Weak};

/// How many values a sweep tries (fewer when the setting's range is narrow).
pub const RUNS: usize = 8;

/// Wall-clock milliseconds of runs per animation frame.
const BUDGET_MS: f64 = 12.0;

/// The protocol's settings that are durations: those a sweep can vary.
pub fn sweepable(about: &'static About) -> Vec<&'static SettingDesc> {
    about
        .settings
        .iter()
        .filter(|d| matches!(d.kind, SettingKind::Duration { .. }))
        .collect()
}

/// The setting swept unless the reader picks another: one called `timeout`, else the first.
pub fn default_setting(settings: &[&'static SettingDesc]) -> Option<&'static SettingDesc> {
    settings
        .iter()
        .find(|d| d.name == "timeout")
        .or(settings.first())
        .copied()
}

/// The setting's range.
pub fn range(desc: &SettingDesc) -> (Micros, Micros) {
    match desc.kind {
        SettingKind::Duration { min_us, max_us } => (min_us, max_us),
        _ => (0, 0),
    }
}

/// The setting's value in `recipe`: as given, else its default, else (a default that
/// depends on the cluster) a second, within its range.
pub fn value_in(desc: &SettingDesc, recipe: &Recipe) -> Micros {
    let (min, max) = range(desc);
    recipe
        .setup
        .settings
        .get(desc.name)
        .or(desc.default)
        .and_then(|text| parse_duration(text).ok())
        .unwrap_or(1_000 * MICROS_PER_MS)
        .clamp(min, max.max(min))
}

/// What a sweep over setting `name` ran: the run's recipe without that setting and without
/// its moment. A sweep whose run this no longer is (the reader changed the set-up or acted)
/// is stale; opening one of its own runs keeps it.
pub fn family(recipe: &Recipe, name: &str) -> String {
    let mut recipe = recipe.clone();
    recipe.setup.settings.remove(name);
    recipe.at_us = None;
    recipe.to_query()
}

/// One run of a sweep.
pub struct Point {
    pub value: Micros,
    /// Its readings, or why it could not run (in words).
    pub outcome: Result<Reached, String>,
}

/// Where a run of the sweep got to.
pub struct Reached {
    /// The run as a link, at the moment it reached (to open it in the playground).
    pub recipe: Recipe,
    /// Each measure's reading at the end, in the order of `About::measures`.
    pub readings: Vec<Option<i64>>,
    /// When the run broke a safety property and stopped before the sweep's end: when, and
    /// what broke.
    pub stopped: Option<(Micros, String)>,
}

pub struct Sweep {
    /// See [`family`].
    pub family: String,
    pub setting: &'static SettingDesc,
    /// The run on screen when the sweep began, at its moment.
    base: Recipe,
    pub end_us: Micros,
    /// The value the run on screen had.
    pub from_value: Micros,
    pub values: Vec<Micros>,
    pub points: Vec<Point>,
    /// The run under way: its recipe and world.
    running: Option<(Recipe, Box<dyn Sim>)>,
    /// Simulated time run per slice, adjusted to the time a slice takes.
    slice_us: Micros,
    pub cancelled: bool,
    /// Wall-clock milliseconds spent running so far.
    pub spent_ms: f64,
}

impl Sweep {
    /// A sweep of `setting` over the run `recipe` describes, each run to `end_us`; refused
    /// in words when there is nothing to run (the run is at its start, or the setting can
    /// take a single value).
    pub fn new(
        recipe: &Recipe,
        setting: &'static SettingDesc,
        end_us: Micros,
    ) -> Result<Sweep, String> {
        if end_us == 0 {
            return Err("The run is at 0 s: play it first. Each run of the sweep goes as far as the run on screen.".into());
        }
        let (min, max) = range(setting);
        let from_value = value_in(setting, recipe);
        let values = crate::chart::ladder(from_value, min, max, RUNS);
        if values.len() < 2 {
            return Err(format!(
                "{} can only be {} here, so there is nothing to sweep.",
                setting.label,
                Pretty(from_value)
            ));
        }
        let mut base = recipe.clone();
        base.at_us = Some(end_us);
        Ok(Sweep {
            family: family(recipe, setting.name),
            setting,
            base,
            end_us,
            from_value,
            values,
            points: Vec::new(),
            running: None,
            slice_us: 50 * MICROS_PER_MS,
            cancelled: false,
            spent_ms: 0.0,
        })
    }

    pub fn done(&self) -> bool {
        self.cancelled || self.points.len() >= self.values.len()
    }

    /// How far the sweep is, from 0 to 1.
    pub fn progress(&self) -> f64 {
        let part = self
            .running
            .as_ref()
            .map_or(0.0, |(_, w)| w.now() as f64 / self.end_us.max(1) as f64);
        (self.points.len() as f64 + part) / self.values.len().max(1) as f64
    }

    /// The value being run now.
    pub fn running_value(&self) -> Option<Micros> {
        (!self.done()).then(|| self.values[self.points.len()])
    }

    pub fn cancel(&mut self) {
        self.cancelled = true;
        self.running = None;
    }

    /// The run for `value`: this sweep's run with the setting changed, checked as a link is.
    fn start(&self, value: Micros) -> Result<(Recipe, Box<dyn Sim>), String> {
        let mut recipe = self.base.clone();
        recipe
            .setup
            .settings
            .set(self.setting.name, format_duration(value));
        recipe.finish().map_err(|e| e.to_string())?;
        let world = recipe
            .setup
            .spec(recipe.schedule.clone())
            .sim(false)
            .map_err(|e| e.to_string())?;
        Ok((recipe, world))
    }

    /// Runs for about `budget_ms` by `clock` (milliseconds); returns whether a run finished.
    pub fn work(&mut self, budget_ms: f64, clock: &dyn Fn() -> f64) -> bool {
        let began = clock();
        let mut finished = false;
        while !self.done() && clock() - began < budget_ms {
            let value = self.values[self.points.len()];
            let Some((_, world)) = &mut self.running else {
                match self.start(value) {
                    Ok(run) => self.running = Some(run),
                    Err(e) => {
                        self.points.push(Point {
                            value,
                            outcome: Err(e),
                        });
                        finished = true;
                    }
                }
                continue;
            };
            let t0 = clock();
            world.run_until((world.now() + self.slice_us).min(self.end_us));
            let took = clock() - t0;
            // About a tenth of the budget per slice: quick to stop, and few calls.
            if took < budget_ms / 20.0 {
                self.slice_us = (self.slice_us * 2).min(self.end_us.max(MICROS_PER_MS));
            } else if took > budget_ms / 5.0 {
                self.slice_us = (self.slice_us / 2).max(MICROS_PER_MS);
            }
            if world.now() >= self.end_us || world.halted() {
                let (mut recipe, world) = self.running.take().expect("a run is under way");
                recipe.at_us = Some(world.now());
                let stopped = world
                    .halted()
                    .then(|| world.violations().first())
                    .flatten()
                    .map(|v| (v.time_us, format!("{}: {}", v.invariant, v.message)));
                self.points.push(Point {
                    value,
                    outcome: Ok(Reached {
                        recipe,
                        readings: world.host_readings(),
                        stopped,
                    }),
                });
                finished = true;
            }
        }
        self.spent_ms += clock() - began;
        finished
    }
}

/// A sweep and the animation frame that works on it next. Dropping it (the panel goes
/// away) cancels the frame.
#[derive(Default)]
pub struct Runner {
    pub sweep: Option<Sweep>,
    /// Why the last sweep could not start, or was dropped.
    pub note: Option<String>,
    frame: Option<gloo_render::AnimationFrame>,
    redrawn_ms: f64,
}

impl Runner {
    pub fn start(&mut self, sweep: Sweep) {
        self.sweep = Some(sweep);
        self.note = None;
    }

    /// Forgets the sweep (a stale one: the run it was for is gone), saying why if it
    /// needs saying.
    pub fn drop_sweep(&mut self, why: Option<String>) {
        self.sweep = None;
        self.frame = None;
        self.note = why;
    }

    pub fn cancel(&mut self) {
        if let Some(s) = &mut self.sweep {
            s.cancel();
        }
        self.frame = None;
    }
}

/// Works on the runner's sweep once per animation frame until it is done, calling
/// `redraw` when a run finishes and every 200 ms in between.
pub fn drive(cell: &Rc<RefCell<Runner>>, redraw: Rc<dyn Fn()>) {
    let weak: Weak<RefCell<Runner>> = Rc::downgrade(cell);
    let frame = gloo_render::request_animation_frame(move |_| {
        let Some(cell) = weak.upgrade() else {
            return;
        };
        let (more, draw) = {
            let mut runner = cell.borrow_mut();
            let now = crate::app::now_ms();
            let Some(sweep) = &mut runner.sweep else {
                return;
            };
            let finished = sweep.work(BUDGET_MS, &crate::app::now_ms);
            let more = !sweep.done();
            let draw = finished || !more || now - runner.redrawn_ms >= 200.0;
            if draw {
                runner.redrawn_ms = now;
            }
            (more, draw)
        };
        if draw {
            redraw();
        }
        if more {
            drive(&cell, redraw);
        }
    });
    cell.borrow_mut().frame = Some(frame);
}

#[cfg(test)]
mod tests {
    use super::*;
    use splitbrain_core::registry;

    /// A registered protocol with measures and a duration setting, and a run of it with a
    /// crash, found through the registry (the page names no protocol).
    fn measured_run() -> (Recipe, &'static SettingDesc) {
        let about = registry::all()
            .into_iter()
            .map(|p| p.about())
            .find(|a| !a.measures.is_empty() && !sweepable(a).is_empty())
            .expect("a protocol with measures and a duration setting is registered");
        let query = format!(
            "v=1&protocol={}&nodes={}&seed=1&actions=1s@crash:1:keep",
            about.name, about.nodes.2
        );
        let recipe = Recipe::from_query(&query).expect("a run of a registered protocol");
        (
            recipe,
            default_setting(&sweepable(about)).expect("a duration setting"),
        )
    }

    /// A clock that moves a millisecond each time it is read.
    fn ticking() -> impl Fn() -> f64 {
        let t = std::cell::Cell::new(0.0);
        move || {
            t.set(t.get() + 1.0);
            t.get()
        }
    }

    #[test]
    fn a_sweep_runs_every_value_and_its_run_of_the_current_value_is_the_run_on_screen() {
        let (recipe, setting) = measured_run();
        let end = 3_000 * MICROS_PER_MS;
        let mut sweep = Sweep::new(&recipe, setting, end).expect("a sweep");
        assert!(sweep.values.len() >= 5, "{:?}", sweep.values);
        assert!(sweep.values.contains(&sweep.from_value));
        let clock = ticking();
        let mut rounds = 0;
        while !sweep.done() {
            sweep.work(BUDGET_MS, &clock);
            rounds += 1;
            assert!(rounds < 100_000, "the sweep does not end");
        }
        assert!(rounds > 1, "the sweep ran in one go, without yielding");
        assert_eq!(sweep.points.len(), sweep.values.len());
        assert!((sweep.progress() - 1.0).abs() < 1e-9);
        // The run with the current value reads what the page's own world reads there.
        let mut world = recipe.setup.sim(recipe.schedule.clone()).expect("the run");
        world.run_until(end);
        let same = sweep
            .points
            .iter()
            .find(|p| p.value == sweep.from_value)
            .expect("the current value was run");
        let reached = same.outcome.as_ref().expect("it ran");
        assert_eq!(reached.readings, world.host_readings());
        assert_eq!(reached.recipe.at_us, Some(end));
        // Every other run differs from it only in the setting, and reads as a link.
        for p in &sweep.points {
            let r = &p.outcome.as_ref().expect("every value ran").recipe;
            assert_eq!(family(r, setting.name), sweep.family);
            assert_eq!(Recipe::from_query(&r.to_query()).as_ref(), Ok(r));
        }
    }

    #[test]
    fn a_sweep_says_why_it_cannot_run() {
        let (recipe, setting) = measured_run();
        let at_start = Sweep::new(&recipe, setting, 0).err().expect("refused");
        assert!(at_start.contains("play it first"), "{at_start}");
        // A value the protocol refuses is a point with the reason, not a panic.
        let mut sweep = Sweep::new(&recipe, setting, MICROS_PER_MS).expect("a sweep");
        sweep.values[0] = range(setting).1 + 1;
        let clock = ticking();
        while !sweep.done() {
            sweep.work(BUDGET_MS, &clock);
        }
        let refused = sweep.points[0].outcome.as_ref().err().expect("refused");
        assert!(refused.contains(setting.name), "{refused}");
        assert!(sweep.points[1].outcome.is_ok());
        // Cancelling stops it where it is.
        let mut sweep = Sweep::new(&recipe, setting, MICROS_PER_MS).expect("a sweep");
        sweep.work(BUDGET_MS, &clock);
        sweep.cancel();
        assert!(sweep.done() && sweep.running_value().is_none());
    }

    #[test]
    fn the_family_of_a_run_leaves_out_the_swept_setting_and_the_moment() {
        let (recipe, setting) = measured_run();
        let mut other = recipe.clone();
        other.setup.settings.set(setting.name, "2s");
        other.at_us = Some(5);
        assert_eq!(family(&other, setting.name), family(&recipe, setting.name));
        other.setup.seed += 1;
        assert_ne!(family(&other, setting.name), family(&recipe, setting.name));
    }
}

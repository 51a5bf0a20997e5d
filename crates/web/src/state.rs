//! The page's state and the reducer that changes it.
//!
//! The world, its snapshots and the playback controls sit behind `Rc`s that live as long
//! as the page: the frame driver (in `app.rs`) advances the world in place and draws what
//! moves on canvases every animation frame, while Yew re-renders only on discrete changes
//! and a few times a second. Every user action still goes through `Msg`, and `version`
//! tells Yew when to render. The reducer writes nothing outside the page: it counts the
//! changes of what a link to the run carries (`run_version`), and the app, watching that
//! count, puts the run in the address bar and in session storage.

use crate::any::AnyWorld;
use crate::lessons::LessonAt;
use splitbrain_core::action::{Action, Scheduled};
use splitbrain_core::checkers::linearizability::{self, LinReport};
use splitbrain_core::client::Outcome;
use splitbrain_core::ids::NodeId;
use splitbrain_core::ids::RequestId;
use splitbrain_core::rewind::{Limits, Rewind};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use yew::{NodeRef, Reducible};

/// Playback speeds as simulated microseconds per real millisecond (1000 is real time).
/// The default, a tenth of real time, makes each message's flight visible.
pub const SPEEDS: [(f64, &str); 7] = [
    (10.0, "0.01x"),
    (50.0, "0.05x"),
    (100.0, "0.1x"),
    (300.0, "0.3x"),
    (1000.0, "1x"),
    (3000.0, "3x"),
    (10000.0, "10x"),
];

pub use splitbrain_core::recipe::Setup;

/// What the frame driver needs to know between renders. Shared, so that the driver's
/// handle (created once) always sees the current values.
#[derive(Default)]
pub struct Control {
    pub playing: Cell<bool>,
    /// Simulated microseconds per real millisecond.
    pub speed: Cell<f64>,
    /// Bumped by every reducer step: the canvases redraw when it changes.
    pub version: Cell<u64>,
    /// The trace event picked in the log or the space-time diagram.
    pub selected_event: Cell<Option<u64>>,
    /// Width of the space-time diagram's window, in simulated time.
    pub diagram_window_us: Cell<u64>,
    /// Where the diagram drew its events last frame, for clicks: (x, y, trace position).
    pub diagram_points: RefCell<Vec<(f64, f64, u64)>>,
    /// Set whenever the world is replaced (reset, seek back), so caches rebuild.
    pub epoch: Cell<u64>,
    /// The linearizability checker's latest verdict on the clients' history.
    pub lin: RefCell<Lin>,
    /// Playing pauses when the run reaches this moment (the end of a lesson's step).
    pub stop_at: Cell<Option<u64>>,
}

/// The linearizability verdict on the clients' history so far, and what it was computed
/// from (so it is recomputed only when the history changed).
#[derive(Default)]
pub struct Lin {
    pub epoch: u64,
    /// Client operations in the history when it was checked, and how many had finished.
    pub ops: (usize, usize),
    pub checked_at_ms: f64,
    /// How long that check took (real milliseconds).
    pub took_ms: f64,
    pub report: Option<LinReport>,
}

impl Lin {
    /// The operations that prove the history is not linearizable (empty if it is).
    pub fn witness(&self) -> &[RequestId] {
        self.report.as_ref().map_or(&[], |r| r.witness.as_slice())
    }
}

/// While playing, the history is checked again at most this often (real time), and never
/// sooner than 20 times as long as the last check took, so that checking a long history
/// takes at most a twentieth of the time.
const CHECK_EVERY_MS: f64 = 1000.0;

/// The page's state: the run on screen (its world, snapshots and playback controls, shared
/// with the frame driver), what the reader picked, and how the page is shown. Only the
/// reducer changes it, one `Msg` at a time. (Not to be confused with the core's `Sim`, the
/// world of any protocol that `world` holds.)
#[derive(Clone)]
pub struct Page {
    pub world: Rc<RefCell<AnyWorld>>,
    /// Snapshots for seeking back, within the memory limits of the core's `rewind`.
    pub history: Rc<RefCell<Rewind>>,
    pub control: Rc<Control>,
    /// The canvas over the topology where messages fly.
    pub canvas: NodeRef,
    /// The space-time diagram's canvas.
    pub diagram: NodeRef,
    /// Bumped by every reducer step (see `Control::version`).
    pub version: u64,
    /// Bumped whenever what a link to the run carries may have changed (its set-up, its
    /// actions, its lesson): the app then writes the run to the address bar and to session
    /// storage. Zero for the run the page starts with, which it does not write.
    pub run_version: u64,
    pub setup: Setup,
    pub selected: Option<NodeId>,
    pub selected_link: Option<(NodeId, NodeId)>,
    /// The split tool: nodes put on the other side so far, while it is open.
    pub split: Option<Vec<NodeId>>,
    /// A message for the user about input that was refused.
    pub notice: Option<String>,
    /// What the last press of Step did, in words (cleared by anything but a refresh).
    pub stepped: Option<String>,
    /// Shown inside another page (an iframe or a JS mount): the page's URL is not ours.
    pub embedded: bool,
    /// Embed mode: only these views, without the page's chrome.
    pub embed: Vec<crate::url::View>,
    /// The lesson step being taught, if any.
    pub lesson: Option<LessonAt>,
}

impl PartialEq for Page {
    fn eq(&self, other: &Self) -> bool {
        self.version == other.version
    }
}

/// The world for a view that only reads it: equal while the page's version is, so such a
/// view renders again after every reducer step, as the page does.
#[derive(Clone)]
pub struct WorldRef {
    world: Rc<RefCell<AnyWorld>>,
    version: u64,
}

impl PartialEq for WorldRef {
    fn eq(&self, other: &Self) -> bool {
        self.version == other.version && Rc::ptr_eq(&self.world, &other.world)
    }
}

impl WorldRef {
    pub fn borrow(&self) -> std::cell::Ref<'_, AnyWorld> {
        self.world.borrow()
    }
}

pub enum Msg {
    /// The frame driver advanced the world: render what changed.
    Refresh,
    TogglePlay,
    /// Process exactly one event.
    Step,
    Advance(u64),
    SetSpeed(f64),
    Act(Action),
    Select(Option<NodeId>),
    SelectLink(Option<(NodeId, NodeId)>),
    /// Pick a trace event (and seek to it, when asked).
    SelectEvent(Option<u64>, bool),
    SetDiagramWindow(u64),
    /// Start a new run with these settings (refused with a notice if they are invalid).
    Restart(Setup),
    /// Start the same run again from time zero, replaying every action taken so far.
    Replay,
    /// Move to a point in simulated time, backwards or forwards.
    Seek(u64),
    /// Open a run from a recipe (an imported file or a script), keeping the current run if
    /// the recipe is refused.
    /// Replace the run; the text, if any, says what the load changed.
    Load(Box<crate::recovery::Recipe>, Option<String>),
    Play(bool),
    /// Open the split tool, add or remove a node from the other side, or apply or cancel it.
    SplitOpen,
    SplitToggle(NodeId),
    SplitApply,
    SplitCancel,
    Notice(Option<String>),
    /// Pause and frame the operations that prove the history is not linearizable.
    ShowWitness,
    /// Open a lesson's step with its own run, or with the given one (a link to a run the
    /// reader made in that step).
    OpenLesson(LessonAt, Option<Box<crate::recovery::Recipe>>),
    /// Leave the lesson, keeping the run on screen to play with.
    CloseLesson,
}

impl Page {
    pub fn new(setup: Setup) -> Self {
        Page::with_schedule(setup, Vec::new())
    }

    /// A run with actions already decided (a restored or shared run).
    pub fn with_schedule(setup: Setup, schedule: Vec<Scheduled>) -> Self {
        let world = AnyWorld::new(&setup, schedule);
        let control = Control {
            playing: Cell::new(true),
            speed: Cell::new(SPEEDS[2].0),
            diagram_window_us: Cell::new(crate::spacetime::default_window(setup.nodes)),
            ..Control::default()
        };
        Page {
            history: Rc::new(RefCell::new(Rewind::new(&*world, Limits::default()))),
            world: Rc::new(RefCell::new(world)),
            control: Rc::new(control),
            canvas: NodeRef::default(),
            diagram: NodeRef::default(),
            version: 0,
            run_version: 0,
            setup,
            selected: None,
            selected_link: None,
            split: None,
            notice: None,
            stepped: None,
            embedded: false,
            embed: Vec::new(),
            lesson: None,
        }
    }

    /// Shows a lesson's step: its own run from the start (paused on a question not yet
    /// answered, and pausing at the step's moment), or a run the reader made in it, at its
    /// moment.
    pub fn open_lesson(&self, next: &mut Page, at: LessonAt, run: Option<crate::recovery::Recipe>) {
        let given = run.is_some();
        let mut recipe = run.unwrap_or_else(|| at.recipe());
        if let Err(e) = recipe.finish() {
            next.notice = Some(format!("This lesson's run could not be read: {e}."));
            return;
        }
        self.replace_world(AnyWorld::new(&recipe.setup, recipe.schedule.clone()));
        self.control.selected_event.set(None);
        let until = at.until();
        let answered = |q: &splitbrain_core::lesson::Step| {
            q.question.is_none()
                || crate::lessons::progress::answer(&at.lesson.name, &at.step_name()).is_some()
        };
        let shown_at = recipe.at_us.filter(|_| given);
        if let Some(t) = shown_at {
            self.run_to(t);
        }
        self.control
            .stop_at
            .set(until.filter(|u| shown_at.is_none_or(|t| t < *u)));
        // A challenge waits at the start, so faults can be set up before anything runs.
        self.control
            .playing
            .set(shown_at.is_none() && at.step().is_some_and(answered));
        if recipe.setup.nodes != self.setup.nodes {
            let window = crate::spacetime::default_window(recipe.setup.nodes);
            self.control.diagram_window_us.set(window);
        }
        next.setup = recipe.setup;
        next.selected = None;
        next.selected_link = None;
        next.split = None;
        next.notice = None;
        next.lesson = Some(at);
    }

    /// Checks the clients' history again if it changed since the last check (while
    /// playing, at most once a second, and less often when checks take long).
    pub fn check_history(&self, now_ms: f64) {
        let world = self.world.borrow();
        let history = world.clients();
        let finished = history
            .iter()
            .filter(|r| r.outcome != Outcome::Pending)
            .count();
        let ops = (history.len(), finished);
        let epoch = self.control.epoch.get();
        let mut lin = self.control.lin.borrow_mut();
        let stale = lin.report.is_none() || lin.ops != ops || lin.epoch != epoch;
        let due = !self.playing()
            || lin.epoch != epoch
            || now_ms - lin.checked_at_ms >= CHECK_EVERY_MS.max(20.0 * lin.took_ms);
        if stale && due {
            let report = linearizability::check(history);
            *lin = Lin {
                epoch,
                ops,
                checked_at_ms: now_ms,
                took_ms: crate::app::now_ms() - now_ms,
                report: Some(report),
            };
        }
    }

    /// The world, for a view that only reads it.
    pub fn world_ref(&self) -> WorldRef {
        WorldRef {
            world: self.world.clone(),
            version: self.version,
        }
    }

    pub fn playing(&self) -> bool {
        self.control.playing.get()
    }

    pub fn speed(&self) -> f64 {
        self.control.speed.get()
    }

    /// Replaces the world in place, keeping the shared handles.
    fn replace_world(&self, world: AnyWorld) {
        *self.history.borrow_mut() = Rewind::new(&*world, Limits::default());
        *self.world.borrow_mut() = world;
        self.control.epoch.set(self.control.epoch.get() + 1);
    }

    /// Advances a playing world by `ms` real milliseconds; returns whether it moved.
    pub fn frame(&self, ms: f64) -> bool {
        if !self.playing() {
            return false;
        }
        // A long gap (a background tab) is capped so the page does not freeze.
        let us = (ms.min(100.0) * self.speed()) as u64;
        let now = self.world.borrow().now();
        let mut until = now + us.max(1);
        if let Some(stop) = self.control.stop_at.get() {
            if now >= stop {
                // Played on past the stop: it is spent.
                self.control.stop_at.set(None);
            } else if until >= stop {
                until = stop;
                self.control.stop_at.set(None);
                self.control.playing.set(false);
            }
        }
        self.run_to(until);
        if self.world.borrow().halted() {
            self.control.playing.set(false);
        }
        true
    }

    /// Runs the world forward to `until`, keeping snapshots on the way.
    pub fn run_to(&self, until: u64) {
        let mut w = self.world.borrow_mut();
        self.history.borrow_mut().run_to(&mut **w, until);
    }

    /// Seeking back restores the newest snapshot before `to` and replays from it, with the
    /// actions that were taken after the snapshot, so the old future is kept until the
    /// user acts in the past.
    fn seek(&self, to: u64) {
        let now = self.world.borrow().now();
        if to >= now {
            self.run_to(to);
            return;
        }
        let restored = self.history.borrow_mut().rewind(&**self.world.borrow(), to);
        *self.world.borrow_mut() = AnyWorld::from(restored);
        self.control.epoch.set(self.control.epoch.get() + 1);
    }

    /// Pauses at the end of the witness's last operation, with the diagram's window wide
    /// enough to hold all of them.
    fn show_witness(&self) {
        let span = {
            let lin = self.control.lin.borrow();
            let world = self.world.borrow();
            let records: Vec<_> = lin
                .witness()
                .iter()
                .filter_map(|id| world.clients().get(id.0 as usize))
                .collect();
            let from = records.iter().map(|r| r.invoked_at).min();
            let until = records
                .iter()
                .map(|r| r.completed_at.unwrap_or(world.now()))
                .max();
            from.zip(until)
        };
        let Some((from, until)) = span else {
            return;
        };
        let needed =
            (until - from) + (until - from) / 5 + 20 * splitbrain_core::time::MICROS_PER_MS;
        let window = crate::spacetime::WINDOWS
            .iter()
            .map(|(us, _)| *us)
            .find(|us| *us >= needed)
            .unwrap_or(crate::spacetime::WINDOWS[crate::spacetime::WINDOWS.len() - 1].0);
        self.control.diagram_window_us.set(window);
        self.control.playing.set(false);
        // The last operation's end a little before the right edge, but never past the
        // present: running on would change the history being shown.
        let now = self.world.borrow().now();
        self.seek((until + (window - (until - from).min(window)) / 8).min(now));
    }

    /// The run as a recipe, at `at_us` if given.
    pub fn recipe(&self, at_us: Option<u64>) -> crate::recovery::Recipe {
        crate::recovery::Recipe {
            setup: self.setup.clone(),
            schedule: self.user_schedule(),
            at_us,
        }
    }

    /// What the address bar shows for this run: its recipe, or in a lesson the lesson's link,
    /// with the run when it is no longer the step's own.
    pub fn address(&self) -> crate::url::PageState {
        let recipe = self.recipe(None);
        crate::url::PageState {
            run_given: self
                .lesson
                .as_ref()
                .is_some_and(|at| recipe.to_query() != at.recipe_without_moment().to_query()),
            recipe,
            lesson: self.lesson.clone(),
            ..Default::default()
        }
    }

    /// The actions of this run that were not part of its setup.
    pub fn user_schedule(&self) -> Vec<Scheduled> {
        let world = self.world.borrow();
        let setup_actions = self.setup.own_actions();
        world
            .schedule_so_far()
            .iter()
            .skip(setup_actions)
            .cloned()
            .collect()
    }

    fn act(&self, action: Action) -> Result<(), String> {
        let world = &mut *self.world.borrow_mut();
        action.validate(world.len())?;
        // Acting in the past forks the run: the old future is discarded, except a lesson
        // step's own actions (a "try" that crashes a node earlier keeps the step's
        // restart).
        let own = self
            .lesson
            .as_ref()
            .map(|at| at.recipe().schedule)
            .unwrap_or_default();
        world.act_forking(action, &own);
        self.history.borrow_mut().forked(world.now());
        Ok(())
    }
}

impl Reducible for Page {
    type Action = Msg;

    fn reduce(self: Rc<Self>, msg: Msg) -> Rc<Self> {
        let mut next = (*self).clone();
        let recipe_changed = matches!(
            msg,
            Msg::Act(_)
                | Msg::Restart(_)
                | Msg::SplitApply
                | Msg::Replay
                | Msg::Load(..)
                | Msg::OpenLesson(..)
                | Msg::CloseLesson
        );
        if !matches!(msg, Msg::Refresh) {
            next.stepped = None;
        }
        match msg {
            Msg::Refresh => {}
            Msg::TogglePlay => self.control.playing.set(!self.playing()),
            Msg::Step => {
                self.control.playing.set(false);
                let before = self.world.borrow().trace_len();
                self.world.borrow_mut().step();
                let world = self.world.borrow();
                self.history.borrow_mut().reached(world.now());
                // Say what the step did, and select its first event in the diagram, since
                // the log may be filtering it out (timers are hidden by default).
                next.stepped = Some(stepped_text(&**world, before));
                if before < world.trace_len() {
                    self.control.selected_event.set(Some(before));
                }
            }
            Msg::Advance(us) => {
                let until = self.world.borrow().now() + us;
                self.run_to(until);
            }
            Msg::Seek(to) => {
                self.control.playing.set(false);
                self.seek(to);
            }
            Msg::SetSpeed(speed) => self.control.speed.set(speed),
            Msg::Act(action) => next.notice = self.act(action).err(),
            Msg::Select(node) => {
                next.selected = node;
                next.selected_link = None;
            }
            Msg::SelectLink(link) => {
                next.selected_link = link;
                next.selected = None;
            }
            Msg::SelectEvent(event, seek) => {
                self.control.selected_event.set(event);
                if let (Some(index), true) = (event, seek) {
                    let time = self.world.borrow().event_time(index);
                    if let Some(time) = time {
                        self.control.playing.set(false);
                        self.seek(time);
                    }
                }
            }
            Msg::SetDiagramWindow(us) => self.control.diagram_window_us.set(us.max(1000)),
            Msg::Restart(mut setup) => match setup.validate() {
                Ok(()) => {
                    // Settings back at their defaults are dropped, so links stay short.
                    if let Ok(settings) = setup.normalised_settings() {
                        setup.settings = settings;
                    }
                    self.replace_world(AnyWorld::new(&setup, Vec::new()));
                    self.control.selected_event.set(None);
                    self.control.stop_at.set(None);
                    // A new set-up keeps the play state: after Pause, choosing another
                    // protocol or seed shows the new run paused at its start.
                    if setup.nodes != self.setup.nodes {
                        let window = crate::spacetime::default_window(setup.nodes);
                        self.control.diagram_window_us.set(window);
                    }
                    next.setup = setup;
                    next.selected = None;
                    next.selected_link = None;
                    next.split = None;
                    next.notice = None;
                }
                Err(e) => next.notice = Some(e.to_string()),
            },
            Msg::Replay => {
                let schedule = self.user_schedule();
                self.replace_world(AnyWorld::new(&self.setup, schedule));
                self.control
                    .stop_at
                    .set(self.lesson.as_ref().and_then(|at| at.until()));
                next.notice = None;
            }
            Msg::SplitOpen => {
                next.split = Some(Vec::new());
                next.selected = None;
                next.selected_link = None;
            }
            Msg::SplitToggle(node) => {
                if let Some(side) = next.split.as_mut() {
                    match side.iter().position(|&n| n == node) {
                        Some(i) => {
                            side.remove(i);
                        }
                        None => side.push(node),
                    }
                }
            }
            Msg::SplitApply => {
                if let Some(side) = next.split.take() {
                    let n = self.world.borrow().len() as u32;
                    let rest: Vec<NodeId> =
                        (0..n).map(NodeId).filter(|id| !side.contains(id)).collect();
                    if side.is_empty() || rest.is_empty() {
                        next.notice =
                            Some("pick at least one node for each side of the split".into());
                    } else {
                        next.notice = self
                            .act(Action::Partition {
                                groups: vec![rest, side],
                            })
                            .err();
                    }
                }
            }
            Msg::SplitCancel => next.split = None,
            Msg::ShowWitness => self.show_witness(),
            Msg::Notice(text) => next.notice = text,
            Msg::Play(on) => self.control.playing.set(on),
            Msg::OpenLesson(at, run) => self.open_lesson(&mut next, at, run.map(|r| *r)),
            Msg::CloseLesson => {
                next.lesson = None;
                self.control.stop_at.set(None);
            }
            Msg::Load(recipe, said) => {
                let mut recipe = *recipe;
                match recipe.finish() {
                    Ok(()) => {
                        self.replace_world(AnyWorld::new(&recipe.setup, recipe.schedule));
                        if let Some(t) = recipe.at_us {
                            self.run_to(t);
                            self.control.playing.set(false);
                        }
                        next.setup = recipe.setup;
                        next.selected = None;
                        next.selected_link = None;
                        next.split = None;
                        next.notice = said;
                    }
                    Err(e) => {
                        next.notice =
                            Some(format!("Not loaded: {e}. The current run is unchanged."))
                    }
                }
            }
        }
        next.version = self.version + 1;
        self.control.version.set(next.version);
        if recipe_changed {
            next.run_version = self.run_version + 1;
        }
        Rc::new(next)
    }
}

/// What one step did, from trace event `from` on: its first few events in words.
fn stepped_text(world: &dyn splitbrain_core::sim::Sim, from: u64) -> String {
    const SHOWN: u64 = 3;
    let to = world.trace_len();
    if from >= to {
        return "Step: nothing left to do.".into();
    }
    let texts: Vec<String> = (from..to.min(from + SHOWN))
        .filter_map(|i| world.event_text(i))
        .collect();
    let more = to.saturating_sub(from + SHOWN);
    let tail = if more > 0 {
        format!("; and {more} more")
    } else {
        String::new()
    };
    format!(
        "Step to {}: {}{tail}.",
        splitbrain_core::time::Pretty(world.now()),
        texts.join("; ")
    )
}

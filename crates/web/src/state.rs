//! The page's state and the reducer that changes it. The world sits behind a `RefCell` so
//! that a frame advances it in place instead of cloning it; every change still goes through
//! `Msg`, and `version` tells Yew when to render.

use splitbrain_core::action::Action;
use splitbrain_core::client::Workload;
use splitbrain_core::ids::NodeId;
use splitbrain_core::protocols::raft::RaftNode;
use splitbrain_core::run::RunSpec;
use splitbrain_core::world::World;
use std::cell::RefCell;
use std::rc::Rc;
use yew::Reducible;

pub const NODES: usize = 5;

/// Playback speeds as simulated microseconds per real millisecond (1000 is real time).
/// The default, a tenth of real time, makes each message's flight visible.
pub const SPEEDS: [(f64, &str); 6] = [
    (10.0, "0.01x"),
    (50.0, "0.05x"),
    (100.0, "0.1x"),
    (300.0, "0.3x"),
    (1000.0, "1x"),
    (10000.0, "10x"),
];

/// How often (in simulated time) a snapshot is kept for seeking backwards.
const SNAPSHOT_EVERY_US: u64 = 500_000;

/// Snapshots of the run so far, oldest first, and the furthest time reached.
#[derive(Default)]
pub struct History {
    snapshots: Vec<World<RaftNode>>,
    pub horizon: u64,
}

#[derive(Clone)]
pub struct Sim {
    pub world: Rc<RefCell<World<RaftNode>>>,
    pub history: Rc<RefCell<History>>,
    pub version: u64,
    pub seed: u64,
    pub playing: bool,
    /// Simulated microseconds per real millisecond.
    pub speed: f64,
    pub selected: Option<NodeId>,
}

impl PartialEq for Sim {
    fn eq(&self, other: &Self) -> bool {
        self.version == other.version
            && self.playing == other.playing
            && self.speed == other.speed
            && self.selected == other.selected
            && self.seed == other.seed
    }
}

pub enum Msg {
    /// Real milliseconds elapsed since the last frame.
    Frame(f64),
    TogglePlay,
    /// Process exactly one event.
    Step,
    Advance(u64),
    SetSpeed(f64),
    Act(Action),
    Select(Option<NodeId>),
    Reset(u64),
    /// Move to a point in simulated time, backwards or forwards.
    Seek(u64),
}

pub fn new_world(seed: u64) -> World<RaftNode> {
    let mut spec = RunSpec::new(NODES, seed, 0);
    spec.workload = Some(Workload {
        rate_per_s: 5,
        ..Workload::default()
    });
    let mut world = spec.raft_world(true);
    world.run_until(0);
    world
}

impl Sim {
    pub fn new(seed: u64) -> Self {
        let world = new_world(seed);
        let history = History {
            snapshots: vec![world.clone()],
            horizon: 0,
        };
        Sim {
            world: Rc::new(RefCell::new(world)),
            history: Rc::new(RefCell::new(history)),
            version: 0,
            seed,
            playing: true,
            speed: SPEEDS[2].0,
            selected: None,
        }
    }
}

impl Sim {
    /// Runs the world forward to `until`, keeping snapshots on the way.
    fn run_to(&self, until: u64) {
        let mut w = self.world.borrow_mut();
        let mut h = self.history.borrow_mut();
        while w.now() < until && !w.halted() {
            let last = h.snapshots.last().map_or(0, |s| s.now());
            let next_snapshot = last + SNAPSHOT_EVERY_US;
            w.run_until(until.min(next_snapshot));
            if w.now() >= next_snapshot {
                h.snapshots.push(w.clone());
            }
        }
        h.horizon = h.horizon.max(w.now());
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
        let restored = {
            let mut h = self.history.borrow_mut();
            while h.snapshots.len() > 1 && h.snapshots.last().is_some_and(|s| s.now() > to) {
                h.snapshots.pop();
            }
            let mut restored = h.snapshots.last().expect("the start is kept").clone();
            // The snapshot's applied actions are a prefix of the current schedule; what
            // follows is the future to replay.
            let applied = restored.schedule_so_far().len() - restored.pending_actions().len();
            let later = self.world.borrow().schedule_so_far()[applied..].to_vec();
            restored.discard_future_actions();
            restored.schedule(later);
            restored
        };
        *self.world.borrow_mut() = restored;
        self.run_to(to);
    }
}

impl Reducible for Sim {
    type Action = Msg;

    fn reduce(self: Rc<Self>, msg: Msg) -> Rc<Self> {
        let mut next = (*self).clone();
        match msg {
            Msg::Frame(ms) => {
                if !self.playing {
                    return self;
                }
                // A long gap (a background tab) is capped so the page does not freeze.
                let us = (ms.min(100.0) * self.speed) as u64;
                let until = self.world.borrow().now() + us.max(1);
                self.run_to(until);
                if self.world.borrow().halted() {
                    next.playing = false;
                }
            }
            Msg::TogglePlay => next.playing = !self.playing,
            Msg::Step => {
                next.playing = false;
                self.world.borrow_mut().step();
                let now = self.world.borrow().now();
                let mut h = self.history.borrow_mut();
                h.horizon = h.horizon.max(now);
            }
            Msg::Advance(us) => {
                let until = self.world.borrow().now() + us;
                self.run_to(until);
            }
            Msg::Seek(to) => {
                next.playing = false;
                self.seek(to);
            }
            Msg::SetSpeed(speed) => next.speed = speed,
            Msg::Act(action) => {
                let mut w = self.world.borrow_mut();
                // Acting in the past forks the run: the old future is discarded.
                w.discard_future_actions();
                w.act(action);
                self.history.borrow_mut().horizon = w.now();
            }
            Msg::Select(node) => next.selected = node,
            Msg::Reset(seed) => next = Sim::new(seed),
        }
        next.version = self.version + 1;
        Rc::new(next)
    }
}

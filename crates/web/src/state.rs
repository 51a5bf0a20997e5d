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

#[derive(Clone)]
pub struct Sim {
    pub world: Rc<RefCell<World<RaftNode>>>,
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
        Sim {
            world: Rc::new(RefCell::new(new_world(seed))),
            version: 0,
            seed,
            playing: true,
            speed: SPEEDS[2].0,
            selected: None,
        }
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
                let mut w = self.world.borrow_mut();
                let until = w.now() + us.max(1);
                w.run_until(until);
                if w.halted() {
                    next.playing = false;
                }
            }
            Msg::TogglePlay => next.playing = !self.playing,
            Msg::Step => {
                next.playing = false;
                self.world.borrow_mut().step();
            }
            Msg::Advance(us) => {
                let mut w = self.world.borrow_mut();
                let until = w.now() + us;
                w.run_until(until);
            }
            Msg::SetSpeed(speed) => next.speed = speed,
            Msg::Act(action) => self.world.borrow_mut().act(action),
            Msg::Select(node) => next.selected = node,
            Msg::Reset(seed) => next = Sim::new(seed),
        }
        next.version = self.version + 1;
        Rc::new(next)
    }
}

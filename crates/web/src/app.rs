//! The placeholder playground: a node table, time controls and a few faults.

use splitbrain_core::action::{Action, DiskFate};
use splitbrain_core::client::Workload;
use splitbrain_core::ids::NodeId;
use splitbrain_core::protocol::Role;
use splitbrain_core::protocols::raft::RaftNode;
use splitbrain_core::run::{hash_hex, RunSpec};
use splitbrain_core::time::{Pretty, MICROS_PER_SEC};
use splitbrain_core::world::World;
use std::rc::Rc;
use yew::prelude::*;

const NODES: usize = 5;

/// The state the view reads; every change goes through an `Msg`.
#[derive(Clone)]
pub struct Sim {
    world: Rc<World<RaftNode>>,
    seed: u64,
}

pub enum Msg {
    Advance(u64),
    Act(Action),
    Reset(u64),
}

impl Sim {
    fn new(seed: u64) -> Self {
        let mut spec = RunSpec::new(NODES, seed, 0);
        spec.workload = Some(Workload::default());
        let mut world = spec.raft_world(false);
        world.run_until(0);
        Sim {
            world: Rc::new(world),
            seed,
        }
    }
}

impl Reducible for Sim {
    type Action = Msg;

    fn reduce(self: Rc<Self>, msg: Msg) -> Rc<Self> {
        match msg {
            Msg::Reset(seed) => Rc::new(Sim::new(seed)),
            Msg::Advance(us) => {
                let mut world = (*self.world).clone();
                world.run_until(world.now() + us);
                Rc::new(Sim {
                    world: Rc::new(world),
                    seed: self.seed,
                })
            }
            Msg::Act(action) => {
                let mut world = (*self.world).clone();
                world.act(action);
                Rc::new(Sim {
                    world: Rc::new(world),
                    seed: self.seed,
                })
            }
        }
    }
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Leader => "leader",
        Role::Candidate => "candidate",
        Role::Follower => "follower",
        Role::Replica => "replica",
        Role::Client => "client",
    }
}

#[component]
pub fn App() -> Html {
    let sim = use_reducer(|| Sim::new(1));
    let world = &sim.world;
    let leader = world
        .statuses()
        .filter(|(_, s)| s.role == Role::Leader)
        .max_by_key(|(_, s)| s.term)
        .map(|(id, _)| id);
    let advance = |us: u64| {
        let sim = sim.clone();
        Callback::from(move |_| sim.dispatch(Msg::Advance(us)))
    };
    let act = |action: Action| {
        let sim = sim.clone();
        Callback::from(move |_| sim.dispatch(Msg::Act(action.clone())))
    };
    let rows = world.nodes().iter().enumerate().map(|(i, slot)| {
        let id = NodeId(i as u32);
        let (role, term, log, commit) = match &slot.state {
            Some(n) => (
                role_name(n.role()),
                n.term().to_string(),
                n.log().last_index().to_string(),
                n.commit_index().to_string(),
            ),
            None => ("crashed", "-".into(), "-".into(), "-".into()),
        };
        let toggle = if slot.is_up() {
            html! { <button aria-label={format!("Crash node {i}")} onclick={act(Action::Crash { node: id, disk: DiskFate::Keep })}>{"Crash"}</button> }
        } else {
            html! { <button aria-label={format!("Restart node {i}")} onclick={act(Action::Restart { node: id })}>{"Restart"}</button> }
        };
        html! {
            <tr class={classes!("node", role)}>
                <td>{ id.to_string() }</td>
                <td><span class={classes!("badge", role)}>{ role }</span></td>
                <td>{ term }</td>
                <td>{ log }</td>
                <td>{ commit }</td>
                <td>{ format!("{:+} µs", slot.clock.offset(world.now())) }</td>
                <td>{ slot.lamport.0 }</td>
                <td>{ toggle }</td>
            </tr>
        }
    });
    let isolate = leader.map(|l| {
        act(Action::Partition {
            groups: vec![vec![l]],
        })
    });
    let verdict = if world.violations().is_empty() {
        html! { <p class="verdict ok">{"All Raft safety properties hold so far."}</p> }
    } else {
        let v = &world.violations()[0];
        html! { <p class="verdict bad" role="alert">{ format!("{} violated at {}: {}", v.invariant, Pretty(v.time_us), v.message) }</p> }
    };
    let reset = {
        let sim = sim.clone();
        let seed = sim.seed;
        Callback::from(move |_| sim.dispatch(Msg::Reset(seed.wrapping_add(1))))
    };
    html! {
        <main>
            <header>
                <h1>{"splitbrain"}</h1>
                <p class="tagline">{"See and feel how distributed systems fail. A five-node Raft cluster runs in your browser, deterministically."}</p>
            </header>
            <section class="controls" aria-label="Time and faults">
                <span class="clock">{ format!("t = {}", Pretty(world.now())) }</span>
                <button onclick={advance(MICROS_PER_SEC / 10)}>{"+100 ms"}</button>
                <button onclick={advance(MICROS_PER_SEC)}>{"+1 s"}</button>
                <button onclick={advance(10 * MICROS_PER_SEC)}>{"+10 s"}</button>
                <button disabled={isolate.is_none()} onclick={isolate.unwrap_or_default()}>{"Isolate the leader"}</button>
                <button onclick={act(Action::Heal)}>{"Heal network"}</button>
                <button onclick={reset}>{ format!("New run (seed {})", sim.seed + 1) }</button>
            </section>
            { verdict }
            <table class="nodes">
                <thead><tr><th>{"node"}</th><th>{"role"}</th><th>{"term"}</th><th>{"log"}</th><th>{"commit"}</th><th>{"clock offset"}</th><th>{"Lamport"}</th><th></th></tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
            <footer>
                <span>{ format!("seed {} · {} events · trace hash {}", sim.seed, world.counters().events, hash_hex(world.trace_hash())) }</span>
            </footer>
        </main>
    }
}

//! CAP live: the designs of a comparison run side by side as animated clusters, with one
//! clock, one set of controls and one fault for all of them, and their numbers measured
//! as they go. The same seed, workload and actions give each design exactly the same
//! situation; what differs is only what the design does with it.

use crate::flight::context;
use crate::topology::{node_radius, position, SIZE};
use splitbrain_core::action::{Action, DiskFate, Scheduled};
use splitbrain_core::cap::Design;
use splitbrain_core::checkers::linearizability;
use splitbrain_core::client::{ClientRecord, Outcome};
use splitbrain_core::ids::{NodeId, RequestId};
use splitbrain_core::registry::Tone;
use splitbrain_core::sim::Sim;
use splitbrain_core::time::{Micros, Pretty, MICROS_PER_SEC};
use std::cell::RefCell;
use std::rc::Rc;
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

/// What the view needs of a running cluster, whatever its protocol.
trait Live {
    fn now(&self) -> Micros;
    fn run_until(&mut self, t: Micros);
    /// Applies an action now, dropping the user's actions that were to come (acting in the
    /// past forks) but keeping the design's own.
    fn act(&mut self, action: Action);
    fn schedule(&mut self, actions: Vec<Scheduled>);
    /// The actions taken so far, as the world recorded them (with their place among the
    /// events of their instant, so a replay runs them exactly as they ran).
    fn actions(&self) -> Vec<Scheduled>;
    fn draw(&self, canvas: &HtmlCanvasElement);
    fn history(&self) -> &[ClientRecord];
    fn leaders(&self) -> usize;
    /// Whether the protocol has a role that leads at all.
    fn has_leaders(&self) -> bool;
    fn violations(&self) -> usize;
}

/// A world, and the actions its design schedules itself (the workload and its end), which
/// are not the user's and survive acting in the past.
struct LiveWorld(Box<dyn Sim>, Vec<Scheduled>);

impl Live for LiveWorld {
    fn now(&self) -> Micros {
        self.0.now()
    }

    fn run_until(&mut self, t: Micros) {
        self.0.run_until(t);
    }

    fn act(&mut self, action: Action) {
        self.0.act_forking(action, &self.1);
    }

    fn schedule(&mut self, actions: Vec<Scheduled>) {
        self.0.schedule(actions);
    }

    fn actions(&self) -> Vec<Scheduled> {
        self.0
            .schedule_so_far()
            .iter()
            .filter(|s| !self.1.contains(s))
            .cloned()
            .collect()
    }

    fn history(&self) -> &[ClientRecord] {
        self.0.clients()
    }

    fn has_leaders(&self) -> bool {
        self.0.about().has_leaders()
    }

    fn leaders(&self) -> usize {
        self.0.leaders()
    }

    fn violations(&self) -> usize {
        self.0.violations().len()
    }

    fn draw(&self, canvas: &HtmlCanvasElement) {
        let Some(ctx) = context(canvas, (SIZE, SIZE)) else {
            return;
        };
        let world = &*self.0;
        let about = world.about();
        let n = world.node_count();
        let now = world.now();
        let radius = node_radius(n);
        let net = world.network();
        // Links: grey when open, dashed red across a partition or cut.
        ctx.set_line_width(2.0);
        for i in 0..n {
            for j in i + 1..n {
                let (a, b) = (NodeId(i as u32), NodeId(j as u32));
                let blocked = net.blocked(a, b).is_some() || net.blocked(b, a).is_some();
                let (p, q) = (position(i, n), position(j, n));
                ctx.set_stroke_style_str(if blocked { "#e4a07a" } else { "#d9dcd6" });
                let dash = if blocked { [8.0, 6.0] } else { [0.0, 0.0] };
                crate::pen::Pen::set_dash(&ctx, if blocked { &dash[..] } else { &[] });
                ctx.begin_path();
                ctx.move_to(p.0, p.1);
                ctx.line_to(q.0, q.1);
                ctx.stroke();
            }
        }
        crate::pen::Pen::set_dash(&ctx, &[]);
        crate::flight::draw_messages(&ctx, &world.flying(), now, n, 7.0);
        // Nodes, coloured by role.
        ctx.set_text_align("center");
        ctx.set_text_baseline("middle");
        ctx.set_font("600 26px system-ui, sans-serif");
        for i in 0..n {
            let (x, y) = position(i, n);
            let node = world.node_view(i);
            let role = node.status.and_then(|s| about.role(s.role));
            let colour = match role.map(|r| r.tone) {
                None => "#8a8a8a",
                Some(tone @ (Tone::Lead | Tone::Restless)) => crate::spacetime::tone_colour(tone),
                Some(_) if node.paused => "#7f6bb3",
                Some(tone) => crate::spacetime::tone_colour(tone),
            };
            ctx.begin_path();
            ctx.arc(x, y, radius, 0.0, std::f64::consts::TAU).ok();
            ctx.set_fill_style_str(colour);
            ctx.fill();
            ctx.set_fill_style_str("white");
            ctx.fill_text(&i.to_string(), x, y).ok();
        }
    }
}

fn start(design: &Design, seed: u64) -> Box<dyn Live> {
    let spec = design.setup(seed).spec;
    let world = spec
        .sim(false)
        .unwrap_or_else(|e| panic!("the standard designs are valid: {e}"));
    let own = world.schedule_so_far().to_vec();
    Box::new(LiveWorld(world, own))
}

/// Numbers so far: (share of finished operations that succeeded, in the last 5 s, on the
/// minority side and the majority side).
fn recent_availability(
    history: &[ClientRecord],
    now: Micros,
    minority: &[NodeId],
) -> (Option<f64>, Option<f64>) {
    let from = now.saturating_sub(5 * MICROS_PER_SEC);
    let mut counts = [(0u32, 0u32); 2];
    for r in history
        .iter()
        .filter(|r| r.invoked_at >= from && r.outcome != Outcome::Pending)
    {
        let side = usize::from(!minority.contains(&r.node));
        counts[side].0 += 1;
        counts[side].1 += u32::from(r.succeeded());
    }
    let share = |(all, ok): (u32, u32)| (all > 0).then(|| f64::from(ok) / f64::from(all));
    (share(counts[0]), share(counts[1]))
}

/// The client log shown under a live cluster: the witness operations (marked) and the
/// newest finished operations, newest first.
fn client_log<'a>(
    history: &'a [ClientRecord],
    witness: &[RequestId],
) -> Vec<(&'a ClientRecord, bool)> {
    let mut shown: Vec<(&ClientRecord, bool)> = history
        .iter()
        .rev()
        .filter(|r| r.outcome != Outcome::Pending)
        .take(15)
        .map(|r| (r, witness.contains(&r.id)))
        .collect();
    for id in witness {
        if let Some(r) = history.get(id.0 as usize) {
            if !shown.iter().any(|(s, _)| s.id == r.id) {
                shown.push((r, true));
            }
        }
    }
    splitbrain_core::sort::by_key(&mut shown, |(r, _)| std::cmp::Reverse(r.invoked_at));
    shown
}

struct Cluster {
    design: Design,
    live: Box<dyn Live>,
    canvas: NodeRef,
}

#[derive(Default)]
struct Shared {
    clusters: Vec<Cluster>,
    /// The furthest time reached.
    horizon: Micros,
    seed: u64,
    playing: bool,
    last_t: Option<f64>,
    frame: Option<gloo_render::AnimationFrame>,
    last_render: f64,
}

const MINORITY: [NodeId; 2] = [NodeId(0), NodeId(1)];

#[derive(Properties, PartialEq)]
pub struct Props {
    pub seed: u64,
    pub designs: Vec<Design>,
    /// Opens a cluster's run in the playground on this page (otherwise a link opens it in
    /// a new page).
    #[prop_or_default]
    pub on_open: Option<Callback<crate::recovery::Recipe>>,
}

/// A button (or, without a handler, a link) that opens `recipe` in the playground.
/// What an "Open in the playground" button or link says when pointed at.
pub const OPEN_TITLE: &str = "The same run in the playground, paused at this moment: inspect the nodes, the space-time diagram and the log, with the operations that prove a violation marked";

pub fn open_in_playground(
    on_open: Option<&Callback<crate::recovery::Recipe>>,
    recipe: crate::recovery::Recipe,
) -> Html {
    let title = OPEN_TITLE;
    match on_open {
        Some(open) => {
            let open = open.clone();
            html! { <button class="open-in-playground" {title} onclick={Callback::from(move |_| open.emit(recipe.clone()))}>{"Open in the playground"}</button> }
        }
        None => {
            let href = crate::url::link_to(&crate::url::PageState {
                recipe,
                ..Default::default()
            });
            html! { <a class="open-in-playground" {href} {title} target="_blank" rel="noopener">{"Open in the playground ↗"}</a> }
        }
    }
}

#[component]
pub fn CapLive(props: &Props) -> Html {
    let shared: Rc<RefCell<Shared>> = use_mut_ref(Shared::default);
    let tick = use_state(|| 0u64);
    // Simulated microseconds per real millisecond.
    let speed = use_mut_ref(|| 300.0f64);
    {
        // A new comparison or seed starts the clusters again.
        let shared = shared.clone();
        use_effect_with(
            (props.designs.clone(), props.seed),
            move |(designs, seed)| {
                let mut s = shared.borrow_mut();
                // The clusters start again: the old faults and times belong to other runs.
                s.seed = *seed;
                s.horizon = 0;
                s.clusters = designs
                    .iter()
                    .map(|d| Cluster {
                        design: d.clone(),
                        live: start(d, *seed),
                        canvas: NodeRef::default(),
                    })
                    .collect();
                s.playing = true;
            },
        );
    }
    {
        // The frame driver: one clock for every cluster.
        let shared = shared.clone();
        let tick = tick.clone();
        let speed = speed.clone();
        use_effect_with((), move |_| {
            fn schedule(
                shared: Rc<RefCell<Shared>>,
                tick: UseStateHandle<u64>,
                speed: Rc<RefCell<f64>>,
            ) {
                let again = shared.clone();
                let frame = gloo_render::request_animation_frame(move |t| {
                    let render = {
                        let mut s = again.borrow_mut();
                        let dt = s.last_t.replace(t).map_or(0.0, |p| (t - p).min(100.0));
                        if s.playing && dt > 0.0 {
                            let target = s.clusters.first().map_or(0, |c| c.live.now())
                                + (dt * *speed.borrow()) as u64;
                            for c in &mut s.clusters {
                                c.live.run_until(target);
                            }
                            s.horizon = s.horizon.max(target);
                        }
                        for c in &s.clusters {
                            if let Some(canvas) = c.canvas.cast::<HtmlCanvasElement>() {
                                c.live.draw(&canvas);
                            }
                        }
                        let due = t - s.last_render >= 250.0;
                        if due {
                            s.last_render = t;
                        }
                        due
                    };
                    if render {
                        tick.set(*tick + 1);
                    }
                    schedule(again, tick, speed);
                });
                shared.borrow_mut().frame = Some(frame);
            }
            schedule(shared.clone(), tick, speed);
            move || {
                shared.borrow_mut().frame.take();
            }
        });
    }
    let act = |action: Action| {
        let shared = shared.clone();
        let tick = tick.clone();
        Callback::from(move |_| {
            let mut s = shared.borrow_mut();
            let now = s.clusters.first().map_or(0, |c| c.live.now());
            // Acting in the past forks: each world drops the actions still to come, and
            // records this one in its place among the events of this instant.
            s.horizon = now;
            for c in &mut s.clusters {
                c.live.act(action.clone());
            }
            tick.set(*tick + 1);
        })
    };
    let on_seek = {
        let shared = shared.clone();
        let tick = tick.clone();
        Callback::from(move |e: Event| {
            let Some(ms) = e
                .target_dyn_into::<web_sys::HtmlInputElement>()
                .and_then(|i| i.value().parse::<u64>().ok())
            else {
                return;
            };
            let mut s = shared.borrow_mut();
            let target = ms * 1000;
            let seed = s.seed;
            // Every cluster is rebuilt from its start and replayed with its own record of
            // the same actions (a 45-second run takes a few tens of milliseconds).
            for c in &mut s.clusters {
                if target < c.live.now() {
                    let actions = c.live.actions();
                    c.live = start(&c.design, seed);
                    c.live.schedule(actions);
                }
                c.live.run_until(target);
            }
            s.playing = false;
            s.last_t = None;
            tick.set(*tick + 1);
        })
    };
    let toggle = {
        let shared = shared.clone();
        let tick = tick.clone();
        Callback::from(move |_| {
            let mut s = shared.borrow_mut();
            s.playing = !s.playing;
            tick.set(*tick + 1);
        })
    };
    let on_speed = {
        let speed = speed.clone();
        Callback::from(move |e: Event| {
            if let Some(v) = e
                .target_dyn_into::<web_sys::HtmlSelectElement>()
                .and_then(|s| s.value().parse::<u32>().ok())
            {
                *speed.borrow_mut() = f64::from(v);
            }
        })
    };
    let s = shared.borrow();
    let now = s.clusters.first().map_or(0, |c| c.live.now());
    let columns = s.clusters.iter().map(|c| {
        let history = c.live.history();
        let done = history.iter().filter(|r| r.outcome != Outcome::Pending).count();
        let ok = history.iter().filter(|r| r.succeeded()).count();
        let (minority, majority) = recent_availability(history, now, &MINORITY);
        let verdict = linearizability::check(history);
        let pct = |x: Option<f64>| x.map_or("–".to_string(), |v| format!("{}%", (v * 100.0).round() as i64));
        html! {
            <div class="live-cluster">
                <h3>{ c.design.label.clone() }</h3>
                <canvas ref={c.canvas.clone()} class="live" aria-label={format!("{}: the cluster", c.design.label)}></canvas>
                <dl class="facts">
                    <dt>{"answered"}</dt><dd>{ format!("{ok} of {done} finished operations") }</dd>
                    <dt>{"last 5 s, n0–n1"}</dt><dd>{ pct(minority) }</dd>
                    <dt>{"last 5 s, n2–n4"}</dt><dd>{ pct(majority) }</dd>
                    <dt>{"leaders now"}</dt><dd>{ if !c.live.has_leaders() { "none (leaderless)".to_string() } else { c.live.leaders().to_string() } }</dd>
                    <dt>{"history so far"}</dt>
                    <dd class={classes!((!verdict.is_linearizable()).then_some("bad"))}>
                        { if verdict.is_linearizable() { "linearizable".to_string() } else { format!("not linearizable ({} operations prove it)", verdict.witness.len()) } }
                    </dd>
                    if c.live.violations() > 0 { <dt>{"invariants"}</dt><dd class="bad">{ format!("{} broken", c.live.violations()) }</dd> }
                </dl>
                { open_in_playground(props.on_open.as_ref(), c.design.recipe_with(s.seed, c.live.actions(), now)) }
                <details class="live-log">
                    <summary>{ if verdict.witness.is_empty() { "client operations, newest first".to_string() } else { format!("client operations, newest first; the {} that prove the history is not linearizable are marked", verdict.witness.len()) } }</summary>
                    <ol>
                        { for client_log(history, &verdict.witness).into_iter().map(|(r, witness)| html! {
                            <li class={classes!(witness.then_some("witness"))}>{ crate::cap_view::op_text(r) }</li>
                        }) }
                    </ol>
                </details>
            </div>
        }
    });
    let others: Vec<NodeId> = (2..5).map(NodeId).collect();
    html! {
        <div class="cap-live">
            <div class="controls compact">
                <button class="primary" onclick={toggle}>{ if s.playing { "Pause" } else { "Play" } }</button>
                <select onchange={on_speed} aria-label="Speed of the live comparison">
                    <option value="100">{"0.1x"}</option>
                    <option value="300" selected=true>{"0.3x"}</option>
                    <option value="1000">{"1x"}</option>
                    <option value="3000">{"3x"}</option>
                </select>
                <span class="clock">{ format!("t = {}", Pretty(now)) }</span>
                <input class="live-seek" type="range" min="0" max={(s.horizon.max(now) / 1000).to_string()} value={(now / 1000).to_string()}
                       onchange={on_seek} aria-label="Seek every cluster in simulated time (milliseconds)" />
                <span class="label">{"for every cluster at once:"}</span>
                <button onclick={act(Action::Partition { groups: vec![MINORITY.to_vec(), others.clone()] })}>{"Partition n0–n1 | n2–n4"}</button>
                <button onclick={act(Action::Heal)}>{"Heal"}</button>
                <button onclick={act(Action::Crash { node: NodeId(2), disk: DiskFate::Keep })}>{"Crash n2"}</button>
                <button onclick={act(Action::Restart { node: NodeId(2) })}>{"Restart n2"}</button>
                <button onclick={act(Action::SkewClock { node: NodeId(0), by_us: -2_000_000 })}>{"n0's clock −2 s"}</button>
            </div>
            <div class="live-grid">{ for columns }</div>
        </div>
    }
}

//! The page: set-up, time controls, the timeline, the cluster, the inspector, the
//! space-time diagram and the event log, and the frame driver that animates them.

use crate::bench::FrameRecorder;
use crate::cap_view::CapView;
use crate::event_log::EventLog;
use crate::inspector::Inspector;
use crate::lesson_panel::{CourseMap, LessonPanel};
use crate::link_panel::LinkPanel;
use crate::measures::MeasuresPanel;
use crate::network_panel::NetworkPanel;
use crate::search::SearchPanel;
use crate::setup_panel::SetupPanel;
use crate::share::SharePanel;
use crate::side::{end_verdict, first_visit_hint, lin_verdict, narration};
use crate::spacetime::SpaceTime;
use crate::state::{Msg, Page, Setup, SPEEDS};
use crate::topology::{num, Topology};
use crate::url::{PageState, Panel, View};
use splitbrain_core::action::{Action, DiskFate, HONEST};
use splitbrain_core::check::Violation;
use splitbrain_core::ids::NodeId;
use splitbrain_core::run::hash_hex;
use splitbrain_core::time::{Micros, Pretty, MICROS_PER_MS, MICROS_PER_SEC};
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

/// The tab's title outside lessons (as in `index.html`).
const PAGE_TITLE: &str = "splitbrain: a distributed-systems playground";

/// Yew re-renders at most this often while playing (discrete changes render at once).
const RENDER_EVERY_MS: f64 = 150.0;

#[derive(Default)]
struct Driver {
    frame: Option<gloo_render::AnimationFrame>,
    last_t: Option<f64>,
    last_render: f64,
    drawn_version: Option<u64>,
    /// (leader changes, violations, crashed nodes): renders at once when these change.
    discrete: (u64, usize, usize),
}

/// Every animation frame: advance a playing world, draw what moves, and ask Yew to
/// render when something discrete changed or the text is getting stale.
#[hook]
fn use_frame_driver(page: UseReducerHandle<Page>, recorder: Option<Rc<FrameRecorder>>) {
    use_effect_with((), move |_| {
        let driver: Rc<RefCell<Driver>> = Rc::default();
        fn schedule(
            page: UseReducerHandle<Page>,
            driver: Rc<RefCell<Driver>>,
            recorder: Option<Rc<FrameRecorder>>,
        ) {
            let again = driver.clone();
            let frame = gloo_render::request_animation_frame(move |t| {
                let started = now_ms();
                let previous = again.borrow_mut().last_t.replace(t);
                let moved = previous.is_some_and(|p| page.frame(t - p));
                let version = page.control.version.get();
                let redraw = moved || again.borrow().drawn_version != Some(version);
                if redraw {
                    draw(&page);
                    again.borrow_mut().drawn_version = Some(version);
                }
                if moved {
                    let discrete = {
                        let w = page.world.borrow();
                        (w.counters().leader_changes, w.violations().len(), w.down())
                    };
                    let mut d = again.borrow_mut();
                    if discrete != d.discrete
                        || t - d.last_render >= RENDER_EVERY_MS
                        || !page.playing()
                    {
                        d.discrete = discrete;
                        d.last_render = t;
                        drop(d);
                        page.dispatch(Msg::Refresh);
                    }
                }
                if let Some(r) = &recorder {
                    r.record(t, now_ms() - started, &page);
                }
                schedule(page, again, recorder);
            });
            driver.borrow_mut().frame = Some(frame);
        }
        schedule(page, driver.clone(), recorder);
        move || {
            driver.borrow_mut().frame.take();
        }
    });
}

/// How the timeline marks an action: `repair`, `client` (an operation or a change of the
/// load) or `fault`.
pub fn marker_kind(action: &Action) -> &'static str {
    match action {
        Action::Heal | Action::Restart { .. } | Action::RestoreLink { .. } => "repair",
        Action::Client { .. } | Action::SetWorkload { .. } => "client",
        _ => "fault",
    }
}

/// A moment to the nearest millisecond, as a verdict tells it (the button still goes to
/// the exact event).
fn nearest_ms(t: Micros) -> Micros {
    if t < MICROS_PER_MS {
        t
    } else {
        (t + MICROS_PER_MS / 2) / MICROS_PER_MS * MICROS_PER_MS
    }
}

pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

fn draw(page: &Page) {
    let world = page.world.borrow();
    if let Some(canvas) = page.canvas.cast::<web_sys::HtmlCanvasElement>() {
        crate::flight::draw(&canvas, &**world, page.speed());
    }
    if let Some(canvas) = page.diagram.cast::<web_sys::HtmlCanvasElement>() {
        let points = crate::spacetime::draw(&canvas, &**world, &page.control);
        *page.control.diagram_points.borrow_mut() = points;
    }
}

/// The runs and seconds per run a lesson's step asks the search for (its `search` claim).
fn search_preset(page: &Page) -> Option<(u64, u64)> {
    let step = page.lesson.as_ref()?.step()?;
    match &step.parsed_claim {
        splitbrain_core::lesson::claim::Claim::Search { runs, until_us, .. } => {
            Some((*runs, (until_us / MICROS_PER_SEC).max(1)))
        }
        _ => None,
    }
}

/// Keyboard shortcuts; typing in a form field is left alone.
fn on_key(page: &UseReducerHandle<Page>, e: &KeyboardEvent) {
    if let Some(el) = e.target_dyn_into::<web_sys::Element>() {
        if matches!(el.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA") {
            return;
        }
    }
    if e.ctrl_key() || e.meta_key() || e.alt_key() {
        return;
    }
    let n = page.world.borrow().len();
    let selected = page.selected;
    let on_selected = |f: fn(NodeId) -> Action| {
        if let Some(node) = selected {
            page.dispatch(Msg::Act(f(node)));
        }
    };
    match e.key().as_str() {
        " " => {
            e.prevent_default();
            page.dispatch(Msg::TogglePlay);
        }
        "ArrowRight" => page.dispatch(Msg::Step),
        "ArrowLeft" => {
            let now = page.world.borrow().now();
            page.dispatch(Msg::Seek(now.saturating_sub(100 * MICROS_PER_MS)));
        }
        "h" => page.dispatch(Msg::Act(Action::Heal)),
        "b" => {
            // Honest, or the protocol's first lie, and back.
            if let Some(node) = selected {
                let world = page.world.borrow();
                let first = world.about().behaviours.first().map(|b| b.name);
                let lying = world.node_view(node.index()).behaviour.is_some();
                drop(world);
                if let Some(first) = first {
                    page.dispatch(Msg::Act(Action::Behave {
                        node,
                        behaviour: if lying { HONEST } else { first }.to_string(),
                    }));
                }
            }
        }
        "c" => on_selected(|node| Action::Crash {
            node,
            disk: DiskFate::Keep,
        }),
        "x" => on_selected(|node| Action::Crash {
            node,
            disk: DiskFate::Lose,
        }),
        "r" => on_selected(|node| Action::Restart { node }),
        "t" => {
            if page.world.borrow().about().trigger.is_some() {
                on_selected(|node| Action::Trigger { node });
            }
        }
        "p" => on_selected(|node| Action::Pause {
            node,
            for_us: MICROS_PER_SEC,
        }),
        "s" => {
            if let Some(node) = selected {
                let slow = page.world.borrow().node_view(node.index()).processing_us > 0;
                let delay_us = if slow { 0 } else { 20 * MICROS_PER_MS };
                page.dispatch(Msg::Act(Action::Slow { node, delay_us }));
            }
        }
        "i" => {
            if let Some(node) = selected {
                let others = (0..n as u32).map(NodeId).filter(|&o| o != node).collect();
                page.dispatch(Msg::Act(Action::Partition {
                    groups: vec![vec![node], others],
                }));
            }
        }
        "g" => page.dispatch(if page.split.is_some() {
            Msg::SplitApply
        } else {
            Msg::SplitOpen
        }),
        "Escape" => {
            page.dispatch(Msg::SplitCancel);
            page.dispatch(Msg::Select(None));
            page.dispatch(Msg::SelectEvent(None, false));
        }
        key => {
            if let Ok(d) = key.parse::<usize>() {
                if d < n {
                    page.dispatch(Msg::Select(Some(NodeId(d as u32))));
                }
            }
        }
    }
}

/// How the page was started: from its own URL, or mounted by a script.
pub struct Init {
    /// The run and view asked for (or why the request could not be read).
    pub asked: Result<PageState, String>,
    /// Inside another page: the address bar is not the run's.
    pub embedded: bool,
    /// Filled with the page's reducer handle on every render, for the JS API.
    pub handle: RefCell<Option<UseReducerHandle<Page>>>,
}

#[derive(Properties)]
pub struct AppProps {
    pub init: Rc<Init>,
}

impl PartialEq for AppProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.init, &other.init)
    }
}

/// The run the page starts with: a benchmark, the run before a crash of the page, or the
/// one the link (or script) asks for, in that order.
fn initial_page(init: &Init, recorder: Option<&FrameRecorder>) -> Page {
    if let Some(r) = recorder {
        let page = Page::new(r.setup.clone());
        page.control.speed.set(r.speed);
        r.prepare(&page);
        return page;
    }
    let restored = if init.embedded {
        None
    } else {
        crate::recovery::take_restore()
    };
    let (mut page, asked) = match (restored, &init.asked) {
        (Some(Ok(recipe)), _) => {
            let n = recipe.schedule.len();
            let mut page = Page::with_schedule(recipe.setup, recipe.schedule);
            page.notice = Some(format!(
                "After the error, the run was started again: seed {} with the {n} actions you had taken.",
                page.setup.seed
            ));
            (page, PageState::default())
        }
        (Some(Err(e)), _) => {
            crate::recovery::forget();
            let mut page = Page::new(Setup::default());
            page.notice = Some(format!(
                "The run before the error could not be restored ({e}); this is a fresh one."
            ));
            (page, PageState::default())
        }
        (None, Ok(asked)) => (
            Page::with_schedule(asked.recipe.setup.clone(), asked.recipe.schedule.clone()),
            asked.clone(),
        ),
        (None, Err(e)) => {
            let mut page = Page::new(Setup::default());
            page.notice = Some(format!(
                "This link could not be read: {e}. Showing a fresh run instead."
            ));
            // The address bar shows the fresh run, so a reload does not refuse it again.
            if !init.embedded {
                crate::url::publish(&page.recipe(None));
            }
            (page, PageState::default())
        }
    };
    page.embedded = init.embedded;
    page.embed = asked.embed.clone();
    if let Some(at) = asked.lesson.clone() {
        // The lesson decides where its step starts and whether it plays.
        let mut next = page.clone();
        let run = asked.run_given.then(|| asked.recipe.clone());
        page.open_lesson(&mut next, at, run);
        page = next;
        if let Some(on) = asked.autoplay {
            page.control.playing.set(on);
        }
    } else {
        if let Some(t) = asked.recipe.at_us {
            page.run_to(t);
        }
        // A shared moment or an embedded view waits for the reader; a plain visit plays.
        let still = asked.recipe.at_us.is_some() || !asked.embed.is_empty();
        page.control.playing.set(asked.autoplay.unwrap_or(!still));
    }
    if let Some(speed) = asked.speed {
        page.control.speed.set(speed);
    }
    match asked.panel {
        Some(Panel::Node(n)) => page.selected = Some(n),
        Some(Panel::Link(a, b)) => page.selected_link = Some((a.min(b), a.max(b))),
        None => {}
    }
    page
}

#[component]
pub fn App(props: &AppProps) -> Html {
    let recorder = use_memo((), |_| crate::bench::from_url().map(Rc::new));
    let page = use_reducer(|| initial_page(&props.init, recorder.as_ref().as_deref()));
    *props.init.handle.borrow_mut() = Some(page.clone());
    use_frame_driver(page.clone(), (*recorder).clone());
    // The address bar and session storage follow every change of the run, but only on the
    // page that owns its tab: embedded playgrounds would overwrite each other.
    use_effect_with(page.run_version, {
        let page = page.clone();
        move |changes| {
            if *changes > 0 && !page.embedded {
                let address = page.address();
                crate::recovery::save(&address.recipe);
                crate::url::publish_query(&address.to_query());
            }
        }
    });
    // The last check of the end properties: (when, what it found).
    let end_check = use_state(|| None::<(Micros, Vec<Violation>)>);
    // The reader's choices, kept across visits.
    let narrate = use_state(|| crate::prefs::flag("narrate", true));
    // The course map, open from a link (`#course`) or the header's button.
    let course = use_state(|| props.init.asked.as_ref().is_ok_and(|p| p.course));
    let lesson_query = page.lesson.as_ref().map(|at| at.query());
    use_effect_with(lesson_query, {
        let title = page.lesson.as_ref().map(|at| at.tab_title());
        move |_| {
            if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
                doc.set_title(title.as_deref().unwrap_or(PAGE_TITLE));
            }
        }
    });
    let hint_seen = use_state(|| crate::prefs::flag("hint-seen", false));
    // Made once, so the CAP view's properties stay equal between renders.
    let open_in_playground = use_memo((), {
        let page = page.clone();
        move |_| {
            Callback::from(move |recipe| {
                page.dispatch(Msg::Load(Box::new(recipe), None));
                if let Some(w) = web_sys::window() {
                    w.scroll_to_with_x_and_y(0.0, 0.0);
                }
            })
        }
    });
    let world = page.world.borrow();
    // For the panels that take only what they draw.
    let reducer: Callback<Msg> = page.dispatcher().into();
    let network = crate::network_panel::Props::of(&world, reducer.clone());

    let dispatch = |msg: fn() -> Msg| {
        let page = page.clone();
        Callback::from(move |_| page.dispatch(msg()))
    };
    let on_speed = {
        let page = page.clone();
        Callback::from(move |e: Event| {
            let index = e
                .target_dyn_into::<web_sys::HtmlSelectElement>()
                .and_then(|s| s.value().parse::<usize>().ok());
            if let Some((speed, _)) = index.and_then(|i| SPEEDS.get(i)) {
                page.dispatch(Msg::SetSpeed(*speed));
            }
        })
    };
    let onkeydown = {
        let page = page.clone();
        Callback::from(move |e: KeyboardEvent| on_key(&page, &e))
    };
    let about = world.about();
    page.check_history(now_ms());
    let lin = if about.serves_clients() {
        lin_verdict(&page, &world)
    } else {
        html! {}
    };
    let end = end_verdict(&page, &end_check, about, world.now());
    let verdict = match world.violations().first() {
        None => {
            // A protocol with no safety property has nothing to check after every event.
            let every_event = about
                .properties
                .iter()
                .any(|p| p.kind == splitbrain_core::registry::PropertyKind::Safety);
            let text = if every_event {
                format!("{} (checked after every event).", about.look.holds)
            } else {
                format!("{}.", about.look.holds)
            };
            html! { <p class="verdict ok">{ text }</p> }
        }
        Some(v) => {
            let event = v.event;
            let goto = {
                let page = page.clone();
                Callback::from(move |_| page.dispatch(Msg::SelectEvent(Some(event), true)))
            };
            html! {
                <p class="verdict bad" role="alert">
                    { format!("{} violated at {}: {}", v.invariant, Pretty(nearest_ms(v.time_us)), v.message) }
                    <button onclick={goto}>{"Go to the event that broke it"}</button>
                </p>
            }
        }
    };
    let notice = page.notice.as_ref().map(|text| {
        let close = dispatch(|| Msg::Notice(None));
        html! { <p class="notice" role="status">{ text }<button class="close" onclick={close} aria-label="Dismiss">{"×"}</button></p> }
    });
    let horizon = page.history.borrow().horizon().max(world.now());
    let on_seek = {
        let page = page.clone();
        Callback::from(move |e: InputEvent| {
            let ms = e
                .target_dyn_into::<web_sys::HtmlInputElement>()
                .and_then(|i| i.value().parse::<u64>().ok());
            if let Some(ms) = ms {
                page.dispatch(Msg::Seek(ms * 1000));
            }
        })
    };
    let markers = {
        let span = (horizon / 1000).max(1) as f64;
        let scheduled = world.schedule_so_far().iter().filter(|s| s.at <= horizon).map(|s| {
            let at = s.at;
            let onclick = {
                let page = page.clone();
                Callback::from(move |_| page.dispatch(Msg::Seek(at)))
            };
            let class = format!("marker {}", marker_kind(&s.action));
            html! {
                <button class={class} style={format!("left: {}%", num((at / 1000) as f64 / span * 100.0))} {onclick}
                        title={format!("{}: {}", Pretty(at), splitbrain_core::describe::action_of(&s.action, about))} aria-label={format!("Go to {}", Pretty(at))}></button>
            }
        });
        let violations = world.violations().iter().map(|v| {
            let event = v.event;
            let onclick = {
                let page = page.clone();
                Callback::from(move |_| page.dispatch(Msg::SelectEvent(Some(event), true)))
            };
            html! {
                <button class="marker violation" style={format!("left: {}%", num((v.time_us / 1000) as f64 / span * 100.0))} {onclick}
                        title={format!("{}: {} violated", Pretty(v.time_us), v.invariant)} aria-label="Go to the violation"></button>
            }
        });
        html! { <div class="markers">{ for scheduled }{ for violations }</div> }
    };
    let speed_index = SPEEDS
        .iter()
        .position(|(s, _)| *s == page.speed())
        .unwrap_or(2);
    let side = if let Some(split) = &page.split {
        html! {
            <section class="inspector split-tool">
                <h2>{"Split the cluster"}</h2>
                <p>{ format!("Click nodes to move them to the other side ({} chosen). Messages between the sides are lost until you heal.", split.len()) }</p>
                <div class="buttons">
                    <button class="primary" onclick={dispatch(|| Msg::SplitApply)}>{"Apply split"}</button>
                    <button onclick={dispatch(|| Msg::SplitCancel)}>{"Cancel"}</button>
                </div>
            </section>
        }
    } else if let Some((a, b)) = page.selected_link {
        html! { <LinkPanel ..crate::link_panel::Props::of(&world, (a, b), reducer.clone()) /> }
    } else if let Some(node) = page.selected {
        html! { <Inspector world={page.world_ref()} {node} dispatch={reducer.clone()} /> }
    } else {
        // (Nothing selected: the legend, after the verdicts.)
        crate::side::legend(&**world)
    };
    // What the reader picked (a node, a link, the split tool) comes first in the side
    // column, so that its buttons are on the first screen; otherwise the verdicts do.
    let picked = page.split.is_some() || page.selected_link.is_some() || page.selected.is_some();
    let (first, last) = if picked {
        (side.clone(), Html::default())
    } else {
        (Html::default(), side.clone())
    };
    let counters = world.counters();
    if !page.embed.is_empty() {
        let views = page.embed.iter().map(|view| match view {
            View::Topology => html! {
                <div class="embed-stage">
                    <Topology page={page.clone()} />
                    if page.selected.is_some() || page.selected_link.is_some() { { side.clone() } }
                </div>
            },
            View::Diagram => html! { <SpaceTime page={page.clone()} /> },
            View::Log => html! { <EventLog page={page.clone()} /> },
            View::Cap => html! { <CapView seed={page.setup.seed} open=true /> },
            View::Lesson => match &page.lesson {
                Some(at) => html! {
                    <>
                    <LessonPanel key={at.query()} page={page.clone()} at={at.clone()} embedded=true />
                    if !page.embed.contains(&View::Topology) {
                        <div class="embed-stage"><Topology page={page.clone()} /></div>
                    }
                    </>
                },
                None => html! {},
            },
        });
        let full = crate::url::link_to(&PageState {
            recipe: page.recipe(Some(world.now())),
            lesson: page.lesson.clone(),
            run_given: true,
            ..PageState::default()
        });
        return html! {
            <main class="embed" tabindex="0" {onkeydown}>
                if page.embed.iter().any(|v| *v != View::Cap) {
                <section class="controls compact" aria-label="Time">
                    <button class="primary" onclick={dispatch(|| Msg::TogglePlay)} aria-label="Play or pause (space)">
                        { if page.playing() { "Pause" } else { "Play" } }
                    </button>
                    <button onclick={dispatch(|| Msg::Step)} title="Process one event (right arrow)">{"Step"}</button>
                    <select onchange={on_speed.clone()} aria-label="Playback speed">
                        { for SPEEDS.iter().enumerate().map(|(i, (_, name))| html! {
                            <option value={i.to_string()} selected={i == speed_index}>{ *name }</option>
                        }) }
                    </select>
                    <span class="clock">{ format!("t = {}", Pretty(world.now())) }</span>
                    <span class="spacer"></span>
                    if let Some(v) = world.violations().first() {
                        <span class="verdict bad small" role="alert">{ format!("{} violated", v.invariant) }</span>
                    }
                    <a class="open-full" href={full} target="_blank" rel="noopener">{"Open in splitbrain ↗"}</a>
                </section>
                }
                { for notice }
                <div class="embed-views">{ for views }</div>
            </main>
        };
    }
    // A view the lesson's step asks for beside its run.
    let step_view = page
        .lesson
        .as_ref()
        .and_then(|at| at.step())
        .and_then(|s| s.view.as_deref());
    let open_lesson = {
        let page = page.clone();
        let course = course.clone();
        Callback::from(move |at| {
            course.set(false);
            page.dispatch(Msg::OpenLesson(at, None));
            if let Some(w) = web_sys::window() {
                w.scroll_to_with_x_and_y(0.0, 0.0);
            }
        })
    };
    let toggle_course = {
        let course = course.clone();
        Callback::from(move |_| course.set(!*course))
    };
    html! {
        <main tabindex="0" {onkeydown} class={classes!(page.lesson.is_some().then_some("with-lesson"))}>
            <header class="page-head">
                <div>
                <h1>{"splitbrain"}</h1>
                <p class="tagline">{ format!("See and feel how distributed systems fail: {} running on {} nodes in your browser, deterministically.", about.look.called, world.len()) }</p>
                </div>
                <button class={classes!("lessons-button", course.then_some("open"))} onclick={toggle_course.reform(|_: MouseEvent| ())}
                        aria-expanded={if *course { "true" } else { "false" }}>{"Lessons"}</button>
                <section aria-label="Share">
                    <SharePanel page={page.clone()} />
                </section>
            </header>
            if *course {
                <CourseMap on_open={open_lesson} on_close={toggle_course.clone()} />
            }
            if let Some(at) = &page.lesson {
                <LessonPanel key={at.query()} page={page.clone()} at={at.clone()} on_course={toggle_course} />
            }
            if page.lesson.is_some() {
                <details class="free-play">
                    <summary>{"Settings, bug variants and network faults"}</summary>
                    <SetupPanel setup={page.setup.clone()} dispatch={reducer.clone()} failures={world.failures()} />
                    <NetworkPanel ..network.clone() />
                </details>
            } else {
                <SetupPanel setup={page.setup.clone()} dispatch={reducer.clone()} failures={world.failures()} />
            }
            <section class="controls" aria-label="Time">
                <button class="primary" onclick={dispatch(|| Msg::TogglePlay)} aria-label="Play or pause (space)">
                    { if page.playing() { "Pause" } else { "Play" } }
                </button>
                <button onclick={dispatch(|| Msg::Step)} title="Process one event (right arrow)">{"Step"}</button>
                <button onclick={dispatch(|| Msg::Advance(MICROS_PER_SEC))} title="Run one simulated second">{"+1 s"}</button>
                <label>{"speed "}
                    <select onchange={on_speed} aria-label="Playback speed">
                        { for SPEEDS.iter().enumerate().map(|(i, (_, name))| html! {
                            <option value={i.to_string()} selected={i == speed_index}>{ *name }</option>
                        }) }
                    </select>
                </label>
                <span class="clock">{ format!("t = {}", Pretty(world.now())) }</span>
                <span class="spacer"></span>
                <button onclick={dispatch(|| Msg::SplitOpen)} title="Split the cluster into two sides (g)">{"Split…"}</button>
                <button onclick={dispatch(|| Msg::Act(Action::Heal))} title="Heal every partition and cut (h)">{"Heal network"}</button>
                <button onclick={dispatch(|| Msg::Replay)} title="Start again from zero with the same seed and the same actions">{"Replay from start"}</button>
            </section>

            <section class="timeline" aria-label="Timeline">
                <div class="track">
                    <input type="range" min="0" max={(horizon / 1000).to_string()} value={(world.now() / 1000).to_string()}
                           step="1" oninput={on_seek} aria-label="Seek in simulated time (milliseconds)" />
                    { markers }
                </div>
                <span class="horizon">{ format!("of {}", Pretty(horizon)) }</span>
            </section>
            if let Some(text) = &page.stepped {
                <p class="stepped" role="status">{ text.clone() }</p>
            }
            if page.lesson.is_none() {
                <NetworkPanel ..network />
            }
            { for notice }
            // The cluster and, beside it, the verdicts and the panel of what is selected:
            // together on the first screen.
            <div class="stage">
                <Topology page={page.clone()} />
                <div class="side-column">
                    { first }
                    { verdict }
                    { lin }
                    { narration(&page, &world, &narrate) }
                    { crate::measures::readings(&**world) }
                    { crate::availability_view::section(&**world) }
                    if !*hint_seen && page.lesson.is_none() { { first_visit_hint(&hint_seen) } }
                    { end }
                    { last }
                </div>
            </div>
            <SearchPanel query={page.recipe(None).to_query()} protocol={about.name} dispatch={reducer.clone()} preset={search_preset(&page)} />
            // A lesson step about CAP shows the comparison right under the run.
            if step_view == Some("cap") {
                <CapView seed={page.setup.seed} open=true on_open={(*open_in_playground).clone()} />
            }
            if !about.measures.is_empty() {
                <MeasuresPanel page={page.clone()} />
            }
            <SpaceTime page={page.clone()} />
            <EventLog page={page.clone()} />
            if step_view != Some("cap") {
                <CapView seed={page.setup.seed} on_open={(*open_in_playground).clone()} />
            }
            <footer>
                <span>{ {
                    let mut parts = vec![
                        format!("seed {}", page.setup.seed),
                        format!("{} events", counters.events),
                        format!("{} messages sent, {} lost", counters.sent, counters.dropped),
                    ];
                    if about.serves_clients() {
                        parts.push(format!("{} client operations: {} answered, {} refused, {} timed out",
                            counters.client_ops, counters.client_ok, counters.client_failed, counters.client_timeouts));
                    }
                    if counters.commits > 0 {
                        parts.push(format!("{} commits", counters.commits));
                    }
                    parts.push(format!("trace hash {}", hash_hex(world.trace_hash())));
                    parts.join(" · ")
                } }</span>
            </footer>
        </main>
    }
}

//! A lesson beside the live run: the step's text, its question, its claim judged live on
//! the run on screen (pending, shown at a moment one can go to, or not shown), "try this"
//! prompts, and the way to the other steps; or the lesson's challenge, with its goal
//! watched, hints, and a link to the winning run. Also the course map: every topic of the
//! course with its lessons, and the topics not covered yet.

use crate::lessons::{progress, topic_title, LessonAt};
use crate::state::{Msg, Page};
use splitbrain_core::lesson::claim::Claim;
use splitbrain_core::lesson::TOPICS;
use splitbrain_core::time::{Micros, Pretty};
use yew::prelude::*;

/// How long a reader tries a challenge before each next hint shows by itself (real time).
const HINT_AFTER_MS: f64 = 60_000.0;

/// A claim (or a goal) as the run on screen shows it.
#[derive(Clone, Debug, PartialEq)]
enum Status {
    /// Not yet decided: the run has not reached the moment it is judged at.
    Pending,
    /// Shown, at this moment if it has one; in words.
    Shown(Option<Micros>, String),
    /// The run reached its moment without showing it; in words.
    NotShown(String),
    /// A claim about a search of the step's set-up (`search finds ...`): the reader shows
    /// it with "Can this break?", whose runs and lengths the step sets.
    BySearch,
}

/// Judges `claim` on the world on screen. `reached`: whether the run is at the moment
/// it is judged at (a step's moment; for a challenge, whenever the reader pauses, since a
/// goal about the whole run, like a share of answers, can only be judged when it stops).
/// A challenge's goal is never "not shown": it is reached, or not yet.
fn judge(claim: &Claim, world: &crate::any::AnyWorld, reached: bool, challenge: bool) -> Status {
    if matches!(claim, Claim::Search { .. }) {
        return Status::BySearch;
    }
    let reached = reached || world.halted();
    if claim.judged_at_end() && !reached {
        return Status::Pending;
    }
    let found = claim.check(&**world);
    match (found.holds, reached && !challenge) {
        (true, _) => Status::Shown(found.at_us, found.says),
        (false, true) => Status::NotShown(found.says),
        (false, false) => Status::Pending,
    }
}

/// The step's text: paragraphs split at blank lines, `code` in backticks, `[words](#link)`
/// as a link to a run; a paragraph whose every line starts with `|` is a table (its first
/// line the header).
fn paragraphs(text: &str) -> Html {
    let paras = text.split("\n\n").map(str::trim).filter(|p| !p.is_empty());
    html! {
        { for paras.map(|p| {
            if p.lines().all(|l| l.trim_start().starts_with('|')) {
                table(p)
            } else {
                let p = p.split_whitespace().collect::<Vec<_>>().join(" ");
                html! { <p>{ inline(&p) }</p> }
            }
        }) }
    }
}

/// A table written as `| a | b |` lines, the first its header.
fn table(text: &str) -> Html {
    let cells = |line: &str| -> Vec<String> {
        let line = line.trim().trim_start_matches('|').trim_end_matches('|');
        line.split('|').map(|c| c.trim().to_string()).collect()
    };
    let mut lines = text.lines();
    let head = lines.next().map(cells).unwrap_or_default();
    html! {
        <div class="lesson-table">
            <table class="log">
                <thead><tr>{ for head.iter().map(|c| html! { <th scope="col">{ inline(c) }</th> }) }</tr></thead>
                <tbody>{ for lines.map(|l| {
                    let row = cells(l);
                    html! { <tr>{ for row.iter().enumerate().map(|(i, c)| if i == 0 {
                        html! { <th scope="row">{ inline(c) }</th> }
                    } else {
                        html! { <td>{ inline(c) }</td> }
                    }) }</tr> }
                }) }</tbody>
            </table>
        </div>
    }
}

/// `code` in backticks, and `[words](#link)` as a link within the page.
fn inline(text: &str) -> Html {
    let parts = text.split('`').enumerate().map(|(i, part)| {
        if i % 2 == 1 {
            html! { <code>{ part }</code> }
        } else {
            links(part)
        }
    });
    html! { { for parts } }
}

/// Text with `[words](#link)` links (only to this page: the link starts with `#`).
fn links(mut text: &str) -> Html {
    let mut out = Vec::new();
    while let Some(open) = text.find('[') {
        let Some((words, rest)) = text[open + 1..].split_once("](#") else {
            break;
        };
        let Some((target, after)) = rest.split_once(')') else {
            break;
        };
        out.push(html! { { &text[..open] } });
        let href = format!("#{target}");
        out.push(html! { <a href={href}>{ words }</a> });
        text = after;
    }
    out.push(html! { { text } });
    html! { { for out } }
}

#[derive(Properties, PartialEq)]
pub struct LessonProps {
    pub page: UseReducerHandle<Page>,
    pub at: LessonAt,
    /// Inside another page: one step, with a link to the whole lesson.
    #[prop_or_default]
    pub embedded: bool,
    /// Opens the course map (the full page only).
    #[prop_or_default]
    pub on_course: Callback<()>,
}

#[component]
pub fn LessonPanel(props: &LessonProps) -> Html {
    let at = &props.at;
    let page = &props.page;
    let lesson = at.lesson;
    let step_name = at.step_name();
    // The reader's answer, kept for the tab.
    let answer = use_state(|| progress::answer(&lesson.name, &step_name));
    let hints = use_state(|| 0usize);
    let opened_ms = use_memo((), |_| crate::app::now_ms());
    // The last judgement and what it was made on: (epoch, events, now).
    let judged = use_mut_ref(|| None::<((u64, u64, Micros, bool), Status)>);
    {
        let (lesson, step, embedded) = (lesson.name.clone(), step_name.clone(), props.embedded);
        use_effect_with((), move |_| {
            if !embedded {
                progress::mark_seen(&lesson, &step);
            }
        });
    }
    let world = page.world.borrow();
    let (claim, until) = match (at.step(), at.challenge()) {
        (Some(step), _) => (&step.parsed_claim, at.until()),
        (None, Some(c)) => (&c.parsed_goal, None),
        (None, None) => return html! {},
    };
    // A step is judged at its moment; a challenge's goal (which has none) while paused.
    let reached = match until {
        Some(u) => world.now() >= u,
        None => !page.playing(),
    };
    let status = {
        let key = (
            page.control.epoch.get(),
            world.trace_len(),
            world.now(),
            reached,
        );
        let mut cache = judged.borrow_mut();
        // A claim the run already showed stays shown while the run goes on from there
        // (same epoch, at or past its moment): no need to scan the trace every frame.
        let still_shown = |(k, s): &((u64, u64, Micros, bool), Status)| {
            k.0 == key.0
                && !claim.judged_at_end()
                && matches!(s, Status::Shown(Some(at), _) if key.2 >= *at)
        };
        match cache.as_ref() {
            Some((k, s)) if *k == key => s.clone(),
            Some(c) if still_shown(c) => c.1.clone(),
            _ => {
                let s = judge(claim, &world, reached, until.is_none());
                *cache = Some((key, s.clone()));
                s
            }
        }
    };
    let goto = |t: Micros| {
        let page = page.clone();
        Callback::from(move |_| page.dispatch(Msg::Seek(t)))
    };
    let open = |index: usize| {
        let page = page.clone();
        let target = at.go(index);
        Callback::from(move |_| {
            if let Some(target) = target.clone() {
                page.dispatch(Msg::OpenLesson(target, None));
            }
        })
    };
    let nav = (!props.embedded).then(|| {
        let dots = (0..at.count()).map(|i| {
            let place = at.go(i).expect("in range");
            let name = place.step_name();
            let done = if place.is_challenge() {
                progress::won(&lesson.name)
            } else {
                progress::seen(&lesson.name, &name)
            };
            let label = if place.is_challenge() {
                "★".to_string()
            } else {
                (i + 1).to_string()
            };
            let title = match (place.step(), place.challenge()) {
                (Some(s), _) => format!("Step {}: {}", i + 1, s.title),
                (None, Some(c)) => format!("Challenge: {}", c.title),
                _ => String::new(),
            };
            html! {
                <button class={classes!("step-dot", (i == at.index).then_some("current"), done.then_some("done"))}
                        onclick={open(i)} aria-label={title.clone()} {title}
                        aria-current={(i == at.index).then_some("step")}>{ label }</button>
            }
        });
        html! { <nav class="step-dots" aria-label="Steps of the lesson">{ for dots }</nav> }
    });
    let status_html = |what: &str| match &status {
        Status::Pending => html! {
            <p class="claim pending"><span class="mark" aria-hidden="true">{"○"}</span>
                { match until {
                    Some(u) => format!("{what}: not yet (judged by {}).", Pretty(u)),
                    None if claim.judged_at_end() && !reached => format!("{what}: judged when you pause the run."),
                    None => format!("{what}: not yet."),
                } }
            </p>
        },
        Status::Shown(t, says) => html! {
            <p class="claim shown"><span class="mark" aria-hidden="true">{"✓"}</span>
                { format!("{what}: shown") }
                if let Some(t) = t {
                    {" at "}<button class="link-button" onclick={goto(*t)} title="Go to this moment">{ Pretty(to_ms(*t)).to_string() }</button>
                }
                { format!(": {}", sentence(says)) }
            </p>
        },
        Status::BySearch => html! {
            <p class="claim pending"><span class="mark" aria-hidden="true">{"○"}</span>
                { format!("{what}: press Search under \u{201c}Can this break?\u{201d} below the cluster to see it (the step has set its runs and their length).") }
            </p>
        },
        Status::NotShown(says) => html! {
            <p class="claim not-shown"><span class="mark" aria-hidden="true">{"✗"}</span>
                { format!("{what}: not shown by the run on screen: {}", sentence(says)) }
                if at.step().is_some() {
                    <button class="link-button" onclick={open(at.index)}>{"Start the step again"}</button>
                }
            </p>
        },
    };
    let body = match (at.step(), at.challenge()) {
        (Some(step), _) => {
            let question = step.question.as_ref().map(|q| {
                let choices = q.choices.iter().enumerate().map(|(i, c)| {
                    let onclick = {
                        let answer = answer.clone();
                        let page = page.clone();
                        let lesson = lesson.name.clone();
                        let step = step_name.clone();
                        Callback::from(move |_| {
                            progress::set_answer(&lesson, &step, i);
                            answer.set(Some(i));
                            page.dispatch(Msg::Play(true));
                            show_run_on_a_phone();
                        })
                    };
                    let class = match *answer {
                        Some(_) if i == q.answer => Some("right"),
                        Some(a) if a == i => Some("wrong"),
                        _ => None,
                    };
                    html! {
                        <li><button class={classes!("choice", class)} {onclick} disabled={answer.is_some()}>{ c }</button></li>
                    }
                });
                let verdict = answer.filter(|a| *a != usize::MAX).map(|a| {
                    if a == q.answer {
                        html! { <p class="answer right" role="status">{"Right. Watch the run to see it happen."}</p> }
                    } else {
                        html! { <p class="answer wrong" role="status">{ format!("Not quite: the run shows \u{201c}{}\u{201d}. Watch it to see why.", q.choices[q.answer]) }</p> }
                    }
                });
                html! {
                    <div class="question">
                        <p><strong>{"Predict: "}</strong>{ &q.text }</p>
                        <ol class="choices">{ for choices }</ol>
                        { for verdict }
                    </div>
                }
            });
            // Predict, then observe: the explanation follows the answer.
            let waiting = step.question.is_some() && answer.is_none();
            let skip = {
                let answer = answer.clone();
                let page = page.clone();
                Callback::from(move |_| {
                    answer.set(Some(usize::MAX));
                    page.dispatch(Msg::Play(true));
                })
            };
            html! {
                <>
                <h3>{ format!("Step {} of {}: {}", at.index + 1, lesson.steps.len(), step.title) }</h3>
                { for question }
                if waiting {
                    <p class="muted small">{"Answer first: then the run plays and the explanation shows. "}
                        <button class="link-button" onclick={skip}>{"Skip the question"}</button></p>
                } else {
                    { paragraphs(&step.text) }
                }
                // What the step shows would give the answer away before the prediction.
                if !waiting {
                <div class="claim-box">
                    <p class="claim-text"><strong>{"This step shows: "}</strong>{ step.parsed_claim.describe() }{"."}</p>
                    { status_html("On the run on screen") }
                    <div class="buttons">
                        <button onclick={open(at.index)} title="The step's run again, from the start">{"Restart the step"}</button>
                        if let Some(u) = until {
                            <button onclick={goto(u)} title="Run to the moment the step is about">{ format!("Skip to {}", Pretty(u)) }</button>
                        }
                    </div>
                </div>
                }
                if !step.try_this.is_empty() && !props.embedded {
                    <div class="try-this">
                        <h4>{"Try this"}</h4>
                        <ul>{ for step.try_this.iter().map(|t| html! { <li>{ inline(t) }</li> }) }</ul>
                    </div>
                }
                </>
            }
        }
        (None, Some(challenge)) => {
            let won_at = match &status {
                Status::Shown(t, _) => Some(t.unwrap_or(world.now())),
                _ => None,
            };
            if won_at.is_some() && !props.embedded && !progress::won(&lesson.name) {
                progress::mark_won(&lesson.name);
            }
            let banner = won_at.map(|t| {
                let link = crate::url::link_with(
                    &crate::url::PageState {
                        recipe: page.recipe(Some(world.now().max(t))),
                        lesson: Some(at.clone()),
                        run_given: true,
                        ..Default::default()
                    }
                    .to_query(),
                );
                html! {
                    <div class="won" role="status">
                        <p><strong>{ format!("Goal reached at {}!", Pretty(to_ms(t))) }</strong>{ format!(" {}", sentence(match &status { Status::Shown(_, s) => s, _ => "" })) }</p>
                        <p><a href={link}>{"A link to your winning run"}</a>{" replays it exactly: share it or keep it."}</p>
                    </div>
                }
            });
            // One more hint shows by itself after each minute of trying.
            let waited = ((crate::app::now_ms() - *opened_ms) / HINT_AFTER_MS).max(0.0) as usize;
            let shown = (*hints).max(if won_at.is_none() { waited } else { 0 });
            let shown = shown.min(challenge.hints.len());
            let more = {
                let hints = hints.clone();
                Callback::from(move |_| hints.set(shown + 1))
            };
            html! {
                <>
                <h3>{ format!("Challenge: {}", challenge.title) }</h3>
                { paragraphs(&challenge.text) }
                <div class="claim-box">
                    <p class="claim-text"><strong>{"Goal: "}</strong>{ challenge.parsed_goal.describe() }{"."}</p>
                    if won_at.is_none() { { status_html("On the run on screen") } }
                    { for banner }
                    <p class="muted small">{"Use anything: crash, pause or isolate nodes, split the network, switch on a bug variant (under Settings). The goal is checked on the run on screen."}</p>
                </div>
                if !challenge.hints.is_empty() {
                    <div class="hints">
                        { for challenge.hints.iter().take(shown).enumerate().map(|(i, h)| html! {
                            <p class="hint"><strong>{ format!("Hint {}: ", i + 1) }</strong>{ inline(h) }</p>
                        }) }
                        if shown < challenge.hints.len() && won_at.is_none() {
                            <button onclick={more}>{ if shown == 0 { "Show a hint".to_string() } else { "Another hint".to_string() } }</button>
                        }
                    </div>
                }
                </>
            }
        }
        (None, None) => html! {},
    };
    let footer = if props.embedded {
        let full = crate::url::link_with(&at.query());
        html! {
            <p class="lesson-foot"><a href={full} target="_blank" rel="noopener">{ format!("The whole lesson: {} ↗", lesson.title) }</a></p>
        }
    } else {
        let prev = at.index.checked_sub(1).map(&open);
        let next = at.go(at.index + 1).map(|_| open(at.index + 1));
        let next_label = if at.index + 1 == lesson.steps.len() && lesson.challenge.is_some() {
            "The challenge →"
        } else {
            "Next step →"
        };
        let close = {
            let page = page.clone();
            Callback::from(move |_| page.dispatch(Msg::CloseLesson))
        };
        html! {
            <div class="lesson-foot">
                <div class="buttons">
                    <button onclick={prev.clone().unwrap_or_default()} disabled={prev.is_none()}>{"← Previous"}</button>
                    if let Some(next) = next {
                        <button class="primary" onclick={next}>{ next_label }</button>
                    } else {
                        <button class="primary" onclick={props.on_course.reform(|_: MouseEvent| ())}>{"The course map"}</button>
                    }
                </div>
                <button class="link-button" onclick={close} title="Keep the run on screen and play freely">{"Leave the lesson"}</button>
            </div>
        }
    };
    let on_course = props.on_course.reform(|_: MouseEvent| ());
    html! {
        <aside class="lesson-panel" aria-label="Lesson">
            <p class="crumbs">
                if !props.embedded {
                    <button class="link-button" onclick={on_course}>{"Course map"}</button>{" › "}
                }
                { topic_title(&lesson.topic) }
            </p>
            <h2>{ &lesson.title }</h2>
            { for nav }
            { body }
            { footer }
        </aside>
    }
}

/// A finding as the end of a sentence: it keeps its own first letter (node names are
/// lower case) and gets a full stop.
/// On a narrow screen the run sits under the lesson's text: once the reader has answered,
/// bring the run into view, since it now plays.
fn show_run_on_a_phone() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let narrow = window
        .inner_width()
        .ok()
        .and_then(|w| w.as_f64())
        .is_some_and(|w| w < 700.0);
    if !narrow {
        return;
    }
    // After the explanation the answer opens above the run has been drawn.
    let scroll = wasm_bindgen::closure::Closure::once_into_js(|| {
        if let Some(stage) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.query_selector(".stage").ok().flatten())
        {
            stage.scroll_into_view();
        }
    });
    window
        .set_timeout_with_callback_and_timeout_and_arguments_0(
            wasm_bindgen::JsCast::unchecked_ref(&scroll),
            100,
        )
        .ok();
}

fn sentence(text: &str) -> String {
    let mut s = text.trim().to_string();
    if !s.is_empty() && !s.ends_with('.') {
        s.push('.');
    }
    s
}

/// A moment to the nearest millisecond, as a reader wants it (the button still goes to
/// the exact one).
fn to_ms(t: Micros) -> Micros {
    (t + 500) / 1000 * 1000
}

#[derive(Properties, PartialEq)]
pub struct CourseMapProps {
    pub on_open: Callback<LessonAt>,
    pub on_close: Callback<()>,
}

/// Every topic of the course in teaching order, with its lessons and the reader's progress
/// in them; topics without a lesson yet are shown as such.
#[component]
pub fn CourseMap(props: &CourseMapProps) -> Html {
    // The lessons are fetched behind the page's first run; a reader quicker than that
    // waits for them here.
    let fetched = use_state(|| crate::lessons::loaded().then_some(Ok(())));
    use_effect_with((), {
        let fetched = fetched.clone();
        move |_| {
            if fetched.is_none() {
                wasm_bindgen_futures::spawn_local(async move {
                    fetched.set(Some(crate::lessons::load().await));
                });
            }
        }
    });
    let close = props.on_close.reform(|_: MouseEvent| ());
    let waiting = match &*fetched {
        Some(Ok(())) => None,
        Some(Err(e)) => Some(format!("The lessons could not be loaded: {e}.")),
        None => Some("Loading the lessons…".to_string()),
    };
    if let Some(words) = waiting {
        return html! {
            <section class="course-map" aria-label="Course map">
                <div class="course-head">
                    <h2>{"The course"}</h2>
                    <p class="muted">{ words }</p>
                    <button class="close" onclick={close} aria-label="Close the course map">{"×"}</button>
                </div>
            </section>
        };
    }
    let lessons = crate::lessons::all();
    let covered = TOPICS
        .iter()
        .filter(|(id, _)| lessons.iter().any(|l| l.topic == *id))
        .count();
    let topics = TOPICS.iter().map(|(id, title)| {
        let here: Vec<_> = lessons.iter().filter(|l| l.topic == *id).collect();
        let items = here.iter().map(|lesson| {
            let at = LessonAt::first(lesson);
            let seen = (0..lesson.steps.len())
                .filter(|i| progress::seen(&lesson.name, &(i + 1).to_string()))
                .count();
            let won = progress::won(&lesson.name);
            let onclick = {
                let on_open = props.on_open.clone();
                let at = at.clone();
                Callback::from(move |e: MouseEvent| {
                    e.prevent_default();
                    on_open.emit(at.clone());
                })
            };
            let mut state = format!("{seen} of {} steps seen", lesson.steps.len());
            if won {
                state.push_str(", challenge won");
            }
            html! {
                <li>
                    <a href={crate::url::link_with(&at.query())} {onclick}>{ &lesson.title }</a>
                    <span class="muted small">{ format!(" · {state}") }</span>
                </li>
            }
        });
        html! {
            <li class={classes!("topic", here.is_empty().then_some("uncovered"))}>
                <h3>{ *title }</h3>
                if here.is_empty() {
                    <p class="muted small">{"Not covered yet."}</p>
                } else {
                    <ul>{ for items }</ul>
                }
            </li>
        }
    });
    html! {
        <section class="course-map" aria-label="Course map">
            <div class="course-head">
                <h2>{"The course"}</h2>
                <p class="muted">{ format!("{} topics of a course on fault tolerance, in teaching order; {covered} have lessons so far. Each lesson is a few steps, each a run with a claim checked live, and a challenge to finish.", TOPICS.len()) }</p>
                <button class="close" onclick={close} aria-label="Close the course map">{"×"}</button>
            </div>
            <ol class="topics">{ for topics }</ol>
        </section>
    }
}

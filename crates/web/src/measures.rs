//! What a protocol measures over a run (`About::measures`), for protocols that measure
//! anything: beside the cluster, each reading now in words (`readings`); under the
//! cluster, a panel (`MeasuresPanel`) with a small chart per measure of its readings over
//! simulated time (measures of different units never share an axis), and the trade-off
//! sweep (`sweep.rs`): the same run with one duration setting at a ladder of values, each
//! measure's final reading plotted against the setting. Every colour means one thing, in
//! the panel's legend: blue a reading, orange a fault and green a repair (as under the
//! timeline), and a dashed dark line the setting's value in the run on screen.

use crate::chart;
use crate::state::{Msg, Page};
use crate::sweep::{self, Runner, Sweep};
use crate::topology::num;
use splitbrain_core::check::Sample;
use splitbrain_core::registry::{MeasureDesc, SettingDesc};
use splitbrain_core::sim::Sim;
use splitbrain_core::time::{Micros, Pretty, MICROS_PER_SEC};
use std::rc::Rc;
use yew::prelude::*;

// A chart's drawing is W x H (it is scaled to its card's width); the plot sits inside
// these margins, which hold the ticks and captions.
const W: f64 = 360.0;
const H: f64 = 150.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 14.0;
const TOP: f64 = 20.0;
const BOTTOM: f64 = 34.0;

/// The x of a point a fraction `f` along the plot.
fn px(f: f64) -> f64 {
    LEFT + f * (W - LEFT - RIGHT)
}

/// The y of `value` on an axis from 0 to `top`.
fn py(value: u64, top: u64) -> f64 {
    H - BOTTOM - value.min(top) as f64 / top.max(1) as f64 * (H - TOP - BOTTOM)
}

/// A reading on an axis that starts at zero.
fn level(reading: i64) -> u64 {
    reading.max(0) as u64
}

/// The first letter in capitals, for a heading.
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// The y axis: grid lines, ticks in the scale's unit and the unit above them.
fn y_axis(ticks: &[u64], top: u64, scale: chart::Scale) -> Html {
    html! {
        <>
        <text class="caption" x="2" y="11">{ scale.caption }</text>
        { for ticks.iter().map(|&t| {
            let y = py(t, top);
            html! {
                <>
                <line class="grid" x1={num(LEFT)} x2={num(W - RIGHT)} y1={num(y)} y2={num(y)} />
                <text class="tick" x={num(LEFT - 5.0)} y={num(y + 4.0)} text-anchor="end">{ chart::tick_label(t, scale.per) }</text>
                </>
            }
        }) }
        </>
    }
}

/// Tick labels under the plot, at fractions along it, and the axis's caption at its end.
fn x_axis(ticks: &[(f64, String)], caption: &str) -> Html {
    let y = H - BOTTOM;
    html! {
        <>
        <line class="axis" x1={num(LEFT)} x2={num(W - RIGHT)} y1={num(y)} y2={num(y)} />
        { for ticks.iter().map(|(f, label)| {
            let x = px(*f);
            html! {
                <>
                <line class="axis" x1={num(x)} x2={num(x)} y1={num(y)} y2={num(y + 3.0)} />
                <text class="tick" x={num(x)} y={num(y + 14.0)} text-anchor="middle">{ label.clone() }</text>
                </>
            }
        }) }
        <text class="caption" x={num(W - RIGHT)} y={num(H - 3.0)} text-anchor="end">{ caption.to_string() }</text>
        </>
    }
}

/// The readings as a step line (a reading holds until the next), broken where there is
/// none yet; a run of equal readings is one segment.
fn step_path(points: &[(Micros, Option<i64>)], end: Micros, top: u64) -> String {
    let mut d = String::new();
    // The level drawn so far, and how far right it reaches.
    let mut open: Option<(String, String)> = None;
    let close = |d: &mut String, open: &mut Option<(String, String)>| {
        if let Some((_, x)) = open.take() {
            d.push_str(&format!("H{x}"));
        }
    };
    for (t, v) in points {
        let x = num(px(*t as f64 / end.max(1) as f64));
        match v {
            None => close(&mut d, &mut open),
            Some(v) => {
                let y = num(py(level(*v), top));
                match &mut open {
                    Some((level_y, reach)) if *level_y == y => *reach = x,
                    Some(_) => {
                        d.push_str(&format!("H{x}V{y}"));
                        open = Some((y, x));
                    }
                    None => {
                        d.push_str(&format!("M{x} {y}"));
                        open = Some((y, x));
                    }
                }
            }
        }
    }
    close(&mut d, &mut open);
    d
}

/// One measure over simulated time, from 0 to `now`, with the faults and repairs of the
/// run (`marks`: when, its class, what it was) as thin lines.
fn time_chart(
    desc: &MeasureDesc,
    index: usize,
    samples: &[Sample],
    now: Micros,
    reading: Option<i64>,
    marks: &[(Micros, &'static str, String)],
) -> Html {
    if now == 0 {
        return html! { <p class="muted small chart-empty">{"The run is at its start: play it to see this measure over time."}</p> };
    }
    let mut series: Vec<(Micros, Option<i64>)> = samples
        .iter()
        .filter(|s| s.at_us <= now)
        .map(|s| (s.at_us, s.readings.get(index).copied().flatten()))
        .collect();
    if series.last().is_none_or(|(t, _)| *t < now) {
        series.push((now, reading));
    }
    let series = chart::thin(&series, now, (W - LEFT - RIGHT) as usize);
    let max = series.iter().filter_map(|(_, v)| *v).map(level).max();
    let (ticks, top) = chart::ticks_to(max.unwrap_or(0).max(chart::least_top(desc.unit)), 4);
    let scale = chart::scale(desc.unit, top);
    let x_ticks: Vec<(f64, String)> = chart::ticks_within(now, 6)
        .into_iter()
        .map(|t| (t as f64 / now as f64, chart::decimal(t, MICROS_PER_SEC)))
        .collect();
    let at = |t: Micros| px(t as f64 / now as f64);
    html! {
        <svg class="measure-chart over-time" viewBox={format!("0 0 {} {}", num(W), num(H))} role="img"
             aria-label={format!("{} over simulated time, from 0 s to {}", desc.name, chart::about(now))}>
            { y_axis(&ticks, top, scale) }
            { x_axis(&x_ticks, "simulated time (s)") }
            { for marks.iter().filter(|(t, _, _)| *t <= now).map(|(t, class, what)| html! {
                <line class={classes!("mark", *class)} x1={num(at(*t))} x2={num(at(*t))} y1={num(TOP)} y2={num(H - BOTTOM)}>
                    <title>{ format!("{}: {what}", Pretty(*t)) }</title>
                </line>
            }) }
            <path class="reading" d={step_path(&series, now, top)} />
            if let Some(r) = reading {
                <circle class="reading-now" cx={num(px(1.0))} cy={num(py(level(r), top))} r="3">
                    <title>{ format!("now ({}): {}", chart::about(now), desc.show(Some(r))) }</title>
                </circle>
            }
            if max.is_none() {
                <text class="none-yet" x={num(px(0.5))} y={num(py(top, top * 2))} text-anchor="middle">{"none yet"}</text>
            }
        </svg>
    }
}

/// One measure's final reading in each run of the sweep against the swept setting (on a
/// logarithmic axis, as the values are spread by ratio), with the value of the run on
/// screen as a dashed line; clicking a point opens its run.
fn sweep_chart(
    desc: &MeasureDesc,
    index: usize,
    sweep: &Sweep,
    current: Micros,
    open: &Callback<usize>,
) -> Html {
    let (lo, hi) = (sweep.values[0], sweep.values[sweep.values.len() - 1]);
    // A little room at both ends, so that the end points are not on the border.
    let along = |v: Micros| 0.04 + 0.92 * chart::log_position(v, lo, hi);
    let points: Vec<(usize, Micros, i64)> = sweep
        .points
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let reached = p.outcome.as_ref().ok()?;
            Some((i, p.value, reached.readings.get(index).copied().flatten()?))
        })
        .collect();
    let max = points.iter().map(|(_, _, v)| level(*v)).max().unwrap_or(0);
    let (ticks, top) = chart::ticks_to(max.max(chart::least_top(desc.unit)), 4);
    let scale = chart::scale(desc.unit, top);
    let x_ticks: Vec<(f64, String)> = chart::log_ticks(lo, hi, 5)
        .into_iter()
        .map(|v| (along(v), Pretty(v).to_string()))
        .collect();
    let name = sweep.setting.name;
    let line: Vec<String> = points
        .iter()
        .map(|(_, v, r)| format!("{},{}", num(px(along(*v))), num(py(level(*r), top))))
        .collect();
    let none_yet: Vec<String> = sweep
        .points
        .iter()
        .filter(|p| {
            p.outcome
                .as_ref()
                .is_ok_and(|r| r.readings.get(index).copied().flatten().is_none())
        })
        .map(|p| Pretty(p.value).to_string())
        .collect();
    html! {
        <>
        <svg class="measure-chart sweep-chart" viewBox={format!("0 0 {} {}", num(W), num(H))} role="group"
             aria-label={format!("{} at the end of each run, against the {name}", desc.name)}>
            { y_axis(&ticks, top, scale) }
            { x_axis(&x_ticks, &format!("{name} (log scale)")) }
            if (lo..=hi).contains(&current) {
                <line class="this-run" x1={num(px(along(current)))} x2={num(px(along(current)))} y1={num(TOP)} y2={num(H - BOTTOM)}>
                    <title>{ format!("the {name} of the run on screen: {}", Pretty(current)) }</title>
                </line>
            }
            <polyline class="sweep-line" points={line.join(" ")} />
            { for points.iter().map(|&(i, v, r)| {
                let (x, y) = (px(along(v)), py(level(r), top));
                let said = format!("{name} {}: {} {}", Pretty(v), desc.name, desc.show(Some(r)));
                let onclick = open.reform(move |_: MouseEvent| i);
                let onkeydown = {
                    let open = open.clone();
                    Callback::from(move |e: KeyboardEvent| {
                        if e.key() == "Enter" || e.key() == " " {
                            e.prevent_default();
                            open.emit(i);
                        }
                    })
                };
                html! {
                    <g class="sweep-point" role="button" tabindex="0" {onclick} {onkeydown}
                       data-value-us={v.to_string()} data-reading={r.to_string()}
                       aria-label={format!("{said}: open this run")}>
                        <title>{ format!("{said}. Click to open this run.") }</title>
                        <circle class="hit" cx={num(x)} cy={num(y)} r="11" />
                        <circle class="dot" cx={num(x)} cy={num(y)} r="4" />
                    </g>
                }
            }) }
        </svg>
        if !none_yet.is_empty() {
            <p class="muted small chart-note">{ format!("No reading yet at the end with the {name} at {}.", none_yet.join(", ")) }</p>
        }
        </>
    }
}

/// What the panel's colours and lines mean (only those drawn).
fn legend(marks: &[(Micros, &'static str, String)], sweep: Option<(&str, Micros)>) -> Html {
    let has = |class: &str| marks.iter().any(|(_, c, _)| *c == class);
    let swatch = |inner: Html| {
        html! { <svg class="swatch" viewBox="0 0 28 12" aria-hidden="true">{ inner }</svg> }
    };
    html! {
        <ul class="chart-legend">
            <li>{ swatch(html! { <path class="reading" d="M1 9H12V3H27" /> }) }{"a measure's reading over simulated time, up to now"}</li>
            if has("fault") {
                <li>{ swatch(html! { <line class="mark fault" x1="14" x2="14" y1="0" y2="12" /> }) }{"a fault (as under the timeline)"}</li>
            }
            if has("repair") {
                <li>{ swatch(html! { <line class="mark repair" x1="14" x2="14" y1="0" y2="12" /> }) }{"a repair"}</li>
            }
            if let Some((name, value)) = sweep {
                <li>{ swatch(html! { <circle class="dot" cx="14" cy="6" r="4" /> }) }{"one run of the sweep: its reading at the end (click to open it)"}</li>
                <li>{ swatch(html! { <line class="this-run" x1="14" x2="14" y1="0" y2="12" /> }) }{ format!("the {name} of the run on screen ({})", Pretty(value)) }</li>
            }
        </ul>
    }
}

/// The sweep's numbers as a table, for reading exact values.
fn sweep_table(measures: &[&'static MeasureDesc], sweep: &Sweep) -> Html {
    html! {
        <details class="sweep-numbers">
            <summary>{"The sweep's numbers"}</summary>
            <table class="log">
                <thead><tr>
                    <th scope="col">{ sweep.setting.name }</th>
                    { for measures.iter().map(|m| html! { <th scope="col" title={m.help}>{ m.name }</th> }) }
                </tr></thead>
                <tbody>{ for sweep.points.iter().map(|p| {
                    let value = Pretty(p.value).to_string();
                    match &p.outcome {
                        Ok(r) => html! {
                            <tr>
                                <th scope="row">
                                    { value }
                                    if p.value == sweep.from_value {
                                        <span class="muted small">{" (the run the sweep began from)"}</span>
                                    }
                                    if let Some((at, what)) = &r.stopped {
                                        <span class="muted small">{ format!(" (stopped at {}: {what})", Pretty(*at)) }</span>
                                    }
                                </th>
                                { for measures.iter().enumerate().map(|(i, m)| html! {
                                    <td>{ m.show(r.readings.get(i).copied().flatten()) }</td>
                                }) }
                            </tr>
                        },
                        Err(e) => html! {
                            <tr><th scope="row">{ value }</th><td class="bad" colspan={measures.len().to_string()}>{ format!("not run: {e}") }</td></tr>
                        },
                    }
                }) }</tbody>
            </table>
        </details>
    }
}

/// The run's faults and repairs up to `now`, as (when, class, in words).
fn marks(world: &dyn Sim, now: Micros) -> Vec<(Micros, &'static str, String)> {
    world
        .schedule_so_far()
        .iter()
        .filter(|s| s.at <= now)
        .filter_map(|s| {
            let class = crate::app::marker_kind(&s.action);
            (class != "client").then(|| (s.at, class, splitbrain_core::describe::action(&s.action)))
        })
        .collect()
}

/// Each measure's reading now, in words, for the column beside the cluster; a button
/// scrolls to the charts. Nothing for a protocol that measures nothing.
pub fn readings(world: &dyn Sim) -> Html {
    let measures = world.measures();
    if measures.is_empty() {
        return html! {};
    }
    let to_charts = Callback::from(|_: MouseEvent| {
        if let Some(panel) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id("measures"))
        {
            panel.scroll_into_view();
        }
    });
    html! {
        <section class="measures-now" aria-label="Measures now">
            <h2>{ format!("Measured at {}", chart::about(world.now())) }</h2>
            <dl class="facts">
                { for measures.iter().map(|(m, r)| html! {
                    <>
                    <dt title={m.help}>{ m.name }</dt>
                    <dd data-measure={m.name}>{ m.show(*r) }</dd>
                    </>
                }) }
            </dl>
            <button class="link-button small" onclick={to_charts}>{"Charts over time, and a trade-off sweep ↓"}</button>
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub page: UseReducerHandle<Page>,
}

/// The measures over time and the trade-off sweep, under the cluster.
#[component]
pub fn MeasuresPanel(props: &Props) -> Html {
    let page = &props.page;
    let runner = use_mut_ref(Runner::default);
    let force = use_force_update();
    let redraw: Rc<dyn Fn()> = Rc::new(move || force.force_update());
    // The setting the reader picked to sweep (by name), if not the default.
    let picked = use_state(|| None::<&'static str>);
    let world = page.world.borrow();
    let about = world.about();
    if about.measures.is_empty() {
        return html! {};
    }
    let now = world.now();
    let measures = world.measures();
    let recipe = page.recipe(None);
    let settings = sweep::sweepable(about);
    let setting: Option<&'static SettingDesc> = picked
        .and_then(|name| settings.iter().copied().find(|d| d.name == name))
        .or_else(|| sweep::default_setting(&settings));
    // A sweep of another setting, or of a run that is no longer this one, is dropped.
    {
        let mut r = runner.borrow_mut();
        let drop_why: Option<Option<String>> = r.sweep.as_ref().and_then(|s| {
            if setting.is_none_or(|d| d.name != s.setting.name) {
                Some(None)
            } else if s.family != sweep::family(&recipe, s.setting.name) {
                Some(Some(format!(
                    "The run changed (its set-up or its actions), so the sweep of the {}, made for the run before, was dropped.",
                    s.setting.name
                )))
            } else {
                None
            }
        });
        if let Some(why) = drop_why {
            r.drop_sweep(why);
        }
    }
    let marks = marks(&**world, now);
    let runner_ref = runner.borrow();
    let sweep = runner_ref.sweep.as_ref();
    let current = setting.map(|d| sweep::value_in(d, &recipe));

    let start = {
        let (page, runner, redraw) = (page.clone(), runner.clone(), redraw.clone());
        Callback::from(move |_: MouseEvent| {
            let Some(setting) = setting else {
                return;
            };
            let end = page.world.borrow().now();
            let made = Sweep::new(&page.recipe(None), setting, end);
            match made {
                Ok(s) => {
                    runner.borrow_mut().start(s);
                    sweep::drive(&runner, redraw.clone());
                }
                Err(e) => runner.borrow_mut().note = Some(e),
            }
            redraw();
        })
    };
    let cancel = {
        let (runner, redraw) = (runner.clone(), redraw.clone());
        Callback::from(move |_: MouseEvent| {
            runner.borrow_mut().cancel();
            redraw();
        })
    };
    let on_pick = {
        let picked = picked.clone();
        let names: Vec<&'static str> = settings.iter().map(|d| d.name).collect();
        Callback::from(move |e: Event| {
            if let Some(select) = e.target_dyn_into::<web_sys::HtmlSelectElement>() {
                let name = select.value();
                picked.set(names.iter().copied().find(|n| *n == name));
            }
        })
    };
    let open = {
        let (page, runner) = (page.clone(), runner.clone());
        Callback::from(move |i: usize| {
            let found = runner.borrow().sweep.as_ref().and_then(|s| {
                let p = s.points.get(i)?;
                let r = p.outcome.as_ref().ok()?;
                Some((r.recipe.clone(), s.setting.name, p.value))
            });
            if let Some((recipe, name, value)) = found {
                let at = recipe.at_us.unwrap_or(0);
                page.dispatch(Msg::Load(
                    Box::new(recipe),
                    Some(format!(
                        "Opened the sweep's run with the {name} at {}, paused at {}.",
                        Pretty(value),
                        chart::about(at)
                    )),
                ));
            }
        })
    };

    let running = sweep.is_some_and(|s| !s.done());
    let bar = setting.map(|d| {
        let (min, max) = sweep::range(d);
        let ladder = chart::ladder(current.unwrap_or(min), min, max, sweep::RUNS);
        let (lo, hi) = (ladder[0], ladder[ladder.len() - 1]);
        let choose = if settings.len() > 1 {
            html! {
                <label>{"Sweep the "}
                    <select aria-label="Setting to sweep" onchange={on_pick} disabled={running}>
                        { for settings.iter().map(|s| html! {
                            <option value={s.name} selected={s.name == d.name} title={s.help}>
                                { if s.label == s.name { s.name.to_string() } else { format!("{} ({})", s.name, s.label) } }
                            </option>
                        }) }
                    </select>
                </label>
            }
        } else {
            html! {}
        };
        let status = match sweep {
            Some(s) if !s.done() => {
                let value = s.running_value().map_or(String::new(), |v| Pretty(v).to_string());
                html! {
                    <>
                    <progress max="1000" value={((s.progress() * 1000.0) as u64).to_string()} aria-label="How far the sweep is"></progress>
                    <span class="sweep-status" role="status">{ format!("Run {} of {}: the {} at {value}", s.points.len() + 1, s.values.len(), s.setting.name) }</span>
                    <button onclick={cancel}>{"Cancel"}</button>
                    </>
                }
            }
            Some(s) => {
                let said = if s.cancelled {
                    format!("Cancelled after {} of {} runs.", s.points.len(), s.values.len())
                } else {
                    format!(
                        "{} runs of this set-up to {}, with the {} from {} to {} (computed in {}). Each dot is one run: click it to open the run.",
                        s.values.len(),
                        chart::about(s.end_us),
                        s.setting.name,
                        Pretty(s.values[0]),
                        Pretty(s.values[s.values.len() - 1]),
                        chart::about(s.spent_ms as u64 * 1000)
                    )
                };
                html! {
                    <>
                    <button class="primary" onclick={start}>{ format!("Sweep the {} again", d.name) }</button>
                    <span class="sweep-status" role="status">{ said }</span>
                    </>
                }
            }
            None if now == 0 => html! {
                <>
                <button class="primary" disabled=true>{ format!("Sweep the {}", d.name) }</button>
                <span class="muted">{ format!(
                    "Play the run first: the sweep runs this set-up again with other values of the {}, each as far as the run on screen has gone.",
                    d.name
                ) }</span>
                </>
            },
            None => html! {
                <>
                <button class="primary" onclick={start}>{ format!("Sweep the {}", d.name) }</button>
                <span class="muted">{ format!(
                    "Runs this set-up (same seed, settings and actions) {} times to {}, with the {} from {} to {}, and plots each measure at the end against it.",
                    ladder.len(), chart::about(now), d.name, Pretty(lo), Pretty(hi)
                ) }</span>
                </>
            },
        };
        html! {
            <div class="sweep-bar">
                <span class="sweep-title">{"Trade-off"}</span>
                { choose }
                { status }
            </div>
        }
    });
    let note = runner_ref
        .note
        .as_ref()
        .map(|n| html! { <p class="notice small" role="status">{ n.clone() }</p> });
    let failed: Vec<Html> = sweep
        .map(|s| {
            s.points
                .iter()
                .filter_map(|p| {
                    let e = p.outcome.as_ref().err()?;
                    Some(html! { <li>{ format!("the {} at {}: {e}", s.setting.name, Pretty(p.value)) }</li> })
                })
                .collect()
        })
        .unwrap_or_default();
    let descs: Vec<&'static MeasureDesc> = measures.iter().map(|(m, _)| *m).collect();
    html! {
        <section class="measures" id="measures" aria-label="Measures">
            <div class="panel-head">
                <h2>{"Measures"}</h2>
                <span class="muted">{ format!("What {} measures in this run: its readings every 100 ms of simulated time, up to now ({}).", about.look.called, chart::about(now)) }</span>
            </div>
            { for bar }
            { for note }
            if !failed.is_empty() {
                <div class="notice small" role="alert"><p>{"Some runs of the sweep could not be made:"}</p><ul>{ for failed }</ul></div>
            }
            { legend(&marks, sweep.zip(current).map(|(s, c)| (s.setting.name, c))) }
            <div class="measure-grid">
                { for measures.iter().enumerate().map(|(i, (desc, reading))| html! {
                    <article class="measure" data-measure={desc.name}>
                        <h3 title={desc.help}>
                            <span>{ capitalised(desc.name) }</span>
                            <span class="current">{ desc.show(*reading) }</span>
                        </h3>
                        <p class="help">{ desc.help }</p>
                        <p class="chart-title">{"Over simulated time"}</p>
                        { time_chart(desc, i, world.samples(), now, *reading, &marks) }
                        if let (Some(s), Some(c)) = (sweep, current) {
                            <p class="chart-title">{ format!("At {} in each run of the sweep, by {}", chart::about(s.end_us), s.setting.name) }</p>
                            { sweep_chart(desc, i, s, c, &open) }
                        }
                    </article>
                }) }
            </div>
            if let Some(s) = sweep.filter(|s| !s.points.is_empty()) {
                { sweep_table(&descs, s) }
            }
        </section>
    }
}

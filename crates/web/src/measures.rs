//! What a protocol measures over a run (`About::measures`), for protocols that measure
//! anything: beside the cluster, each reading now in words (`readings`); under the
//! cluster, a panel (`MeasuresPanel`) with a small chart per measure of its readings over
//! simulated time (measures of different units never share an axis), and the trade-off
//! sweep (`sweep.rs`): the same run with one duration setting at a ladder of values, each
//! measure's final reading plotted against the setting. Every colour means one thing, in
//! the panel's legend: blue a reading, orange a fault and green a repair (as under the
//! timeline), and a dashed dark line the setting's value in the run on screen.
//!
//! The charts, the legend and the sweep's table are markup written as text (`markup.rs`),
//! one raw node each, not `html!` per element: they are many small elements, and written
//! as Yew nodes they cost about 30 KB of WebAssembly. A click on (or Enter at) a sweep's
//! point reaches the one handler on the grid of charts, which reads the point's
//! `data-point`.

use crate::chart;
use crate::markup::{self, escape, Tenths};
use crate::state::{Msg, Page};
use crate::sweep::{self, Runner, Sweep};
use splitbrain_core::check::Sample;
use splitbrain_core::registry::{MeasureDesc, SettingDesc};
use splitbrain_core::sim::Sim;
use splitbrain_core::time::{Micros, Pretty, MICROS_PER_SEC};
use std::fmt::Write;
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
fn px(f: f64) -> Tenths {
    Tenths::of(LEFT + f * (W - LEFT - RIGHT))
}

/// The y of `value` on an axis from 0 to `top`.
fn py(value: u64, top: u64) -> Tenths {
    Tenths::of(H - BOTTOM - value.min(top) as f64 / top.max(1) as f64 * (H - TOP - BOTTOM))
}

/// `t` moved by `by` units (down for y, right for x).
fn moved(t: Tenths, by: i64) -> Tenths {
    Tenths(t.0 + 10 * by)
}

/// A reading on an axis that starts at zero.
fn level(reading: i64) -> u64 {
    reading.max(0) as u64
}

/// The first letter in capitals, for a heading.
pub(crate) fn capitalised(text: &str) -> String {
    let (first, rest) = text.split_at(text.chars().next().map_or(0, char::len_utf8));
    upper(first) + rest
}

/// `text` in capitals: by the browser's Unicode tables in the page (Rust's would bring
/// 12 KB of them into the binary, for this one letter).
fn upper(text: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::JsString::from(text).to_upper_case().into()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        text.to_uppercase()
    }
}

/// A chart's `<svg>` start tag: its classes, role and label (`label`, markup already).
fn svg_start(out: &mut String, class: &str, role: &str, label: std::fmt::Arguments) {
    let _ = write!(
        out,
        r#"<svg class="measure-chart {class}" viewBox="0 0 {} {}" role="{role}" aria-label="{label}">"#,
        Tenths::of(W),
        Tenths::of(H)
    );
}

/// The y axis: grid lines, ticks in the scale's unit and the unit above them.
fn y_axis(out: &mut String, ticks: &[u64], top: u64, scale: chart::Scale) {
    let _ = write!(
        out,
        r#"<text class="caption" x="2" y="11">{}</text>"#,
        escape(scale.caption)
    );
    let (left, right) = (Tenths::of(LEFT), Tenths::of(W - RIGHT));
    for &t in ticks {
        let y = py(t, top);
        let _ = write!(
            out,
            r#"<line class="grid" x1="{left}" x2="{right}" y1="{y}" y2="{y}"/><text class="tick" x="{}" y="{}" text-anchor="end">{}</text>"#,
            moved(left, -5),
            moved(y, 4),
            chart::tick_label(t, scale.per)
        );
    }
}

/// Tick labels under the plot, at fractions along it, and the axis's caption (the text
/// `caption`, then the markup `then`) at its end.
fn x_axis(out: &mut String, ticks: &[(f64, String)], caption: &str, then: &str) {
    markup::x_axis(
        out,
        (
            Tenths::of(LEFT),
            Tenths::of(W - RIGHT),
            Tenths::of(H - BOTTOM),
        ),
        ticks.iter().map(|(f, label)| (px(*f), label.clone())),
        (caption, then, Tenths::of(H - 3.0)),
    );
}

/// The readings as a step line's path (a reading holds until the next), broken where
/// there is none yet; a run of equal readings is one segment.
fn step_path(out: &mut String, points: &[(Micros, Option<i64>)], end: Micros, top: u64) {
    // The level drawn so far, and how far right it reaches.
    let mut open: Option<(Tenths, Tenths)> = None;
    for (t, v) in points {
        let x = px(*t as f64 / end.max(1) as f64);
        let Some(v) = v else {
            if let Some((_, reach)) = open.take() {
                let _ = write!(out, "H{reach}");
            }
            continue;
        };
        let y = py(level(*v), top);
        match &mut open {
            Some((at, reach)) if *at == y => *reach = x,
            Some(_) => {
                let _ = write!(out, "H{x}V{y}");
                open = Some((y, x));
            }
            None => {
                let _ = write!(out, "M{x} {y}");
                open = Some((y, x));
            }
        }
    }
    if let Some((_, reach)) = open {
        let _ = write!(out, "H{reach}");
    }
}

/// A card's heading, help and the first chart's title.
fn card_top(out: &mut String, desc: &MeasureDesc, reading: Option<i64>) {
    let help = escape(desc.help);
    let _ = write!(
        out,
        r#"<h3 title="{help}"><span>{}</span><span class="current">{}</span></h3><p class="help">{help}</p><p class="chart-title">Over simulated time</p>"#,
        escape(&capitalised(desc.name)),
        escape(&desc.show(reading))
    );
}

/// One measure over simulated time, from 0 to `now`, with the faults and repairs of the
/// run (`marks`: when, its class, what it was) as thin lines.
fn time_chart(
    out: &mut String,
    desc: &MeasureDesc,
    index: usize,
    samples: &[Sample],
    now: Micros,
    reading: Option<i64>,
    marks: &[(Micros, &'static str, String)],
) {
    if now == 0 {
        out.push_str(r#"<p class="muted small chart-empty">The run is at its start: play it to see this measure over time.</p>"#);
        return;
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
    svg_start(
        out,
        "over-time",
        "img",
        format_args!(
            "{} over simulated time, from 0 s to {}",
            escape(desc.name),
            chart::about(now)
        ),
    );
    y_axis(out, &ticks, top, scale);
    x_axis(out, &x_ticks, "simulated time (s)", "");
    let (y1, y2) = (Tenths::of(TOP), Tenths::of(H - BOTTOM));
    for (t, class, what) in marks.iter().filter(|(t, _, _)| *t <= now) {
        let x = px(*t as f64 / now as f64);
        let _ = write!(
            out,
            r#"<line class="mark {class}" x1="{x}" x2="{x}" y1="{y1}" y2="{y2}"><title>{}: {}</title></line>"#,
            Pretty(*t),
            escape(what)
        );
    }
    out.push_str(r#"<path class="reading" d=""#);
    step_path(out, &series, now, top);
    out.push_str(r#""/>"#);
    if let Some(r) = reading {
        let _ = write!(
            out,
            r#"<circle class="reading-now" cx="{}" cy="{}" r="3"><title>now ({}): {}</title></circle>"#,
            px(1.0),
            py(level(r), top),
            chart::about(now),
            escape(&desc.show(Some(r)))
        );
    }
    if max.is_none() {
        let _ = write!(
            out,
            r#"<text class="none-yet" x="{}" y="{}" text-anchor="middle">{}</text>"#,
            px(0.5),
            py(top, top * 2),
            escape(desc.none)
        );
    }
    out.push_str("</svg>");
}

/// One measure's final reading in each run of a sweep of the setting `name` from `lo` to
/// `hi` (`points`: the run's place in the sweep, the setting's value, the reading), against
/// the setting on a logarithmic axis (as the values are spread by ratio), with `current`,
/// the value of the run on screen, as a dashed line. Each point is a button that names
/// its run in `data-point`.
fn sweep_svg(
    out: &mut String,
    desc: &MeasureDesc,
    name: &str,
    (lo, hi): (Micros, Micros),
    points: &[(usize, Micros, i64)],
    current: Micros,
) {
    // A little room at both ends, so that the end points are not on the border.
    let along = |v: Micros| 0.04 + 0.92 * chart::log_position(v, lo, hi);
    let max = points.iter().map(|(_, _, v)| level(*v)).max().unwrap_or(0);
    let (ticks, top) = chart::ticks_to(max.max(chart::least_top(desc.unit)), 4);
    let scale = chart::scale(desc.unit, top);
    let x_ticks: Vec<(f64, String)> = chart::log_ticks(lo, hi, 5)
        .into_iter()
        .map(|v| (along(v), Pretty(v).to_string()))
        .collect();
    let measure = escape(desc.name);
    svg_start(
        out,
        "sweep-chart",
        "group",
        format_args!(
            "{measure} at the end of each run, against the {}",
            escape(name)
        ),
    );
    y_axis(out, &ticks, top, scale);
    x_axis(out, &x_ticks, name, " (log scale)");
    let name = escape(name);
    if (lo..=hi).contains(&current) {
        let x = px(along(current));
        let _ = write!(
            out,
            r#"<line class="this-run" x1="{x}" x2="{x}" y1="{}" y2="{}"><title>the {name} of the run on screen: {}</title></line>"#,
            Tenths::of(TOP),
            Tenths::of(H - BOTTOM),
            Pretty(current)
        );
    }
    out.push_str(r#"<polyline class="sweep-line" points=""#);
    for (k, (_, v, r)) in points.iter().enumerate() {
        let space = if k == 0 { "" } else { " " };
        let _ = write!(out, "{space}{},{}", px(along(*v)), py(level(*r), top));
    }
    out.push_str(r#""/>"#);
    for &(i, v, r) in points {
        let (x, y) = (px(along(v)), py(level(r), top));
        let value = Pretty(v);
        let shown = desc.show(Some(r));
        let shown = escape(&shown);
        let _ = write!(
            out,
            r#"<g class="sweep-point" role="button" tabindex="0" data-point="{i}" data-value-us="{v}" data-reading="{r}" aria-label="{name} {value}: {measure} {shown}: open this run"><title>{name} {value}: {measure} {shown}. Click to open this run.</title><circle class="hit" cx="{x}" cy="{y}" r="11"/><circle class="dot" cx="{x}" cy="{y}" r="4"/></g>"#
        );
    }
    out.push_str("</svg>");
}

/// Under a card's chart over time, its chart of the sweep (`sweep_svg`) with its title,
/// and which runs had no reading at the end.
fn sweep_chart(out: &mut String, desc: &MeasureDesc, index: usize, sweep: &Sweep, current: Micros) {
    let name = sweep.setting.name;
    let _ = write!(
        out,
        r#"<p class="chart-title">At {} in each run of the sweep, by {}</p>"#,
        chart::about(sweep.end_us),
        escape(name)
    );
    let reading = |p: &sweep::Point| {
        p.outcome
            .as_ref()
            .ok()
            .map(|r| r.readings.get(index).copied().flatten())
    };
    let points: Vec<(usize, Micros, i64)> = sweep
        .points
        .iter()
        .enumerate()
        .filter_map(|(i, p)| Some((i, p.value, reading(p)??)))
        .collect();
    let ends = (sweep.values[0], sweep.values[sweep.values.len() - 1]);
    sweep_svg(out, desc, name, ends, &points, current);
    let mut none_yet = sweep
        .points
        .iter()
        .filter(|p| reading(p) == Some(None))
        .peekable();
    if none_yet.peek().is_some() {
        let _ = write!(
            out,
            r#"<p class="muted small chart-note">No reading yet at the end with the {} at "#,
            escape(name)
        );
        for (k, p) in none_yet.enumerate() {
            let comma = if k == 0 { "" } else { ", " };
            let _ = write!(out, "{comma}{}", Pretty(p.value));
        }
        out.push_str(".</p>");
    }
}

/// A measure's card: its reading now and help, its chart over time and, after a sweep
/// (`swept`: with the setting's value in the run on screen), its chart of the sweep.
fn card(
    desc: &MeasureDesc,
    index: usize,
    reading: Option<i64>,
    samples: &[Sample],
    now: Micros,
    marks: &[(Micros, &'static str, String)],
    swept: Option<(&Sweep, Micros)>,
) -> Html {
    let mut top = String::new();
    card_top(&mut top, desc, reading);
    time_chart(&mut top, desc, index, samples, now, reading, marks);
    // Apart from the chart over time, which changes as the run plays, so that a point in
    // focus stays so.
    let below = swept.map(|(s, c)| {
        let mut below = String::new();
        sweep_chart(&mut below, desc, index, s, c);
        markup::raw(below)
    });
    html! {
        <article class="measure" data-measure={desc.name}>
            { markup::raw(top) }
            { for below }
        </article>
    }
}

/// What the panel's colours and lines mean (only those drawn).
fn legend(
    out: &mut String,
    marks: &[(Micros, &'static str, String)],
    sweep: Option<(&str, Micros)>,
) {
    let has = |class: &str| marks.iter().any(|(_, c, _)| *c == class);
    out.push_str(r#"<ul class="chart-legend">"#);
    let mut item = |shape: &str, text: std::fmt::Arguments| {
        let _ = write!(
            out,
            r#"<li><svg class="swatch" viewBox="0 0 28 12" aria-hidden="true">{shape}</svg>{text}</li>"#
        );
    };
    let line = |class: &str| format!(r#"<line class="{class}" x1="14" x2="14" y1="0" y2="12"/>"#);
    item(
        r#"<path class="reading" d="M1 9H12V3H27"/>"#,
        format_args!("a measure's reading over simulated time, up to now"),
    );
    if has("fault") {
        item(
            &line("mark fault"),
            format_args!("a fault (as under the timeline)"),
        );
    }
    if has("repair") {
        item(&line("mark repair"), format_args!("a repair"));
    }
    if let Some((name, value)) = sweep {
        item(
            r#"<circle class="dot" cx="14" cy="6" r="4"/>"#,
            format_args!("one run of the sweep: its reading at the end (click to open it)"),
        );
        item(
            &line("this-run"),
            format_args!(
                "the {} of the run on screen ({})",
                escape(name),
                Pretty(value)
            ),
        );
    }
    out.push_str("</ul>");
}

/// The sweep's numbers as a table, for reading exact values.
fn sweep_table(measures: &[&'static MeasureDesc], sweep: &Sweep) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<table class="log"><thead><tr><th scope="col">{}</th>"#,
        escape(sweep.setting.name)
    );
    for m in measures {
        let _ = write!(
            out,
            r#"<th scope="col" title="{}">{}</th>"#,
            escape(m.help),
            escape(m.name)
        );
    }
    out.push_str("</tr></thead><tbody>");
    for p in &sweep.points {
        let _ = write!(out, r#"<tr><th scope="row">{}"#, Pretty(p.value));
        match &p.outcome {
            Ok(r) => {
                if p.value == sweep.from_value {
                    out.push_str(
                        r#"<span class="muted small"> (the run the sweep began from)</span>"#,
                    );
                }
                if let Some((at, what)) = &r.stopped {
                    let _ = write!(
                        out,
                        r#"<span class="muted small"> (stopped at {}: {})</span>"#,
                        Pretty(*at),
                        escape(what)
                    );
                }
                out.push_str("</th>");
                for (i, m) in measures.iter().enumerate() {
                    let shown = m.show(r.readings.get(i).copied().flatten());
                    let _ = write!(out, "<td>{}</td>", escape(&shown));
                }
            }
            Err(e) => {
                let _ = write!(
                    out,
                    r#"</th><td class="bad" colspan="{}">not run: {}</td>"#,
                    measures.len(),
                    escape(e)
                );
            }
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
    out
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
    let mut facts = String::new();
    for (m, r) in &measures {
        let name = escape(m.name);
        let _ = write!(
            facts,
            r#"<dt title="{}">{name}</dt><dd data-measure="{name}">{}</dd>"#,
            escape(m.help),
            escape(&m.show(*r))
        );
    }
    // The meter's warning (the overloaded service's "metastable") as a badge above them.
    let alarm = world.alarm().map(|a| {
        format!(
            r#"<p class="alarm" role="status"><strong class="badge">{}</strong> {}</p>"#,
            escape(&a.badge),
            escape(&capitalised(&a.says))
        )
    });
    html! {
        <section class="measures-now" aria-label="Measures now">
            <h2>{ format!("Measured at {}", chart::about(world.now())) }</h2>
            if let Some(alarm) = alarm { { markup::raw(alarm) } }
            <dl class="facts">{ markup::raw(facts) }</dl>
            <button class="link-button small" onclick={to_charts}>{"Charts over time, and a trade-off sweep ↓"}</button>
        </section>
    }
}

/// What starts, cancels and picks a sweep, for its bar.
struct Handlers {
    start: Callback<MouseEvent>,
    cancel: Callback<MouseEvent>,
    pick: Callback<Event>,
}

/// The sweep's bar: the setting to sweep (when there is a choice), the button that starts
/// a sweep (or its progress and a button that cancels it), and what it does or did.
fn sweep_bar(
    d: &'static SettingDesc,
    settings: &[&'static SettingDesc],
    sweep: Option<&Sweep>,
    current: Option<Micros>,
    now: Micros,
    Handlers {
        start,
        cancel,
        pick,
    }: Handlers,
) -> Html {
    let running = sweep.is_some_and(|s| !s.done());
    let (min, max) = sweep::range(d);
    let ladder = chart::ladder(current.unwrap_or(min), min, max, sweep::RUNS);
    let (lo, hi) = (ladder[0], ladder[ladder.len() - 1]);
    let choose = if settings.len() > 1 {
        html! {
            <label>{"Sweep the "}
                <select aria-label="Setting to sweep" onchange={pick} disabled={running}>
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
    // What the sweep is doing or did, or what it would do.
    let (said, class, role) = match sweep {
        Some(s) if !s.done() => (
            format!(
                "Run {} of {}: the {} at {}",
                s.points.len() + 1,
                s.values.len(),
                s.setting.name,
                s.running_value().map_or(String::new(), |v| Pretty(v).to_string())
            ),
            "sweep-status",
            Some("status"),
        ),
        Some(s) if s.cancelled => (
            format!("Cancelled after {} of {} runs.", s.points.len(), s.values.len()),
            "sweep-status",
            Some("status"),
        ),
        Some(s) => (
            format!(
                "{} runs of this set-up to {}, with the {} from {} to {} (computed in {}). Each dot is one run: click it to open the run.",
                s.values.len(),
                chart::about(s.end_us),
                s.setting.name,
                Pretty(s.values[0]),
                Pretty(s.values[s.values.len() - 1]),
                chart::about(s.spent_ms as u64 * 1000)
            ),
            "sweep-status",
            Some("status"),
        ),
        None if now == 0 => (
            format!(
                "Play the run first: the sweep runs this set-up again with other values of the {}, each as far as the run on screen has gone.",
                d.name
            ),
            "muted",
            None,
        ),
        None => (
            format!(
                "Runs this set-up (same seed, settings and actions) {} times to {}, with the {} from {} to {}, and plots each measure at the end against it.",
                ladder.len(), chart::about(now), d.name, Pretty(lo), Pretty(hi)
            ),
            "muted",
            None,
        ),
    };
    // While a sweep runs: its progress, then what it is doing and a button that cancels
    // it; else the button that starts one, then what it does (or did).
    let progress = sweep
        .filter(|s| !s.done())
        .map(|s| ((s.progress() * 1000.0) as u64).to_string());
    let again = if sweep.is_some() { " again" } else { "" };
    html! {
        <div class="sweep-bar">
            <span class="sweep-title">{"Trade-off"}</span>
            { choose }
            if let Some(value) = progress {
                <progress max="1000" {value} aria-label="How far the sweep is"></progress>
            } else {
                <button class="primary" onclick={start} disabled={now == 0 && sweep.is_none()}>{ format!("Sweep the {}{again}", d.name) }</button>
            }
            <span {class} {role}>{ said }</span>
            if running {
                <button onclick={cancel}>{"Cancel"}</button>
            }
        </div>
    }
}

/// The sweep's point that `event` is on (its `data-point`), if it is on one.
fn point_of(event: &Event) -> Option<usize> {
    markup::data_of(event, "[data-point]", "data-point")?
        .parse()
        .ok()
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
    // Opens the run of the sweep's point `i`.
    let open: Rc<dyn Fn(usize)> = {
        let (page, runner) = (page.clone(), runner.clone());
        Rc::new(move |i: usize| {
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
    // The charts' points are markup: one handler for all of them, here on the grid.
    let on_click = {
        let open = open.clone();
        Callback::from(move |e: MouseEvent| {
            if let Some(i) = point_of(&e) {
                open(i);
            }
        })
    };
    let on_key = Callback::from(move |e: KeyboardEvent| {
        if e.key() == "Enter" || e.key() == " " {
            if let Some(i) = point_of(&e) {
                e.prevent_default();
                open(i);
            }
        }
    });

    let bar = setting.map(|d| {
        let handlers = Handlers {
            start,
            cancel,
            pick: on_pick,
        };
        sweep_bar(d, &settings, sweep, current, now, handlers)
    });
    let mut head = String::new();
    let _ = write!(
        head,
        r#"<div class="panel-head"><h2>Measures</h2><span class="muted">What {} measures in this run: its readings every 100 ms of simulated time, up to now ({}).</span></div>"#,
        escape(about.look.called),
        chart::about(now)
    );
    // Under the bar: why a sweep could not start (or was dropped), the runs it could not
    // make, and the legend.
    let mut notes = String::new();
    if let Some(n) = &runner_ref.note {
        let _ = write!(
            notes,
            r#"<p class="notice small" role="status">{}</p>"#,
            escape(n)
        );
    }
    if let Some(s) = sweep {
        let mut failed = s
            .points
            .iter()
            .filter_map(|p| Some((p.value, p.outcome.as_ref().err()?)))
            .peekable();
        if failed.peek().is_some() {
            notes.push_str(r#"<div class="notice small" role="alert"><p>Some runs of the sweep could not be made:</p><ul>"#);
            for (value, e) in failed {
                let _ = write!(
                    notes,
                    "<li>the {} at {}: {}</li>",
                    escape(s.setting.name),
                    Pretty(value),
                    escape(e)
                );
            }
            notes.push_str("</ul></div>");
        }
    }
    legend(
        &mut notes,
        &marks,
        sweep.zip(current).map(|(s, c)| (s.setting.name, c)),
    );
    let descs: Vec<&'static MeasureDesc> = measures.iter().map(|(m, _)| *m).collect();
    let samples = world.samples();
    let swept = sweep.zip(current);
    let cards = measures
        .iter()
        .enumerate()
        .map(|(i, (desc, reading))| card(desc, i, *reading, samples, now, &marks, swept));
    // The protocol's figures (lines per node, scatters), before the measures' charts.
    let figures = crate::figures::section(&**world).map(markup::raw);
    html! {
        <section class="measures" id="measures" aria-label="Measures">
            { markup::raw(head) }
            { for figures }
            { for bar }
            { markup::raw(notes) }
            <div class="measure-grid" onclick={on_click} onkeydown={on_key}>
                { for cards }
            </div>
            if let Some(s) = sweep.filter(|s| !s.points.is_empty()) {
                <details class="sweep-numbers">
                    <summary>{"The sweep's numbers"}</summary>
                    { markup::raw(sweep_table(&descs, s)) }
                </details>
            }
        </section>
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use splitbrain_core::registry::Unit;

    /// A measure whose name and help would break markup if they went in unescaped.
    const ODD: MeasureDesc = MeasureDesc {
        name: "<b>lag</b> & \"wait\"",
        unit: Unit::Duration,
        none: "none yet",
        help: "how long it's <i>late</i>",
    };

    /// Every element opened is closed (or closes itself), in order, and no text holds a
    /// bare `<`, `>` or `&` that is not a character reference.
    pub(crate) fn well_formed(markup: &str) {
        let mut open: Vec<&str> = Vec::new();
        let mut rest = markup;
        while let Some(i) = rest.find('<') {
            assert!(!rest[..i].contains('>'), "a bare > in {markup}");
            let end = rest[i..].find('>').expect("a tag ends") + i;
            let tag = &rest[i + 1..end];
            assert!(!tag.contains('<'), "a < inside the tag {tag}");
            assert_eq!(tag.matches('"').count() % 2, 0, "quotes in {tag}");
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(open.pop(), Some(name), "closing {name} in {markup}");
            } else if !tag.ends_with('/') {
                open.push(tag.split(' ').next().unwrap_or(""));
            }
            rest = &rest[end + 1..];
        }
        assert!(open.is_empty(), "{open:?} left open in {markup}");
        for (i, _) in markup.match_indices('&') {
            // (Up to six bytes, or as few more as end a character.)
            let end = (i + 6..=markup.len())
                .find(|&e| markup.is_char_boundary(e))
                .unwrap_or(markup.len());
            let reference = &markup[i..end];
            assert!(
                ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]
                    .iter()
                    .any(|r| reference.starts_with(r)),
                "a bare & at {reference}"
            );
        }
    }

    #[test]
    fn a_heading_starts_with_a_capital() {
        assert_eq!(capitalised("detection time"), "Detection time");
        assert_eq!(capitalised("élan"), "Élan");
        assert_eq!(capitalised("ß"), "SS");
        assert_eq!(capitalised("2 wrongs"), "2 wrongs");
        assert_eq!(capitalised(""), "");
    }

    #[test]
    fn a_step_line_holds_each_reading_until_the_next_and_breaks_where_there_is_none() {
        let points = [
            (0, None),
            (1, Some(2)),
            (2, Some(2)),
            (3, Some(5)),
            (4, None),
            (5, Some(1)),
        ];
        let mut d = String::new();
        step_path(&mut d, &points, 5, 10);
        assert_eq!(d, "M104.4 96.8H225.2V68.0H225.2M346.0 106.4H346.0");
    }

    #[test]
    fn a_chart_over_time_escapes_what_it_shows_of_the_run() {
        let samples = [1, 2, 3].map(|k| Sample {
            at_us: k * 100_000,
            readings: vec![None, Some(k as i64 * 1000)],
        });
        let marks = [(150_000, "fault", "n1 <crashed> & \"gone\"".to_string())];
        let mut out = String::new();
        card_top(&mut out, &ODD, Some(3000));
        time_chart(&mut out, &ODD, 1, &samples, 300_000, Some(3000), &marks);
        well_formed(&out);
        assert!(out.contains(r#"<h3 title="how long it&#39;s &lt;i&gt;late&lt;/i&gt;">"#));
        assert!(out.contains("&lt;b&gt;lag&lt;/b&gt; &amp; &quot;wait&quot;"));
        assert!(out.contains("n1 &lt;crashed&gt; &amp; &quot;gone&quot;"));
        assert!(out.contains(r#"role="img""#) && out.contains(r#"class="mark fault""#));
        assert!(out.contains(r#"<path class="reading" d="M"#));
        assert!(!out.contains("none yet"));
        // Nothing to draw at the start of a run.
        let mut empty = String::new();
        time_chart(&mut empty, &ODD, 1, &samples, 0, None, &marks);
        assert!(empty.contains("chart-empty") && !empty.contains("<svg"));
    }

    #[test]
    fn a_sweeps_points_are_keyboard_buttons_that_name_their_run() {
        let points = [
            (0, 60_000, 0),
            (2, 300_000, 206_126),
            (3, 1_500_000, 1_470_609),
        ];
        let mut out = String::new();
        sweep_svg(
            &mut out,
            &ODD,
            "time<out>",
            (60_000, 1_500_000),
            &points,
            300_000,
        );
        well_formed(&out);
        assert_eq!(out.matches(r#"role="button" tabindex="0""#).count(), 3);
        // The point's place in the sweep (the second run failed, so it has none).
        for (i, v) in [(0, 60_000), (2, 300_000), (3, 1_500_000)] {
            assert!(out.contains(&format!(r#"data-point="{i}" data-value-us="{v}""#)));
        }
        assert!(out.contains(r#"aria-label="time&lt;out&gt; 300 ms: &lt;b&gt;lag&lt;/b&gt; &amp; &quot;wait&quot; 206 ms: open this run""#));
        assert!(out.contains(". Click to open this run.</title>"));
        assert!(out.contains(r#"<line class="this-run""#));
        assert!(out.contains("time&lt;out&gt; (log scale)"));
        // The run on screen outside the values swept draws no line.
        let mut outside = String::new();
        sweep_svg(&mut outside, &ODD, "t", (60_000, 1_500_000), &points, 5);
        assert!(!outside.contains("this-run"));
    }

    #[test]
    fn the_legend_names_only_what_is_drawn() {
        let marks = [(1, "repair", "healed".to_string())];
        let mut plain = String::new();
        legend(&mut plain, &marks, None);
        well_formed(&plain);
        assert!(plain.contains("a repair") && !plain.contains("a fault"));
        assert!(!plain.contains("this-run"));
        let mut swept = String::new();
        legend(&mut swept, &[], Some(("<t>", 300_000)));
        well_formed(&swept);
        assert!(swept.contains("the &lt;t&gt; of the run on screen (300 ms)"));
    }
}

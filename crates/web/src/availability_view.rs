//! The service's availability beside the cluster (see the core's `availability`): the
//! share of time it could answer and of its clients' operations that succeeded, each in
//! nines and as downtime per month and year; what it needs up; with random failures on,
//! their rates and what those predict; and a chart of both shares over the run, the
//! prediction as a dashed line. Shown once the service's needed nodes have been down, or
//! random failures are on: a run whose nodes stay up has nothing to say here (its first
//! election's unanswered operations are not an outage).
//!
//! Written as markup text (`markup.rs`), like the measures' charts.

use crate::markup::{self, escape, Tenths};
use splitbrain_core::availability::{self as av, Availability};
use splitbrain_core::sim::Sim;
use splitbrain_core::time::{Micros, Pretty};
use std::fmt::Write;
use yew::prelude::*;

// The chart's drawing and the plot's margins inside it.
const W: f64 = 320.0;
const H: f64 = 130.0;
const LEFT: f64 = 40.0;
const RIGHT: f64 = 10.0;
const TOP: f64 = 8.0;
const BOTTOM: f64 = 26.0;
/// Points along the chart's time axis.
const POINTS: u64 = 120;

/// Whether there is anything to say: the service's needed nodes have been down, or random
/// failures are on.
fn worth_showing(a: &Availability) -> bool {
    a.failures.is_some() || a.serving_us < a.observed_us
}

/// The section beside the cluster; nothing while there is nothing to say.
pub fn section(world: &dyn Sim) -> Html {
    let a = world.availability();
    if !worth_showing(&a) || a.observed_us == 0 {
        return html! {};
    }
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<section class="availability-now" aria-label="Availability"><h2>Availability over the run, to {}</h2><dl class="facts">"#,
        crate::chart::about(a.observed_us)
    );
    let mut fact = |name: &str, help: &str, text: &str| {
        let _ = write!(
            out,
            r#"<dt title="{}">{name}</dt><dd data-availability="{name}">{}</dd>"#,
            escape(help),
            escape(text)
        );
    };
    if let Some(share) = a.time_share() {
        fact(
            "uptime",
            "The share of the run during which the nodes the service needs were up, in nines, and the downtime that share means over a 30-day month and a year.",
            &av::describe(share),
        );
    }
    if let Some(share) = a.ops_share() {
        fact(
            "answered",
            "The share of the clients' finished operations that succeeded (an answer other than \"unavailable\"; a timeout counts as a failure).",
            &format!(
                "{} of {} operations ({})",
                a.ops_succeeded,
                a.ops_finished,
                av::percent(share)
            ),
        );
    }
    fact(
        "needs",
        "What must be up for this protocol's service to answer.",
        &a.needs.words(a.nodes),
    );
    if let (Some(f), Some((node, service))) = (a.failures, a.predicted()) {
        fact(
            "failures",
            "Random failures: each node fails after a time drawn with this mean (MTTF) and is repaired after one with this mean (MTTR).",
            &format!(
                "each node up {} and down {} on average",
                Pretty(f.mttf_us),
                Pretty(f.mttr_us)
            ),
        );
        fact(
            "predicted",
            "One node is up MTTF / (MTTF + MTTR) of the time; the service is up as often as enough nodes are, the nodes failing independently.",
            &format!(
                "one node {} = {} / ({} + {}); the service {}",
                av::percent(node),
                Pretty(f.mttf_us),
                Pretty(f.mttf_us),
                Pretty(f.mttr_us),
                av::percent(service)
            ),
        );
    }
    out.push_str("</dl>");
    chart(&mut out, world, &a);
    out.push_str("</section>");
    markup::raw(out)
}

/// A share at each moment (none before there is one).
type Series = Vec<(Micros, Option<f64>)>;

/// The shares so far at `POINTS` moments from 0 to now: the uptime from the moments the
/// service started and stopped answering, the answered share from the operations' ends.
fn series(world: &dyn Sim, now: Micros) -> (Series, Series) {
    let changes = world.serving_changes();
    let mut ends: Vec<(Micros, bool)> = world
        .clients()
        .iter()
        .filter_map(|c| c.completed_at.map(|t| (t, c.succeeded())))
        .collect();
    splitbrain_core::sort::by_key(&mut ends, |(t, _)| *t);
    let (mut uptime, mut answered) = (Vec::new(), Vec::new());
    let (mut next_change, mut serving, mut serving_us, mut since) = (0, false, 0, 0);
    let (mut next_end, mut finished, mut succeeded) = (0, 0u64, 0u64);
    for k in 1..=POINTS {
        let t = now * k / POINTS;
        while let Some(&(at, on)) = changes.get(next_change).filter(|(at, _)| *at <= t) {
            if serving {
                serving_us += at - since;
            }
            (serving, since) = (on, at);
            next_change += 1;
        }
        let so_far = serving_us + if serving { t - since } else { 0 };
        uptime.push((t, (t > 0).then(|| so_far as f64 / t as f64)));
        while let Some(&(_, ok)) = ends.get(next_end).filter(|(at, _)| *at <= t) {
            finished += 1;
            succeeded += u64::from(ok);
            next_end += 1;
        }
        answered.push((
            t,
            (finished > 0).then(|| succeeded as f64 / finished as f64),
        ));
    }
    (uptime, answered)
}

/// Both shares over the run, from the lowest either reached (in steps of 10%) to 100%,
/// with the prediction as a dashed line.
fn chart(out: &mut String, world: &dyn Sim, a: &Availability) {
    let now = a.observed_us;
    let (uptime, answered) = series(world, now);
    let predicted = a.predicted().map(|p| p.1);
    let lowest = uptime
        .iter()
        .chain(&answered)
        .filter_map(|(_, s)| *s)
        .chain(predicted)
        .fold(1.0f64, f64::min);
    let bottom = ((lowest * 10.0).floor() / 10.0).clamp(0.0, 0.9);
    let x = |t: Micros| Tenths::of(LEFT + (W - LEFT - RIGHT) * t as f64 / now as f64);
    let y = |s: f64| Tenths::of(TOP + (H - TOP - BOTTOM) * (1.0 - (s - bottom) / (1.0 - bottom)));
    let _ = write!(
        out,
        r#"<svg class="availability-chart" viewBox="0 0 {W} {H}" role="img" aria-label="Uptime and answered operations so far, from 0 s to {}">"#,
        crate::chart::about(now)
    );
    // The share axis: its bottom, the middle and 100%.
    for s in [bottom, (bottom + 1.0) / 2.0, 1.0] {
        let _ = write!(
            out,
            r#"<line class="grid" x1="{}" x2="{}" y1="{}" y2="{}"/><text class="tick" x="{}" y="{}" text-anchor="end">{}</text>"#,
            Tenths::of(LEFT),
            Tenths::of(W - RIGHT),
            y(s),
            y(s),
            Tenths::of(LEFT - 4.0),
            Tenths::of(y(s).0 as f64 / 10.0 + 3.5),
            escape(&format!("{}%", (s * 100.0).round()))
        );
    }
    let _ = write!(
        out,
        r#"<text class="tick" x="{}" y="{}" text-anchor="start">0 s</text><text class="tick" x="{}" y="{}" text-anchor="end">{}</text>"#,
        Tenths::of(LEFT),
        Tenths::of(H - BOTTOM + 14.0),
        Tenths::of(W - RIGHT),
        Tenths::of(H - BOTTOM + 14.0),
        escape(&crate::chart::about(now))
    );
    if let Some(p) = predicted {
        let _ = write!(
            out,
            r#"<line class="predicted" x1="{}" x2="{}" y1="{}" y2="{}"><title>predicted by the failure rates: {}</title></line>"#,
            Tenths::of(LEFT),
            Tenths::of(W - RIGHT),
            y(p),
            y(p),
            av::percent(p)
        );
    }
    let mut line = |class: &str, points: &mut dyn Iterator<Item = (Micros, f64)>| {
        let _ = write!(out, r#"<polyline class="{class}" points=""#);
        for (k, (t, s)) in points.enumerate() {
            let space = if k == 0 { "" } else { " " };
            let _ = write!(out, "{space}{},{}", x(t), y(s.max(bottom)));
        }
        out.push_str(r#""/>"#);
    };
    line(
        "uptime",
        &mut uptime.iter().filter_map(|(t, s)| s.map(|s| (*t, s))),
    );
    line(
        "answered",
        &mut answered.iter().filter_map(|(t, s)| s.map(|s| (*t, s))),
    );
    out.push_str("</svg>");
    out.push_str(
        r#"<ul class="chart-legend"><li><span class="key uptime"></span>uptime so far</li>"#,
    );
    if a.ops_finished > 0 {
        out.push_str(r#"<li><span class="key answered"></span>operations answered so far</li>"#);
    }
    if predicted.is_some() {
        out.push_str(
            r#"<li><span class="key predicted"></span>predicted by the failure rates</li>"#,
        );
    }
    out.push_str("</ul>");
}

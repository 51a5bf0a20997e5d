//! The figures a protocol's meter draws besides its readings (`Meter::figures`, read
//! through `Sim::figures`), for any protocol that gives any, naming none: lines over
//! simulated time, one per node, with the intervals the nodes claimed along them (a bar
//! from the claim's low to its high end, and a dot at the value really had); and scatters
//! of points against a guide (the lines y = ±x · k, shaded between). The protocol's
//! description (`FigureDesc`) names the axes and every mark, so each figure has its own
//! legend of what it draws.
//!
//! Nodes look as they do in the cluster: a line or a point has its node's role colour
//! (grey while the node is down), and each line ends with the node's name. One meaning per
//! colour within a figure: the role colours are nodes, dark ink a claim, vermilion a
//! claim broken.
//!
//! Written as markup text (`markup.rs`), like the measures' charts.

use crate::chart;
use crate::markup::{escape, Tenths};
use splitbrain_core::check::{Claim, Dot, Figure, Plot, Trail};
use splitbrain_core::ids::NodeId;
use splitbrain_core::registry::{FigureAxis, FigureDesc, Unit};
use splitbrain_core::sim::Sim;
use splitbrain_core::time::{Micros, Pretty, MICROS_PER_SEC};
use std::fmt::Write;

// A figure's drawing is W x H (scaled to its card's width, at most 1.3 times; the page's
// style enlarges its text on a phone, and these margins leave room for that); the plot sits
// inside the margins, which hold the ticks, the captions and, on the right, the nodes'
// names at the ends of their lines (a wider margin when names share a line's end).
const W: f64 = 400.0;
const H: f64 = 220.0;
const LEFT: f64 = 42.0;
const RIGHT: f64 = 14.0;
const TOP: f64 = 22.0;
const BOTTOM: f64 = 34.0;
/// The least distance between two lines' names, and the width a name's letter takes.
const LABEL_GAP: f64 = 13.0;
const LETTER: f64 = 8.5;
/// The most names written at one line's end (the others in its tooltip).
const NAMED: usize = 3;
/// The most scatter points that carry a tooltip (every broken one does).
const TITLED: usize = 150;
/// The most claims drawn on a figure of lines (every broken one is), so that their bars
/// stay apart.
const CLAIMS: usize = 40;

/// A vertical axis that may go below zero: round ticks from `lo` to `hi` (zero among
/// them), in the unit's scale, its ends a little beyond the values it holds (a round
/// quarter of a step), so that a value a little below zero costs no whole step.
struct Axis {
    lo: i64,
    hi: i64,
    ticks: Vec<i64>,
    scale: chart::Scale,
}

impl Axis {
    /// An axis holding every value from `lo` to `hi`, and zero.
    fn holding(lo: i64, hi: i64, unit: Unit) -> Axis {
        let (lo, hi) = (lo.min(0), hi.max(0));
        let span = ((hi - lo) as u64).max(chart::least_top(unit)) as i64;
        let step = chart::nice_step(span as u64, 4) as i64;
        // A twentieth of the span as room beyond a value, rounded out to a quarter step
        // (a step of 1 or 2 in the unit's smallest part has no finer quarter).
        let quarter = if step % 4 == 0 { step / 4 } else { step };
        let room = span / 20;
        let out = |v: i64| if v == 0 { 0 } else { v + v.signum() * room };
        let lo = out(lo).div_euclid(quarter) * quarter;
        let hi = (-(-out(hi)).div_euclid(quarter) * quarter).max(lo + step);
        let first = -(-lo).div_euclid(step) * step;
        let ticks = (0..=(hi - first) / step)
            .map(|k| first + k * step)
            .collect();
        let reach = lo.unsigned_abs().max(hi.unsigned_abs());
        Axis {
            lo,
            hi,
            ticks,
            scale: chart::scale(unit, reach),
        }
    }

    /// The y of `value`.
    fn y(&self, value: i64) -> Tenths {
        let f = (self.hi - value.clamp(self.lo, self.hi)) as f64 / (self.hi - self.lo) as f64;
        Tenths::of(TOP + f * (H - TOP - BOTTOM))
    }

    /// A tick's label, signed when the axis goes below zero (`+20`, `−20`, `0`).
    fn label(&self, value: i64) -> String {
        let sign = match value.signum() {
            1 if self.lo < 0 => "+",
            -1 => "−",
            _ => "",
        };
        format!(
            "{sign}{}",
            chart::tick_label(value.unsigned_abs(), self.scale.per)
        )
    }
}

/// A unit as a caption abbreviates it: the duration a scale divides by, or nothing.
fn short_unit(unit: Unit, scale: chart::Scale) -> &'static str {
    match (unit, scale.per) {
        (Unit::Duration, 1) => " (µs)",
        (Unit::Duration, 1_000) => " (ms)",
        (Unit::Duration, _) => " (s)",
        (Unit::PerMinute, _) => " (per minute)",
        (Unit::PerSecond, _) => " (per second)",
        (Unit::Count, _) => "",
    }
}

/// The x of a fraction `f` along a plot whose right margin is `right` wide.
fn px(f: f64, right: f64) -> Tenths {
    Tenths::of(LEFT + f.clamp(0.0, 1.0) * (W - LEFT - right))
}

/// `t` moved by `by` units.
fn moved(t: Tenths, by: i64) -> Tenths {
    Tenths(t.0 + 10 * by)
}

/// The grid, the y axis's ticks and its caption (`axis` of `desc`), zero's line darker,
/// across a plot with a right margin `right` wide.
fn y_axis(out: &mut String, axis: &Axis, desc: &FigureAxis, right: f64) {
    let _ = write!(
        out,
        r#"<text class="caption" x="2" y="12">{}{}</text>"#,
        escape(desc.name),
        short_unit(desc.unit, axis.scale)
    );
    let (left, right) = (Tenths::of(LEFT), Tenths::of(W - right));
    for &t in &axis.ticks {
        let y = axis.y(t);
        let class = if t == 0 { "zero" } else { "grid" };
        let _ = write!(
            out,
            r#"<line class="{class}" x1="{left}" x2="{right}" y1="{y}" y2="{y}"/><text class="tick" x="{}" y="{}" text-anchor="end">{}</text>"#,
            moved(left, -5),
            moved(y, 4),
            axis.label(t)
        );
    }
}

/// The x axis: ticks at fractions along it, and its caption at its end.
fn x_axis(out: &mut String, ticks: &[(f64, String)], caption: &str, right: f64) {
    crate::markup::x_axis(
        out,
        (
            Tenths::of(LEFT),
            Tenths::of(W - right),
            Tenths::of(H - BOTTOM),
        ),
        ticks
            .iter()
            .map(|(f, label)| (px(*f, right), label.clone())),
        (caption, "", Tenths::of(H - 3.0)),
    );
}

/// What the page knows of a node for a figure: its colour class (its role's, as in the
/// cluster, or `crashed` while down) and the name of that role, for the legend.
fn looks(world: &dyn Sim) -> Vec<(&'static str, &'static str)> {
    let about = world.about();
    let mut out = vec![("crashed", "down now"); world.node_count()];
    for (id, status) in world.statuses() {
        if let (Some(slot), Some(role)) = (out.get_mut(id.index()), about.role(status.role)) {
            *slot = (role.tone.class(), role.name);
        }
    }
    out
}

/// The look of node `id`.
fn look(looks: &[(&'static str, &'static str)], id: NodeId) -> (&'static str, &'static str) {
    looks
        .get(id.index())
        .copied()
        .unwrap_or(("crashed", "down now"))
}

/// Each figure of the run, as a card with its title, help, drawing and legend; `None`
/// when the protocol draws none.
pub fn section(world: &dyn Sim) -> Option<String> {
    let figures = world.figures();
    if figures.is_empty() {
        return None;
    }
    let now = world.now();
    let looks = looks(world);
    let mut out = String::from(r#"<div class="figure-grid">"#);
    for f in &figures {
        card(&mut out, f, now, &looks);
    }
    out.push_str("</div>");
    Some(out)
}

/// One figure's card.
fn card(out: &mut String, f: &Figure, now: Micros, looks: &[(&'static str, &'static str)]) {
    let d = f.desc;
    let _ = write!(
        out,
        r#"<article class="figure" data-figure="{}"><h3>{}</h3><p class="help">{}</p>"#,
        escape(d.name),
        escape(&crate::measures::capitalised(d.name)),
        escape(d.help)
    );
    match &f.plot {
        Plot::Lines(_) if now == 0 => out.push_str(r#"<p class="muted small chart-empty">The run is at its start: play it to see this figure.</p>"#),
        Plot::Lines(trails) => lines(out, d, trails, now, looks),
        Plot::Scatter(dots) if dots.is_empty() => out.push_str(r#"<p class="muted small chart-empty">Nothing to plot yet.</p>"#),
        Plot::Scatter(dots) => scatter(out, d, dots, looks),
    }
    out.push_str("</article>");
}

/// The legend under a figure: an item per role colour used (`mark (role)`), the claim's
/// mark, and the broken claim's when one is drawn.
fn legend(
    out: &mut String,
    d: &FigureDesc,
    roles: &[(&'static str, &'static str)],
    claim: &str,
    broken: Option<&str>,
) {
    out.push_str(r#"<ul class="chart-legend figure-legend">"#);
    let mut item = |class: &str, shape: &str, text: std::fmt::Arguments| {
        let _ = write!(
            out,
            r#"<li class="{class}"><svg class="swatch" viewBox="0 0 28 12" aria-hidden="true">{shape}</svg>{text}</li>"#
        );
    };
    let line = r#"<path class="line" d="M1 9L14 4L27 6"/>"#;
    let dot = r#"<circle class="point" cx="14" cy="6" r="4"/>"#;
    let shape = if d.x.is_none() { line } else { dot };
    for (class, role) in roles {
        item(
            class,
            shape,
            format_args!("{} ({})", escape(d.mark), escape(role)),
        );
    }
    item("claim", claim, format_args!("{}", escape(d.claim)));
    if let Some(shape) = broken {
        item("claim beyond", shape, format_args!("{}", escape(d.beyond)));
    }
    out.push_str("</ul>");
}

/// The role colours of `nodes`, each once, in the order first met.
fn roles_of(
    nodes: impl Iterator<Item = NodeId>,
    looks: &[(&'static str, &'static str)],
) -> Vec<(&'static str, &'static str)> {
    let mut roles = Vec::new();
    for id in nodes {
        let l = look(looks, id);
        if !roles.contains(&l) {
            roles.push(l);
        }
    }
    roles
}

/// A claim's bar with its caps and the dot where the value was, with a tooltip.
fn claim_mark(out: &mut String, c: &Claim, x: Tenths, axis: &Axis, node: NodeId, y: &FigureAxis) {
    let (low, high, at) = (axis.y(c.low), axis.y(c.high), axis.y(c.value));
    let beyond = if c.kept { "" } else { " beyond" };
    let half = (c.high - c.low) / 2;
    let _ = write!(
        out,
        r#"<g class="claim{beyond}"><title>{node} at {}: {} (claimed {} ± {})</title><line class="bar" x1="{x}" x2="{x}" y1="{low}" y2="{high}"/><line class="bar" x1="{}" x2="{}" y1="{low}" y2="{low}"/><line class="bar" x1="{}" x2="{}" y1="{high}" y2="{high}"/><circle class="left" cx="{x}" cy="{at}" r="2.6"/></g>"#,
        Pretty(c.at),
        escape(&y.show(c.value, true)),
        escape(&y.show(c.low + half, true)),
        escape(&y.show(half, false)),
        moved(x, -3),
        moved(x, 3),
        moved(x, -3),
        moved(x, 3),
    );
}

/// The names at the lines' ends: the nodes whose lines end within `LABEL_GAP` of one
/// another share a label, and labels that would still touch are moved apart (down, within
/// the plot, then up if the bottom is reached).
struct Label {
    y: Tenths,
    nodes: Vec<(NodeId, &'static str)>,
    /// How many letters it shows.
    text_len: usize,
}

fn names(trails: &[Trail], axis: &Axis, looks: &[(&'static str, &'static str)]) -> Vec<Label> {
    let mut ends: Vec<(f64, NodeId)> = trails
        .iter()
        .filter_map(|t| Some((axis.y(t.points.last()?.1?).0 as f64 / 10.0, t.node)))
        .collect();
    splitbrain_core::sort::by_key(&mut ends, |&(y, id)| ((y * 10.0) as i64, id.0));
    let mut labels: Vec<(f64, Vec<(NodeId, &'static str)>)> = Vec::new();
    for (y, id) in ends {
        match labels.last_mut() {
            Some((first, nodes)) if y - *first < LABEL_GAP => nodes.push((id, look(looks, id).0)),
            _ => labels.push((y, vec![(id, look(looks, id).0)])),
        }
    }
    // Baselines a little below each line's end, apart, inside the plot.
    let (top, bottom) = (TOP + 8.0, H - BOTTOM + 4.0);
    let mut at: Vec<f64> = labels.iter().map(|(y, _)| y + 4.0).collect();
    for k in 0..at.len() {
        let least = if k == 0 { top } else { at[k - 1] + LABEL_GAP };
        at[k] = at[k].max(least);
    }
    for k in (0..at.len()).rev() {
        let most = if k + 1 == at.len() {
            bottom
        } else {
            at[k + 1] - LABEL_GAP
        };
        at[k] = at[k].min(most);
    }
    labels
        .into_iter()
        .zip(at)
        .map(|((_, nodes), y)| {
            let shown = nodes.iter().take(NAMED);
            let letters: usize = shown.map(|(id, _)| id.to_string().len() + 1).sum();
            let text_len = letters - 1 + if nodes.len() > NAMED { 2 } else { 0 };
            Label {
                y: Tenths::of(y),
                nodes,
                text_len,
            }
        })
        .collect()
}

/// Lines over simulated time, one per node, with their claims; each line's node named at
/// its end.
fn lines(
    out: &mut String,
    d: &FigureDesc,
    trails: &[Trail],
    now: Micros,
    looks: &[(&'static str, &'static str)],
) {
    let values = trails.iter().flat_map(|t| {
        let points = t.points.iter().filter_map(|p| p.1);
        let claims = t.claims.iter().flat_map(|c| [c.low, c.high, c.value]);
        points.chain(claims)
    });
    let (lo, hi) = values.fold((0, 0), |(lo, hi), v| (v.min(lo), v.max(hi)));
    let axis = Axis::holding(lo, hi, d.y.unit);
    let labels = names(trails, &axis, looks);
    let widest = labels.iter().map(|l| l.text_len).max().unwrap_or(0);
    let right = RIGHT.max(10.0 + widest as f64 * LETTER);
    let x = |t: Micros| px(t as f64 / now as f64, right);
    let _ = write!(
        out,
        r#"<svg class="figure-chart lines" viewBox="0 0 {} {}" role="img" aria-label="{}: from 0 s to {}">"#,
        Tenths::of(W),
        Tenths::of(H),
        escape(d.name),
        chart::about(now)
    );
    y_axis(out, &axis, &d.y, right);
    let x_ticks: Vec<(f64, String)> = chart::ticks_within(now, 6)
        .into_iter()
        .map(|t| (t as f64 / now as f64, chart::decimal(t, MICROS_PER_SEC)))
        .collect();
    x_axis(out, &x_ticks, "simulated time (s)", right);
    // The claims drawn: all of them while they are few, else every so many in time and
    // every broken one (by node, the claims' places to draw).
    let mut all: Vec<(Micros, usize, usize)> = trails
        .iter()
        .enumerate()
        .flat_map(|(i, t)| t.claims.iter().enumerate().map(move |(k, c)| (c.at, i, k)))
        .collect();
    splitbrain_core::sort::by_key(&mut all, |c| *c);
    let every = all.len().div_ceil(CLAIMS).max(1);
    let mut drawn: Vec<Vec<bool>> = trails.iter().map(|t| vec![false; t.claims.len()]).collect();
    for (n, &(_, i, k)) in all.iter().enumerate() {
        drawn[i][k] = n % every == 0 || !trails[i].claims[k].kept;
    }
    // Each node's line with its claims over it; the lines of a leading role (the
    // reference) last, over the others that share its values.
    let mut order: Vec<(usize, &Trail)> = trails.iter().enumerate().collect();
    splitbrain_core::sort::by_key(&mut order, |(_, t)| look(looks, t.node).0 == "tone-lead");
    for (i, t) in order {
        let (class, _) = look(looks, t.node);
        let _ = write!(
            out,
            r#"<g class="trail {class}" data-node="{}"><title>{}</title><path class="line" d=""#,
            t.node, t.node
        );
        let mut pen_down = false;
        for (at, v) in &t.points {
            match v {
                Some(v) => {
                    let _ = write!(
                        out,
                        "{}{} {}",
                        if pen_down { "L" } else { "M" },
                        x(*at),
                        axis.y(*v)
                    );
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
        out.push_str(r#""/>"#);
        for (c, _) in t.claims.iter().zip(&drawn[i]).filter(|(_, d)| **d) {
            claim_mark(out, c, x(c.at), &axis, t.node, &d.y);
        }
        out.push_str("</g>");
    }
    // The names, at the ends, last.
    let at = Tenths::of(W - right + 4.0);
    for l in &labels {
        let _ = write!(out, r#"<text class="node-name" x="{at}" y="{}">"#, l.y);
        if l.nodes.len() > NAMED {
            out.push_str("<title>");
            for (k, (id, _)) in l.nodes.iter().enumerate() {
                let _ = write!(out, "{}{id}", if k == 0 { "" } else { ", " });
            }
            out.push_str("</title>");
        }
        for (k, (id, class)) in l.nodes.iter().take(NAMED).enumerate() {
            let space = if k == 0 { "" } else { " " };
            let _ = write!(out, r#"{space}<tspan class="{class}">{id}</tspan>"#);
        }
        if l.nodes.len() > NAMED {
            out.push_str(r#" <tspan class="more">…</tspan>"#);
        }
        out.push_str("</text>");
    }
    out.push_str("</svg>");
    let roles = roles_of(trails.iter().map(|t| t.node), looks);
    let claim = r#"<line class="bar" x1="14" x2="14" y1="1" y2="11"/><line class="bar" x1="11" x2="17" y1="1" y2="1"/><line class="bar" x1="11" x2="17" y1="11" y2="11"/><circle class="left" cx="14" cy="4" r="2.6"/>"#;
    let broken = trails
        .iter()
        .any(|t| t.claims.iter().any(|c| !c.kept))
        .then_some(claim);
    legend(out, d, &roles, claim, broken);
    if every > 1 {
        let _ = write!(
            out,
            r#"<p class="muted small chart-note">Of {} claims, one in {every} is drawn (and every broken one).</p>"#,
            all.len()
        );
    }
}

/// Points against the description's guide, y = ±x · num / den, shaded between.
fn scatter(out: &mut String, d: &FigureDesc, dots: &[Dot], looks: &[(&'static str, &'static str)]) {
    let Some(x_desc) = &d.x else {
        return;
    };
    let x_max = dots.iter().map(|p| p.x.max(0) as u64).max().unwrap_or(0);
    // A little room beyond the furthest point, so that it is not on the border.
    let room = x_max + x_max / 12;
    let (x_ticks, x_top) = chart::ticks_to(room.max(chart::least_top(x_desc.unit)), 5);
    let x_scale = chart::scale(x_desc.unit, x_top);
    let guide = |x: u64| d.guide.map(|(num, den)| x as i64 * num / den.max(1));
    let reach = guide(x_top).unwrap_or(0);
    let (lo, hi) = dots
        .iter()
        .fold((-reach, reach), |(lo, hi), p| (p.y.min(lo), p.y.max(hi)));
    let axis = Axis::holding(lo, hi, d.y.unit);
    let x = |v: i64| px(v.max(0) as f64 / x_top as f64, RIGHT);
    let _ = write!(
        out,
        r#"<svg class="figure-chart scatter" viewBox="0 0 {} {}" role="img" aria-label="{}: {} points">"#,
        Tenths::of(W),
        Tenths::of(H),
        escape(d.name),
        dots.len()
    );
    y_axis(out, &axis, &d.y, RIGHT);
    let ticks: Vec<(f64, String)> = x_ticks
        .iter()
        .map(|&t| {
            let f = t as f64 / x_top as f64;
            (f, chart::tick_label(t, x_scale.per))
        })
        .collect();
    let caption = format!("{}{}", x_desc.name, short_unit(x_desc.unit, x_scale));
    x_axis(out, &ticks, &caption, RIGHT);
    if let Some(edge) = guide(x_top) {
        let (x0, x1, y0) = (x(0), x(x_top as i64), axis.y(0));
        let (up, down) = (axis.y(edge), axis.y(-edge));
        let _ = write!(
            out,
            r#"<path class="guide-area" d="M{x0} {y0}L{x1} {up}L{x1} {down}Z"/><path class="guide" d="M{x0} {y0}L{x1} {up}M{x0} {y0}L{x1} {down}"/>"#
        );
    }
    // Broken points last, over the others.
    let order = dots
        .iter()
        .filter(|p| p.kept)
        .chain(dots.iter().filter(|p| !p.kept));
    for (k, p) in order.enumerate() {
        let (class, _) = look(looks, p.node);
        let beyond = if p.kept { "" } else { " beyond" };
        let _ = write!(
            out,
            r#"<circle class="point {class}{beyond}" cx="{}" cy="{}" r="3.2">"#,
            x(p.x),
            axis.y(p.y)
        );
        if k < TITLED || !p.kept {
            let claimed = guide(p.x.max(0) as u64)
                .map(|g| format!(" (claimed ± {})", d.y.show(g, false)))
                .unwrap_or_default();
            let _ = write!(
                out,
                "<title>{}: {} {}, {} {}{}</title>",
                p.node,
                escape(x_desc.name),
                escape(&x_desc.show(p.x, false)),
                escape(d.y.name),
                escape(&d.y.show(p.y, true)),
                escape(&claimed)
            );
        }
        out.push_str("</circle>");
    }
    out.push_str("</svg>");
    let roles = roles_of(dots.iter().map(|p| p.node), looks);
    let guide_key = r#"<path class="guide-area" d="M1 6L27 1L27 11Z"/><path class="guide" d="M1 6L27 1M1 6L27 11"/>"#;
    let broken = dots
        .iter()
        .any(|p| !p.kept)
        .then_some(r#"<circle class="point beyond" cx="14" cy="6" r="4"/>"#);
    legend(out, d, &roles, guide_key, broken);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measures::tests::well_formed;
    use splitbrain_core::time::MICROS_PER_MS as MS;

    /// A figure whose words would break markup if they went in unescaped.
    const ODD: FigureDesc = FigureDesc {
        name: "<b>clocks</b> & \"time\"",
        help: "it's <i>odd</i>",
        x: None,
        y: FigureAxis {
            name: "offset <ms>",
            unit: Unit::Duration,
        },
        mark: "a <clock>",
        claim: "a bound & a dot",
        beyond: "past <it>",
        guide: None,
    };

    const LOOKS: [(&str, &str); 3] = [
        ("tone-lead", "time-server"),
        ("tone-steady", "client"),
        ("tone-steady", "client"),
    ];

    fn claim(at: Micros, value: i64, half: i64, kept: bool) -> Claim {
        Claim {
            at,
            value,
            low: -half,
            high: half,
            kept,
        }
    }

    #[test]
    fn lines_draw_each_node_its_claims_and_a_legend_of_what_is_drawn() {
        let trails = vec![
            Trail {
                node: NodeId(0),
                points: vec![(0, Some(0)), (2_000 * MS, Some(0))],
                claims: vec![],
            },
            Trail {
                node: NodeId(1),
                points: vec![
                    (0, Some(0)),
                    (1_000 * MS, Some(0)),
                    (1_000 * MS, Some(-45 * MS as i64)),
                    (1_500 * MS, None),
                    (1_800 * MS, Some(-45 * MS as i64)),
                ],
                claims: vec![claim(1_000 * MS, -45 * MS as i64, 25 * MS as i64, false)],
            },
            Trail {
                node: NodeId(2),
                points: vec![(0, Some(0)), (2_000 * MS, Some(0))],
                claims: vec![claim(1_000 * MS, 0, 5 * MS as i64, true)],
            },
        ];
        let mut out = String::new();
        lines(&mut out, &ODD, &trails, 2_000 * MS, &LOOKS);
        well_formed(&out);
        assert!(out.contains("&lt;b&gt;clocks&lt;/b&gt; &amp; &quot;time&quot;"));
        assert!(out.contains("offset &lt;ms&gt; (ms)"));
        assert_eq!(out.matches(r#"<g class="trail "#).count(), 3);
        // n1's line breaks while it was down: a second move.
        let n1 = out.split(r#"data-node="n1""#).nth(1).unwrap();
        let d = n1
            .split(r#"d=""#)
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        assert_eq!(d.matches('M').count(), 2, "{d}");
        assert_eq!(out.matches(r#"<g class="claim beyond">"#).count(), 1);
        assert!(out.contains("n1 at 1 s: −45.0 ms (claimed 0 s ± 25.0 ms)"));
        // n0 and n2 end together and share a name; n1 has its own.
        assert!(out.contains(
            r#"<tspan class="tone-lead">n0</tspan> <tspan class="tone-steady">n2</tspan>"#
        ));
        assert!(out.contains(r#"<tspan class="tone-steady">n1</tspan>"#));
        // The legend: each role's colour, the claim, and the broken claim, drawn here.
        for item in [
            "a &lt;clock&gt; (time-server)",
            "a &lt;clock&gt; (client)",
            "a bound &amp; a dot",
            "past &lt;it&gt;",
        ] {
            assert!(out.contains(&format!("{item}</li>")), "{item}");
        }
        assert_eq!(out.matches("<li ").count(), 4);
        // Without a broken claim, no key for one.
        let mut kept = String::new();
        lines(&mut kept, &ODD, &trails[2..], 2_000 * MS, &LOOKS);
        assert!(!kept.contains("past &lt;it&gt;"));
    }

    #[test]
    fn a_scatter_draws_its_guide_and_marks_the_points_beyond_it() {
        const ERR: FigureDesc = FigureDesc {
            x: Some(FigureAxis {
                name: "round trip",
                unit: Unit::Duration,
            }),
            guide: Some((1, 2)),
            ..ODD
        };
        let dot = |node: u32, x: u64, y: i64, kept: bool| Dot {
            node: NodeId(node),
            x: (x * MS) as i64,
            y: y * MS as i64,
            kept,
        };
        let dots = [
            dot(1, 10, 0, true),
            dot(2, 50, -20, true),
            dot(1, 50, -45, false),
        ];
        let mut out = String::new();
        scatter(&mut out, &ERR, &dots, &LOOKS);
        well_formed(&out);
        let (drawing, legend) = out.split_once("</svg>").unwrap();
        assert_eq!(drawing.matches("<circle class=\"point").count(), 3);
        assert_eq!(drawing.matches("point tone-steady beyond").count(), 1);
        assert!(legend.contains("a &lt;clock&gt; (client)</li>"));
        assert!(legend.contains("past &lt;it&gt;</li>"));
        assert!(out.contains(r#"<path class="guide""#));
        assert!(out.contains("round trip (ms)"));
        assert!(
            out.contains("n1: round trip 50.0 ms, offset &lt;ms&gt; −45.0 ms (claimed ± 25.0 ms)")
        );
        // The broken point is drawn last, over the others.
        assert!(out.rfind("beyond").unwrap() > out.rfind("n2: round trip").unwrap());
    }

    #[test]
    fn a_signed_axis_holds_zero_and_both_ends_in_round_steps() {
        let a = Axis::holding(-45_000, 25_000, Unit::Duration);
        assert_eq!((a.lo, a.hi), (-50_000, 30_000));
        assert_eq!(a.ticks, [-40_000, -20_000, 0, 20_000]);
        assert_eq!(a.label(-20_000), "−20");
        assert_eq!(a.label(20_000), "+20");
        assert_eq!(a.label(0), "0");
        // A little below zero costs a quarter step, not a whole one.
        let a = Axis::holding(-5_000, 400_000, Unit::Duration);
        assert_eq!((a.lo, a.hi), (-50_000, 450_000));
        assert_eq!(a.ticks, [0, 200_000, 400_000]);
        // All above zero: no signs, the axis starts at zero.
        let a = Axis::holding(3_000, 300_000, Unit::Duration);
        assert_eq!((a.lo, a.hi), (0, 325_000));
        assert_eq!(a.label(100_000), "100");
        // Nothing but zeros: a step of the unit's least axis high (half a millisecond).
        let a = Axis::holding(0, 0, Unit::Duration);
        assert_eq!((a.lo, a.hi), (0, 500));
        assert_eq!(a.y(0), Tenths::of(H - BOTTOM));
        assert_eq!(a.y(500), Tenths::of(TOP));
    }
}

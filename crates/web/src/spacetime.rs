//! The space-time (Lamport) diagram: one lane per node, time flowing to the right, an
//! arrow per message. Selecting an event lights up its causal past and future; what is
//! left is concurrent with it. Drawn on a canvas every frame, so it scrolls with time.
//!
//! Causality here is reachability in the happens-before graph (each event follows the
//! previous one on its lane, and a delivery follows its send), which is exactly the order
//! vector clocks encode. Every causal path between two events in the window stays inside
//! the window, because time never runs backwards along one, so searching only the window
//! gives exact answers for the events drawn.

use crate::flight::{colour, context};
use crate::pen::{Pen, Strokes, SvgPen};
use crate::state::{Control, Msg, Page};
use splitbrain_core::ids::{MsgId, NodeId};
use splitbrain_core::registry::Tone;
use splitbrain_core::sim::Sim;
use splitbrain_core::time::{Micros, Pretty, MICROS_PER_MS};
use splitbrain_core::view::{Seen, SeenKind};
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

/// Most trace events drawn in one frame; a wider window shows fewer details.
const MAX_EVENTS: usize = 20_000;
const LABELS: f64 = 40.0;
const RIGHT: f64 = 12.0;
/// The colour of the operations that prove a history is not linearizable.
const WITNESS: &str = "#c0392b";
/// A protocol's marks on a lane (see `Look::mark`): ink, like the other marks that are not
/// messages (a crash, a client request), told apart by their shape, a tick.
const MARK_COLOUR: &str = "#1d2428";
/// The narrowest a witness operation is drawn, in pixels.
const WITNESS_MIN_PX: f64 = 8.0;

pub const WINDOWS: [(u64, &str); 5] = [
    (100 * MICROS_PER_MS, "100 ms"),
    (300 * MICROS_PER_MS, "300 ms"),
    (600 * MICROS_PER_MS, "600 ms"),
    (2000 * MICROS_PER_MS, "2 s"),
    (10_000 * MICROS_PER_MS, "10 s"),
];

/// The window a cluster of `n` nodes starts with: big clusters send so many messages that
/// a long window is a blur (and slow to draw).
pub fn default_window(n: usize) -> u64 {
    match n {
        0..=9 => 600 * MICROS_PER_MS,
        10..=25 => 300 * MICROS_PER_MS,
        _ => 100 * MICROS_PER_MS,
    }
}

pub fn lane_height(n: usize) -> f64 {
    match n {
        0..=8 => 30.0,
        9..=16 => 18.0,
        17..=32 => 10.0,
        _ => 6.0,
    }
}

/// The events of the window, with their positions in the trace. Message ids are dense,
/// so maps keyed by id are vectors indexed from the window's first id.
struct Window<'a> {
    events: Vec<(u64, Seen<'a>)>,
    first_id: u64,
    /// For copies made by duplication, the message they copy.
    copies: Vec<Option<MsgId>>,
}

/// Per-message facts, for messages sent inside the window.
struct ById<T> {
    first: u64,
    slots: Vec<Option<T>>,
}

impl<T: Copy> ById<T> {
    fn new(w: &Window) -> Self {
        ById {
            first: w.first_id,
            slots: vec![None; w.copies.len()],
        }
    }

    fn get(&self, id: MsgId) -> Option<T> {
        let i = usize::try_from(id.0.checked_sub(self.first)?).ok()?;
        self.slots.get(i).copied().flatten()
    }

    fn set(&mut self, id: MsgId, value: T) {
        if let Some(slot) =
            id.0.checked_sub(self.first)
                .and_then(|i| usize::try_from(i).ok())
                .and_then(|i| self.slots.get_mut(i))
        {
            *slot = Some(value);
        }
    }

    fn iter(&self) -> impl Iterator<Item = (MsgId, T)> + '_ {
        let first = self.first;
        self.slots
            .iter()
            .enumerate()
            .filter_map(move |(i, v)| v.map(|v| (MsgId(first + i as u64), v)))
    }
}

impl<'a> Window<'a> {
    fn new(world: &'a dyn Sim, from: Micros) -> Self {
        let len = world.trace_len();
        let mut start = len;
        while start > 0 && len - start < MAX_EVENTS as u64 {
            match world.event(start - 1) {
                Some(e) if e.time >= from => start -= 1,
                _ => break,
            }
        }
        let events: Vec<_> = world.events_from(start).collect();
        let ids = || {
            events.iter().filter_map(|(_, e)| match e.kind {
                SeenKind::Send { id, .. } => Some(id.0),
                SeenKind::Duplicate { copy, .. } => Some(copy.0),
                _ => None,
            })
        };
        let first_id = ids().min().unwrap_or(0);
        let last_id = ids().max().unwrap_or(0);
        let len = usize::try_from(last_id - first_id + 1)
            .unwrap_or(0)
            .min(4 * MAX_EVENTS);
        let mut window = Window {
            events: Vec::new(),
            first_id,
            copies: vec![None; len],
        };
        let mut copies = ById::new(&window);
        for (_, e) in &events {
            if let SeenKind::Duplicate { id, copy } = e.kind {
                copies.set(copy, id);
            }
        }
        window.copies = copies.slots;
        window.events = events;
        window
    }

    fn original(&self, id: MsgId) -> MsgId {
        let slot =
            id.0.checked_sub(self.first_id)
                .and_then(|i| usize::try_from(i).ok())
                .and_then(|i| self.copies.get(i).copied().flatten());
        slot.unwrap_or(id)
    }

    /// Which events (by position in the window) are causally before and after `selected`.
    fn causal(&self, selected: u64, nodes: usize) -> Option<(Vec<bool>, Vec<bool>)> {
        let at = self.events.iter().position(|(i, _)| *i == selected)?;
        // Edges of the happens-before graph restricted to the window.
        let mut next: Vec<Vec<usize>> = vec![Vec::new(); self.events.len()];
        let mut prev: Vec<Vec<usize>> = vec![Vec::new(); self.events.len()];
        let mut last_on_lane: Vec<Option<usize>> = vec![None; nodes];
        let mut sends: ById<usize> = ById::new(self);
        for (k, (_, e)) in self.events.iter().enumerate() {
            let Some(lane) = e.kind.lane().filter(|l| l.index() < nodes) else {
                continue;
            };
            if let Some(p) = last_on_lane[lane.index()].replace(k) {
                next[p].push(k);
                prev[k].push(p);
            }
            match &e.kind {
                SeenKind::Send { id, .. } => sends.set(*id, k),
                SeenKind::Deliver { id, .. } => {
                    if let Some(s) = sends.get(self.original(*id)) {
                        next[s].push(k);
                        prev[k].push(s);
                    }
                }
                _ => {}
            }
        }
        // A lost message ends in the network, not on a lane: it follows only its send.
        for (k, (_, e)) in self.events.iter().enumerate() {
            if let SeenKind::Drop { id, .. } = e.kind {
                if let Some(s) = sends.get(self.original(id)) {
                    next[s].push(k);
                    prev[k].push(s);
                }
            }
        }
        let reach = |edges: &Vec<Vec<usize>>| {
            let mut seen = vec![false; self.events.len()];
            let mut stack = vec![at];
            while let Some(k) = stack.pop() {
                for &m in &edges[k] {
                    if !std::mem::replace(&mut seen[m], true) {
                        stack.push(m);
                    }
                }
            }
            seen
        };
        Some((reach(&prev), reach(&next)))
    }
}

/// Draws the diagram on its canvas and returns the clickable points (x, y, trace
/// position).
pub fn draw(
    canvas: &HtmlCanvasElement,
    world: &dyn Sim,
    control: &Control,
) -> Vec<(f64, f64, u64)> {
    let (w, h) = (canvas.client_width() as f64, canvas.client_height() as f64);
    match context(canvas, (w, h)) {
        Some(ctx) => draw_with(&ctx, w, h, world, control),
        None => Vec::new(),
    }
}

/// The diagram as it is drawn now, as an SVG document `w` units wide.
pub fn svg(world: &dyn Sim, control: &Control, w: f64) -> String {
    let n = world.node_count();
    let h = 16.0 + lane_height(n) * n as f64;
    let pen = SvgPen::new();
    draw_with(&pen, w, h, world, control);
    pen.finish(w, h)
}

fn draw_with(
    ctx: &dyn Pen,
    w: f64,
    h: f64,
    world: &dyn Sim,
    control: &Control,
) -> Vec<(f64, f64, u64)> {
    let n = world.node_count();
    let about = world.about();
    let now = world.now();
    let span = control.diagram_window_us.get().max(1);
    let from = now.saturating_sub(span);
    let lane_h = lane_height(n);
    let x_of =
        |t: Micros| LABELS + (w - LABELS - RIGHT) * (t.saturating_sub(from) as f64 / span as f64);
    let y_of = |node: NodeId| 8.0 + lane_h * (node.index() as f64 + 0.5);

    let window = Window::new(world, from);
    let selected = control.selected_event.get();
    let causal = selected.and_then(|s| window.causal(s, n));
    // 0: no selection, 1: past, 2: future, 3: the event itself, 4: concurrent.
    let relation = |k: usize, index: u64| -> u8 {
        match (&causal, selected) {
            (None, _) => 0,
            (Some(_), Some(s)) if s == index => 3,
            (Some((past, _)), _) if past[k] => 1,
            (Some((_, future)), _) if future[k] => 2,
            _ => 4,
        }
    };
    let colour_of = |rel: u8, default: &'static str| match rel {
        1 => "#0072b2",
        2 => "#d55e00",
        3 => "#1d2428",
        4 => "#c8ccc4",
        _ => default,
    };

    // Lanes, with crashed stretches dashed and paused ones thick.
    ctx.set_font("14px system-ui, sans-serif");
    ctx.set_text_align("right");
    ctx.set_text_baseline("middle");
    ctx.set_fill_style_str("#5b6670");
    let mut lanes = Strokes::default();
    for i in 0..n {
        let y = y_of(NodeId(i as u32));
        // Labels need about 15 px; in thin lanes only every second or fourth is named.
        let every = if lane_h >= 15.0 {
            1
        } else if lane_h >= 7.5 {
            2
        } else {
            4
        };
        if i % every == 0 {
            ctx.fill_text(&format!("n{i}"), LABELS - 8.0, y).ok();
        }
        lanes.line("#d9dcd6", (LABELS, y), (w - RIGHT, y));
    }
    ctx.set_line_width(1.0);
    lanes.stroke(ctx);

    // Nodes down (or paused) when the window opens have no crash event in it.
    let mut first_crash_event: Vec<bool> = vec![false; n];
    for (_, e) in &window.events {
        if let SeenKind::Crash { node, .. } | SeenKind::Restart { node } = e.kind {
            if let Some(seen) = first_crash_event.get_mut(node.index()) {
                *seen = true;
            }
        }
    }
    let mut down_since: Vec<Option<Micros>> = first_crash_event
        .iter()
        .enumerate()
        .map(|(i, seen)| (!world.is_up(i) && !seen).then_some(from))
        .collect();
    let mut paused_since: Vec<Option<(Micros, Micros)>> = vec![None; n];
    let (mut crashed, mut paused) = (Strokes::default(), Strokes::default());
    let mut stretch = |node: NodeId, a: Micros, b: Micros, is_crash: bool| {
        let y = y_of(node);
        let target = if is_crash { &mut crashed } else { &mut paused };
        target.line("", (x_of(a.max(from)), y), (x_of(b), y));
    };
    for (_, e) in &window.events {
        match &e.kind {
            SeenKind::Crash { node, .. } if node.index() < n => {
                down_since[node.index()] = Some(e.time);
            }
            SeenKind::Restart { node } if node.index() < n => {
                let a = down_since[node.index()].take().unwrap_or(from);
                stretch(*node, a, e.time, true);
            }
            SeenKind::Pause { node, until } if node.index() < n => {
                paused_since[node.index()] = Some((e.time, *until));
            }
            SeenKind::Resume { node } if node.index() < n => {
                if let Some((a, _)) = paused_since[node.index()].take() {
                    stretch(*node, a, e.time, false);
                }
            }
            _ => {}
        }
    }
    for (i, a) in down_since.into_iter().enumerate() {
        if let Some(a) = a {
            stretch(NodeId(i as u32), a, now, true);
        }
    }
    for (i, p) in paused_since.into_iter().enumerate() {
        if let Some((a, until)) = p {
            stretch(NodeId(i as u32), a, until.min(now), false);
        }
    }
    ctx.set_stroke_style_str("#7f6bb3");
    ctx.set_line_width((lane_h * 0.5).min(8.0));
    paused.stroke(ctx);
    ctx.set_stroke_style_str("#8a8a8a");
    ctx.set_line_width(3.0);
    ctx.set_dash(&[4.0, 4.0]);
    crashed.stroke(ctx);
    ctx.set_dash(&[]);

    // The operations that prove the history is not linearizable: a red band on the lane
    // of the node each was sent to, from invocation to answer (or to now). Their labels
    // are drawn last, over the arrows, on a white ground.
    let mut witness_labels: Vec<(String, f64, f64, bool)> = Vec::new();
    {
        let lin = control.lin.borrow();
        let band = (lane_h * 0.7).max(4.0);
        for r in lin
            .witness()
            .iter()
            .filter_map(|id| world.clients().get(id.0 as usize))
        {
            let end = r.completed_at.unwrap_or(now).min(now);
            if end < from || r.invoked_at > now || r.node.index() >= n {
                continue;
            }
            let (mut x0, mut x1) = (x_of(r.invoked_at.max(from)), x_of(end));
            // An operation answered at once is as wide as a mark, not a sliver.
            if x1 - x0 < WITNESS_MIN_PX {
                let mid = (x0 + x1) / 2.0;
                (x0, x1) = (mid - WITNESS_MIN_PX / 2.0, mid + WITNESS_MIN_PX / 2.0);
            }
            let y = y_of(r.node);
            ctx.set_global_alpha(0.3);
            ctx.set_fill_style_str(WITNESS);
            ctx.fill_rect(x0, y - band / 2.0, x1 - x0, band);
            ctx.set_global_alpha(1.0);
            ctx.set_stroke_style_str(WITNESS);
            ctx.set_line_width(1.5);
            ctx.stroke_rect(x0, y - band / 2.0, x1 - x0, band);
            if lane_h >= 18.0 {
                // Near the present the label goes to the left, so it is not cut off.
                let left = x0 > w - RIGHT - 140.0;
                let lx = if left { x1 } else { x0 };
                let label = crate::cap_view::op_short(r);
                witness_labels.push((label, lx, y - band / 2.0 - 7.0, left));
            }
        }
    }

    // Message arrows: delivered, dropped, and still flying; one path per colour.
    let mut arrive_of: ById<Micros> = ById::new(&window);
    for m in world.flying() {
        arrive_of.set(m.id, m.arrive);
    }
    let mut sends: ById<(usize, u64, Micros, NodeId, NodeId, u8)> = ById::new(&window);
    let mut points = Vec::new();
    let (mut arrows, mut crosses, mut flying) =
        (Strokes::default(), Strokes::default(), Strokes::default());
    for (k, (index, e)) in window.events.iter().enumerate() {
        match &e.kind {
            SeenKind::Send {
                id,
                from: a,
                to: b,
                colour,
                ..
            } => {
                sends.set(*id, (k, *index, e.time, *a, *b, *colour));
                points.push((x_of(e.time), y_of(*a), *index));
            }
            SeenKind::Deliver { id, to, .. } => {
                let Some((sk, si, st, a, _, kind)) = sends.get(window.original(*id)) else {
                    continue;
                };
                let rel = match (relation(sk, si), relation(k, *index)) {
                    (0, _) => 0,
                    (1, 1 | 3) => 1,
                    (2 | 3, 2) => 2,
                    _ => 4,
                };
                let end = (x_of(e.time), y_of(*to));
                let colour = colour_of(rel, colour(kind));
                if lane_h >= 10.0 {
                    arrows.arrow(colour, (x_of(st), y_of(a)), end);
                } else {
                    // Heads would be bigger than the lanes.
                    arrows.line(colour, (x_of(st), y_of(a)), end);
                }
                points.push((end.0, end.1, *index));
            }
            SeenKind::Drop {
                id, from: a, to: b, ..
            } => {
                let sent = sends.get(*id);
                let start = sent.map_or((x_of(e.time), y_of(*a)), |s| (x_of(s.2), y_of(s.3)));
                // A message lost as it leaves has no arrival: draw a short stub towards
                // its receiver, ending in a cross.
                let end = if e.time == sent.map_or(e.time, |s| s.2) {
                    (start.0 + 14.0, start.1 + (y_of(*b) - start.1) * 0.3)
                } else {
                    (x_of(e.time), y_of(*b))
                };
                let colour = colour_of(relation(k, *index), "#d55e00");
                arrows.line(colour, start, end);
                crosses.cross(colour, end, 3.5);
                points.push((end.0, end.1, *index));
            }
            _ => {}
        }
    }
    for (id, (sk, si, st, a, b, kind)) in sends.iter() {
        if let Some(arrive) = arrive_of.get(id) {
            let f = (now - st) as f64 / (arrive.saturating_sub(st)).max(1) as f64;
            let (y0, y1) = (y_of(a), y_of(b));
            let end = (x_of(now), y0 + (y1 - y0) * f.clamp(0.0, 1.0));
            flying.line(
                colour_of(relation(sk, si), colour(kind)),
                (x_of(st), y0),
                end,
            );
        }
    }
    // Width 1 keeps the rasteriser on its fast path for thin lines.
    ctx.set_line_width(1.0);
    arrows.stroke(ctx);
    ctx.set_line_width(2.0);
    crosses.stroke(ctx);
    // Still flying: faint and without a head (dashes would read better but cost a frame
    // each when a thousand messages are in the air).
    ctx.set_line_width(1.0);
    ctx.set_global_alpha(0.45);
    flying.stroke(ctx);
    ctx.set_global_alpha(1.0);

    // Points of interest on the lanes.
    for (k, (index, e)) in window.events.iter().enumerate() {
        let rel = relation(k, *index);
        let (x, node) = match &e.kind {
            SeenKind::Send { from, .. } => (x_of(e.time), *from),
            SeenKind::Deliver { to, .. } => (x_of(e.time), *to),
            SeenKind::RoleChange { node, role, term } => {
                // Marked: roles that lead or stand for election, not the rank and file of
                // a protocol that has leaders; for one without (generals deciding, nodes
                // in rounds), every change of role is a step worth seeing.
                let has_leaders = about.roles.iter().any(|r| r.leads);
                let Some(r) = about
                    .role(*role)
                    .filter(|r| !has_leaders || r.tone != Tone::Steady)
                else {
                    continue;
                };
                let leads = r.leads;
                let (x, y) = (x_of(e.time), y_of(*node));
                ctx.set_fill_style_str(colour_of(rel, tone_colour(r.tone)));
                let s = (lane_h * 0.35).clamp(3.0, 7.0);
                ctx.fill_rect(x - s, y - s, 2.0 * s, 2.0 * s);
                if leads && lane_h >= 18.0 {
                    // Near the present the label goes to the left, so it is not cut off.
                    let left = x > w - RIGHT - 70.0;
                    ctx.set_text_align(if left { "right" } else { "left" });
                    let lx = if left { x - s - 2.0 } else { x + s + 2.0 };
                    // The label's first words: "proposer in phase 2", not its explanation.
                    let short = r.label.split(" (").next().unwrap_or(r.label);
                    ctx.fill_text(&format!("{short} {term}"), lx, y - s - 4.0)
                        .ok();
                    ctx.set_text_align("right");
                }
                points.push((x, y, *index));
                continue;
            }
            SeenKind::Crash { node, .. } => {
                let (x, y) = (x_of(e.time), y_of(*node));
                let mut mark = Strokes::default();
                mark.cross(
                    colour_of(rel, "#1d2428"),
                    (x, y),
                    (lane_h * 0.4).clamp(3.0, 8.0),
                );
                ctx.set_line_width(2.5);
                mark.stroke(ctx);
                ctx.set_line_width(1.2);
                points.push((x, y, *index));
                continue;
            }
            SeenKind::ClientInvoke { node, .. } => {
                let (x, y) = (x_of(e.time), y_of(*node));
                ctx.set_stroke_style_str(colour_of(rel, "#1d2428"));
                ctx.stroke_rect(x - 3.0, y - 3.0, 6.0, 6.0);
                points.push((x, y, *index));
                continue;
            }
            SeenKind::Note {
                node, mark: true, ..
            } => {
                // A tick across the lane (a delivery to the application, say), beside the
                // arrow heads that brought messages in.
                let (x, y) = (x_of(e.time), y_of(*node));
                let h = (lane_h * 0.4).clamp(4.0, 9.0);
                let mut tick = Strokes::default();
                tick.line(colour_of(rel, MARK_COLOUR), (x, y - h), (x, y + h));
                ctx.set_line_width(2.0);
                tick.stroke(ctx);
                ctx.set_line_width(1.2);
                points.push((x, y, *index));
                continue;
            }
            _ => continue,
        };
        if rel == 0 {
            continue;
        }
        let y = y_of(node);
        ctx.begin_path();
        ctx.arc(
            x,
            y,
            if rel == 3 { 5.5 } else { 3.0 },
            0.0,
            std::f64::consts::TAU,
        )
        .ok();
        if rel == 4 {
            // Concurrent with the selection: hollow.
            ctx.set_stroke_style_str("#8a8f88");
            ctx.stroke();
        } else {
            ctx.set_fill_style_str(colour_of(rel, "#1d2428"));
            ctx.fill();
        }
    }

    // A protocol's lines across the lanes (a snapshot's cut, a recovery line): dashed ink
    // through each line's points, lane by lane.
    let mut cuts: Vec<(u64, f64, f64)> = window
        .events
        .iter()
        .filter_map(|(_, e)| match e.kind {
            SeenKind::Note {
                node, cut: Some(c), ..
            } => Some((c.line, x_of(c.at_us.unwrap_or(e.time)), y_of(node))),
            _ => None,
        })
        .collect();
    splitbrain_core::sort::by(&mut cuts, |a, b| a.0.cmp(&b.0).then(a.2.total_cmp(&b.2)));
    if !cuts.is_empty() {
        ctx.set_stroke_style_str(MARK_COLOUR);
        ctx.set_line_width(1.5);
        ctx.set_dash(&[5.0, 4.0]);
        for line in cuts.chunk_by(|a, b| a.0 == b.0) {
            ctx.begin_path();
            // Beyond the lanes a little at both ends, so that a line of one point shows.
            let (first, last) = (line[0], line[line.len() - 1]);
            ctx.move_to(first.1, first.2 - lane_h * 0.5);
            for &(_, x, y) in line {
                ctx.line_to(x, y);
            }
            ctx.line_to(last.1, last.2 + lane_h * 0.5);
            ctx.stroke();
        }
        ctx.set_dash(&[]);
        ctx.set_line_width(1.2);
    }

    // The witness's labels, over everything else.
    ctx.set_font("13px system-ui, sans-serif");
    ctx.set_text_baseline("middle");
    for (label, x, y, left) in &witness_labels {
        // About 7 px a character at this size: enough for a ground under the text.
        let width = label.chars().count() as f64 * 7.0 + 6.0;
        let bx = if *left { x - width } else { *x };
        ctx.set_global_alpha(0.9);
        ctx.set_fill_style_str("#ffffff");
        ctx.fill_rect(bx, y - 8.0, width, 16.0);
        ctx.set_global_alpha(1.0);
        ctx.set_fill_style_str(WITNESS);
        ctx.set_text_align(if *left { "right" } else { "left" });
        ctx.fill_text(label, if *left { x - 3.0 } else { x + 3.0 }, *y)
            .ok();
    }
    ctx.set_text_align("right");

    // The present.
    ctx.set_stroke_style_str("#1d2428");
    ctx.set_line_width(1.0);
    ctx.begin_path();
    ctx.move_to(x_of(now), 2.0);
    ctx.line_to(x_of(now), h - 2.0);
    ctx.stroke();
    points
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub page: UseReducerHandle<Page>,
}

#[component]
pub fn SpaceTime(props: &Props) -> Html {
    let page = &props.page;
    let n = page.world.borrow().len();
    let height = crate::topology::num(16.0 + lane_height(n) * n as f64);
    let onclick = {
        let page = page.clone();
        Callback::from(move |e: MouseEvent| {
            let points = page.control.diagram_points.borrow();
            let (x, y) = (e.offset_x() as f64, e.offset_y() as f64);
            let hit = points
                .iter()
                .map(|p| ((p.0 - x).powi(2) + (p.1 - y).powi(2), p.2))
                .filter(|(d, _)| *d <= 64.0)
                .min_by(|a, b| a.0.total_cmp(&b.0))
                .map(|(_, i)| i);
            drop(points);
            page.dispatch(Msg::SelectEvent(hit, false));
        })
    };
    let on_window = {
        let page = page.clone();
        Callback::from(move |e: Event| {
            let value = e
                .target_dyn_into::<web_sys::HtmlSelectElement>()
                .and_then(|s| s.value().parse::<usize>().ok());
            if let Some((us, _)) = value.and_then(|i| WINDOWS.get(i)) {
                page.dispatch(Msg::SetDiagramWindow(*us));
            }
        })
    };
    let current = page.control.diagram_window_us.get();
    let legend = page.world.borrow().about().look.legend;
    let mark = page.world.borrow().about().look.mark;
    let cut = page.world.borrow().about().look.cut;
    let selected = page.control.selected_event.get().and_then(|i| {
        let world = page.world.borrow();
        let time = world.event_time(i)?;
        let text = world.event_text(i)?;
        Some(format!("#{i} at {}: {text}", Pretty(time)))
    });
    html! {
        <section class="spacetime" aria-label="Space-time diagram">
            <div class="panel-head">
                <h2>{"Space-time diagram"}</h2>
                <label>{"window "}
                    <select onchange={on_window} aria-label="Time window of the diagram">
                        { for WINDOWS.iter().enumerate().map(|(i, (us, name))| html! {
                            <option value={i.to_string()} selected={*us == current}>{ *name }</option>
                        }) }
                    </select>
                </label>
                // What the colours mean now: message kinds, or, once an event is selected,
                // how the others relate to it (the kinds' colours are then not drawn).
                <span class="legend">
                    if page.control.selected_event.get().is_some() {
                        <span class="key past">{"causal past"}</span>
                        <span class="key future">{"causal future"}</span>
                        <span class="key concurrent">{"concurrent"}</span>
                    } else {
                        { for crate::flight::COLOURS.iter().zip(legend).filter(|(_, name)| !name.is_empty()).map(|(colour, name)| html! {
                            <span class="key" style={format!("--key: {colour}")}>{ name }</span>
                        }) }
                        <span class="key lost">{"lost"}</span>
                        <span class="key role" title="A filled square in the role's colour, labelled where there is room">{"takes a role"}</span>
                        <span class="key request">{"client request"}</span>
                        <span class="key crash">{"crash"}</span>
                        if let Some(mark) = mark {
                            <span class="key mark" title="A tick across the node's lane">{ mark }</span>
                        }
                        if let Some(cut) = cut {
                            <span class="key cut" title="A dashed line across the lanes">{ cut }</span>
                        }
                    }
                    if !page.control.lin.borrow().witness().is_empty() {
                        <span class="key witness" title="The operations that prove the history is not linearizable, from invocation to answer">{"not linearizable"}</span>
                    }
                </span>
            </div>
            <canvas ref={page.diagram.clone()} {onclick} style={format!("height: {height}px")}
                    role="img" aria-label="One lane per node, time to the right, an arrow per message; click an event to see what it depends on and what depends on it"></canvas>
            <p class="selected-event">{ selected.unwrap_or_else(|| "Click an event (a dot where an arrow starts or ends, a square, a cross) to light up its causal past and future.".into()) }</p>
        </section>
    }
}

/// A role's colour, as the page's stylesheet gives it to nodes and legend dots.
pub fn tone_colour(tone: Tone) -> &'static str {
    match tone {
        Tone::Lead => "#0072b2",
        Tone::Steady => "#009e73",
        Tone::Restless => "#e69f00",
        Tone::Contrary => "#cc79a7",
    }
}

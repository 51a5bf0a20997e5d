//! What moves: messages in flight, messages dying where they were lost, and each node's
//! election timer running down, drawn on a canvas every animation frame. Canvas because a
//! thousand moving SVG circles cost a frame each; here they cost one path per colour.

use crate::topology::{node_radius, position, SIZE};
use splitbrain_core::sim::Sim;
use splitbrain_core::time::Micros;
use splitbrain_core::trace::DropReason;
use splitbrain_core::view::{Flying, SeenKind};
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

/// The four message colours (Okabe-Ito): control traffic, data sent out, replies, and
/// anything else; each protocol names them in its legend (`Look::legend`).
pub const COLOURS: [&str; 4] = ["#e69f00", "#0072b2", "#56b4e9", "#cc79a7"];
const BAD: &str = "#d55e00";

/// The index in [`COLOURS`] of colour class `class` (a class past the last is the last).
fn colour_index(class: u8) -> usize {
    usize::from(class).min(COLOURS.len() - 1)
}

/// The colour of a message of colour class `class`.
pub fn colour(class: u8) -> &'static str {
    COLOURS[colour_index(class)]
}

/// Where on the drawing a message in a cluster of `n` nodes is now.
pub fn message_point(now: Micros, m: &Flying, n: usize) -> (f64, f64) {
    let (a, b) = (position(m.from.index(), n), position(m.to.index(), n));
    // From the sender's edge to the receiver's, so that no dot covers a node's number.
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let length = (dx * dx + dy * dy).sqrt();
    let r = node_radius(n);
    if length <= 2.0 * r {
        return lerp(a, b, m.progress(now));
    }
    let (ux, uy) = (dx / length * r, dy / length * r);
    lerp((a.0 + ux, a.1 + uy), (b.0 - ux, b.1 - uy), m.progress(now))
}

/// Draws the messages in flight as dots of radius `dot`, one path per colour, and rings
/// the damaged ones.
pub fn draw_messages(
    ctx: &CanvasRenderingContext2d,
    flying: &[Flying],
    now: Micros,
    n: usize,
    dot: f64,
) {
    let mut damaged = Vec::new();
    for (k, colour) in COLOURS.iter().enumerate() {
        ctx.begin_path();
        for m in flying {
            if colour_index(m.colour) != k {
                continue;
            }
            let p = message_point(now, m, n);
            ctx.move_to(p.0 + dot, p.1);
            ctx.arc(p.0, p.1, dot, 0.0, std::f64::consts::TAU).ok();
            if m.damaged {
                damaged.push(p);
            }
        }
        ctx.set_fill_style_str(colour);
        ctx.fill();
    }
    if !damaged.is_empty() {
        ctx.begin_path();
        for p in &damaged {
            ctx.move_to(p.0 + dot + 2.5, p.1);
            ctx.arc(p.0, p.1, dot + 2.5, 0.0, std::f64::consts::TAU)
                .ok();
        }
        ctx.set_stroke_style_str(BAD);
        ctx.set_line_width(2.5);
        ctx.stroke();
    }
}

fn lerp(a: (f64, f64), b: (f64, f64), f: f64) -> (f64, f64) {
    (a.0 + (b.0 - a.0) * f, a.1 + (b.1 - a.1) * f)
}

/// A context scaled so that drawing in SIZE x SIZE units fills the canvas, sized to its
/// element at the device's pixel ratio.
pub fn context(
    canvas: &HtmlCanvasElement,
    logical: (f64, f64),
) -> Option<CanvasRenderingContext2d> {
    let ratio = web_sys::window().map_or(1.0, |w| w.device_pixel_ratio());
    let (w, h) = (canvas.client_width() as f64, canvas.client_height() as f64);
    if w <= 0.0 || h <= 0.0 {
        return None;
    }
    let (pw, ph) = ((w * ratio).round() as u32, (h * ratio).round() as u32);
    if canvas.width() != pw || canvas.height() != ph {
        canvas.set_width(pw);
        canvas.set_height(ph);
    }
    let ctx: CanvasRenderingContext2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
    ctx.set_transform(1.0, 0.0, 0.0, 1.0, 0.0, 0.0).ok()?;
    ctx.clear_rect(0.0, 0.0, pw as f64, ph as f64);
    let (sx, sy) = (pw as f64 / logical.0, ph as f64 / logical.1);
    ctx.set_transform(sx, 0.0, 0.0, sy, 0.0, 0.0).ok()?;
    Some(ctx)
}

/// How long (simulated) a lost message stays visible: about 0.7 s of real time.
pub fn fade_us(speed: f64) -> Micros {
    (speed * 700.0) as Micros
}

/// Draws one frame of the topology overlay.
pub fn draw(canvas: &HtmlCanvasElement, world: &dyn Sim, speed: f64) {
    let Some(ctx) = context(canvas, (SIZE, SIZE)) else {
        return;
    };
    let n = world.node_count();
    let now = world.now();
    let radius = node_radius(n);

    // Countdowns (Raft's election timers): an arc around each node that does not lead,
    // shrinking to its deadline.
    ctx.set_line_width(if radius > 16.0 { 4.0 } else { 2.5 });
    ctx.set_stroke_style_str("#1d2428");
    ctx.set_global_alpha(0.45);
    for c in world.countdowns() {
        let left = (c.at.saturating_sub(now) as f64 / c.span.max(1) as f64).clamp(0.0, 1.0);
        let (x, y) = position(c.node.index(), n);
        let start = -std::f64::consts::FRAC_PI_2;
        ctx.begin_path();
        ctx.arc(
            x,
            y,
            radius + 3.5,
            start,
            start + left * std::f64::consts::TAU,
        )
        .ok();
        ctx.stroke();
    }
    ctx.set_global_alpha(1.0);

    // Messages, one path per colour.
    let dot = dot_radius(n);
    draw_messages(&ctx, &world.flying(), now, n, dot);

    // Messages that died recently, marked where they died and why, fading out.
    let window = fade_us(speed).max(1);
    let mut marks = 0;
    ctx.set_font("11px system-ui, sans-serif");
    ctx.set_text_align("center");
    ctx.set_line_width(2.5);
    ctx.set_stroke_style_str(BAD);
    ctx.set_fill_style_str(BAD);
    let len = world.trace_len();
    for index in (len.saturating_sub(4000)..len).rev() {
        let Some(event) = world.event(index) else {
            break;
        };
        if now.saturating_sub(event.time) > window || marks >= 150 {
            break;
        }
        let SeenKind::Drop {
            from, to, reason, ..
        } = event.kind
        else {
            continue;
        };
        marks += 1;
        // Lost on the way (decided as it leaves) or refused at the door.
        let (at, why) = match reason {
            DropReason::Loss => (0.35, "lost"),
            DropReason::Partition => (0.25, "partition"),
            DropReason::Cut => (0.25, "cut"),
            DropReason::ReceiverDown => (0.85, "receiver down"),
            DropReason::CorruptDetected => (0.85, "bad checksum"),
        };
        let p = lerp(position(from.index(), n), position(to.index(), n), at);
        ctx.set_global_alpha(1.0 - now.saturating_sub(event.time) as f64 / window as f64);
        let s = dot + 1.0;
        ctx.begin_path();
        ctx.move_to(p.0 - s, p.1 - s);
        ctx.line_to(p.0 + s, p.1 + s);
        ctx.move_to(p.0 + s, p.1 - s);
        ctx.line_to(p.0 - s, p.1 + s);
        ctx.stroke();
        if n <= ALL_LABELS_UP_TO {
            ctx.fill_text(why, p.0, p.1 - s - 4.0).ok();
        }
    }
    ctx.set_global_alpha(1.0);
}

/// The radius of a message's dot in a cluster of `n` nodes.
pub fn dot_radius(n: usize) -> f64 {
    if n > 20 {
        3.5
    } else {
        5.5
    }
}

/// Labels on dying messages would overlap in larger clusters.
const ALL_LABELS_UP_TO: usize = 12;

/// The message drawn nearest to a point (in drawing units), described for a tooltip.
pub fn message_at(world: &dyn Sim, x: f64, y: f64) -> Option<String> {
    let n = world.node_count();
    let now = world.now();
    // A dot is easy to miss while it moves: anything within a few units of its edge counts.
    let reach = dot_radius(n) + 7.0;
    let nearest = world
        .flying()
        .into_iter()
        .map(|m| {
            let p = message_point(now, &m, n);
            ((p.0 - x).powi(2) + (p.1 - y).powi(2), m.id)
        })
        .filter(|(d, _)| *d <= reach * reach)
        .min_by(|a, b| a.0.total_cmp(&b.0))?;
    world.message_text(nearest.1)
}

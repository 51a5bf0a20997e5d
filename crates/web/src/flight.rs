//! What moves: messages in flight, messages dying where they were lost, and each node's
//! election timer running down, drawn on a canvas every animation frame. Canvas because a
//! thousand moving SVG circles cost a frame each; here they cost one path per colour.

use crate::any::Shown;
use crate::topology::{node_radius, position, SIZE};
use splitbrain_core::ids::MsgId;
use splitbrain_core::protocol::{field_changes, fields_text, Message, Protocol};
use splitbrain_core::time::{Micros, Pretty};
use splitbrain_core::trace::{DropReason, EventKind};
use splitbrain_core::world::queue::{EventQueue, InFlight};
use splitbrain_core::world::World;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

/// The four message colours (Okabe-Ito): control traffic, data sent out, replies, and
/// anything else; each protocol names them in its legend (`Shown::LEGEND`).
pub const COLOURS: [&str; 4] = ["#e69f00", "#0072b2", "#56b4e9", "#cc79a7"];
const BAD: &str = "#d55e00";

/// Where a message is now: the fraction of its flight it has covered.
fn progress(now: Micros, arrive: Micros, m: &InFlight<impl Clone>) -> f64 {
    let span = arrive.saturating_sub(m.sent_at).max(1) as f64;
    (now.saturating_sub(m.sent_at) as f64 / span).clamp(0.0, 1.0)
}

/// Where on the drawing a message in a cluster of `n` nodes is now.
pub fn message_point<M: Clone>(
    now: Micros,
    arrive: Micros,
    m: &InFlight<M>,
    n: usize,
) -> (f64, f64) {
    lerp(
        position(m.from.index(), n),
        position(m.to.index(), n),
        progress(now, arrive, m),
    )
}

/// Draws the messages in flight as dots of radius `dot`, one path per colour, and rings
/// the damaged ones.
pub fn draw_messages<P: Shown>(
    ctx: &CanvasRenderingContext2d,
    queue: &EventQueue<P>,
    now: Micros,
    n: usize,
    dot: f64,
) {
    let mut damaged = Vec::new();
    for (k, colour) in COLOURS.iter().enumerate() {
        ctx.begin_path();
        for (arrive, m) in queue.in_flight() {
            if P::colour_of(m.msg.kind()) != k {
                continue;
            }
            let p = message_point(now, arrive, m, n);
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
pub fn draw<P: Shown>(canvas: &HtmlCanvasElement, world: &World<P>, speed: f64) {
    let Some(ctx) = context(canvas, (SIZE, SIZE)) else {
        return;
    };
    let n = world.nodes().len();
    let now = world.now();
    let radius = node_radius(n);

    // Countdowns (Raft's election timers): an arc around each follower or candidate,
    // shrinking to its deadline.
    let config = &world.config().protocol;
    ctx.set_line_width(if radius > 16.0 { 4.0 } else { 2.5 });
    ctx.set_stroke_style_str("#1d2428");
    ctx.set_global_alpha(0.45);
    for (at, node, timer, generation) in world.queue().timers() {
        let slot = &world.nodes()[node.index()];
        let live = slot
            .timers()
            .iter()
            .any(|(t, g)| t == timer && *g == generation);
        let role = slot.state.as_ref().map(|s| s.status().role);
        let Some(span) = P::countdown(timer, config) else {
            continue;
        };
        if !live || role.is_none_or(P::leads) {
            continue;
        }
        let left = (at.saturating_sub(now) as f64 / span.max(1) as f64).clamp(0.0, 1.0);
        let (x, y) = position(node.index(), n);
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
    let dot = if n > 20 { 3.5 } else { 5.5 };
    draw_messages(&ctx, world.queue(), now, n, dot);

    // Messages that died recently, marked where they died and why, fading out.
    let window = fade_us(speed).max(1);
    let mut marks = 0;
    ctx.set_font("11px system-ui, sans-serif");
    ctx.set_text_align("center");
    ctx.set_line_width(2.5);
    ctx.set_stroke_style_str(BAD);
    ctx.set_fill_style_str(BAD);
    for event in world.trace().events().rev().take(4000) {
        if now.saturating_sub(event.time) > window || marks >= 150 {
            break;
        }
        let EventKind::Drop {
            from, to, reason, ..
        } = &event.kind
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

/// Labels on dying messages would overlap in larger clusters.
const ALL_LABELS_UP_TO: usize = 12;

/// The message nearest to a point (in drawing units), described for a tooltip.
pub fn message_at<P: Shown>(world: &World<P>, x: f64, y: f64) -> Option<String> {
    let n = world.nodes().len();
    let now = world.now();
    let (arrive, m) = world
        .queue()
        .in_flight()
        .map(|(arrive, m)| {
            let p = message_point(now, arrive, m, n);
            ((p.0 - x).powi(2) + (p.1 - y).powi(2), arrive, m)
        })
        .filter(|(d, _, _)| *d <= 12.0 * 12.0)
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, arrive, m)| (arrive, m))?;
    let mut text = format!(
        "{} {} → {}, sent {}, arrives {}\n{}",
        m.msg.kind(),
        m.from,
        m.to,
        Pretty(m.sent_at),
        Pretty(arrive),
        fields_text(&m.msg, 60)
    );
    if m.damaged {
        let change = original(world, m.id, m.sent_at)
            .map(|o| field_changes(&o, &m.msg))
            .unwrap_or_else(|| "contents changed".into());
        text.push_str(&format!("\ncorrupted in flight: {change}"));
    }
    Some(text)
}

/// The message as it was sent (the trace keeps the original in the send event).
fn original<P: Protocol>(world: &World<P>, id: MsgId, sent_at: Micros) -> Option<P::Msg> {
    world
        .trace()
        .events()
        .rev()
        .take_while(|e| e.time >= sent_at)
        .find_map(|e| match &e.kind {
            EventKind::Send { id: i, msg, .. } if *i == id => Some(msg.clone()),
            _ => None,
        })
}

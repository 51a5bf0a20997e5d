//! The cluster: nodes on a ring (two interleaved rings for large clusters), their links
//! and partition groups as SVG, re-rendered on discrete changes. What moves every frame
//! (messages, dying messages, election timers) is drawn on the canvas laid over it, by
//! `flight.rs`.

use crate::state::{Msg, Page};
use splitbrain_core::ids::NodeId;
use splitbrain_core::registry::{RoleDesc, Tone};
use splitbrain_core::time::Pretty;
use yew::prelude::*;

/// The drawing's coordinate system is SIZE x SIZE, scaled to the element.
pub const SIZE: f64 = 600.0;

/// Above this many nodes, healthy links are not drawn (they would be a grey blur); cut,
/// one-way and selected links still are.
pub const ALL_LINKS_UP_TO: usize = 12;

/// A coordinate as text with one decimal, without pulling float formatting into the
/// wasm binary (it is large, and one decimal is all a drawing needs).
pub fn num(x: f64) -> String {
    let tenths = (x * 10.0).round() as i64;
    let sign = if tenths < 0 { "-" } else { "" };
    let t = tenths.unsigned_abs();
    format!("{sign}{}.{}", t / 10, t % 10)
}

/// Where node `i` of `n` sits.
pub fn position(i: usize, n: usize) -> (f64, f64) {
    let angle = -std::f64::consts::FRAC_PI_2 + std::f64::consts::TAU * i as f64 / n as f64;
    // The browser's trigonometry, rather than a second copy compiled into the binary.
    let (cos, sin) = (js_sys::Math::cos(angle), js_sys::Math::sin(angle));
    // Large clusters alternate between two rings so neighbours do not overlap.
    let r = if n > 20 && i % 2 == 1 {
        SIZE * 0.34
    } else {
        SIZE * 0.42
    };
    (SIZE / 2.0 + r * cos, SIZE / 2.0 + r * sin)
}

pub fn node_radius(n: usize) -> f64 {
    let per_ring = if n > 20 { n as f64 / 2.0 } else { n as f64 };
    (SIZE * 0.42 * std::f64::consts::TAU / per_ring * 0.36).clamp(9.0, 34.0)
}

/// A node's colour class: its role's name (as its protocol describes it), unless it is
/// down, paused, or a slow node in the cluster's plain role.
pub fn role_class(
    role: Option<&'static RoleDesc>,
    up: bool,
    paused: bool,
    slow: bool,
) -> &'static str {
    match (up, paused, role) {
        (false, _, _) => "crashed",
        (true, true, _) => "paused",
        (true, false, Some(r)) if r.leads || r.tone == Tone::Restless => r.tone.class(),
        _ if slow => "slow",
        (true, false, Some(r)) => r.tone.class(),
        (true, false, None) => Tone::Steady.class(),
    }
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub page: UseReducerHandle<Page>,
}

#[component]
pub fn Topology(props: &Props) -> Html {
    let page = &props.page;
    let world = page.world.borrow();
    let n = world.len();
    let net = world.network();
    let radius = node_radius(n);
    let groups = net.groups();
    let group_of = |id: NodeId| groups.iter().position(|g| g.contains(&id)).unwrap_or(0);

    let mut links = Vec::new();
    for i in 0..n {
        for j in i + 1..n {
            let (a, b) = (NodeId(i as u32), NodeId(j as u32));
            let selected = page.selected_link == Some((a, b));
            let state = match (net.is_cut(a, b), net.is_cut(b, a)) {
                (true, true) => "cut",
                (true, false) | (false, true) => "one-way",
                _ if net.blocked(a, b).is_some() => "partitioned",
                _ if net.link(a, b) != net.link(b, a)
                    || *net.link(a, b) != *net.link(NodeId(0), NodeId(1 % n as u32)) =>
                {
                    "tuned"
                }
                _ => "",
            };
            if n > ALL_LINKS_UP_TO && !selected && matches!(state, "" | "partitioned") {
                continue;
            }
            let (x1, y1) = position(i, n);
            let (x2, y2) = position(j, n);
            let onclick = {
                let page = page.clone();
                Callback::from(move |_| {
                    page.dispatch(Msg::SelectLink(if selected { None } else { Some((a, b)) }))
                })
            };
            let label = match state {
                "cut" => format!("link {a}–{b}: cut both ways"),
                "one-way" if net.is_cut(a, b) => format!("link {a}–{b}: {a} → {b} cut"),
                "one-way" => format!("link {a}–{b}: {b} → {a} cut"),
                "partitioned" => format!("link {a}–{b}: across the partition"),
                _ => format!("link {a}–{b}"),
            };
            let (x1, y1, x2, y2) = (num(x1), num(y1), num(x2), num(y2));
            links.push(html! {
                <g class={classes!("link", state, selected.then_some("selected"))} {onclick}>
                    <title>{ format!("{label}; click for this link's faults") }</title>
                    <line class="hit" x1={x1.clone()} y1={y1.clone()} x2={x2.clone()} y2={y2.clone()} />
                    <line class="stroke" {x1} {y1} {x2} {y2} />
                </g>
            });
        }
    }

    let split = page.split.as_ref();
    let now = world.now();
    let era = world.about().look.era;
    let roles = world.about().roles;
    let nodes = (0..n).map(|i| {
        let slot = world.node_view(i);
        let id = NodeId(i as u32);
        let (x, y) = position(i, n);
        let status = slot.status;
        let slow = slot.processing_us > 0;
        let class = role_class(
            status.and_then(|s| roles.iter().find(|r| r.code == s.role.0)),
            status.is_some(),
            slot.paused,
            slow,
        );
        let selected = page.selected == Some(id);
        let onclick = {
            let page = page.clone();
            let splitting = split.is_some();
            Callback::from(move |_| {
                page.dispatch(if splitting {
                    Msg::SplitToggle(id)
                } else {
                    Msg::Select(if selected { None } else { Some(id) })
                })
            })
        };
        let label = match (status, era) {
            (None, _) => "down".to_string(),
            (Some(s), Some((prefix, _))) => format!("{prefix}{}", s.term),
            (Some(_), None) => String::new(),
        };
        let group = match split {
            Some(side) => Some(if side.contains(&id) { "group-1" } else { "group-0" }.to_string()),
            None => (groups.len() > 1).then(|| format!("group-{}", group_of(id) % 4)),
        };
        let clock = slot.clock.read(now).max(0) as u64;
        let lying = slot.behaviour.as_ref().map(|b| format!(", Byzantine ({b})"));
        let describe = format!(
            "node {i}, {class}{}{}; its clock reads {}",
            match (status, era) {
                (Some(s), Some((_, name))) => format!(", {name} {}", s.term),
                _ => String::new(),
            },
            lying.clone().unwrap_or_default(),
            Pretty(clock)
        );
        // Room for the term or epoch under the name.
        let big = radius >= 18.0 && era.is_some();
        // Labels grow with the node, so they stay readable when the drawing is small.
        // The drawing is at least 400 px across for its 600 units on a screen of 1280x720
        // or more, so with up to a dozen nodes these stay at 14 px or more (a projector).
        let name_size = (radius * 0.78).clamp(11.0, 27.0);
        let term_size = (radius * 0.62).clamp(9.0, 21.0);
        html! {
            <g class={classes!("node", class, selected.then_some("selected"), group, lying.is_some().then_some("byzantine"))} {onclick}
               role="button" tabindex="0" aria-label={describe.clone()}>
                <title>{ describe }</title>
                <circle class="halo" cx={num(x)} cy={num(y)} r={num(radius + 7.0)} />
                <circle class="body" cx={num(x)} cy={num(y)} r={num(radius)} />
                <text class="name" x={num(x)} y={num(y + if big { -radius * 0.08 } else { name_size * 0.35 })}
                      style={format!("font-size: {}px", num(name_size))}>{ id.0.to_string() }</text>
                if big {
                    <text class="term" x={num(x)} y={num(y + radius * 0.5)}
                          style={format!("font-size: {}px", num(term_size))}>{ label }</text>
                }
            </g>
        }
    });

    let tooltip = use_state(|| None::<(f64, f64, String)>);
    let onmousemove = {
        let page = page.clone();
        let tooltip = tooltip.clone();
        Callback::from(move |e: MouseEvent| {
            // Measured from the canvas the messages are drawn on. (Yew delegates events to
            // the page's root, so the event's current target is not this element.)
            let Some(el) = page.canvas.cast::<web_sys::Element>() else {
                return;
            };
            let rect = el.get_bounding_client_rect();
            if rect.width() <= 0.0 || rect.height() <= 0.0 {
                return;
            }
            let (px, py) = (
                e.client_x() as f64 - rect.left(),
                e.client_y() as f64 - rect.top(),
            );
            let (x, y) = (px * SIZE / rect.width(), py * SIZE / rect.height());
            let found = crate::flight::message_at(&**page.world.borrow(), x, y);
            let next = found.map(|text| (px, py, text));
            if *tooltip != next {
                tooltip.set(next);
            }
        })
    };
    let onmouseleave = {
        let tooltip = tooltip.clone();
        Callback::from(move |_| tooltip.set(None))
    };
    let tip = tooltip.as_ref().map(|(x, y, text)| html! {
        <div class="message-tip" style={format!("left: {}px; top: {}px", num(x + 14.0), num(y + 14.0))} role="tooltip">{ text }</div>
    });
    html! {
        <div class="topology-wrap" {onmousemove} {onmouseleave}>
            { for tip }
            <svg class="topology" viewBox={format!("0 0 {s} {s}", s = num(SIZE))} role="group"
                 aria-label="The cluster: nodes and links. Messages in flight are drawn over it.">
                { for links }
                { for nodes }
            </svg>
            <canvas class="flight" ref={page.canvas.clone()} aria-hidden="true"></canvas>
        </div>
    }
}

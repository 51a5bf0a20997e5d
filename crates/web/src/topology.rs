//! The cluster as a ring of nodes with their links and the messages in flight.

use crate::state::{Msg, Sim};
use splitbrain_core::ids::NodeId;
use splitbrain_core::protocol::{Message, Protocol, Role};
use yew::prelude::*;

const SIZE: f64 = 600.0;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub sim: UseReducerHandle<Sim>,
}

fn position(i: usize, n: usize) -> (f64, f64) {
    let angle = -std::f64::consts::FRAC_PI_2 + std::f64::consts::TAU * i as f64 / n as f64;
    let r = SIZE * 0.38;
    (SIZE / 2.0 + r * angle.cos(), SIZE / 2.0 + r * angle.sin())
}

pub fn role_class(role: Option<Role>, paused: bool) -> &'static str {
    match (role, paused) {
        (None, _) => "crashed",
        (Some(_), true) => "paused",
        (Some(Role::Leader), _) => "leader",
        (Some(Role::Candidate), _) => "candidate",
        _ => "follower",
    }
}

fn kind_class(kind: &str) -> &'static str {
    match kind {
        "RequestVote" | "Vote" => "msg-vote",
        "AppendEntries" => "msg-append",
        "AppendReply" => "msg-reply",
        _ => "msg-other",
    }
}

#[component]
pub fn Topology(props: &Props) -> Html {
    let sim = &props.sim;
    let world = sim.world.borrow();
    let n = world.nodes().len();
    let now = world.now();
    let net = world.network();
    let radius = (SIZE / (n as f64 * 1.2)).clamp(10.0, 36.0);
    let groups = net.groups();
    let group_of = |id: NodeId| groups.iter().position(|g| g.contains(&id)).unwrap_or(0);

    let mut links = Vec::new();
    for i in 0..n {
        for j in i + 1..n {
            let (a, b) = (NodeId(i as u32), NodeId(j as u32));
            let (x1, y1) = position(i, n);
            let (x2, y2) = position(j, n);
            let class = match (net.is_cut(a, b), net.is_cut(b, a)) {
                (true, true) => "link cut",
                (true, false) | (false, true) => "link one-way",
                _ if net.blocked(a, b).is_some() => "link partitioned",
                _ => "link",
            };
            links.push(html! {
                <line class={class} x1={x1.to_string()} y1={y1.to_string()} x2={x2.to_string()} y2={y2.to_string()} />
            });
        }
    }

    let messages = world.queue().in_flight().map(|(at, m)| {
        let span = at.saturating_sub(m.sent_at).max(1) as f64;
        let frac = (now.saturating_sub(m.sent_at) as f64 / span).clamp(0.0, 1.0);
        let (x1, y1) = position(m.from.index(), n);
        let (x2, y2) = position(m.to.index(), n);
        let (x, y) = (x1 + (x2 - x1) * frac, y1 + (y2 - y1) * frac);
        let kind = m.msg.kind();
        let class = classes!("msg", kind_class(kind), m.damaged.then_some("damaged"));
        html! {
            <circle class={class} cx={x.to_string()} cy={y.to_string()} r="6">
                <title>{ format!("{kind} {} → {}{}: {:?}", m.from, m.to, if m.damaged { " (corrupted)" } else { "" }, m.msg) }</title>
            </circle>
        }
    });

    let nodes = world.nodes().iter().enumerate().map(|(i, slot)| {
        let id = NodeId(i as u32);
        let (x, y) = position(i, n);
        let status = slot.state.as_ref().map(|s| s.status());
        let class = role_class(status.map(|s| s.role), slot.is_paused(now));
        let selected = sim.selected == Some(id);
        let onclick = {
            let sim = sim.clone();
            Callback::from(move |_| sim.dispatch(Msg::Select(if selected { None } else { Some(id) })))
        };
        let label = status.map_or("down".to_string(), |s| format!("T{}", s.term));
        let group = (groups.len() > 1).then(|| format!("group-{}", group_of(id) % 4));
        html! {
            <g class={classes!("node", class, selected.then_some("selected"), group)} {onclick}
               role="button" tabindex="0" aria-label={format!("node {i}, {class}; click to inspect")}>
                <circle class="halo" cx={x.to_string()} cy={y.to_string()} r={(radius + 7.0).to_string()} />
                <circle class="body" cx={x.to_string()} cy={y.to_string()} r={radius.to_string()} />
                <text class="name" x={x.to_string()} y={(y - 2.0).to_string()}>{ id.to_string() }</text>
                <text class="term" x={x.to_string()} y={(y + 13.0).to_string()}>{ label }</text>
            </g>
        }
    });

    html! {
        <svg class="topology" viewBox={format!("0 0 {SIZE} {SIZE}")} role="img"
             aria-label="The cluster: nodes, links and messages in flight">
            { for links }
            { for messages }
            { for nodes }
        </svg>
    }
}

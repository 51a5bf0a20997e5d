//! Cluster set-up: how many nodes, which protocol and which deliberate bugs, which seed.
//! Changing any of these starts a new run; bad values get a message and change nothing.

use crate::state::{Msg, Setup, Sim};
use splitbrain_core::protocols::primary_backup::PbBug;
use splitbrain_core::protocols::quorum::{Conflict, QuorumBug};
use splitbrain_core::protocols::raft::RaftBug;
use splitbrain_core::run::{ProtocolKind, MAX_NODES};
use yew::prelude::*;

pub const NODE_CHOICES: [usize; 9] = [1, 3, 5, 7, 9, 15, 25, 49, 64];

#[derive(Properties, PartialEq)]
pub struct Props {
    pub sim: UseReducerHandle<Sim>,
}

/// Reads a seed typed by the user.
pub fn parse_seed(text: &str) -> Result<u64, String> {
    let t = text.trim();
    t.parse::<u64>().map_err(|_| {
        format!(
            "the seed must be a whole number from 0 to {}, not {t:?}",
            u64::MAX
        )
    })
}

#[component]
pub fn SetupPanel(props: &Props) -> Html {
    let sim = &props.sim;
    let setup = &sim.setup;
    let seed_text = use_state(|| setup.seed.to_string());
    {
        // Follow the run's seed when it changes elsewhere (new seed, reset).
        let seed_text = seed_text.clone();
        use_effect_with(setup.seed, move |seed| seed_text.set(seed.to_string()));
    }
    let restart = |change: Change| {
        let sim = sim.clone();
        move || {
            let mut next = sim.setup.clone();
            change(&mut next);
            sim.dispatch(Msg::Restart(next));
        }
    };
    let on_nodes = {
        let sim = sim.clone();
        Callback::from(move |e: Event| {
            if let Some(select) = e.target_dyn_into::<web_sys::HtmlSelectElement>() {
                match select.value().parse::<usize>() {
                    Ok(nodes) => {
                        let mut next = sim.setup.clone();
                        next.nodes = nodes;
                        // Quorums cannot be larger than the replicas there are.
                        let n = next.quorum.replicas_in(nodes);
                        next.quorum.r = next.quorum.r.min(n);
                        next.quorum.w = next.quorum.w.min(n);
                        sim.dispatch(Msg::Restart(next));
                    }
                    Err(_) => sim.dispatch(Msg::Notice(Some(
                        "pick a cluster size from the list".into(),
                    ))),
                }
            }
        })
    };
    // Each protocol's bugs, as (name, description, on, how to switch it).
    let bugs: Vec<(&str, &str, bool, Change)> = match setup.protocol {
        ProtocolKind::Raft => RaftBug::ALL
            .iter()
            .map(|&bug| {
                let toggle: Change = Box::new(move |s| toggle_in(&mut s.bugs, bug));
                (
                    bug.name(),
                    bug.describe(),
                    setup.bugs.contains(&bug),
                    toggle,
                )
            })
            .collect(),
        ProtocolKind::Quorum => QuorumBug::ALL
            .iter()
            .map(|&bug| {
                let toggle: Change = Box::new(move |s| toggle_in(&mut s.quorum.bugs, bug));
                (bug.name(), bug.describe(), setup.quorum.has(bug), toggle)
            })
            .collect(),
        ProtocolKind::PrimaryBackup => PbBug::ALL
            .iter()
            .map(|&bug| {
                let toggle: Change = Box::new(move |s| toggle_in(&mut s.primary_backup.bugs, bug));
                (
                    bug.name(),
                    bug.describe(),
                    setup.primary_backup.has(bug),
                    toggle,
                )
            })
            .collect(),
    };
    let bug_buttons = bugs.into_iter().map(|(name, describe, on, change)| {
        let toggle = restart(change);
        html! {
            <button class={classes!("chip", "bug", on.then_some("active"))} aria-pressed={on.to_string()}
                    title={describe} onclick={Callback::from(move |_| toggle())}>
                { name }
            </button>
        }
    });
    let on_protocol = {
        let sim = sim.clone();
        Callback::from(move |e: Event| {
            if let Some(select) = e.target_dyn_into::<web_sys::HtmlSelectElement>() {
                match ProtocolKind::parse(&select.value()) {
                    Ok(protocol) => {
                        let mut next = sim.setup.clone();
                        next.protocol = protocol;
                        // Bugs belong to one protocol: a new protocol starts without any.
                        next.bugs.clear();
                        next.quorum.bugs.clear();
                        next.primary_backup.bugs.clear();
                        // Quorum sizes kept from a link may not fit this cluster.
                        if next.quorum.replicas == Some(0) {
                            next.quorum.replicas = None;
                        }
                        let n = next.quorum.replicas_in(next.nodes);
                        next.quorum.r = next.quorum.r.clamp(1, n);
                        next.quorum.w = next.quorum.w.clamp(1, n);
                        sim.dispatch(Msg::Restart(next));
                    }
                    Err(e) => sim.dispatch(Msg::Notice(Some(e))),
                }
            }
        })
    };
    let settings = protocol_settings(sim);
    let on_seed_input = {
        let seed_text = seed_text.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(input) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
                seed_text.set(input.value());
            }
        })
    };
    let apply_seed = {
        let sim = sim.clone();
        let seed_text = seed_text.clone();
        move || match parse_seed(&seed_text) {
            Ok(seed) => {
                let mut next = sim.setup.clone();
                next.seed = seed;
                sim.dispatch(Msg::Restart(next));
            }
            Err(e) => sim.dispatch(Msg::Notice(Some(e))),
        }
    };
    let on_seed_key = {
        let apply_seed = apply_seed.clone();
        Callback::from(move |e: KeyboardEvent| {
            // Typing in the field must not reach the page's shortcuts.
            e.stop_propagation();
            if e.key() == "Enter" {
                apply_seed();
            }
        })
    };
    let on_seed_change = Callback::from(move |_: Event| apply_seed());
    let new_seed = {
        let sim = sim.clone();
        Callback::from(move |_| {
            let mut next = sim.setup.clone();
            next.seed = next.seed.wrapping_add(1);
            sim.dispatch(Msg::Restart(next));
        })
    };
    let mut choices: Vec<usize> = NODE_CHOICES.to_vec();
    if !choices.contains(&setup.nodes) && setup.nodes <= MAX_NODES {
        choices.push(setup.nodes);
        choices.sort_unstable();
    }
    html! {
        <section class="setup" aria-label="Cluster set-up">
            <label>{"protocol "}
                <select aria-label="Protocol" onchange={on_protocol}>
                    { for ProtocolKind::ALL.iter().map(|p| html! {
                        <option value={p.name()} selected={*p == setup.protocol}>{ protocol_label(*p) }</option>
                    }) }
                </select>
            </label>
            <label>{"nodes "}
                <select onchange={on_nodes} aria-label="Number of nodes">
                    { for choices.iter().map(|&c| html! {
                        <option value={c.to_string()} selected={c == setup.nodes}>{ c }</option>
                    }) }
                </select>
            </label>
            <label>{"seed "}
                <input class="seed" type="text" inputmode="numeric" value={(*seed_text).clone()}
                       oninput={on_seed_input} onkeydown={on_seed_key} onchange={on_seed_change}
                       aria-label="Seed of the run (press Enter to restart with it)" />
            </label>
            <button onclick={new_seed} title="Start a new run with the next seed">{"New seed"}</button>
            { settings }
            <span class="label">{"bugs"}</span>
            { for bug_buttons }
        </section>
    }
}

/// The replica counts offered: 1 to 9 (at most the cluster's size), and the one in use.
fn replica_choices(nodes: usize, current: Option<usize>) -> Vec<usize> {
    let mut choices: Vec<usize> = (1..=nodes.min(9)).collect();
    if let Some(k) = current.filter(|k| !choices.contains(k) && *k <= nodes) {
        choices.push(k);
    }
    choices
}

/// A change to the set-up, and one that takes the value of a form field.
type Change = Box<dyn Fn(&mut Setup)>;
type ChangeWith = Box<dyn Fn(&mut Setup, String)>;

fn toggle_in<T: PartialEq>(list: &mut Vec<T>, item: T) {
    match list.iter().position(|b| *b == item) {
        Some(i) => {
            list.remove(i);
        }
        None => list.push(item),
    }
}

pub fn protocol_label(p: ProtocolKind) -> &'static str {
    match p {
        ProtocolKind::Raft => "Raft (consensus)",
        ProtocolKind::Quorum => "Quorum store (leaderless)",
        ProtocolKind::PrimaryBackup => "Primary-backup",
    }
}

/// The chosen protocol's own settings: quorum sizes and conflict handling, or whether
/// primary-backup waits for a backup.
fn protocol_settings(sim: &UseReducerHandle<Sim>) -> Html {
    let setup = &sim.setup;
    let change = |f: ChangeWith| {
        let sim = sim.clone();
        Callback::from(move |e: Event| {
            let value = e
                .target_dyn_into::<web_sys::HtmlSelectElement>()
                .map(|s| s.value())
                .or_else(|| {
                    e.target_dyn_into::<web_sys::HtmlInputElement>()
                        .map(|i| i.checked().to_string())
                });
            if let Some(value) = value {
                let mut next = sim.setup.clone();
                f(&mut next, value);
                sim.dispatch(Msg::Restart(next));
            }
        })
    };
    match setup.protocol {
        ProtocolKind::Raft => html! {},
        ProtocolKind::Quorum => {
            let q = &setup.quorum;
            let n = q.replicas_in(setup.nodes);
            let size = |name: &'static str, value: usize, set: fn(&mut Setup, usize)| {
                let on_change = change(Box::new(move |s, v| {
                    if let Ok(v) = v.parse() {
                        set(s, v)
                    }
                }));
                html! {
                    <label>{ format!("{name} ") }
                        <select aria-label={format!("{name} (of {n} replicas)")} onchange={on_change}>
                            { for (1..=n).map(|k| html! { <option value={k.to_string()} selected={k == value}>{ k }</option> }) }
                        </select>
                    </label>
                }
            };
            let overlap = if q.r + q.w > n {
                format!("R+W={} > N={n}: reads meet writes", q.r + q.w)
            } else {
                format!("R+W={} ≤ N={n}: reads can miss writes", q.r + q.w)
            };
            let on_conflict = change(Box::new(|s, v| {
                if let Ok(c) = Conflict::parse(&v) {
                    s.quorum.conflict = c;
                }
            }));
            let on_sloppy = change(Box::new(|s, v| s.quorum.sloppy = v == "true"));
            let on_replicas = change(Box::new(|s, v| {
                s.quorum.replicas = v.parse().ok();
                // Quorums cannot be larger than the replicas there are.
                let n = s.quorum.replicas_in(s.nodes);
                s.quorum.r = s.quorum.r.min(n);
                s.quorum.w = s.quorum.w.min(n);
            }));
            html! {
                <>
                <label title="Replicas per key: key k lives on the N nodes from node k mod nodes">{"N "}
                    <select aria-label="Replicas per key (N)" onchange={on_replicas}>
                        <option value="all" selected={q.replicas.is_none()}>{ format!("all ({})", setup.nodes) }</option>
                        { for replica_choices(setup.nodes, q.replicas).into_iter().map(|k| html! {
                            <option value={k.to_string()} selected={q.replicas == Some(k)}>{ k }</option>
                        }) }
                    </select>
                </label>
                { size("R", q.r, |s, v| s.quorum.r = v) }
                { size("W", q.w, |s, v| s.quorum.w = v) }
                <span class="muted small">{ overlap }</span>
                <label>{"conflicts "}
                    <select aria-label="Conflict resolution" onchange={on_conflict}>
                        <option value="lww" selected={q.conflict == Conflict::Lww}>{"last writer wins (clock)"}</option>
                        <option value="vv" selected={q.conflict == Conflict::VersionVectors}>{"version vectors"}</option>
                    </select>
                </label>
                <label title="Stand-in nodes accept writes for unreachable replicas and hand them back later">
                    <input type="checkbox" checked={q.sloppy} onchange={on_sloppy} />{" sloppy quorums"}
                </label>
                </>
            }
        }
        ProtocolKind::PrimaryBackup => {
            let on_sync = change(Box::new(|s, v| {
                s.primary_backup.sync_follower = v == "true"
            }));
            html! {
                <label title="The primary answers a write only once one backup has it">
                    <input type="checkbox" checked={setup.primary_backup.sync_follower} onchange={on_sync} />{" synchronous backup"}
                </label>
            }
        }
    }
}
